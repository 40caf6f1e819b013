/**
 * The challenger's persistent state: the rollup's chain as read from L1 alone (inbox entries from
 * events, batches from events and their records from the posting transactions' calldata), the
 * verdict on each batch, and the games it plays. Everything a restarted challenger needs to
 * resume a game is here or on L1: the roots it believes are recomputed from the stored chain.
 */
import { MetaTable } from "../../core/meta";
import type { Migration, Store } from "../../core/store";
import type { Hex } from "../../lib/sparse-merkle";
import { inboxTableSql, InboxTable } from "../inbox";
import {
  POSTED_BATCH_COLUMNS,
  postedBatchFromRow,
  postedBatchValues,
  type PostedBatchEvent,
  type PostedBatchRow,
} from "../l1-batches";

export const CHALLENGER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "chain, verdicts, games",
    up: `
      CREATE TABLE chal_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      ${inboxTableSql("chal_inbox")}
      CREATE TABLE chal_batches (
        id INTEGER PRIMARY KEY,
        position INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('live', 'final', 'discarded')),
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
        posted_at INTEGER,
        records TEXT,
        verdict TEXT CHECK (verdict IN ('valid', 'invalid', 'unreadable')),
        note TEXT
      );
      CREATE INDEX chal_batches_position ON chal_batches (status, position);
      CREATE TABLE chal_games (
        game_id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('challenger', 'defender')),
        status TEXT NOT NULL CHECK (status IN ('active', 'won', 'lost', 'closed')),
        opened_at INTEGER NOT NULL,
        first_move_at INTEGER,
        resolved_at INTEGER,
        gas_used TEXT NOT NULL DEFAULT '0',
        moves INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 2,
    name: "blob batches: versioned hashes and blobs",
    up: `
      ALTER TABLE chal_batches ADD COLUMN blob_hashes TEXT;
      CREATE TABLE chal_blobs (
        batch_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        blob BLOB NOT NULL,
        commitment TEXT NOT NULL,
        PRIMARY KEY (batch_id, idx)
      );
    `,
  },
];

export type BatchVerdict = "valid" | "invalid" | "unreadable";

/** A batch of the chain as read from L1, with what the challenger found. */
export interface ChainBatch extends PostedBatchEvent {
  status: "live" | "final" | "discarded";
  blob: boolean;
  /** A blob batch's versioned hashes (its `BlobsPosted` event). */
  blobHashes: Hex[] | null;
  postedAt: number | null;
  records: Hex | null;
  verdict: BatchVerdict | null;
  note: string | null;
}

export interface GameRow {
  gameId: number;
  batchId: number;
  role: "challenger" | "defender";
  status: "active" | "won" | "lost" | "closed";
  openedAt: number;
  firstMoveAt: number | null;
  resolvedAt: number | null;
  gasUsed: bigint;
  moves: number;
}

interface BatchRow extends PostedBatchRow {
  status: ChainBatch["status"];
  posted_at: number | null;
  records: string | null;
  verdict: BatchVerdict | null;
  note: string | null;
}

interface GameDbRow {
  game_id: number;
  batch_id: number;
  role: GameRow["role"];
  status: GameRow["status"];
  opened_at: number;
  first_move_at: number | null;
  resolved_at: number | null;
  gas_used: string;
  moves: number;
}

const batchFromRow = (r: BatchRow): ChainBatch => ({
  ...postedBatchFromRow(r),
  status: r.status,
  postedAt: r.posted_at,
  records: r.records as Hex | null,
  verdict: r.verdict,
  note: r.note,
});

const gameFromRow = (r: GameDbRow): GameRow => ({
  gameId: r.game_id,
  batchId: r.batch_id,
  role: r.role,
  status: r.status,
  openedAt: r.opened_at,
  firstMoveAt: r.first_move_at,
  resolvedAt: r.resolved_at,
  gasUsed: BigInt(r.gas_used),
  moves: r.moves,
});

export class ChallengerDb {
  readonly meta: MetaTable;
  readonly inbox: InboxTable;

  constructor(readonly store: Store) {
    store.migrate("optimistic-challenger", CHALLENGER_MIGRATIONS);
    this.meta = new MetaTable(store, "chal_meta");
    this.inbox = new InboxTable(store, "chal_inbox");
  }

  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  /** Forgets what came from blocks at or after `block` (a reorganisation). */
  deleteFrom(block: number): void {
    this.inbox.deleteFrom(block);
    this.store.db.prepare("DELETE FROM chal_batches WHERE block >= ?").run(block);
  }

  // ---- batches ----

  insertBatch(b: PostedBatchEvent): void {
    this.store.db
      .prepare(
        `INSERT INTO chal_batches (${POSTED_BATCH_COLUMNS}, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'live')`,
      )
      .run(...postedBatchValues(b));
  }

  markBlob(id: number, versionedHashes: readonly string[]): void {
    this.store.db
      .prepare("UPDATE chal_batches SET blob = 1, blob_hashes = ? WHERE id = ?")
      .run(JSON.stringify(versionedHashes), id);
  }

  /** Keeps a blob batch's blobs (consensus clients drop them after ~18 days). */
  storeBlobs(id: number, blobs: readonly Uint8Array[], commitments: readonly string[]): void {
    this.transaction(() => {
      const insert = this.store.db.prepare(
        "INSERT OR REPLACE INTO chal_blobs (batch_id, idx, blob, commitment) VALUES (?, ?, ?, ?)",
      );
      blobs.forEach((blob, i) => insert.run(id, i, Buffer.from(blob), commitments[i]));
    });
  }

  blobs(id: number): { blobs: Uint8Array[]; commitments: Hex[] } {
    const rows = this.store.db
      .prepare("SELECT blob, commitment FROM chal_blobs WHERE batch_id = ? ORDER BY idx")
      .all(id) as { blob: Buffer; commitment: string }[];
    return {
      blobs: rows.map((r) => new Uint8Array(r.blob)),
      commitments: rows.map((r) => r.commitment as Hex),
    };
  }

  batch(id: number): ChainBatch | undefined {
    const row = this.store.db.prepare("SELECT * FROM chal_batches WHERE id = ?").get(id) as
      BatchRow | undefined;
    return row === undefined ? undefined : batchFromRow(row);
  }

  /** Batches in the chain (live or final) after position `after`, by position. */
  chain(after = 0): ChainBatch[] {
    return this.chainWhere("position > ?", after);
  }

  /** Chain batches whose records or posting time are still to be read from L1. */
  unfilled(): ChainBatch[] {
    return this.chainWhere("(posted_at IS NULL OR (records IS NULL AND verdict IS NULL))");
  }

  /** The first live batch found invalid, if any. */
  firstInvalid(): ChainBatch | undefined {
    return this.chainWhere("status = 'live' AND verdict = 'invalid'")[0];
  }

  private chainWhere(condition: string, ...params: unknown[]): ChainBatch[] {
    return (
      this.store.db
        .prepare(
          `SELECT * FROM chal_batches WHERE status != 'discarded' AND ${condition} ORDER BY position`,
        )
        .all(...params) as BatchRow[]
    ).map(batchFromRow);
  }

  fill(id: number, postedAt: number, records: Hex | null, unreadable?: string): void {
    this.store.db
      .prepare(
        "UPDATE chal_batches SET posted_at = ?, records = COALESCE(?, records), verdict = COALESCE(?, verdict), note = COALESCE(?, note) WHERE id = ?",
      )
      .run(
        postedAt,
        records,
        unreadable === undefined ? null : "unreadable",
        unreadable ?? null,
        id,
      );
  }

  /** Records a batch's posting time and why its records are not read yet (read again later). */
  noteUnread(id: number, postedAt: number, note: string): void {
    this.store.db
      .prepare("UPDATE chal_batches SET posted_at = ?, note = ? WHERE id = ?")
      .run(postedAt, note, id);
  }

  setVerdict(id: number, verdict: BatchVerdict, note?: string): void {
    this.store.db
      .prepare("UPDATE chal_batches SET verdict = ?, note = ? WHERE id = ?")
      .run(verdict, note ?? null, id);
  }

  discardFrom(position: number): void {
    this.store.db
      .prepare(
        "UPDATE chal_batches SET status = 'discarded' WHERE position >= ? AND status = 'live'",
      )
      .run(position);
  }

  finalUpTo(position: number): void {
    this.store.db
      .prepare("UPDATE chal_batches SET status = 'final' WHERE position <= ? AND status = 'live'")
      .run(position);
  }

  // ---- games ----

  insertGame(g: {
    gameId: number;
    batchId: number;
    role: GameRow["role"];
    openedAt: number;
  }): void {
    this.store.db
      .prepare(
        "INSERT OR IGNORE INTO chal_games (game_id, batch_id, role, status, opened_at) VALUES (?, ?, ?, 'active', ?)",
      )
      .run(g.gameId, g.batchId, g.role, g.openedAt);
  }

  games(status?: GameRow["status"]): GameRow[] {
    const rows = (
      status === undefined
        ? this.store.db.prepare("SELECT * FROM chal_games ORDER BY game_id").all()
        : this.store.db
            .prepare("SELECT * FROM chal_games WHERE status = ? ORDER BY game_id")
            .all(status)
    ) as GameDbRow[];
    return rows.map(gameFromRow);
  }

  game(gameId: number): GameRow | undefined {
    const row = this.store.db.prepare("SELECT * FROM chal_games WHERE game_id = ?").get(gameId) as
      GameDbRow | undefined;
    return row === undefined ? undefined : gameFromRow(row);
  }

  /** This account's games on a batch in a role, oldest first. */
  gamesOnBatch(batchId: number, role: GameRow["role"]): GameRow[] {
    return (
      this.store.db
        .prepare("SELECT * FROM chal_games WHERE batch_id = ? AND role = ? ORDER BY game_id")
        .all(batchId, role) as GameDbRow[]
    ).map(gameFromRow);
  }

  /**
   * Whether this account disputes the batch: a challenger game of its that is active or won. A
   * game it lost (its clock ran out while it was down) is no dispute: the batch needs another.
   */
  disputing(batchId: number): boolean {
    return this.gamesOnBatch(batchId, "challenger").some(
      (g) => g.status === "active" || g.status === "won",
    );
  }

  recordMove(gameId: number, gasUsed: bigint, at: number): void {
    this.store.db
      .prepare(
        `UPDATE chal_games SET moves = moves + 1, gas_used = CAST(CAST(gas_used AS INTEGER) + ? AS TEXT),
           first_move_at = COALESCE(first_move_at, ?) WHERE game_id = ?`,
      )
      .run(gasUsed, at, gameId);
  }

  resolveGame(gameId: number, status: GameRow["status"], at: number): void {
    this.store.db
      .prepare(
        "UPDATE chal_games SET status = ?, resolved_at = COALESCE(resolved_at, ?) WHERE game_id = ?",
      )
      .run(status, at, gameId);
  }
}
