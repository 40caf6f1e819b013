/**
 * The optimistic sequencer's persistent state, in its SQLite store (`operator/core/store.ts`).
 *
 * What is kept, and why it is enough to restart after `kill -9` at any point:
 * - `opt_txs`: every accepted transaction with its signature, written before the API answers.
 *   Sealing a batch sets `batch`, `slot` and the exact `record` posted, in the same SQLite
 *   transaction that stores the batch; a transaction the batch's execution refused is marked
 *   `rejected` with the reason.
 * - `opt_inbox`: the L1 inbox as the watcher delivered it (deposits, forced transactions;
 *   operator/optimistic/inbox.ts).
 * - `opt_batches`: each sealed batch (its inbox range, fee account, the roots it moves between,
 *   the root it claims on L1, which differs from the honest one only under `--fault-at-batch`),
 *   then its L1 transaction, id, and finality or discard. The L2 state is not stored: it is
 *   rebuilt by replaying the live batches, whose honest roots must come out as stored.
 * - Batches posted by others (a forced poster after `forceDelay`, a co-sequencer) are read from L1
 *   (`../l1-batches.ts`) into `opt_foreign` as they appear; a valid one is adopted into
 *   `opt_batches` with its records (`foreign_records`, `poster` set) and the pending
 *   transactions it carried bound to it, so the chain the sequencer builds on is L1's.
 */
import { MetaTable } from "../../core/meta";
import type { Migration, Store } from "../../core/store";
import type { Hex } from "../../lib/sparse-merkle";
import type { BatchContent } from "../batch";
import { splitRecords } from "../codec";
import {
  POSTED_BATCH_COLUMNS,
  postedBatchFromRow,
  postedBatchValues,
  type PostedBatchEvent,
  type PostedBatchRow,
} from "../l1-batches";
import { inboxTableSql, InboxTable } from "../inbox";

export const SEQUENCER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "transactions, inbox, batches",
    up: `
      CREATE TABLE opt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE opt_txs (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL CHECK (type IN ('transfer', 'withdraw')),
        sender TEXT NOT NULL,
        recipient TEXT,
        token INTEGER NOT NULL,
        nonce TEXT NOT NULL,
        amount TEXT NOT NULL,
        fee TEXT NOT NULL,
        signature TEXT NOT NULL,
        accepted_at INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'batched', 'rejected')),
        batch INTEGER,
        slot INTEGER,
        record TEXT,
        reason TEXT,
        requeued INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX opt_txs_status ON opt_txs (status, id);
      CREATE INDEX opt_txs_batch ON opt_txs (batch, slot);
      ${inboxTableSql("opt_inbox")}
      CREATE TABLE opt_batches (
        seq INTEGER PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('sealed', 'posted', 'final', 'discarded')),
        position INTEGER NOT NULL,
        inbox_start INTEGER NOT NULL,
        inbox_count INTEGER NOT NULL,
        fee_account INTEGER NOT NULL,
        prev_root TEXT NOT NULL,
        honest_root TEXT NOT NULL,
        claimed_root TEXT NOT NULL,
        records INTEGER NOT NULL,
        sealed_at INTEGER NOT NULL,
        batch_id INTEGER,
        l1_tx TEXT,
        l1_block INTEGER,
        gas_used TEXT,
        posted_at INTEGER,
        final_at INTEGER
      );
      CREATE INDEX opt_batches_position ON opt_batches (position);
    `,
  },
  {
    version: 2,
    name: "batches posted by others",
    up: `
      ALTER TABLE opt_batches ADD COLUMN poster TEXT;
      ALTER TABLE opt_batches ADD COLUMN foreign_records TEXT;
      CREATE TABLE opt_foreign (
        id INTEGER PRIMARY KEY,
        position INTEGER NOT NULL,
        sequencer TEXT NOT NULL,
        state_root TEXT NOT NULL,
        record_root TEXT NOT NULL,
        inbox_start INTEGER NOT NULL,
        inbox_count INTEGER NOT NULL,
        record_count INTEGER NOT NULL,
        fee_account INTEGER NOT NULL,
        l1_tx TEXT NOT NULL,
        block INTEGER NOT NULL,
        blob INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'new'
          CHECK (status IN ('new', 'adopted', 'invalid', 'unreadable', 'discarded')),
        note TEXT
      );
      CREATE INDEX opt_foreign_status ON opt_foreign (status, position);
    `,
  },
  {
    version: 3,
    name: "foreign blob batches",
    up: `
      ALTER TABLE opt_foreign ADD COLUMN blob_hashes TEXT;
      ALTER TABLE opt_batches ADD COLUMN foreign_slotted INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

/**
 * A batch someone else posted, as read from L1: `new` until read and executed, then `adopted`
 * (valid: in `opt_batches`), `invalid` or `unreadable` (the sequencer waits for its discard), or
 * `discarded`.
 */
export interface ForeignBatch extends PostedBatchEvent {
  blob: boolean;
  /** A blob batch's versioned hashes (its `BlobsPosted` event). */
  blobHashes: Hex[] | null;
  status: "new" | "adopted" | "invalid" | "unreadable" | "discarded";
  note: string | null;
}

export type TxType = "transfer" | "withdraw";

/** A transaction as its sender signed it (the record is built from it when a batch is sealed). */
export interface SignedL2Tx {
  type: TxType;
  /** The sender's L1 address (its L2 account's owner), checksummed. */
  sender: string;
  /** The recipient's address (transfers). */
  recipient?: string;
  token: number;
  nonce: bigint;
  amount: bigint;
  fee: bigint;
  /** 65-byte signature (r ‖ s ‖ v) over the EIP-712 message. */
  signature: string;
}

export type TxStatus = "pending" | "batched" | "rejected";

export interface StoredTx extends SignedL2Tx {
  id: number;
  hash: string;
  acceptedAt: number;
  status: TxStatus;
  batch: number | null;
  slot: number | null;
  record: Hex | null;
  reason: string | null;
  /** Times a batch holding it was discarded (it then waits for the next batch again). */
  requeued: number;
}

export type BatchStatus = "sealed" | "posted" | "final" | "discarded";

export interface StoredBatch {
  seq: number;
  status: BatchStatus;
  position: number;
  inboxStart: number;
  inboxCount: number;
  feeAccount: number;
  prevRoot: Hex;
  honestRoot: Hex;
  claimedRoot: Hex;
  records: number;
  sealedAt: number;
  batchId: number | null;
  l1Tx: string | null;
  l1Block: number | null;
  gasUsed: bigint | null;
  postedAt: number | null;
  finalAt: number | null;
  /** Who posted it when another address did (null: this sequencer sealed it). */
  poster?: string | null;
  /**
   * A foreign batch's records: concatenated (calldata batches), or a JSON array of hex records
   * when `foreignSlotted` (blob batches, whose slots need not hold well-formed records).
   */
  foreignRecords?: string | null;
  foreignSlotted?: boolean;
}

interface TxRow {
  id: number;
  hash: string;
  type: TxType;
  sender: string;
  recipient: string | null;
  token: number;
  nonce: string;
  amount: string;
  fee: string;
  signature: string;
  accepted_at: number;
  status: TxStatus;
  batch: number | null;
  slot: number | null;
  record: string | null;
  reason: string | null;
  requeued: number;
}

interface BatchRow {
  seq: number;
  status: BatchStatus;
  position: number;
  inbox_start: number;
  inbox_count: number;
  fee_account: number;
  prev_root: string;
  honest_root: string;
  claimed_root: string;
  records: number;
  sealed_at: number;
  batch_id: number | null;
  l1_tx: string | null;
  l1_block: number | null;
  gas_used: string | null;
  posted_at: number | null;
  final_at: number | null;
  poster: string | null;
  foreign_records: string | null;
  foreign_slotted: number;
}

function txFromRow(r: TxRow): StoredTx {
  return {
    id: r.id,
    hash: r.hash,
    type: r.type,
    sender: r.sender,
    ...(r.recipient === null ? {} : { recipient: r.recipient }),
    token: r.token,
    nonce: BigInt(r.nonce),
    amount: BigInt(r.amount),
    fee: BigInt(r.fee),
    signature: r.signature,
    acceptedAt: r.accepted_at,
    status: r.status,
    batch: r.batch,
    slot: r.slot,
    record: r.record as Hex | null,
    reason: r.reason,
    requeued: r.requeued,
  };
}

function batchFromRow(r: BatchRow): StoredBatch {
  return {
    seq: r.seq,
    status: r.status,
    position: r.position,
    inboxStart: r.inbox_start,
    inboxCount: r.inbox_count,
    feeAccount: r.fee_account,
    prevRoot: r.prev_root as Hex,
    honestRoot: r.honest_root as Hex,
    claimedRoot: r.claimed_root as Hex,
    records: r.records,
    sealedAt: r.sealed_at,
    batchId: r.batch_id,
    l1Tx: r.l1_tx,
    l1Block: r.l1_block,
    gasUsed: r.gas_used === null ? null : BigInt(r.gas_used),
    postedAt: r.posted_at,
    finalAt: r.final_at,
    poster: r.poster,
    foreignRecords: r.foreign_records,
    foreignSlotted: r.foreign_slotted === 1,
  };
}

interface ForeignRow extends PostedBatchRow {
  status: ForeignBatch["status"];
  note: string | null;
}

function foreignFromRow(r: ForeignRow): ForeignBatch {
  return { ...postedBatchFromRow(r), status: r.status, note: r.note };
}

/** A transaction accepted by the API, as the writer thread stores it. */
export interface AcceptedRow {
  id: number;
  hash: string;
  tx: SignedL2Tx;
  acceptedAt: number;
}

/** Typed queries over the sequencer's tables. Every method is synchronous (better-sqlite3). */
export class SequencerDb {
  readonly meta: MetaTable;
  readonly inbox: InboxTable;

  constructor(readonly store: Store) {
    store.migrate("optimistic-sequencer", SEQUENCER_MIGRATIONS);
    this.meta = new MetaTable(store, "opt_meta");
    this.inbox = new InboxTable(store, "opt_inbox");
  }

  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  // ---- transactions ----

  insertTxs(rows: readonly AcceptedRow[]): void {
    const stmt = this.store.db.prepare(
      `INSERT INTO opt_txs (id, hash, type, sender, recipient, token, nonce, amount, fee, signature, accepted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const { id, hash, tx, acceptedAt } of rows) {
      stmt.run(
        id,
        hash,
        tx.type,
        tx.sender,
        tx.recipient ?? null,
        tx.token,
        tx.nonce.toString(),
        tx.amount.toString(),
        tx.fee.toString(),
        tx.signature,
        acceptedAt,
      );
    }
  }

  maxTxId(): number {
    return (
      (this.store.db.prepare("SELECT MAX(id) AS n FROM opt_txs").get() as { n: number | null }).n ??
      0
    );
  }

  /** Transactions waiting for a batch, in acceptance order. */
  pendingTxs(): StoredTx[] {
    return (
      this.store.db
        .prepare("SELECT * FROM opt_txs WHERE status = 'pending' ORDER BY id")
        .all() as TxRow[]
    ).map(txFromRow);
  }

  txByHash(hash: string): StoredTx | undefined {
    const row = this.store.db.prepare("SELECT * FROM opt_txs WHERE hash = ?").get(hash) as
      TxRow | undefined;
    return row === undefined ? undefined : txFromRow(row);
  }

  /** A batch's transactions in slot order. */
  batchTxs(seq: number): StoredTx[] {
    return (
      this.store.db
        .prepare("SELECT * FROM opt_txs WHERE batch = ? ORDER BY slot")
        .all(seq) as TxRow[]
    ).map(txFromRow);
  }

  rejectTx(id: number, reason: string): void {
    this.store.db
      .prepare("UPDATE opt_txs SET status = 'rejected', reason = ? WHERE id = ?")
      .run(reason, id);
  }

  // ---- batches ----

  /** Stores a sealed batch and binds its transactions (records in slot order) and rejections. */
  insertBatch(
    b: StoredBatch,
    included: readonly { id: number; record: Hex }[],
    rejected: readonly { id: number; reason: string }[],
  ): void {
    this.transaction(() => {
      this.store.db
        .prepare(
          `INSERT INTO opt_batches (seq, status, position, inbox_start, inbox_count, fee_account,
             prev_root, honest_root, claimed_root, records, sealed_at)
           VALUES (?, 'sealed', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          b.seq,
          b.position,
          b.inboxStart,
          b.inboxCount,
          b.feeAccount,
          b.prevRoot,
          b.honestRoot,
          b.claimedRoot,
          b.records,
          b.sealedAt,
        );
      const bind = this.store.db.prepare(
        "UPDATE opt_txs SET status = 'batched', batch = ?, slot = ?, record = ? WHERE id = ?",
      );
      included.forEach((t, slot) => bind.run(b.seq, slot, t.record, t.id));
      for (const r of rejected) this.rejectTx(r.id, r.reason);
    });
  }

  lastSeq(): number {
    return (
      (this.store.db.prepare("SELECT MAX(seq) AS n FROM opt_batches").get() as { n: number | null })
        .n ?? 0
    );
  }

  batch(seq: number): StoredBatch | undefined {
    const row = this.store.db.prepare("SELECT * FROM opt_batches WHERE seq = ?").get(seq) as
      BatchRow | undefined;
    return row === undefined ? undefined : batchFromRow(row);
  }

  /** Batches in the chain (sealed, posted or final), by position. */
  liveBatches(): StoredBatch[] {
    return (
      this.store.db
        .prepare("SELECT * FROM opt_batches WHERE status != 'discarded' ORDER BY position")
        .all() as BatchRow[]
    ).map(batchFromRow);
  }

  /** The newest live batch. */
  lastLiveBatch(): StoredBatch | undefined {
    const row = this.store.db
      .prepare(
        "SELECT * FROM opt_batches WHERE status != 'discarded' ORDER BY position DESC LIMIT 1",
      )
      .get() as BatchRow | undefined;
    return row === undefined ? undefined : batchFromRow(row);
  }

  /** Sealed batches not yet on L1, by position. */
  unpostedBatches(): StoredBatch[] {
    return (
      this.store.db
        .prepare("SELECT * FROM opt_batches WHERE status = 'sealed' ORDER BY position")
        .all() as BatchRow[]
    ).map(batchFromRow);
  }

  /** Final batches after `position`, by position. */
  finalBatchesAfter(position: number): StoredBatch[] {
    return (
      this.store.db
        .prepare(
          "SELECT * FROM opt_batches WHERE status = 'final' AND position > ? ORDER BY position",
        )
        .all(position) as BatchRow[]
    ).map(batchFromRow);
  }

  /** What batch `b` executes: its inbox entries, then its stored records. */
  content(b: StoredBatch): BatchContent {
    return {
      inbox: this.inbox.range(b.inboxStart, b.inboxCount),
      records:
        b.foreignRecords === null || b.foreignRecords === undefined
          ? this.batchTxs(b.seq).map((t) => Buffer.from((t.record as string).slice(2), "hex"))
          : b.foreignSlotted === true
            ? (JSON.parse(b.foreignRecords) as string[]).map((r) => Buffer.from(r.slice(2), "hex"))
            : splitRecords(Buffer.from(b.foreignRecords.slice(2), "hex")),
      feeAccount: BigInt(b.feeAccount),
    };
  }

  // ---- batches posted by others ----

  insertForeign(b: PostedBatchEvent): void {
    this.store.db
      .prepare(
        `INSERT OR IGNORE INTO opt_foreign (${POSTED_BATCH_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...postedBatchValues(b));
  }

  markForeignBlob(id: number, versionedHashes: readonly string[]): void {
    this.store.db
      .prepare("UPDATE opt_foreign SET blob = 1, blob_hashes = ? WHERE id = ?")
      .run(JSON.stringify(versionedHashes), id);
  }

  /**
   * Records the verdict on a foreign batch still `new`; false when something (a discard the
   * watcher applied meanwhile) decided it first. (Third independent attack on issue 21: a stale
   * verdict written over a discard left the sequencer waiting, or building, on a batch L1 no
   * longer had.)
   */
  decideForeign(id: number, status: ForeignBatch["status"], note: string | null): boolean {
    return (
      this.store.db
        .prepare("UPDATE opt_foreign SET status = ?, note = ? WHERE id = ? AND status = 'new'")
        .run(status, note, id).changes === 1
    );
  }

  /** Our own discarded batches that L1 knows (their bonds may still be locked there). */
  discardedOwnBatchIds(): number[] {
    return (
      this.store.db
        .prepare(
          "SELECT batch_id FROM opt_batches WHERE status = 'discarded' AND poster IS NULL AND batch_id IS NOT NULL",
        )
        .all() as { batch_id: number }[]
    ).map((r) => r.batch_id);
  }

  /** Foreign batches still in the chain that the sequencer has not adopted, by position. */
  blockingForeign(): ForeignBatch[] {
    return (
      this.store.db
        .prepare(
          "SELECT * FROM opt_foreign WHERE status IN ('new', 'invalid', 'unreadable') ORDER BY position",
        )
        .all() as ForeignRow[]
    ).map(foreignFromRow);
  }

  foreignCounts(): Record<ForeignBatch["status"], number> {
    const out = { new: 0, adopted: 0, invalid: 0, unreadable: 0, discarded: 0 };
    for (const r of this.store.db
      .prepare("SELECT status, COUNT(*) AS n FROM opt_foreign GROUP BY status")
      .all() as { status: ForeignBatch["status"]; n: number }[])
      out[r.status] = r.n;
    return out;
  }

  /** Foreign batches at `position` or later leave the chain (a discard on L1). */
  discardForeignFrom(position: number): void {
    this.store.db
      .prepare(
        "UPDATE opt_foreign SET status = 'discarded' WHERE position >= ? AND status != 'discarded'",
      )
      .run(position);
  }

  /**
   * Stores a valid foreign batch as a posted batch of the chain, with its records, and binds the
   * pending transactions it carried (matched by signature) to their slots.
   */
  adoptForeign(
    f: ForeignBatch,
    b: Pick<StoredBatch, "seq" | "prevRoot" | "postedAt">,
    records: { calldata: Hex } | { slots: readonly Uint8Array[] },
    carried: readonly { id: number; slot: number; record: Hex }[],
  ): boolean {
    const stored =
      "calldata" in records
        ? records.calldata
        : JSON.stringify(records.slots.map((r) => `0x${Buffer.from(r).toString("hex")}`));
    return this.transaction(() => {
      // Only a batch still undecided, right after the head (a discard may have come meanwhile).
      const row = this.store.db.prepare("SELECT status FROM opt_foreign WHERE id = ?").get(f.id) as
        { status: string } | undefined;
      if (row?.status !== "new" || (this.lastLiveBatch()?.position ?? 0) + 1 !== f.position)
        return false;
      this.store.db
        .prepare(
          `INSERT INTO opt_batches (seq, status, position, inbox_start, inbox_count, fee_account,
             prev_root, honest_root, claimed_root, records, sealed_at, batch_id, l1_tx, l1_block,
             posted_at, poster, foreign_records, foreign_slotted)
           VALUES (?, 'posted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          b.seq,
          f.position,
          f.inboxStart,
          f.inboxCount,
          f.feeAccount,
          b.prevRoot,
          f.stateRoot,
          f.stateRoot,
          f.recordCount,
          Date.now(),
          f.id,
          f.l1Tx,
          f.block,
          b.postedAt,
          f.sequencer,
          stored,
          "calldata" in records ? 0 : 1,
        );
      const bind = this.store.db.prepare(
        "UPDATE opt_txs SET status = 'batched', batch = ?, slot = ?, record = ? WHERE id = ? AND status = 'pending'",
      );
      for (const t of carried) bind.run(b.seq, t.slot, t.record, t.id);
      this.decideForeign(f.id, "adopted", null);
      return true;
    });
  }

  /** The live batch at `position`, if this sequencer made it. */
  liveBatchAt(position: number): StoredBatch | undefined {
    const row = this.store.db
      .prepare("SELECT * FROM opt_batches WHERE position = ? AND status != 'discarded'")
      .get(position) as BatchRow | undefined;
    return row === undefined ? undefined : batchFromRow(row);
  }

  /**
   * Records a batch's L1 transaction: from the publisher once it is final (with its gas), or from
   * the watcher's `BatchPosted` (with the batch id), whichever comes first; idempotent.
   */
  recordPosted(
    seq: number,
    sent: { tx: string; block: number; gasUsed?: bigint; batchId?: number },
  ): void {
    this.store.db
      .prepare(
        `UPDATE opt_batches SET status = CASE status WHEN 'sealed' THEN 'posted' ELSE status END,
           l1_tx = ?, l1_block = ?, gas_used = COALESCE(?, gas_used), batch_id = COALESCE(?, batch_id),
           posted_at = COALESCE(posted_at, ?) WHERE seq = ?`,
      )
      .run(
        sent.tx,
        sent.block,
        sent.gasUsed?.toString() ?? null,
        sent.batchId ?? null,
        Date.now(),
        seq,
      );
  }

  /** Marks live batches at positions up to `position` final. */
  recordFinal(position: number): void {
    this.store.db
      .prepare(
        "UPDATE opt_batches SET status = 'final', final_at = ? WHERE position <= ? AND status = 'posted'",
      )
      .run(Date.now(), position);
  }

  /**
   * Takes live, unfinal batches from `position` on out of the chain: they are marked discarded
   * and their transactions return to the pool (their records are rebuilt when sealed again).
   * Returns the discarded batches.
   */
  discardFrom(position: number): StoredBatch[] {
    return this.transaction(() => {
      const dropped = (
        this.store.db
          .prepare(
            "SELECT * FROM opt_batches WHERE position >= ? AND status IN ('sealed', 'posted') ORDER BY position",
          )
          .all(position) as BatchRow[]
      ).map(batchFromRow);
      for (const b of dropped) {
        this.store.db
          .prepare("UPDATE opt_batches SET status = 'discarded' WHERE seq = ?")
          .run(b.seq);
        this.store.db
          .prepare(
            "UPDATE opt_txs SET status = 'pending', batch = NULL, slot = NULL, record = NULL, requeued = requeued + 1 WHERE batch = ?",
          )
          .run(b.seq);
      }
      return dropped;
    });
  }

  counts(): Record<BatchStatus | "pendingTxs" | "rejectedTxs", number> {
    const out: Record<string, number> = { sealed: 0, posted: 0, final: 0, discarded: 0 };
    for (const r of this.store.db
      .prepare("SELECT status, COUNT(*) AS n FROM opt_batches GROUP BY status")
      .all() as { status: string; n: number }[])
      out[r.status] = r.n;
    for (const r of this.store.db
      .prepare("SELECT status, COUNT(*) AS n FROM opt_txs GROUP BY status")
      .all() as { status: string; n: number }[])
      out[`${r.status}Txs`] = r.n;
    return {
      sealed: out.sealed,
      posted: out.posted,
      final: out.final,
      discarded: out.discarded,
      pendingTxs: out.pendingTxs ?? 0,
      rejectedTxs: out.rejectedTxs ?? 0,
    };
  }
}
