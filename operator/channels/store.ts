/**
 * A channel client's persistent state: its channels, the latest fully signed state of each (the
 * only thing that protects its money, written before the client acts on it), and a log of the
 * payments it sent and received. One SQLite transaction per batch of payments: the batch's
 * latest state and its payment rows become durable together.
 */
import { StoreError } from "../core/errors";
import type { Migration, Store } from "../core/store";
import type { Channel, SignedState } from "./state";
import {
  channelToJson,
  parseChannel,
  parseSignature,
  parseSignedState,
  parseState,
  signedToJson,
  stateToJson,
  type SignedStateJson,
  type StateJson,
} from "./wire";

export const CHANNEL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "channels, latest states, payments",
    up: `
      CREATE TABLE ch_channels (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        me INTEGER NOT NULL,
        asset TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('funding', 'open', 'closing', 'disputed', 'closed')),
        created_at INTEGER NOT NULL,
        note TEXT
      );
      CREATE TABLE ch_latest (
        channel_id TEXT PRIMARY KEY REFERENCES ch_channels (id),
        version INTEGER NOT NULL,
        signed TEXT NOT NULL
      );
      CREATE TABLE ch_payments (
        channel_id TEXT NOT NULL REFERENCES ch_channels (id),
        version INTEGER NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
        amount TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, version)
      );
    `,
  },
  {
    version: 2,
    name: "payment kinds, hash-lock secrets",
    up: `
      ALTER TABLE ch_payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'payment';
      CREATE TABLE ch_secrets (
        hashlock TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: "peers' URLs",
    up: `
      CREATE TABLE ch_peers (
        address TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "games",
    up: `
      CREATE TABLE ch_games (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        me INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('funding', 'playing', 'challenged', 'closed')),
        proof TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        note TEXT
      );
    `,
  },
];

export type GameStatus = "funding" | "playing" | "challenged" | "closed";

export interface GameRow {
  id: string;
  channel: Channel;
  me: number;
  status: GameStatus;
  /** The player's proof: the last two states (newest last) with the signatures it holds. */
  proof: SignedState[];
  createdAt: number;
  note: string | null;
}

export type ChannelStatus = "funding" | "open" | "closing" | "disputed" | "closed";

export interface ChannelRow {
  id: string;
  channel: Channel;
  /** My participant index. */
  me: number;
  asset: string;
  status: ChannelStatus;
  createdAt: number;
  note: string | null;
}

export interface PaymentRow {
  version: bigint;
  direction: "sent" | "received";
  amount: bigint;
  at: number;
  /** A plain payment, or a hash-time lock paid to its payee. */
  kind?: "payment" | "unlock";
}

interface RawChannel {
  id: string;
  channel: string;
  me: number;
  asset: string;
  status: ChannelStatus;
  created_at: number;
  note: string | null;
}

export class ChannelStore {
  constructor(readonly store: Store) {
    store.migrate("channels", CHANNEL_MIGRATIONS);
  }

  /** Records a channel with its opening state (fully signed); returns its row. */
  addChannel(
    id: string,
    channel: Channel,
    me: number,
    asset: string,
    opening: SignedState,
  ): ChannelRow {
    const row: ChannelRow = {
      id,
      channel,
      me,
      asset,
      status: "funding",
      createdAt: Date.now(),
      note: null,
    };
    this.store.transaction(() => {
      this.store.db
        .prepare(
          "INSERT INTO ch_channels (id, channel, me, asset, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(id, JSON.stringify(channelToJson(channel)), me, asset, row.status, row.createdAt);
      this.saveLatest(id, opening, []);
    });
    return row;
  }

  channel(id: string): ChannelRow | undefined {
    const row = this.store.db.prepare("SELECT * FROM ch_channels WHERE id = ?").get(id) as
      RawChannel | undefined;
    return row === undefined ? undefined : toRow(row);
  }

  channels(): ChannelRow[] {
    const rows = this.store.db
      .prepare("SELECT * FROM ch_channels ORDER BY created_at")
      .all() as RawChannel[];
    return rows.map(toRow);
  }

  setStatus(id: string, status: ChannelStatus, note: string | null = null): void {
    this.store.db
      .prepare("UPDATE ch_channels SET status = ?, note = ? WHERE id = ?")
      .run(status, note, id);
  }

  /**
   * Makes `signed` the channel's latest state, with the payments that led to it, in one
   * transaction. A state that is not newer than the stored one is refused: the store never goes
   * back to an older state.
   */
  saveLatest(id: string, signed: SignedState, payments: PaymentRow[]): void {
    this.store.transaction(() => {
      const current = this.store.db
        .prepare("SELECT version FROM ch_latest WHERE channel_id = ?")
        .get(id) as { version: number } | undefined;
      if (current !== undefined && BigInt(current.version) >= signed.state.version) {
        throw new StoreError("a channel's latest state only moves forward", {
          channelId: id,
          stored: current.version,
          given: signed.state.version.toString(),
        });
      }
      this.store.db
        .prepare(
          "INSERT INTO ch_latest (channel_id, version, signed) VALUES (?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET version = excluded.version, signed = excluded.signed",
        )
        .run(id, Number(signed.state.version), JSON.stringify(signedToJson(signed)));
      const insert = this.store.db.prepare(
        "INSERT INTO ch_payments (channel_id, version, direction, amount, at, kind) VALUES (?, ?, ?, ?, ?, ?)",
      );
      for (const p of payments) {
        insert.run(
          id,
          Number(p.version),
          p.direction,
          p.amount.toString(),
          p.at,
          p.kind ?? "payment",
        );
      }
    });
  }

  latest(id: string): SignedState | undefined {
    const row = this.store.db
      .prepare("SELECT signed FROM ch_latest WHERE channel_id = ?")
      .get(id) as { signed: string } | undefined;
    return row === undefined
      ? undefined
      : parseSignedState(JSON.parse(row.signed) as SignedStateJson, "stored");
  }

  payments(id: string): PaymentRow[] {
    const rows = this.store.db
      .prepare(
        "SELECT version, direction, amount, at, kind FROM ch_payments WHERE channel_id = ? ORDER BY version",
      )
      .all(id) as {
      version: number;
      direction: "sent" | "received";
      amount: string;
      at: number;
      kind: "payment" | "unlock";
    }[];
    return rows.map((r) => ({
      version: BigInt(r.version),
      direction: r.direction,
      amount: BigInt(r.amount),
      at: r.at,
      kind: r.kind,
    }));
  }

  /** Keeps a hash-lock secret (an invoice's, or one learned from a payee). */
  saveSecret(hashlock: string, secret: string): void {
    this.store.db
      .prepare("INSERT OR IGNORE INTO ch_secrets (hashlock, secret, created_at) VALUES (?, ?, ?)")
      .run(hashlock.toLowerCase(), secret.toLowerCase(), Date.now());
  }

  secret(hashlock: string): string | undefined {
    const row = this.store.db
      .prepare("SELECT secret FROM ch_secrets WHERE hashlock = ?")
      .get(hashlock.toLowerCase()) as { secret: string } | undefined;
    return row?.secret;
  }

  /** Remembers where a peer's channel API is (a process restarted reconnects from these). */
  savePeer(address: string, url: string): void {
    this.store.db
      .prepare(
        "INSERT INTO ch_peers (address, url, updated_at) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at",
      )
      .run(address.toLowerCase(), url, Date.now());
  }

  peers(): { address: string; url: string }[] {
    return this.store.db.prepare("SELECT address, url FROM ch_peers ORDER BY address").all() as {
      address: string;
      url: string;
    }[];
  }
}

// ---- games ----

interface RawGame {
  id: string;
  channel: string;
  me: number;
  status: GameStatus;
  proof: string;
  created_at: number;
  note: string | null;
}

/** Games (tic-tac-toe channels): one row each, its proof rewritten on every move. */
export class GameStore {
  constructor(readonly store: Store) {
    store.migrate("channels", CHANNEL_MIGRATIONS);
  }

  addGame(id: string, channel: Channel, me: number, proof: SignedState[]): GameRow {
    const row: GameRow = {
      id,
      channel,
      me,
      status: "funding",
      proof,
      createdAt: Date.now(),
      note: null,
    };
    this.store.db
      .prepare(
        "INSERT INTO ch_games (id, channel, me, status, proof, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(
        id,
        JSON.stringify(channelToJson(channel)),
        me,
        row.status,
        proofJson(proof),
        row.createdAt,
      );
    return row;
  }

  saveProof(id: string, proof: SignedState[]): void {
    this.store.db.prepare("UPDATE ch_games SET proof = ? WHERE id = ?").run(proofJson(proof), id);
  }

  setStatus(id: string, status: GameStatus, note: string | null = null): void {
    this.store.db
      .prepare("UPDATE ch_games SET status = ?, note = ? WHERE id = ?")
      .run(status, note, id);
  }

  game(id: string): GameRow | undefined {
    const r = this.store.db.prepare("SELECT * FROM ch_games WHERE id = ?").get(id) as
      RawGame | undefined;
    return r === undefined ? undefined : toGameRow(r);
  }

  games(): GameRow[] {
    return (
      this.store.db.prepare("SELECT * FROM ch_games ORDER BY created_at").all() as RawGame[]
    ).map(toGameRow);
  }
}

/** A proof as stored: states with however many signatures each carries (0 to 2). */
function proofJson(proof: SignedState[]): string {
  return JSON.stringify(proof.map((s) => ({ state: stateToJson(s.state), sigs: s.sigs })));
}

function toGameRow(r: RawGame): GameRow {
  const proof = (JSON.parse(r.proof) as { state: StateJson; sigs: string[] }[]).map((s, i) => ({
    state: parseState(s.state, `stored.proof[${i}].state`),
    sigs: s.sigs.map((sig, j) => parseSignature(sig, `stored.proof[${i}].sigs[${j}]`)),
  }));
  return {
    id: r.id,
    channel: parseChannel(JSON.parse(r.channel), "stored.channel"),
    me: r.me,
    status: r.status,
    proof,
    createdAt: r.created_at,
    note: r.note,
  };
}

function toRow(r: RawChannel): ChannelRow {
  return {
    id: r.id,
    channel: parseChannel(JSON.parse(r.channel), "stored.channel"),
    me: r.me,
    asset: r.asset,
    status: r.status,
    createdAt: r.created_at,
    note: r.note,
  };
}
