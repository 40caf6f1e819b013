/**
 * The ZK operator's persistent state, in the operator's SQLite store (`operator/core/store.ts`).
 *
 * What is kept, and why it is enough to restart after `kill -9` at any point:
 * - `zk_txs`: every accepted transaction with its signature, written before the API answers.
 *   `batch` is set in the same SQLite transaction that seals the batch.
 * - `zk_batches`: each sealed batch's operations (deposit range, fee accounts; its transactions
 *   are the rows of `zk_txs` pointing at it, in `slot` order) and the roots it moves between;
 *   then its proof (stored before it is ever sent, so a re-sent batch carries the same calldata
 *   and the publisher's idempotency holds), its L1 transaction, and finality. Batches are
 *   deterministic given the state before them, so their circuit inputs are rebuilt, not stored.
 * - `zk_deposits`: L1 deposits as the watcher delivered them (after confirmations).
 * - `zk_accounts` and `zk_meta`: the state as of the last batch final on L1, so a restart
 *   replays only the batches after it.
 */
import type { Migration, Store } from "../../core/store";
import { StoreError } from "../../core/errors";
import { MetaTable } from "../../core/meta";
import { queueKind, type Account, type QueuedDeposit } from "../protocol";
import type { Signature, SignedTx } from "../batch";

export const ZK_OPERATOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "transactions, batches, deposits, final state",
    up: `
      CREATE TABLE zk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE zk_txs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hash TEXT NOT NULL UNIQUE,
        from_index TEXT NOT NULL,
        to_index TEXT NOT NULL,
        token INTEGER NOT NULL,
        nonce TEXT NOT NULL,
        amount TEXT NOT NULL,
        fee TEXT NOT NULL,
        r8x TEXT NOT NULL,
        r8y TEXT NOT NULL,
        s TEXT NOT NULL,
        accepted_at INTEGER NOT NULL,
        batch INTEGER,
        slot INTEGER
      );
      CREATE INDEX zk_txs_pending ON zk_txs (batch, id);
      CREATE TABLE zk_batches (
        number INTEGER PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('sealed', 'proven', 'final')),
        deposits_from INTEGER NOT NULL,
        deposits_taken INTEGER NOT NULL,
        fee_accounts TEXT NOT NULL,
        old_root TEXT NOT NULL,
        new_root TEXT NOT NULL,
        changes TEXT NOT NULL,
        sealed_at INTEGER NOT NULL,
        proof TEXT,
        prove_seconds REAL,
        proven_at INTEGER,
        l1_tx TEXT,
        l1_block INTEGER,
        gas_used TEXT,
        final_at INTEGER
      );
      CREATE TABLE zk_deposits (
        number INTEGER PRIMARY KEY,
        kind INTEGER NOT NULL,
        to_index TEXT NOT NULL,
        token INTEGER NOT NULL,
        amount TEXT NOT NULL,
        ax TEXT NOT NULL,
        ay TEXT NOT NULL,
        block INTEGER NOT NULL,
        seen_at INTEGER NOT NULL
      );
      CREATE TABLE zk_accounts (
        idx TEXT PRIMARY KEY,
        token INTEGER NOT NULL,
        nonce TEXT NOT NULL,
        balance TEXT NOT NULL,
        ax TEXT NOT NULL,
        ay TEXT NOT NULL
      );
    `,
  },
];

export interface StoredTx extends SignedTx {
  id: number;
  hash: string;
  acceptedAt: number;
  batch: number | null;
}

export type BatchStatus = "sealed" | "proven" | "final";

export interface StoredBatch {
  number: number;
  status: BatchStatus;
  depositsFrom: number;
  depositsTaken: number;
  feeAccounts: bigint[];
  oldRoot: bigint;
  newRoot: bigint;
  /** Accounts the batch changed, with their values after it. */
  changes: [bigint, Account][];
  sealedAt: number;
  proof: bigint[] | null;
  proveSeconds: number | null;
  provenAt: number | null;
  l1Tx: string | null;
  l1Block: number | null;
  gasUsed: bigint | null;
  finalAt: number | null;
}

export interface StoredDeposit extends QueuedDeposit {
  number: number;
  block: number;
  /** When the operator's watcher delivered it (ms since the epoch): the batching clock. */
  seenAt: number;
}

interface TxRow {
  id: number;
  hash: string;
  from_index: string;
  to_index: string;
  token: number;
  nonce: string;
  amount: string;
  fee: string;
  r8x: string;
  r8y: string;
  s: string;
  accepted_at: number;
  batch: number | null;
}

interface BatchRow {
  number: number;
  status: BatchStatus;
  deposits_from: number;
  deposits_taken: number;
  fee_accounts: string;
  old_root: string;
  new_root: string;
  changes: string;
  sealed_at: number;
  proof: string | null;
  prove_seconds: number | null;
  proven_at: number | null;
  l1_tx: string | null;
  l1_block: number | null;
  gas_used: string | null;
  final_at: number | null;
}

interface DepositRow {
  number: number;
  kind: number;
  to_index: string;
  token: number;
  amount: string;
  ax: string;
  ay: string;
  block: number;
  seen_at: number;
}

function txFromRow(r: TxRow): StoredTx {
  const signature: Signature = { R8: [BigInt(r.r8x), BigInt(r.r8y)], S: BigInt(r.s) };
  return {
    id: r.id,
    hash: r.hash,
    from: BigInt(r.from_index),
    to: BigInt(r.to_index),
    token: r.token,
    nonce: BigInt(r.nonce),
    amount: BigInt(r.amount),
    fee: BigInt(r.fee),
    signature,
    acceptedAt: r.accepted_at,
    batch: r.batch,
  };
}

function accountToJson(a: Account): Record<string, string | number> {
  return {
    token: a.token,
    nonce: a.nonce.toString(),
    balance: a.balance.toString(),
    ax: a.ax.toString(),
    ay: a.ay.toString(),
  };
}

function accountFromJson(j: Record<string, string | number>): Account {
  return {
    token: Number(j.token),
    nonce: BigInt(j.nonce),
    balance: BigInt(j.balance),
    ax: BigInt(j.ax),
    ay: BigInt(j.ay),
  };
}

function batchFromRow(r: BatchRow): StoredBatch {
  const changes = (JSON.parse(r.changes) as [string, Record<string, string | number>][]).map(
    ([i, a]) => [BigInt(i), accountFromJson(a)] as [bigint, Account],
  );
  return {
    number: r.number,
    status: r.status,
    depositsFrom: r.deposits_from,
    depositsTaken: r.deposits_taken,
    feeAccounts: (JSON.parse(r.fee_accounts) as string[]).map(BigInt),
    oldRoot: BigInt(r.old_root),
    newRoot: BigInt(r.new_root),
    changes,
    sealedAt: r.sealed_at,
    proof: r.proof === null ? null : (JSON.parse(r.proof) as string[]).map(BigInt),
    proveSeconds: r.prove_seconds,
    provenAt: r.proven_at,
    l1Tx: r.l1_tx,
    l1Block: r.l1_block,
    gasUsed: r.gas_used === null ? null : BigInt(r.gas_used),
    finalAt: r.final_at,
  };
}

function depositFromRow(r: DepositRow): StoredDeposit {
  return {
    number: r.number,
    kind: queueKind(BigInt(r.kind)),
    to: BigInt(r.to_index),
    token: r.token,
    amount: BigInt(r.amount),
    ax: BigInt(r.ax),
    ay: BigInt(r.ay),
    block: r.block,
    seenAt: r.seen_at,
  };
}

/** Typed queries over the operator's tables. Every method is synchronous (better-sqlite3). */
export class ZkOperatorDb {
  private readonly metaTable: MetaTable;

  constructor(readonly store: Store) {
    store.migrate("zk-operator", ZK_OPERATOR_MIGRATIONS);
    this.metaTable = new MetaTable(store, "zk_meta");
  }

  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  // -------------------------------------------------------------------------------- meta

  meta(key: string): string | undefined {
    return this.metaTable.get(key);
  }

  setMeta(key: string, value: string): void {
    this.metaTable.set(key, value);
  }

  /**
   * Binds the database to one rollup deployment: the first start records it, later starts must
   * match (a database of another rollup is refused, never reused).
   */
  bindDeployment(identity: Record<string, string>): void {
    this.metaTable.bindDeployment(identity, "use another --data-dir or run npx l2kit zk rebuild");
  }

  // -------------------------------------------------------------------------------- transactions

  /** Inserts accepted transactions (call inside a transaction to group them). */
  insertTxs(txs: readonly { id: number; hash: string; tx: SignedTx; acceptedAt: number }[]): void {
    const stmt = this.store.db.prepare(
      `INSERT INTO zk_txs (id, hash, from_index, to_index, token, nonce, amount, fee, r8x, r8y, s, accepted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const { id, hash, tx, acceptedAt } of txs) {
      stmt.run(
        id,
        hash,
        tx.from.toString(),
        tx.to.toString(),
        tx.token,
        tx.nonce.toString(),
        tx.amount.toString(),
        tx.fee.toString(),
        tx.signature.R8[0].toString(),
        tx.signature.R8[1].toString(),
        tx.signature.S.toString(),
        acceptedAt,
      );
    }
  }

  /** Transactions not yet in a batch, in acceptance order. */
  pendingTxs(): StoredTx[] {
    return (
      this.store.db.prepare("SELECT * FROM zk_txs WHERE batch IS NULL ORDER BY id").all() as TxRow[]
    ).map(txFromRow);
  }

  txByHash(hash: string): StoredTx | undefined {
    const row = this.store.db.prepare("SELECT * FROM zk_txs WHERE hash = ?").get(hash) as
      TxRow | undefined;
    return row === undefined ? undefined : txFromRow(row);
  }

  /** A batch's transactions in slot order. */
  batchTxs(batch: number): StoredTx[] {
    return (
      this.store.db
        .prepare("SELECT * FROM zk_txs WHERE batch = ? ORDER BY slot")
        .all(batch) as TxRow[]
    ).map(txFromRow);
  }

  /** Removes a pending transaction that can no longer go into any batch. */
  dropTx(id: number): void {
    this.store.db.prepare("DELETE FROM zk_txs WHERE id = ? AND batch IS NULL").run(id);
  }

  // -------------------------------------------------------------------------------- batches

  lastBatchNumber(): number {
    const row = this.store.db.prepare("SELECT MAX(number) AS n FROM zk_batches").get() as {
      n: number | null;
    };
    return row.n ?? 0;
  }

  /** Records a sealed batch and assigns its transactions, atomically. */
  insertBatch(
    b: Pick<
      StoredBatch,
      | "number"
      | "depositsFrom"
      | "depositsTaken"
      | "feeAccounts"
      | "oldRoot"
      | "newRoot"
      | "changes"
      | "sealedAt"
    >,
    txIds: readonly number[],
  ): void {
    this.transaction(() => {
      this.store.db
        .prepare(
          `INSERT INTO zk_batches (number, status, deposits_from, deposits_taken, fee_accounts, old_root, new_root, changes, sealed_at)
           VALUES (?, 'sealed', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          b.number,
          b.depositsFrom,
          b.depositsTaken,
          JSON.stringify(b.feeAccounts.map(String)),
          b.oldRoot.toString(),
          b.newRoot.toString(),
          JSON.stringify(b.changes.map(([i, a]) => [i.toString(), accountToJson(a)])),
          b.sealedAt,
        );
      const assign = this.store.db.prepare(
        "UPDATE zk_txs SET batch = ?, slot = ? WHERE id = ? AND batch IS NULL",
      );
      txIds.forEach((id, slot) => {
        if (assign.run(b.number, slot, id).changes !== 1) {
          throw new StoreError(`transaction ${id} is not pending; batch ${b.number} not sealed`, {
            id,
          });
        }
      });
    });
  }

  /** Records a batch rebuilt from L1 (`npx l2kit zk rebuild`): final, without its transactions. */
  insertFinalBatch(b: {
    number: number;
    depositsFrom: number;
    depositsTaken: number;
    oldRoot: bigint;
    newRoot: bigint;
    l1Tx: string;
    l1Block: number;
  }): void {
    this.store.db
      .prepare(
        `INSERT INTO zk_batches (number, status, deposits_from, deposits_taken, fee_accounts, old_root, new_root, changes, sealed_at, l1_tx, l1_block, final_at)
         VALUES (?, 'final', ?, ?, '[]', ?, ?, '[]', ?, ?, ?, ?)`,
      )
      .run(
        b.number,
        b.depositsFrom,
        b.depositsTaken,
        b.oldRoot.toString(),
        b.newRoot.toString(),
        Date.now(),
        b.l1Tx,
        b.l1Block,
        Date.now(),
      );
  }

  batch(number: number): StoredBatch | undefined {
    const row = this.store.db.prepare("SELECT * FROM zk_batches WHERE number = ?").get(number) as
      BatchRow | undefined;
    return row === undefined ? undefined : batchFromRow(row);
  }

  /** Batches not yet final on L1, in order. */
  unfinishedBatches(): StoredBatch[] {
    return (
      this.store.db
        .prepare("SELECT * FROM zk_batches WHERE status != 'final' ORDER BY number")
        .all() as BatchRow[]
    ).map(batchFromRow);
  }

  recordProof(number: number, proof: readonly bigint[], seconds: number): void {
    const r = this.store.db
      .prepare(
        "UPDATE zk_batches SET status = 'proven', proof = ?, prove_seconds = ?, proven_at = ? WHERE number = ? AND status = 'sealed'",
      )
      .run(JSON.stringify(proof.map(String)), seconds, Date.now(), number);
    if (r.changes !== 1) throw new StoreError(`batch ${number} is not waiting for a proof`, {});
  }

  /**
   * Marks a batch final on L1 and moves the final state forward by its changes, atomically.
   */
  recordFinal(
    b: StoredBatch,
    l1: { tx: string; block: number; gasUsed: bigint },
    final: { depositsConsumed: number; depositChain: bigint },
  ): void {
    this.transaction(() => {
      const r = this.store.db
        .prepare(
          "UPDATE zk_batches SET status = 'final', l1_tx = ?, l1_block = ?, gas_used = ?, final_at = ? WHERE number = ? AND status = 'proven'",
        )
        .run(l1.tx, l1.block, l1.gasUsed.toString(), Date.now(), b.number);
      if (r.changes !== 1) throw new StoreError(`batch ${b.number} is not proven`, {});
      this.putAccounts(b.changes);
      this.setMeta("final.batch", String(b.number));
      this.setMeta("final.depositsConsumed", String(final.depositsConsumed));
      this.setMeta("final.depositChain", final.depositChain.toString());
    });
  }

  /** Transactions per status (for /v1/status and health). */
  counts(): { pending: number; batched: number; batches: Record<BatchStatus, number> } {
    const tx = this.store.db
      .prepare(
        "SELECT SUM(batch IS NULL) AS pending, SUM(batch IS NOT NULL) AS batched FROM zk_txs",
      )
      .get() as { pending: number | null; batched: number | null };
    const batches: Record<BatchStatus, number> = { sealed: 0, proven: 0, final: 0 };
    for (const r of this.store.db
      .prepare("SELECT status, COUNT(*) AS n FROM zk_batches GROUP BY status")
      .all() as { status: BatchStatus; n: number }[])
      batches[r.status] = r.n;
    return { pending: tx.pending ?? 0, batched: tx.batched ?? 0, batches };
  }

  // -------------------------------------------------------------------------------- deposits

  insertDeposit(d: StoredDeposit): void {
    this.store.db
      .prepare(
        `INSERT INTO zk_deposits (number, kind, to_index, token, amount, ax, ay, block, seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.number,
        d.kind,
        d.to.toString(),
        d.token,
        d.amount.toString(),
        d.ax.toString(),
        d.ay.toString(),
        d.block,
        d.seenAt,
      );
  }

  /** Forgets deposits seen in blocks from `block` on (a reorganisation); returns how many. */
  deleteDepositsFrom(block: number): number[] {
    const rows = this.store.db
      .prepare("SELECT number FROM zk_deposits WHERE block >= ? ORDER BY number")
      .all(block) as { number: number }[];
    this.store.db.prepare("DELETE FROM zk_deposits WHERE block >= ?").run(block);
    return rows.map((r) => r.number);
  }

  depositCount(): number {
    const row = this.store.db.prepare("SELECT MAX(number) AS n FROM zk_deposits").get() as {
      n: number | null;
    };
    return row.n ?? 0;
  }

  /** Deposits `from`..`from+count-1` (1-based numbers). */
  deposits(from: number, count: number): StoredDeposit[] {
    return (
      this.store.db
        .prepare("SELECT * FROM zk_deposits WHERE number >= ? AND number < ? ORDER BY number")
        .all(from, from + count) as DepositRow[]
    ).map(depositFromRow);
  }

  // -------------------------------------------------------------------------------- final state

  putAccounts(changes: readonly [bigint, Account][]): void {
    const stmt = this.store.db.prepare(
      `INSERT INTO zk_accounts (idx, token, nonce, balance, ax, ay) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (idx) DO UPDATE SET token = excluded.token, nonce = excluded.nonce,
         balance = excluded.balance, ax = excluded.ax, ay = excluded.ay`,
    );
    for (const [i, a] of changes) {
      stmt.run(
        i.toString(),
        a.token,
        a.nonce.toString(),
        a.balance.toString(),
        a.ax.toString(),
        a.ay.toString(),
      );
    }
  }

  finalAccounts(): [bigint, Account][] {
    return (
      this.store.db.prepare("SELECT * FROM zk_accounts").all() as {
        idx: string;
        token: number;
        nonce: string;
        balance: string;
        ax: string;
        ay: string;
      }[]
    ).map((r) => [
      BigInt(r.idx),
      {
        token: r.token,
        nonce: BigInt(r.nonce),
        balance: BigInt(r.balance),
        ax: BigInt(r.ax),
        ay: BigInt(r.ay),
      },
    ]);
  }
}
