/**
 * The L1 publisher: the only code in an operator that sends transactions.
 *
 * - Idempotent by key: `send("batch-17", tx)` sends at most one transaction (and its fee
 *   replacements) for that key, ever. The signed transaction is written to the store *before* it
 *   is broadcast, so after a crash `start()` picks up exactly where the process stopped and a
 *   restarted operator never publishes the same batch twice.
 * - Nonces are assigned locally and in order, one send at a time.
 * - Gas is estimated (a would-be revert is reported with its revert data and nothing is sent) and
 *   padded by a margin; fees follow the node's fee data, capped by `maxFeePerGas`.
 * - A transaction not mined within `txStuckAfterMs` is replaced with the same nonce and fees
 *   raised by `feeBumpPercent`; every hash ever sent for a key is watched, whichever is mined wins.
 * - RPC calls that fail transiently are retried with backoff.
 * - `send` resolves once the receipt has `confirmations` blocks on top of it and its block is still
 *   on the canonical chain.
 */
import {
  Transaction,
  type Provider,
  type TransactionReceipt,
  type TransactionRequest,
} from "ethers";
import {
  describeError,
  L2kitError,
  NonceConsumedError,
  RpcRetriesExhaustedError,
  TxRevertedError,
} from "./errors";
import { silentLogger, type Logger } from "./log";
import { sleep, withRetry, type RetryOptions } from "./rpc";
import type { Migration, Store } from "./store";

export interface PublisherConfig {
  confirmations: number;
  pollIntervalMs: number;
  txStuckAfterMs: number;
  feeBumpPercent: number;
  maxFeePerGas: bigint;
  gasLimitMarginPercent: number;
  rpcRetries: number;
  rpcRetryDelayMs: number;
}

/** Signs locally: an ethers `Wallet` fits. */
export interface TxSigner {
  readonly address: string;
  signTransaction(tx: TransactionRequest): Promise<string>;
}

export interface PublisherDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

export interface PublishRequest {
  to: string;
  data?: string;
  value?: bigint;
  /** Skip estimation and use this limit as is. */
  gasLimit?: bigint;
}

export interface PublishedTx {
  key: string;
  hash: string;
  nonce: number;
  blockNumber: number;
  blockHash: string;
  gasUsed: bigint;
  /** Fee replacements sent before one was mined (0 when the first was). */
  replacements: number;
}

type TxStatus = "pending" | "confirmed" | "reverted";

interface TxRow {
  key: string;
  nonce: number;
  to_address: string;
  data: string;
  value: string;
  gas_limit: string;
  status: TxStatus;
  mined_hash: string | null;
  block_number: number | null;
  block_hash: string | null;
  gas_used: string | null;
}

interface AttemptRow {
  key: string;
  attempt: number;
  hash: string;
  raw: string;
  max_fee: string;
  priority_fee: string;
  sent_at: number;
}

export const PUBLISHER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "transactions and attempts",
    up: `
      CREATE TABLE publisher_txs (
        key TEXT PRIMARY KEY,
        sender TEXT NOT NULL,
        nonce INTEGER NOT NULL,
        to_address TEXT NOT NULL,
        data TEXT NOT NULL,
        value TEXT NOT NULL,
        gas_limit TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'reverted')),
        mined_hash TEXT,
        block_number INTEGER,
        block_hash TEXT,
        gas_used TEXT,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX publisher_txs_nonce ON publisher_txs (sender, nonce);
      CREATE TABLE publisher_attempts (
        key TEXT NOT NULL REFERENCES publisher_txs (key),
        attempt INTEGER NOT NULL,
        hash TEXT NOT NULL,
        raw TEXT NOT NULL,
        max_fee TEXT NOT NULL,
        priority_fee TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (key, attempt)
      );
    `,
  },
];

/** The same key was used for a different transaction. */
export class PublishKeyConflictError extends L2kitError {
  constructor(readonly key: string) {
    super("PUBLISH_KEY_CONFLICT", `key ${key} was already used for a different transaction`, {
      key,
    });
  }
}

export class Publisher {
  private readonly log: Logger;
  private readonly retry: RetryOptions;
  private nextNonce: number | undefined;
  private chainId: bigint | undefined;
  /** Serialises nonce assignment and first broadcast. */
  private lock: Promise<void> = Promise.resolve();
  /** One follower per pending key, shared by every caller waiting on it. */
  private readonly following = new Map<string, Promise<PublishedTx>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly config: PublisherConfig,
    private readonly deps: PublisherDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({
      component: "publisher",
      sender: deps.signer.address,
    });
    this.retry = {
      retries: config.rpcRetries,
      baseDelayMs: config.rpcRetryDelayMs,
      log: this.log,
      signal: this.abort.signal,
    };
    deps.store.migrate("publisher", PUBLISHER_MIGRATIONS);
  }

  get address(): string {
    return this.deps.signer.address;
  }

  /**
   * Syncs the nonce and resumes following every transaction left pending by an earlier run
   * (rebroadcasting it, since the node may have dropped it). Call once before `send`.
   */
  async start(): Promise<void> {
    await this.init();
    for (const row of this.pendingRows()) {
      this.log.info("resuming pending transaction", { key: row.key, nonce: row.nonce });
      const latest = this.attempts(row.key).at(-1);
      if (latest !== undefined) await this.broadcast(row.key, latest.raw, latest.hash, true);
      this.follow(row.key).catch(() => undefined);
    }
  }

  /** Stops following; pending transactions stay in the store for the next `start()`. */
  stop(): void {
    this.abort.abort(new L2kitError("PUBLISHER_STOPPED", "publisher stopped"));
  }

  /** What the store knows of `key`, or undefined if it was never sent. */
  status(
    key: string,
  ): { status: TxStatus; nonce: number; hashes: string[]; minedHash?: string } | undefined {
    const row = this.row(key);
    if (row === undefined) return undefined;
    return {
      status: row.status,
      nonce: row.nonce,
      hashes: this.attempts(key).map((a) => a.hash),
      ...(row.mined_hash === null ? {} : { minedHash: row.mined_hash }),
    };
  }

  /**
   * Sends `request` under `key` (once per key, ever) and resolves when it is final.
   * Throws `TxRevertedError` when it would revert (nothing sent) or did revert.
   */
  async send(key: string, request: PublishRequest): Promise<PublishedTx> {
    const existing = this.row(key);
    if (existing !== undefined) {
      this.checkSameRequest(existing, request);
      return this.follow(key);
    }
    await this.withLock(async () => {
      // Another caller may have sent this key while we waited for the lock.
      const raced = this.row(key);
      if (raced !== undefined) {
        this.checkSameRequest(raced, request);
        return;
      }
      await this.sendFirst(key, request);
    });
    return this.follow(key);
  }

  private async init(): Promise<void> {
    if (this.chainId !== undefined) return;
    const { provider, signer } = this.deps;
    const network = await withRetry("getNetwork", () => provider.getNetwork(), this.retry);
    this.chainId = network.chainId;
    const onChain = await withRetry(
      "getTransactionCount",
      () => provider.getTransactionCount(signer.address, "pending"),
      this.retry,
    );
    const row = this.deps.store.db
      .prepare("SELECT MAX(nonce) AS n FROM publisher_txs WHERE sender = ? AND status = 'pending'")
      .get(signer.address) as { n: number | null };
    this.nextNonce = Math.max(onChain, row.n === null ? 0 : row.n + 1);
    this.log.info("publisher ready", { chainId: this.chainId, nextNonce: this.nextNonce });
  }

  private async sendFirst(key: string, request: PublishRequest): Promise<void> {
    await this.init();
    const { provider, signer } = this.deps;
    const data = request.data ?? "0x";
    const value = request.value ?? 0n;
    let gasLimit = request.gasLimit;
    if (gasLimit === undefined) {
      try {
        const estimate = await withRetry(
          "estimateGas",
          () => provider.estimateGas({ from: signer.address, to: request.to, data, value }),
          this.retry,
        );
        gasLimit = (estimate * BigInt(100 + this.config.gasLimitMarginPercent)) / 100n;
      } catch (error) {
        const revertData = extractRevertData(error);
        if (revertData !== undefined || (error as { code?: string }).code === "CALL_EXCEPTION") {
          throw new TxRevertedError(key, undefined, revertData, describeError(error));
        }
        throw error;
      }
    }
    const fees = await this.initialFees();
    // Reconcile with the chain in case something else sent from this account since the last send.
    const chainPending = await withRetry(
      "getTransactionCount",
      () => provider.getTransactionCount(signer.address, "pending"),
      this.retry,
    );
    const nonce = Math.max(this.nextNonce ?? 0, chainPending);
    const raw = await signer.signTransaction({
      type: 2,
      chainId: this.chainId,
      nonce,
      to: request.to,
      data,
      value,
      gasLimit,
      maxFeePerGas: fees.maxFee,
      maxPriorityFeePerGas: fees.priorityFee,
    });
    const hash = Transaction.from(raw).hash as string;
    // Persist before broadcast: after a crash from here on, start() finds it and follows it.
    this.deps.store.transaction(() => {
      this.deps.store.db
        .prepare(
          `INSERT INTO publisher_txs (key, sender, nonce, to_address, data, value, gas_limit, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
        )
        .run(
          key,
          signer.address,
          nonce,
          request.to,
          data,
          value.toString(),
          gasLimit.toString(),
          new Date().toISOString(),
        );
      this.insertAttempt(key, 0, hash, raw, fees.maxFee, fees.priorityFee);
    });
    try {
      await this.broadcast(key, raw, hash, false);
    } catch (error) {
      if (error instanceof RpcRetriesExhaustedError) {
        // The node may or may not have it. Keep the record: follow() rebroadcasts or replaces it,
        // and no second transaction is ever signed for this key.
        this.nextNonce = nonce + 1;
        this.log.warn("broadcast unconfirmed; will keep following", {
          key,
          hash,
          nonce,
          error: describeError(error),
        });
        return;
      }
      // Some nodes (Hardhat's, for a reverting call) answer with an error yet keep or even mine
      // the transaction. If the node knows the hash, follow it like any other.
      const known = await this.deps.provider.getTransaction(hash).catch(() => null);
      if (known !== null) {
        this.nextNonce = nonce + 1;
        this.log.warn("broadcast answered with an error but the node has the transaction", {
          key,
          hash,
          error: describeError(error),
        });
        return;
      }
      // The node refused it, so nothing reached the network: forget the key so the nonce is
      // reused and the caller may retry.
      this.deps.store.transaction(() => {
        this.deps.store.db.prepare("DELETE FROM publisher_attempts WHERE key = ?").run(key);
        this.deps.store.db.prepare("DELETE FROM publisher_txs WHERE key = ?").run(key);
      });
      throw error;
    }
    this.nextNonce = nonce + 1;
    this.log.info("transaction sent", {
      key,
      hash,
      nonce,
      gasLimit,
      maxFeePerGas: fees.maxFee,
      maxPriorityFeePerGas: fees.priorityFee,
    });
  }

  /** Broadcasts a signed transaction; a node that already has it (or mined it) is not an error. */
  private async broadcast(
    key: string,
    raw: string,
    hash: string,
    resuming: boolean,
  ): Promise<void> {
    try {
      await withRetry(
        "broadcastTransaction",
        () => this.deps.provider.broadcastTransaction(raw),
        this.retry,
      );
    } catch (error) {
      const msg = nodeMessages(error).toLowerCase();
      const code = (error as { code?: string }).code;
      if (
        msg.includes("already known") ||
        msg.includes("already imported") ||
        msg.includes("known transaction")
      )
        return;
      if (
        code === "NONCE_EXPIRED" ||
        msg.includes("nonce too low") ||
        msg.includes("nonce has already been used")
      ) {
        // One of our attempts (or a foreign transaction) took the nonce; follow() finds out which.
        if (resuming || this.attempts(key).length > 1) return;
        const receipt = await this.receipt(hash);
        if (receipt !== null) return;
      }
      if (code === "REPLACEMENT_UNDERPRICED" || msg.includes("underpriced")) {
        if (this.attempts(key).length > 1 || resuming) {
          this.log.warn("replacement underpriced; will bump again", { key, hash });
          return;
        }
      }
      throw error;
    }
  }

  /**
   * Fees from the latest block's base fee and the node's suggested tip, each fetched (and
   * retried) on its own: maxFee = 2 * baseFee + tip, as ethers does, capped by the config.
   */
  private async initialFees(): Promise<{ maxFee: bigint; priorityFee: bigint }> {
    const { provider } = this.deps;
    const block = await withRetry("getBlock", () => provider.getBlock("latest"), this.retry);
    const rpc = provider as Partial<{ send(method: string, params: unknown[]): Promise<string> }>;
    const ask = async (method: string): Promise<bigint | undefined> =>
      typeof rpc.send === "function"
        ? BigInt(await withRetry(method, () => rpc.send!(method, []), this.retry))
        : undefined;
    let priorityFee: bigint;
    let maxFee: bigint;
    if (block?.baseFeePerGas != null) {
      priorityFee = (await ask("eth_maxPriorityFeePerGas")) ?? 1_000_000_000n;
      maxFee = block.baseFeePerGas * 2n + priorityFee;
    } else {
      // A chain without EIP-1559: pay the node's gas price as both fields.
      maxFee = (await ask("eth_gasPrice")) ?? 1_000_000_000n;
      priorityFee = maxFee;
    }
    if (maxFee > this.config.maxFeePerGas) {
      this.log.warn("network fee above cap; offering the cap", {
        networkMaxFee: maxFee,
        cap: this.config.maxFeePerGas,
      });
      maxFee = this.config.maxFeePerGas;
    }
    if (priorityFee > maxFee) priorityFee = maxFee;
    return { maxFee, priorityFee };
  }

  private follow(key: string): Promise<PublishedTx> {
    let p = this.following.get(key);
    if (p === undefined) {
      p = this.followLoop(key).finally(() => this.following.delete(key));
      this.following.set(key, p);
    }
    return p;
  }

  private async followLoop(key: string): Promise<PublishedTx> {
    const row0 = this.row(key);
    if (row0 === undefined)
      throw new L2kitError("PUBLISH_UNKNOWN_KEY", `no transaction for key ${key}`, { key });
    const log = this.log.child({ key, nonce: row0.nonce });
    let nonceTakenPolls = 0;
    for (;;) {
      const row = this.row(key) as TxRow;
      if (row.status !== "pending") return this.finished(row);
      const attempts = this.attempts(key);
      let mined: TransactionReceipt | null = null;
      for (const a of [...attempts].reverse()) {
        mined = await this.receipt(a.hash);
        if (mined !== null) break;
      }
      if (mined !== null) {
        nonceTakenPolls = 0;
        const head = await withRetry(
          "getBlockNumber",
          () => this.deps.provider.getBlockNumber(),
          this.retry,
        );
        if (head - mined.blockNumber + 1 >= this.config.confirmations) {
          const block = await withRetry(
            "getBlock",
            () => this.deps.provider.getBlock(mined!.blockNumber),
            this.retry,
          );
          if (block !== null && block.hash === mined.blockHash) {
            const status: TxStatus = mined.status === 1 ? "confirmed" : "reverted";
            this.deps.store.db
              .prepare(
                `UPDATE publisher_txs SET status = ?, mined_hash = ?, block_number = ?, block_hash = ?, gas_used = ?
                 WHERE key = ? AND status = 'pending'`,
              )
              .run(
                status,
                mined.hash,
                mined.blockNumber,
                mined.blockHash,
                mined.gasUsed.toString(),
                key,
              );
            log.info(status === "confirmed" ? "transaction final" : "transaction reverted", {
              hash: mined.hash,
              block: mined.blockNumber,
              gasUsed: mined.gasUsed,
              replacements: attempts.length - 1,
            });
            continue;
          }
          log.warn("receipt's block left the canonical chain; waiting", {
            hash: mined.hash,
            block: mined.blockNumber,
          });
        }
      } else {
        const latestNonce = await withRetry(
          "getTransactionCount",
          () => this.deps.provider.getTransactionCount(this.deps.signer.address, "latest"),
          this.retry,
        );
        if (latestNonce > row.nonce) {
          // The nonce is used on chain but none of our hashes has a receipt. Give the node a few
          // polls (receipts can lag the nonce), then report it: something else took the nonce.
          if (++nonceTakenPolls >= 3) throw new NonceConsumedError(key, row.nonce);
        } else {
          const last = attempts[attempts.length - 1];
          if (Date.now() - last.sent_at >= this.config.txStuckAfterMs)
            await this.replace(row, last, log);
        }
      }
      await sleep(this.config.pollIntervalMs, this.abort.signal);
    }
  }

  private async replace(row: TxRow, last: AttemptRow, log: Logger): Promise<void> {
    const network = await this.initialFees();
    const bump = (v: bigint): bigint => (v * BigInt(100 + this.config.feeBumpPercent) + 99n) / 100n;
    let maxFee = bump(BigInt(last.max_fee));
    let priorityFee = bump(BigInt(last.priority_fee));
    if (network.maxFee > maxFee) maxFee = network.maxFee;
    if (network.priorityFee > priorityFee) priorityFee = network.priorityFee;
    if (maxFee > this.config.maxFeePerGas) maxFee = this.config.maxFeePerGas;
    if (priorityFee > maxFee) priorityFee = maxFee;
    if (maxFee <= BigInt(last.max_fee)) {
      // At the cap: a replacement would be refused as underpriced. Keep the last one in mempools.
      log.warn("transaction stuck at the fee cap; rebroadcasting", {
        hash: last.hash,
        maxFeePerGas: maxFee,
      });
      await this.broadcast(row.key, last.raw, last.hash, true);
      this.deps.store.db
        .prepare("UPDATE publisher_attempts SET sent_at = ? WHERE key = ? AND attempt = ?")
        .run(Date.now(), row.key, last.attempt);
      return;
    }
    const raw = await this.deps.signer.signTransaction({
      type: 2,
      chainId: this.chainId,
      nonce: row.nonce,
      to: row.to_address,
      data: row.data,
      value: BigInt(row.value),
      gasLimit: BigInt(row.gas_limit),
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: priorityFee,
    });
    const hash = Transaction.from(raw).hash as string;
    this.insertAttempt(row.key, last.attempt + 1, hash, raw, maxFee, priorityFee);
    log.warn("transaction stuck; sending replacement", {
      previous: last.hash,
      hash,
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: priorityFee,
    });
    await this.broadcast(row.key, raw, hash, true);
  }

  private finished(row: TxRow): PublishedTx {
    const attempts = this.attempts(row.key);
    const result: PublishedTx = {
      key: row.key,
      hash: row.mined_hash as string,
      nonce: row.nonce,
      blockNumber: row.block_number as number,
      blockHash: row.block_hash as string,
      gasUsed: BigInt(row.gas_used as string),
      replacements: attempts.length - 1,
    };
    if (row.status === "reverted") {
      throw new TxRevertedError(
        row.key,
        result.hash,
        undefined,
        `mined in block ${result.blockNumber} with status 0`,
      );
    }
    return result;
  }

  private receipt(hash: string): Promise<TransactionReceipt | null> {
    return withRetry(
      "getTransactionReceipt",
      () => this.deps.provider.getTransactionReceipt(hash),
      this.retry,
    );
  }

  private checkSameRequest(row: TxRow, request: PublishRequest): void {
    const same =
      row.to_address.toLowerCase() === request.to.toLowerCase() &&
      row.data.toLowerCase() === (request.data ?? "0x").toLowerCase() &&
      row.value === (request.value ?? 0n).toString();
    if (!same) throw new PublishKeyConflictError(row.key);
  }

  private row(key: string): TxRow | undefined {
    return this.deps.store.db.prepare("SELECT * FROM publisher_txs WHERE key = ?").get(key) as
      TxRow | undefined;
  }

  private pendingRows(): TxRow[] {
    return this.deps.store.db
      .prepare("SELECT * FROM publisher_txs WHERE sender = ? AND status = 'pending' ORDER BY nonce")
      .all(this.deps.signer.address) as TxRow[];
  }

  private attempts(key: string): AttemptRow[] {
    return this.deps.store.db
      .prepare("SELECT * FROM publisher_attempts WHERE key = ? ORDER BY attempt")
      .all(key) as AttemptRow[];
  }

  private insertAttempt(
    key: string,
    attempt: number,
    hash: string,
    raw: string,
    maxFee: bigint,
    priorityFee: bigint,
  ): void {
    this.deps.store.db
      .prepare(
        `INSERT INTO publisher_attempts (key, attempt, hash, raw, max_fee, priority_fee, sent_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(key, attempt, hash, raw, maxFee.toString(), priorityFee.toString(), Date.now());
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise((r) => (release = r));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Revert data (`0x` + selector + args) buried in an ethers error, if any. */
/**
 * Every message an RPC error carries: ethers wraps a node's answer it does not recognise
 * ("could not coalesce error") and keeps the node's own words (Hardhat's "Known transaction",
 * geth's "already known") in nested fields.
 */
function nodeMessages(error: unknown): string {
  const parts: string[] = [describeError(error)];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== null && typeof e === "object"; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === "string") parts.push(m);
    e = (e as { error?: unknown }).error;
  }
  return parts.join(" | ");
}

export function extractRevertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]*$/.test(o.data) && o.data.length >= 10)
      return o.data;
    queue.push(o.error, o.cause, o.info, (o.info as Record<string, unknown> | undefined)?.error);
  }
  return undefined;
}
