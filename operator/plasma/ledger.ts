/**
 * The Plasma operator's ledger, in SQLite: every output (deposits, and the outputs of the blocks
 * it built), the mempool of accepted transactions, and the blocks with their transactions. It
 * checks each transaction before accepting it (shape, inputs that exist, are unspent and not
 * exiting, signatures of their owners, amounts conserved per token) and stores it, with its
 * inputs marked pending, in one SQLite transaction before the caller answers; `buildBlock` turns
 * the mempool into the next block (new outputs at their positions, inputs spent) in one more.
 * Nothing accepted is lost by a restart.
 */
import { TxRejectedError, InputError } from "../core/errors";
import type { Migration, Store } from "../core/store";
import type { Eip712Domain } from "../lib/eip712";
import { recoverDigest } from "../lib/secp256k1";
import type { Hex } from "../lib/sparse-merkle";
import {
  BlockTree,
  CHILD_BLOCK_INTERVAL,
  decodePos,
  MAX_TXS_PER_BLOCK,
  txHash,
  utxoPos,
  type Output,
  type Transaction,
} from "./tx";

export const LEDGER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "outputs, mempool, blocks",
    up: `
      CREATE TABLE pl_outputs (
        pos TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        token TEXT NOT NULL,
        amount TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('unspent', 'pending', 'spent', 'exiting')),
        spent_by TEXT
      );
      CREATE INDEX pl_outputs_owner ON pl_outputs (owner, status);
      CREATE TABLE pl_mempool (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        hash TEXT NOT NULL UNIQUE,
        tx TEXT NOT NULL,
        sigs TEXT NOT NULL
      );
      CREATE TABLE pl_blocks (
        number INTEGER PRIMARY KEY,
        root TEXT NOT NULL,
        txs TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('built', 'submitted')),
        l1_tx TEXT
      );
    `,
  },
  {
    version: 2,
    name: "where each transaction is",
    up: `
      CREATE TABLE pl_txs (
        hash TEXT PRIMARY KEY,
        block INTEGER NOT NULL,
        idx INTEGER NOT NULL
      );
    `,
  },
];

export type OutputStatus = "unspent" | "pending" | "spent" | "exiting";

export interface OutputRow extends Output {
  pos: bigint;
  status: OutputStatus;
}

export interface SignedTx {
  tx: Transaction;
  /** One 65-byte signature per input, by its owner, over `txHash`. */
  sigs: string[];
}

export interface BlockRow {
  number: bigint;
  root: Hex;
  txs: SignedTx[];
  status: "built" | "submitted";
  l1Tx: string | null;
}

const reject = (code: string, message: string, fields: Record<string, unknown>, status: number) =>
  new TxRejectedError(code, message, fields, status);

export class PlasmaLedger {
  private readonly trees = new Map<bigint, BlockTree>();

  constructor(
    readonly store: Store,
    readonly domain: Eip712Domain,
  ) {
    store.migrate("plasma-ledger", LEDGER_MIGRATIONS);
  }

  // ---- intake ----

  /** Records the output a deposit block created (idempotent: the watcher may replay events). */
  addDeposit(blockNumber: bigint, output: Output): void {
    this.store.db
      .prepare(
        "INSERT OR IGNORE INTO pl_outputs (pos, owner, token, amount, status) VALUES (?, ?, ?, ?, 'unspent')",
      )
      .run(
        utxoPos(blockNumber, 0, 0).toString(),
        output.owner.toLowerCase(),
        output.token.toLowerCase(),
        output.amount.toString(),
      );
  }

  /** An exit of `pos` started on L1: it can no longer be spent here. */
  markExiting(pos: bigint): void {
    this.store.db
      .prepare("UPDATE pl_outputs SET status = 'exiting' WHERE pos = ? AND status = 'unspent'")
      .run(pos.toString());
  }

  /**
   * Checks `signed` and accepts it into the mempool (stored, inputs pending) or throws a
   * `TxRejectedError` naming why, changing nothing. Returns the transaction's hash.
   */
  submit(signed: SignedTx): Hex {
    const { tx, sigs } = signed;
    if (tx.inputs.length === 0 || tx.inputs.length > 2) {
      throw new InputError("tx.inputs", "a transfer spends 1 or 2 outputs");
    }
    if (tx.outputs.length === 0 || tx.outputs.length > 2) {
      throw new InputError("tx.outputs", "a transaction has 1 or 2 outputs");
    }
    if (new Set(tx.inputs.map(String)).size !== tx.inputs.length) {
      throw reject("DUPLICATE_INPUT", "an output is spent twice in one transaction", {}, 422);
    }
    if (sigs.length !== tx.inputs.length) {
      throw new InputError("sigs", "one signature per input, in input order");
    }
    sigs.forEach((sig, i) => {
      if (!/^0x[0-9a-fA-F]{130}$/.test(sig))
        throw new InputError(`sigs[${i}]`, "must be 65 bytes of hex");
    });
    for (const [i, o] of tx.outputs.entries()) {
      if (o.amount <= 0n || o.amount >= 1n << 96n) {
        throw new InputError(`tx.outputs[${i}].amount`, "must be 1 to 2^96 - 1");
      }
    }
    const hash = txHash(this.domain, tx);
    return this.store.transaction(() => {
      const inputs = tx.inputs.map((pos, i) => {
        const row = this.output(pos);
        if (row === undefined) {
          throw reject("UNKNOWN_INPUT", `no output at ${pos}`, { input: i, pos: String(pos) }, 404);
        }
        if (row.status === "exiting") {
          throw reject("INPUT_EXITING", `output ${pos} is exiting`, { input: i }, 409);
        }
        if (row.status !== "unspent") {
          throw reject("DOUBLE_SPEND", `output ${pos} is spent`, { input: i }, 409);
        }
        const signer = recoverDigest(hash, sigs[i]);
        if (signer === null || signer.toLowerCase() !== row.owner) {
          throw reject(
            "BAD_SIGNATURE",
            `input ${i} is not signed by its owner`,
            { input: i, owner: row.owner },
            422,
          );
        }
        return row;
      });
      const balance = new Map<string, bigint>();
      for (const r of inputs) balance.set(r.token, (balance.get(r.token) ?? 0n) + r.amount);
      for (const o of tx.outputs) {
        const t = o.token.toLowerCase();
        balance.set(t, (balance.get(t) ?? 0n) - o.amount);
      }
      for (const [token, left] of balance) {
        if (left !== 0n) {
          throw reject(
            "UNBALANCED",
            "outputs must equal inputs in every token",
            { token, difference: left.toString() },
            422,
          );
        }
      }
      this.store.db
        .prepare("INSERT INTO pl_mempool (hash, tx, sigs) VALUES (?, ?, ?)")
        .run(hash, JSON.stringify(txJson(tx)), JSON.stringify(sigs));
      const pend = this.store.db.prepare(
        "UPDATE pl_outputs SET status = 'pending', spent_by = ? WHERE pos = ?",
      );
      for (const pos of tx.inputs) pend.run(hash, pos.toString());
      return hash;
    });
  }

  // ---- blocks ----

  /**
   * Makes block `number` (the next child block) of up to `maxTxs` mempool transactions, oldest
   * first: its outputs are created, its inputs spent, the block stored, in one SQLite
   * transaction. Undefined when the mempool is empty.
   */
  buildBlock(number: bigint, maxTxs = MAX_TXS_PER_BLOCK): BlockRow | undefined {
    if (number % CHILD_BLOCK_INTERVAL !== 0n) {
      throw new InputError("number", "child blocks are multiples of 1000");
    }
    return this.store.transaction(() => {
      const rows = this.store.db
        .prepare("SELECT seq, hash, tx, sigs FROM pl_mempool ORDER BY seq LIMIT ?")
        .all(Math.min(maxTxs, MAX_TXS_PER_BLOCK)) as {
        seq: number;
        hash: string;
        tx: string;
        sigs: string;
      }[];
      if (rows.length === 0) return undefined;
      const txs: SignedTx[] = rows.map((r) => ({
        tx: txFromJson(JSON.parse(r.tx)),
        sigs: JSON.parse(r.sigs) as string[],
      }));
      const tree = new BlockTree(rows.map((r) => r.hash as Hex));
      const create = this.store.db.prepare(
        "INSERT INTO pl_outputs (pos, owner, token, amount, status) VALUES (?, ?, ?, ?, 'unspent')",
      );
      const spend = this.store.db.prepare(
        "UPDATE pl_outputs SET status = 'spent' WHERE spent_by = ? AND status = 'pending'",
      );
      const locate = this.store.db.prepare(
        "INSERT INTO pl_txs (hash, block, idx) VALUES (?, ?, ?)",
      );
      for (const [i, { tx }] of txs.entries()) {
        spend.run(rows[i].hash);
        locate.run(rows[i].hash, Number(number), i);
        for (const [j, o] of tx.outputs.entries()) {
          create.run(
            utxoPos(number, i, j).toString(),
            o.owner.toLowerCase(),
            o.token.toLowerCase(),
            o.amount.toString(),
          );
        }
      }
      this.store.db.prepare("DELETE FROM pl_mempool WHERE seq <= ?").run(rows[rows.length - 1].seq);
      this.store.db
        .prepare("INSERT INTO pl_blocks (number, root, txs, status) VALUES (?, ?, ?, 'built')")
        .run(Number(number), tree.root, JSON.stringify(txs.map(signedJson)));
      this.trees.set(number, tree);
      return { number, root: tree.root, txs, status: "built" as const, l1Tx: null };
    });
  }

  /**
   * Replays block `number` as the operator published it (a watcher's replica): every transaction
   * is checked as `submit` checks it and the block is built from exactly them; its root must be
   * `root`. Throws (`INVALID_BLOCK`, or the first transaction's refusal) and changes nothing when
   * the block is not valid.
   */
  applyBlock(number: bigint, root: string, txs: SignedTx[]): void {
    this.store.transaction(() => {
      if (this.mempoolSize() !== 0) {
        throw reject("MEMPOOL_NOT_EMPTY", "a replica applies blocks only", {}, 409);
      }
      for (const [i, signed] of txs.entries()) {
        try {
          this.submit(signed);
        } catch (error) {
          throw reject(
            "INVALID_BLOCK",
            `transaction ${i} of block ${number} is invalid: ${(error as Error).message}`,
            { block: String(number), index: i },
            422,
          );
        }
      }
      const built = this.buildBlock(number, MAX_TXS_PER_BLOCK);
      if (built === undefined || built.root.toLowerCase() !== root.toLowerCase()) {
        throw reject(
          "INVALID_BLOCK",
          `block ${number}'s transactions do not make its root`,
          { block: String(number), root, computed: built?.root ?? null },
          422,
        );
      }
      this.markSubmitted(number, "replayed");
    });
  }

  /**
   * The transaction of a built block that spends output `pos`, with the input's index and its
   * owner's signature (what `challengeExit` takes), if any.
   */
  spendOf(
    pos: bigint,
  ): { tx: Transaction; inputIndex: number; sig: string; block: bigint } | undefined {
    const row = this.store.db
      .prepare(
        "SELECT t.block AS block, t.idx AS idx FROM pl_outputs o JOIN pl_txs t ON t.hash = o.spent_by WHERE o.pos = ? AND o.status = 'spent'",
      )
      .get(pos.toString()) as { block: number; idx: number } | undefined;
    if (row === undefined) return undefined;
    const signed = this.block(BigInt(row.block))!.txs[row.idx];
    const inputIndex = signed.tx.inputs.findIndex((p) => p === pos);
    return { tx: signed.tx, inputIndex, sig: signed.sigs[inputIndex], block: BigInt(row.block) };
  }

  markSubmitted(number: bigint, l1Tx: string): void {
    this.store.db
      .prepare("UPDATE pl_blocks SET status = 'submitted', l1_tx = ? WHERE number = ?")
      .run(l1Tx, Number(number));
  }

  // ---- views ----

  output(pos: bigint): OutputRow | undefined {
    const r = this.store.db
      .prepare("SELECT * FROM pl_outputs WHERE pos = ?")
      .get(pos.toString()) as RawOutput | undefined;
    return r === undefined ? undefined : outputRow(r);
  }

  /** The owner's outputs that can be spent or are pending (unspent and pending). */
  utxosOf(owner: string): OutputRow[] {
    return (
      this.store.db
        .prepare(
          "SELECT * FROM pl_outputs WHERE owner = ? AND status IN ('unspent', 'pending') ORDER BY CAST(pos AS INTEGER)",
        )
        .all(owner.toLowerCase()) as RawOutput[]
    ).map(outputRow);
  }

  mempoolSize(): number {
    return (this.store.db.prepare("SELECT COUNT(*) AS n FROM pl_mempool").get() as { n: number }).n;
  }

  block(number: bigint): BlockRow | undefined {
    const r = this.store.db
      .prepare("SELECT * FROM pl_blocks WHERE number = ?")
      .get(Number(number)) as
      | {
          number: number;
          root: string;
          txs: string;
          status: "built" | "submitted";
          l1_tx: string | null;
        }
      | undefined;
    if (r === undefined) return undefined;
    return {
      number: BigInt(r.number),
      root: r.root as Hex,
      txs: (JSON.parse(r.txs) as SignedJson[]).map(signedFromJson),
      status: r.status,
      l1Tx: r.l1_tx,
    };
  }

  /** The newest block built, if any. */
  lastBlock(): bigint | undefined {
    const r = this.store.db.prepare("SELECT MAX(number) AS n FROM pl_blocks").get() as {
      n: number | null;
    };
    return r.n === null ? undefined : BigInt(r.n);
  }

  /** Blocks built but not yet known to be on L1, oldest first. */
  unsubmitted(): bigint[] {
    return (
      this.store.db
        .prepare("SELECT number FROM pl_blocks WHERE status = 'built' ORDER BY number")
        .all() as { number: number }[]
    ).map((r) => BigInt(r.number));
  }

  /**
   * What `startExit` needs for the output at `pos`: the transaction that created it and the 16
   * siblings of its leaf, or, in a deposit block, the deposit transaction and no proof.
   */
  exitData(pos: bigint): { tx: Transaction; proof: Hex[] } {
    const { blockNumber, txIndex } = decodePos(pos);
    if (blockNumber % CHILD_BLOCK_INTERVAL !== 0n) {
      const o = this.output(pos);
      if (o === undefined) {
        throw reject("UNKNOWN_OUTPUT", `no output at ${pos}`, { pos: String(pos) }, 404);
      }
      return {
        tx: { inputs: [], outputs: [{ owner: o.owner, token: o.token, amount: o.amount }] },
        proof: [],
      };
    }
    const b = this.block(blockNumber);
    if (b === undefined || txIndex >= b.txs.length) {
      throw reject("UNKNOWN_OUTPUT", `no transaction at ${pos}`, { pos: String(pos) }, 404);
    }
    let tree = this.trees.get(blockNumber);
    if (tree === undefined) {
      tree = new BlockTree(b.txs.map((s) => txHash(this.domain, s.tx)));
      this.trees.set(blockNumber, tree);
    }
    return { tx: b.txs[txIndex].tx, proof: tree.proof(txIndex) };
  }
}

// ---- JSON forms (amounts and positions as decimal strings) ----

interface RawOutput {
  pos: string;
  owner: string;
  token: string;
  amount: string;
  status: OutputStatus;
}

function outputRow(r: RawOutput): OutputRow {
  return {
    pos: BigInt(r.pos),
    owner: r.owner,
    token: r.token,
    amount: BigInt(r.amount),
    status: r.status,
  };
}

export interface TxJson {
  inputs: string[];
  outputs: { owner: string; token: string; amount: string }[];
}

export interface SignedJson {
  tx: TxJson;
  sigs: string[];
}

export function txJson(tx: Transaction): TxJson {
  return {
    inputs: tx.inputs.map(String),
    outputs: tx.outputs.map((o) => ({
      owner: o.owner,
      token: o.token,
      amount: o.amount.toString(),
    })),
  };
}

export function txFromJson(j: TxJson): Transaction {
  return {
    inputs: j.inputs.map((i) => BigInt(i)),
    outputs: j.outputs.map((o) => ({ owner: o.owner, token: o.token, amount: BigInt(o.amount) })),
  };
}

const signedJson = (s: SignedTx): SignedJson => ({ tx: txJson(s.tx), sigs: s.sigs });
export const signedFromJson = (s: SignedJson): SignedTx => ({ tx: txFromJson(s.tx), sigs: s.sigs });
