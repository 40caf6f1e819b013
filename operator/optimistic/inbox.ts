/**
 * The rollup's L1 inbox as operators keep it: entries from `InboxQueued` events, in order, in a
 * table of their store (the sequencer's and the challenger's have one each).
 */
import { L2kitError } from "../core/errors";
import type { Store } from "../core/store";
import type { WatchedEvent } from "../core/watcher";
import type { InboxEntry, InboxKind } from "./protocol";

export interface StoredInboxEntry extends InboxEntry {
  index: number;
  /** L1 time it was queued (seconds). */
  queuedAt: number;
  block: number;
}

/** The table's DDL, for a store migration. */
export function inboxTableSql(table: string): string {
  return `
    CREATE TABLE ${table} (
      idx INTEGER PRIMARY KEY,
      kind INTEGER NOT NULL,
      from_address TEXT NOT NULL,
      to_address TEXT NOT NULL,
      token INTEGER NOT NULL,
      amount TEXT NOT NULL,
      queued_at INTEGER NOT NULL,
      block INTEGER NOT NULL
    );`;
}

interface InboxRow {
  idx: number;
  kind: number;
  from_address: string;
  to_address: string;
  token: number;
  amount: string;
  queued_at: number;
  block: number;
}

export class InboxTable {
  constructor(
    private readonly store: Store,
    private readonly table: string,
  ) {}

  get length(): number {
    return (this.store.db.prepare(`SELECT COUNT(*) AS n FROM ${this.table}`).get() as { n: number })
      .n;
  }

  /** Appends the entry an `InboxQueued` event carries; entries must arrive in order. */
  appendEvent(e: WatchedEvent): StoredInboxEntry {
    const a = e.args;
    const entry: StoredInboxEntry = {
      index: Number(a.index),
      kind: Number(a.kind) as InboxKind,
      from: a.from as string,
      to: a.to as string,
      token: Number(a.token),
      amount: a.amount as bigint,
      queuedAt: Number(a.queuedAt),
      block: e.blockNumber,
    };
    const expected = this.length;
    if (entry.index !== expected) {
      throw new L2kitError(
        "OPT_INBOX_ORDER",
        `inbox entry ${entry.index} arrived, expected ${expected}`,
        { index: entry.index, expected },
      );
    }
    this.store.db
      .prepare(
        `INSERT INTO ${this.table} (idx, kind, from_address, to_address, token, amount, queued_at, block)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.index,
        entry.kind,
        entry.from,
        entry.to,
        entry.token,
        entry.amount.toString(),
        entry.queuedAt,
        entry.block,
      );
    return entry;
  }

  /** Entries `from` .. `from + count - 1`. */
  range(from: number, count: number): StoredInboxEntry[] {
    return (
      this.store.db
        .prepare(`SELECT * FROM ${this.table} WHERE idx >= ? AND idx < ? ORDER BY idx`)
        .all(from, from + count) as InboxRow[]
    ).map((r) => ({
      index: r.idx,
      kind: r.kind as InboxKind,
      from: r.from_address,
      to: r.to_address,
      token: r.token,
      amount: BigInt(r.amount),
      queuedAt: r.queued_at,
      block: r.block,
    }));
  }

  /** Forgets entries from blocks at or after `block` (a reorganisation); returns their indices. */
  deleteFrom(block: number): number[] {
    const rows = this.store.db
      .prepare(`SELECT idx FROM ${this.table} WHERE block >= ? ORDER BY idx`)
      .all(block) as { idx: number }[];
    this.store.db.prepare(`DELETE FROM ${this.table} WHERE block >= ?`).run(block);
    return rows.map((r) => r.idx);
  }
}
