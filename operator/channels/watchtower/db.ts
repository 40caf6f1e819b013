/**
 * The watchtower's persistent state: every channel a client registered, with the newest fully
 * signed state it was given, and what the adjudicator has registered for that channel (from its
 * events). A state is stored before the tower acknowledges it; an answer's L1 transaction goes
 * through the core publisher, keyed by channel and version, so a restart never sends it twice.
 */
import { StoreError } from "../../core/errors";
import { MetaTable } from "../../core/meta";
import type { Migration, Store } from "../../core/store";
import type { Channel, SignedState } from "../state";
import {
  channelToJson,
  parseChannel,
  parseSignedState,
  signedToJson,
  type SignedStateJson,
} from "../wire";

export const WATCHTOWER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "channels and their latest states",
    up: `
      CREATE TABLE tw_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE tw_channels (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        version INTEGER NOT NULL,
        signed TEXT NOT NULL,
        onchain_version INTEGER,
        finalizes_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('watching', 'answering', 'answered', 'closed', 'missed')),
        answer_tx TEXT,
        answered_at INTEGER,
        note TEXT,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];

export type TowerStatus = "watching" | "answering" | "answered" | "closed" | "missed";

export interface TowerChannel {
  id: string;
  channel: Channel;
  signed: SignedState;
  /** What the adjudicator has registered (null: nothing seen yet). */
  onchainVersion: bigint | null;
  /** The registered state's deadline (null: no challenge seen). */
  finalizesAt: bigint | null;
  status: TowerStatus;
  answerTx: string | null;
  /** Block time the answer was mined at. */
  answeredAt: bigint | null;
  note: string | null;
}

interface Raw {
  id: string;
  channel: string;
  version: number;
  signed: string;
  onchain_version: number | null;
  finalizes_at: number | null;
  status: TowerStatus;
  answer_tx: string | null;
  answered_at: number | null;
  note: string | null;
}

const big = (n: number | null): bigint | null => (n === null ? null : BigInt(n));

export class TowerDb {
  readonly meta: MetaTable;

  constructor(readonly store: Store) {
    store.migrate("watchtower", WATCHTOWER_MIGRATIONS);
    this.meta = new MetaTable(store, "tw_meta");
  }

  get(id: string): TowerChannel | undefined {
    const row = this.store.db.prepare("SELECT * FROM tw_channels WHERE id = ?").get(id) as
      Raw | undefined;
    return row === undefined ? undefined : toChannel(row);
  }

  all(): TowerChannel[] {
    return (this.store.db.prepare("SELECT * FROM tw_channels ORDER BY id").all() as Raw[]).map(
      toChannel,
    );
  }

  /** Channels whose registered state is older than the tower's and still open to an answer. */
  toAnswer(): TowerChannel[] {
    return (
      this.store.db
        .prepare(
          "SELECT * FROM tw_channels WHERE status IN ('watching', 'answering', 'answered') AND finalizes_at IS NOT NULL AND onchain_version < version",
        )
        .all() as Raw[]
    ).map(toChannel);
  }

  counts(): Record<TowerStatus, number> {
    const out: Record<TowerStatus, number> = {
      watching: 0,
      answering: 0,
      answered: 0,
      closed: 0,
      missed: 0,
    };
    const rows = this.store.db
      .prepare("SELECT status, COUNT(*) AS n FROM tw_channels GROUP BY status")
      .all() as { status: TowerStatus; n: number }[];
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** Stores `signed` as the channel's newest state; refuses one that is not newer. */
  saveState(
    id: string,
    channel: Channel,
    signed: SignedState,
    onchain: { version: bigint; finalizesAt: bigint } | null,
  ): void {
    this.store.transaction(() => {
      const current = this.get(id);
      if (current !== undefined && current.signed.state.version >= signed.state.version) {
        throw new StoreError("the tower keeps only newer states", {
          channelId: id,
          stored: current.signed.state.version.toString(),
        });
      }
      const json = JSON.stringify(signedToJson(signed));
      const now = Date.now();
      if (current === undefined) {
        this.store.db
          .prepare(
            "INSERT INTO tw_channels (id, channel, version, signed, onchain_version, finalizes_at, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'watching', ?)",
          )
          .run(
            id,
            JSON.stringify(channelToJson(channel)),
            Number(signed.state.version),
            json,
            onchain === null ? null : Number(onchain.version),
            onchain === null || onchain.finalizesAt === 0n ? null : Number(onchain.finalizesAt),
            now,
          );
      } else {
        // A newer state reopens the watch: a registered state older than it needs an answer again.
        this.store.db
          .prepare(
            "UPDATE tw_channels SET version = ?, signed = ?, status = CASE WHEN status = 'closed' THEN status ELSE 'watching' END, updated_at = ? WHERE id = ?",
          )
          .run(Number(signed.state.version), json, now, id);
      }
    });
  }

  /** Records what the adjudicator registered for a watched channel (from an event). */
  registered(id: string, version: bigint, finalizesAt: bigint): void {
    this.store.db
      .prepare(
        "UPDATE tw_channels SET onchain_version = ?, finalizes_at = ?, updated_at = ? WHERE id = ?",
      )
      .run(Number(version), finalizesAt === 0n ? null : Number(finalizesAt), Date.now(), id);
  }

  setStatus(
    id: string,
    status: TowerStatus,
    fields: { answerTx?: string; answeredAt?: bigint; note?: string } = {},
  ): void {
    this.store.db
      .prepare(
        "UPDATE tw_channels SET status = ?, answer_tx = COALESCE(?, answer_tx), answered_at = COALESCE(?, answered_at), note = COALESCE(?, note), updated_at = ? WHERE id = ?",
      )
      .run(
        status,
        fields.answerTx ?? null,
        fields.answeredAt === undefined ? null : Number(fields.answeredAt),
        fields.note ?? null,
        Date.now(),
        id,
      );
  }
}

function toChannel(r: Raw): TowerChannel {
  return {
    id: r.id,
    channel: parseChannel(JSON.parse(r.channel), "stored.channel"),
    signed: parseSignedState(JSON.parse(r.signed) as SignedStateJson, "stored.signed"),
    onchainVersion: big(r.onchain_version),
    finalizesAt: big(r.finalizes_at),
    status: r.status,
    answerTx: r.answer_tx,
    answeredAt: big(r.answered_at),
    note: r.note,
  };
}
