/**
 * The L1 watcher: follows a contract's events from a stored cursor and hands them over once final.
 *
 * - Events are final when their block has `confirmations` blocks (itself included) on the
 *   canonical chain; only final blocks are read.
 * - Delivery is exactly once: the handler runs synchronously inside the same store transaction
 *   that advances the cursor, so a crash either delivers a range and moves the cursor, or neither.
 *   A restarted watcher resumes from the cursor.
 * - Each range read is remembered with the hash of its last block. Before reading further, the
 *   watcher checks that hash against the chain; when it has changed (a reorganisation deeper than
 *   `confirmations`), it walks back to the newest range still on the chain, tells the handler to
 *   forget everything after it (`onRewind`), and re-reads from there.
 */
import { Interface, type Log, type LogDescription, type Provider } from "ethers";
import { DeepReorgError, describeError, L2kitError } from "./errors";
import { silentLogger, type Logger } from "./log";
import { sleep, withRetry, type RetryOptions } from "./rpc";
import type { Migration, Store } from "./store";

export interface WatchedEvent {
  name: string;
  /** Decoded arguments by name (and position). */
  args: LogDescription["args"];
  address: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  logIndex: number;
}

export interface WatcherConfig {
  /** Names this watcher's cursor in the store; one per followed stream. */
  name: string;
  /** Contract addresses to follow. */
  addresses: string[];
  /** ABI fragments (or an Interface) of the events to decode; others are ignored. */
  abi: Interface | readonly string[];
  /** First block to read when the store has no cursor yet (the deployment block). */
  fromBlock: number;
  confirmations: number;
  pollIntervalMs: number;
  /** Most blocks per eth_getLogs call. */
  maxBlockRange?: number;
  /** Ranges remembered for reorganisation checks. */
  historyRanges?: number;
  rpcRetries: number;
  rpcRetryDelayMs: number;
}

export interface WatcherHandlers {
  /** Runs inside the store transaction that advances the cursor; must be synchronous. */
  onEvents(events: WatchedEvent[], range: { from: number; to: number }): void;
  /**
   * Runs inside a store transaction when blocks from `fromBlock` on left the chain: undo whatever
   * `onEvents` did for them. They are delivered again as the watcher re-reads.
   */
  onRewind?(fromBlock: number): void;
}

export const WATCHER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "cursor and ranges",
    up: `
      CREATE TABLE watcher_cursor (
        name TEXT PRIMARY KEY,
        next_block INTEGER NOT NULL
      );
      CREATE TABLE watcher_ranges (
        name TEXT NOT NULL,
        from_block INTEGER NOT NULL,
        to_block INTEGER NOT NULL,
        to_hash TEXT NOT NULL,
        PRIMARY KEY (name, to_block)
      );
    `,
  },
];

export class Watcher {
  private readonly iface: Interface;
  private readonly topics: string[];
  private readonly log: Logger;
  private readonly retry: RetryOptions;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: WatcherConfig,
    private readonly deps: {
      provider: Provider;
      store: Store;
      handlers: WatcherHandlers;
      log?: Logger;
    },
  ) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(config.name)) {
      throw new L2kitError(
        "WATCHER_BAD_NAME",
        `watcher name ${JSON.stringify(config.name)} is not a simple identifier`,
        {
          name: config.name,
        },
      );
    }
    this.iface = config.abi instanceof Interface ? config.abi : new Interface(config.abi);
    this.topics = [];
    this.iface.forEachEvent((ev) => this.topics.push(ev.topicHash));
    this.log = (deps.log ?? silentLogger).child({ component: "watcher", watcher: config.name });
    this.retry = {
      retries: config.rpcRetries,
      baseDelayMs: config.rpcRetryDelayMs,
      log: this.log,
      signal: this.abort.signal,
    };
    deps.store.migrate("watcher", WATCHER_MIGRATIONS);
  }

  /** The next block the watcher will read. */
  get cursor(): number {
    const row = this.deps.store.db
      .prepare("SELECT next_block FROM watcher_cursor WHERE name = ?")
      .get(this.config.name) as { next_block: number } | undefined;
    return row?.next_block ?? this.config.fromBlock;
  }

  /**
   * One round: check the last range for a reorganisation, then read and deliver every final block
   * after the cursor. Returns the number of events delivered.
   */
  async poll(): Promise<number> {
    await this.checkReorg();
    const head = await withRetry(
      "getBlockNumber",
      () => this.deps.provider.getBlockNumber(),
      this.retry,
    );
    const finalTip = head - this.config.confirmations + 1;
    const maxRange = this.config.maxBlockRange ?? 2000;
    let delivered = 0;
    for (let from = this.cursor; from <= finalTip; from = this.cursor) {
      const to = Math.min(finalTip, from + maxRange - 1);
      const logs = await withRetry(
        "getLogs",
        () =>
          this.deps.provider.getLogs({
            address: this.config.addresses,
            topics: [this.topics],
            fromBlock: from,
            toBlock: to,
          }),
        this.retry,
      );
      const block = await withRetry("getBlock", () => this.deps.provider.getBlock(to), this.retry);
      if (block === null || block.hash === null) break; // the node has not caught up; next round
      const events = logs
        .filter((l) => !l.removed)
        .sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)
        .map((l) => this.decode(l))
        .filter((e): e is WatchedEvent => e !== undefined);
      // Logs of a block must belong to the block whose hash we remember; otherwise re-read.
      if (events.some((e) => e.blockNumber === to && e.blockHash !== block.hash)) {
        this.log.warn("logs and block disagree (reorg in progress); re-reading", { from, to });
        break;
      }
      this.commit(from, to, block.hash, events);
      delivered += events.length;
      if (events.length > 0)
        this.log.debug("events delivered", { from, to, events: events.length });
    }
    return delivered;
  }

  /** Polls every `pollIntervalMs` until `stop()`; errors are logged and retried next round. */
  start(): void {
    if (this.loop !== undefined) return;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          await this.poll();
        } catch (error) {
          if (this.abort.signal.aborted) break;
          if (error instanceof DeepReorgError) {
            this.log.fatal("deep reorganisation; watcher halted", { error });
            throw error;
          }
          this.log.error("watcher round failed", { error: describeError(error) });
        }
        try {
          await sleep(this.config.pollIntervalMs, this.abort.signal);
        } catch {
          break;
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort(new L2kitError("WATCHER_STOPPED", "watcher stopped"));
    await this.loop?.catch(() => undefined);
  }

  private decode(log: Log): WatchedEvent | undefined {
    let parsed: LogDescription | null;
    try {
      parsed = this.iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch (error) {
      this.log.warn("undecodable log skipped", {
        tx: log.transactionHash,
        index: log.index,
        error: describeError(error),
      });
      return undefined;
    }
    if (parsed === null) return undefined;
    return {
      name: parsed.name,
      args: parsed.args,
      address: log.address,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      logIndex: log.index,
    };
  }

  private commit(from: number, to: number, toHash: string, events: WatchedEvent[]): void {
    const { store, handlers } = this.deps;
    const history = this.config.historyRanges ?? 256;
    store.transaction(() => {
      handlers.onEvents(events, { from, to });
      store.db
        .prepare(
          `INSERT INTO watcher_cursor (name, next_block) VALUES (?, ?)
           ON CONFLICT (name) DO UPDATE SET next_block = excluded.next_block`,
        )
        .run(this.config.name, to + 1);
      store.db
        .prepare(
          "INSERT OR REPLACE INTO watcher_ranges (name, from_block, to_block, to_hash) VALUES (?, ?, ?, ?)",
        )
        .run(this.config.name, from, to, toHash);
      store.db
        .prepare(
          `DELETE FROM watcher_ranges WHERE name = ? AND to_block NOT IN
             (SELECT to_block FROM watcher_ranges WHERE name = ? ORDER BY to_block DESC LIMIT ?)`,
        )
        .run(this.config.name, this.config.name, history);
    });
  }

  private async checkReorg(): Promise<void> {
    const ranges = this.deps.store.db
      .prepare(
        "SELECT from_block, to_block, to_hash FROM watcher_ranges WHERE name = ? ORDER BY to_block DESC",
      )
      .all(this.config.name) as { from_block: number; to_block: number; to_hash: string }[];
    if (ranges.length === 0) return;
    let keep: (typeof ranges)[number] | undefined;
    for (const r of ranges) {
      const block = await withRetry(
        "getBlock",
        () => this.deps.provider.getBlock(r.to_block),
        this.retry,
      );
      if (block !== null && block.hash === r.to_hash) {
        keep = r;
        break;
      }
    }
    if (keep === ranges[0]) return;
    const oldest = ranges[ranges.length - 1];
    // With no surviving range we can only start over if history reaches back to the first block.
    if (keep === undefined && oldest.from_block !== this.config.fromBlock) {
      throw new DeepReorgError(this.config.name, oldest.from_block);
    }
    const rewindFrom = keep === undefined ? this.config.fromBlock : keep.to_block + 1;
    this.log.warn("chain reorganised; re-reading", {
      fromBlock: rewindFrom,
      droppedRanges: keep === undefined ? ranges.length : ranges.indexOf(keep),
    });
    const { store, handlers } = this.deps;
    store.transaction(() => {
      handlers.onRewind?.(rewindFrom);
      store.db
        .prepare("DELETE FROM watcher_ranges WHERE name = ? AND to_block >= ?")
        .run(this.config.name, rewindFrom);
      store.db
        .prepare("UPDATE watcher_cursor SET next_block = ? WHERE name = ?")
        .run(rewindFrom, this.config.name);
    });
  }
}
