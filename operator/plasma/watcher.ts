/**
 * The Plasma watcher (`npx l2kit plasma watcher`): follows the root chain and the operator's
 * blocks, and protects users in two ways.
 *
 * - It keeps a replica of the child chain: every committed block is fetched from the operator and
 *   replayed (`PlasmaLedger.applyBlock`: each transaction checked, the root recomputed). A block
 *   whose transactions are invalid or do not make its root raises the `invalid-block` alarm; one
 *   whose data the operator does not serve within `withholdingSeconds` raises `withheld-block`.
 *   Either way users must exit, oldest outputs first, and the replica stops at that block.
 * - Every exit of an output that a replayed block spends is challenged at once with the spend and
 *   its owner's signature, through the core publisher keyed by output (never twice).
 */
import type { Provider } from "ethers";
import { JsonApi } from "../core/http-client";
import { L1Service } from "../core/l1-service";
import { silentLogger, type Logger } from "../core/log";
import type { PublisherConfig, TxSigner } from "../core/publisher";
import type { L1PollConfig } from "../core/settings";
import type { Migration, Store } from "../core/store";
import type { WatchedEvent } from "../core/watcher";
import { TxRevertedError } from "../core/errors";
import type { Eip712Domain } from "../lib/eip712";
import { plasmaInterface } from "./abi";
import { PlasmaLedger, signedFromJson, type SignedJson, type SignedTx } from "./ledger";

const WATCHER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "committed blocks, exits, alarms",
    up: `
      CREATE TABLE pw_blocks (
        number INTEGER PRIMARY KEY,
        root TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'invalid', 'withheld')),
        note TEXT
      );
      CREATE TABLE pw_exits (
        pos TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'challenged', 'unchallengeable')),
        challenge_tx TEXT
      );
    `,
  },
];

export interface PlasmaWatcherConfig extends L1PollConfig {
  plasma: string;
  chainId: bigint;
  domain: Eip712Domain;
  fromBlock: number;
  operatorUrl: string;
  /** A committed block whose data the operator has not served this long raises the alarm. */
  withholdingSeconds: number;
  publisher: PublisherConfig;
}

export interface PlasmaWatcherDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

export interface Alarm {
  kind: "invalid-block" | "withheld-block";
  block: string;
  since: number;
  note: string;
}

export function plasmaWatcherDbFile(chainId: bigint, plasma: string): string {
  return `plasma-watcher-${chainId}-${plasma.toLowerCase()}.sqlite`;
}

export class PlasmaWatcher {
  readonly replica: PlasmaLedger;
  private readonly log: Logger;
  private readonly service: L1Service;
  private readonly operatorApi: JsonApi;

  constructor(
    readonly config: PlasmaWatcherConfig,
    private readonly deps: PlasmaWatcherDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "plasma-watcher" });
    deps.store.migrate("plasma-watcher", WATCHER_MIGRATIONS);
    this.replica = new PlasmaLedger(deps.store, config.domain);
    this.operatorApi = new JsonApi("plasma operator", () => config.operatorUrl);
    this.service = new L1Service(
      {
        ...config,
        name: "plasma-watcher",
        contract: config.plasma,
        events: ["BlockSubmitted", "Deposited", "ExitStarted", "ExitChallenged"].map((n) =>
          plasmaInterface.getEvent(n)!.format("full"),
        ),
      },
      { provider: deps.provider, signer: deps.signer, store: deps.store, log: this.log },
      { onEvents: (e) => this.onEvents(e), round: () => this.round() },
    );
  }

  get address(): string {
    return this.deps.signer.address;
  }

  start(): Promise<void> {
    return this.service.start();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }

  /** The alarm, once raised (it stays: users must exit). */
  alarm(): Alarm | undefined {
    const r = this.deps.store.db
      .prepare(
        "SELECT number, status, seen_at, note FROM pw_blocks WHERE status IN ('invalid', 'withheld') ORDER BY number LIMIT 1",
      )
      .get() as { number: number; status: string; seen_at: number; note: string } | undefined;
    if (r === undefined) return undefined;
    return {
      kind: r.status === "invalid" ? "invalid-block" : "withheld-block",
      block: String(r.number),
      since: r.seen_at,
      note: r.note,
    };
  }

  status(): Record<string, unknown> {
    const count = (sql: string) => (this.deps.store.db.prepare(sql).get() as { n: number }).n;
    return {
      plasma: this.config.plasma,
      account: this.address,
      alarm: this.alarm() ?? null,
      blocks: {
        verified: count("SELECT COUNT(*) AS n FROM pw_blocks WHERE status = 'verified'"),
        pending: count("SELECT COUNT(*) AS n FROM pw_blocks WHERE status = 'pending'"),
      },
      exits: {
        queued: count("SELECT COUNT(*) AS n FROM pw_exits WHERE status = 'queued'"),
        challenged: count("SELECT COUNT(*) AS n FROM pw_exits WHERE status = 'challenged'"),
      },
    };
  }

  health(): Record<string, unknown> {
    return { alarm: this.alarm()?.kind ?? null };
  }

  /** After a round's L1 events: the blocks to replay, then the exits to challenge. */
  private async round(): Promise<void> {
    await this.replayBlocks();
    await this.challengeExits();
  }

  private onEvents(events: WatchedEvent[]): void {
    const db = this.deps.store.db;
    for (const e of events) {
      if (e.name === "BlockSubmitted") {
        db.prepare(
          "INSERT OR IGNORE INTO pw_blocks (number, root, seen_at, status) VALUES (?, ?, ?, 'pending')",
        ).run(Number(e.args.blockNumber as bigint), e.args.root as string, Date.now());
      } else if (e.name === "Deposited") {
        this.replica.addDeposit(e.args.blockNumber as bigint, {
          owner: e.args.owner as string,
          token: e.args.token as string,
          amount: e.args.amount as bigint,
        });
      } else if (e.name === "ExitStarted") {
        db.prepare(
          "INSERT OR IGNORE INTO pw_exits (pos, owner, status) VALUES (?, ?, 'queued')",
        ).run((e.args.utxoPos as bigint).toString(), (e.args.owner as string).toLowerCase());
      } else if (e.name === "ExitChallenged") {
        db.prepare("UPDATE pw_exits SET status = 'challenged' WHERE pos = ?").run(
          (e.args.utxoPos as bigint).toString(),
        );
      }
    }
  }

  /** Replays committed blocks in order until one is missing, invalid or withheld. */
  private async replayBlocks(): Promise<void> {
    if (this.alarm() !== undefined) return;
    const db = this.deps.store.db;
    const pending = db
      .prepare(
        "SELECT number, root, seen_at FROM pw_blocks WHERE status = 'pending' ORDER BY number",
      )
      .all() as { number: number; root: string; seen_at: number }[];
    for (const b of pending) {
      let txs: SignedTx[] | undefined;
      try {
        const body = (await this.operatorApi.get(`/v1/blocks/${b.number}`)) as {
          txs: SignedJson[];
        };
        txs = body.txs.map(signedFromJson);
      } catch (error) {
        if (Date.now() - b.seen_at >= this.config.withholdingSeconds * 1000) {
          this.raise(
            b.number,
            "withheld",
            `the operator did not serve the block: ${String(error)}`,
          );
        }
        return; // later blocks wait for this one
      }
      try {
        this.replica.applyBlock(BigInt(b.number), b.root, txs);
      } catch (error) {
        this.raise(b.number, "invalid", (error as Error).message);
        return;
      }
      db.prepare("UPDATE pw_blocks SET status = 'verified' WHERE number = ?").run(b.number);
    }
  }

  private raise(number: number, status: "invalid" | "withheld", note: string): void {
    this.deps.store.db
      .prepare("UPDATE pw_blocks SET status = ?, note = ? WHERE number = ?")
      .run(status, note, number);
    this.log.error("ALARM: users must exit, oldest outputs first", { block: number, status, note });
  }

  /** Challenges every queued exit of an output that a replayed block spends. */
  private async challengeExits(): Promise<void> {
    const db = this.deps.store.db;
    const queued = db.prepare("SELECT pos FROM pw_exits WHERE status = 'queued'").all() as {
      pos: string;
    }[];
    for (const { pos } of queued) {
      const spend = this.replica.spendOf(BigInt(pos));
      if (spend === undefined) continue; // unspent as far as the replica knows
      this.log.warn("challenging the exit of a spent output", { pos, spentIn: spend.block });
      try {
        const tx = await this.service.publisher.send(`plasma:challenge:${pos}`, {
          to: this.config.plasma,
          data: plasmaInterface.encodeFunctionData("challengeExit", [
            BigInt(pos),
            spend.tx,
            spend.inputIndex,
            spend.sig,
          ]),
        });
        db.prepare("UPDATE pw_exits SET status = 'challenged', challenge_tx = ? WHERE pos = ?").run(
          tx.hash,
          pos,
        );
      } catch (error) {
        if (!(error instanceof TxRevertedError)) throw error;
        // Someone challenged first, or the exit was processed: nothing left to do.
        db.prepare("UPDATE pw_exits SET status = 'unchallengeable' WHERE pos = ?").run(pos);
      }
    }
  }
}
