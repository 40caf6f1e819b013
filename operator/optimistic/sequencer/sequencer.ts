/**
 * The optimistic rollup's sequencer service: accepts signed transfers and withdrawals, seals them
 * with the L1 inbox's deposits and forced transactions into batches, posts each batch with its
 * claimed state root, keeps its bond topped up, finalises batches whose window has passed and
 * follows the chain (finality, discards after a lost game).
 *
 * Composition: a mempool (pure checks over the head state), an ECDSA pool (worker threads), a
 * group-committing writer (accepted transactions are durable before the answer), the core watcher
 * (L1 events, exactly once), the core publisher (the only code that sends L1 transactions,
 * idempotent per key) and the store.
 *
 * Sealing is synchronous and atomic: the batch's steps run on the head state with the reference
 * transition function, records that fail (a forced L1 transaction spent the funds first) are taken
 * out and their transactions rejected with the reason, and the batch, its records and rejections
 * are stored in one SQLite transaction before the head moves. Batches are posted strictly in order.
 *
 * A discard (the challenge game proved a batch invalid) takes that batch and every later one out
 * of the chain: their transactions return to the pool in acceptance order and are sealed again on
 * the last valid state. `--fault-at-batch N` makes the N-th batch this sequencer seals claim a
 * wrong root (local test chains only), to show the challenger at work.
 *
 * Restart: the head state is rebuilt by replaying the live batches from their stored inbox ranges
 * and records (each must reproduce its stored honest root) and pending transactions return to the
 * pool. Nothing accepted is lost and no batch is posted twice (one publisher key per batch).
 *
 * Following L1: batches posted by another address (a forced poster after `forceDelay`, a
 * co-sequencer) are read from L1 with the challenger's sync (`../l1-batches.ts`) and re-executed.
 * A valid one is adopted: the sequencer's own unposted batches at or after its position are
 * unsealed, the pending transactions it carried are bound to it, and sealing resumes on top of it.
 * An invalid or unreadable one cannot be built on (every later batch would fall with it): the
 * sequencer keeps accepting transactions, posts nothing, reports why on `/health` and
 * `/v1/status`, and resumes by itself once L1 discards it.
 */
import { concat, keccak256, toUtf8Bytes, type Contract, type Provider } from "ethers";
import { describeError, L2kitError, TxRejectedError, TxRevertedError } from "../../core/errors";
import { GroupCommit } from "../../core/group-commit";
import { pollOf, type L1PollConfig } from "../../core/settings";
import { silentLogger, type Logger } from "../../core/log";
import { Publisher, type PublisherConfig, type TxSigner } from "../../core/publisher";
import { sleep } from "../../core/rpc";
import type { Store } from "../../core/store";
import { Watcher, type WatchedEvent } from "../../core/watcher";
import type { Eip712Domain } from "../../lib/eip712";
import { AMOUNT, FEE } from "../../lib/float";
import type { Hex } from "../../lib/sparse-merkle";
import { optimisticRollupAt, optimisticRollupInterface } from "../abi";
import { compactSignature, decodeRecord, encodeRecord, splitRecords } from "../codec";
import {
  postedBatchFromEvent,
  readBatchRecords,
  readBlobBatch,
  type BlobSource,
} from "../l1-batches";
import { recoverSigner } from "../ecdsa";
import { GENESIS_ROOT, RecordKind, type L2Record, type StateHeader } from "../protocol";
import { L2State, type Withdrawal } from "../state";
import { applyStep, type StepContext } from "../transition";
import { executeBatch } from "../batch";
import {
  SequencerDb,
  type ForeignBatch,
  type AcceptedRow,
  type SignedL2Tx,
  type StoredBatch,
  type StoredTx,
} from "./db";
import { Mempool, type PendingTx } from "./mempool";
import { txWriter, type TxWriter } from "./persist";
import type { StoredInboxEntry } from "../inbox";
import { signatureVerifier, type TxSignatureVerifier } from "./verify";

export interface SequencerConfig extends L1PollConfig {
  rollup: string;
  chainId: bigint;
  domain: Eip712Domain;
  /** First block the watcher reads (the rollup's deployment block). */
  fromBlock: number;
  batchBond: bigint;
  /** How much the sequencer adds to its free bond when it runs short (at least `batchBond`). */
  bondTopUp: bigint;
  challengeWindowSeconds: number;
  maxBatchWaitMs: number;
  maxBatchRecords: number;
  maxBatchInbox: number;
  /** L2 account that receives fees; unset: fee 0 only. */
  feeAccount?: bigint;
  minFee: bigint;
  maxPendingTxs: number;
  verifyWorkers: number;
  /** Where blob batches posted by others are read from (`L2KIT_BEACON_URL`). */
  blobSource?: BlobSource;
  /** The N-th sealed batch (1-based, counted in this database) claims a wrong root. */
  faultAtBatch?: number;
  publisher: PublisherConfig;
}

export interface SequencerDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

/** A transaction as users see it. */
export type TxView = StoredTx & {
  view: "pending" | "rejected" | "sealed" | "posted" | "final";
  position?: number;
  batchId?: number;
};

/** The sequencer's database file for one deployment. */
export function sequencerDbFile(chainId: bigint, rollup: string): string {
  return `optimistic-sequencer-${chainId}-${rollup.toLowerCase()}.sqlite`;
}

/** The tx hash users track: keccak256(sender ‖ EIP-712 digest) (the digest alone omits the sender). */
export function txHash(sender: string, digest: string): string {
  return keccak256(concat([sender, digest]));
}

function verifiedKey(sender: string, digest: string): string {
  return `${sender.toLowerCase()}:${digest}`;
}

/** The root a faulty batch claims instead of the honest one. */
export function faultyRoot(seq: number): Hex {
  return keccak256(toUtf8Bytes(`l2kit fault-at-batch ${seq}`)) as Hex;
}

/** Sealed batches not yet on L1 beyond which the sequencer stops sealing. */
const MAX_UNPOSTED = 4;

export class Sequencer {
  readonly db: SequencerDb;
  private readonly log: Logger;
  private readonly mempool: Mempool;
  private readonly pool: TxSignatureVerifier;
  private readonly publisher: Publisher;
  private readonly watcher: Watcher;
  private readonly writer: TxWriter;
  private readonly commit: GroupCommit<AcceptedRow>;
  private readonly rollup: Contract;
  /** State after every live sealed batch: what the mempool checks against. */
  private head = new L2State();
  /** Inbox entries consumed by the live batches. */
  private inboxConsumed = 0;
  /** When this process first saw the oldest waiting inbox entry (the batching clock). */
  private inboxWaiting: { index: number; since: number } | undefined;
  /** Signatures already verified, by `sender:digest` (sealing does not check them again). */
  private readonly verified = new Map<string, string>();
  private nextTxId: number;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private wakeSubmitter: (() => void) | undefined;
  private sealTimer: NodeJS.Timeout | undefined;
  /** Bonds of our discarded batches still to release. */
  private readonly toRelease = new Set<number>();
  /** Why the sequencer cannot go on (a reorganised inbox), if it cannot. */
  private halted: string | undefined;
  /** Whether `halted` says the head could not be rebuilt (cleared by a rebuild that succeeds). */
  private haltedByRebuild = false;
  /** Inbox entries the next batch must take at least (L1 refused a batch for leaving some out). */
  private minBatchInbox = 0;
  /** Last failure of the pipeline, reported by /health until a batch goes through again. */
  private lastError: string | undefined;
  /** The state at the last final batch, for withdrawal proofs (rebuilt when finality moves). */
  private finalCache: { position: number; state: L2State } | undefined;
  private started = false;

  constructor(
    readonly config: SequencerConfig,
    private readonly deps: SequencerDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "optimistic-sequencer" });
    this.db = new SequencerDb(deps.store);
    this.db.meta.bindDeployment(
      { chainId: config.chainId.toString(), rollup: config.rollup.toLowerCase() },
      "use another --data-dir",
    );
    this.rollup = optimisticRollupAt(config.rollup, deps.provider);
    this.mempool = new Mempool(() => this.head, {
      feeAccount: config.feeAccount,
      minFee: config.minFee,
      maxPending: config.maxPendingTxs,
    });
    try {
      this.rebuild();
    } catch {
      // Halted, and says why (health, status): it starts to follow L1, whose discard of the
      // batch that broke the replay lets a later rebuild succeed.
    }
    this.nextTxId = this.db.maxTxId();
    this.pool = signatureVerifier(config.domain, config.verifyWorkers, this.log);
    this.writer = txWriter(this.db);
    this.commit = new GroupCommit(
      (rows) => this.writer.write(rows),
      (lost, error) => {
        // Nothing of the group was written: forget it, and what queued behind it (its nonces
        // depend on the lost ones).
        this.mempool.remove(lost.map((r) => r.id));
        this.log.error("persisting transactions failed", { error: describeError(error) });
        return new TxRejectedError(
          "STORE_UNAVAILABLE",
          `the sequencer could not persist the transaction: ${describeError(error)}`,
          {},
          503,
        );
      },
    );
    this.publisher = new Publisher(config.publisher, {
      provider: deps.provider,
      signer: deps.signer,
      store: deps.store,
      log: this.log,
    });
    const events = [
      "InboxQueued",
      "BatchPosted",
      "BlobsPosted",
      "BatchFinalized",
      "BatchesDiscarded",
      "SequencerSlashed",
    ].map((name) => optimisticRollupInterface.getEvent(name)!.format("full"));
    this.watcher = new Watcher(
      {
        name: `optimistic-sequencer-${config.rollup.toLowerCase()}`,
        addresses: [config.rollup],
        abi: events,
        fromBlock: config.fromBlock,
        ...pollOf(config),
      },
      {
        provider: deps.provider,
        store: deps.store,
        log: this.log,
        handlers: {
          onEvents: (e) => this.onEvents(e),
          onRewind: (block) => this.onRewind(block),
        },
      },
    );
  }

  get address(): string {
    return this.deps.signer.address;
  }

  // ------------------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all([this.pool.ready(), this.writer.ready()]);
    await this.publisher.start();
    // Catch up with L1 before sealing: batches may have been discarded or finalised meanwhile.
    await this.watcher.poll();
    // Bonds of our discarded batches still locked on L1 (the set is kept in memory only).
    for (const id of this.db.discardedOwnBatchIds()) {
      const b = await this.rollup.batchById(id);
      if ((b.bond as bigint) > 0n && !((await this.rollup.isAlive(id)) as boolean))
        this.toRelease.add(id);
    }
    this.watcher.start();
    this.loops = [this.submitterLoop(), this.housekeepingLoop()];
    const tick = Math.max(20, Math.min(500, Math.floor(this.config.maxBatchWaitMs / 4) || 20));
    this.sealTimer = setInterval(() => this.sealIfDue(), tick);
    this.log.info("sequencer started", {
      rollup: this.config.rollup,
      sequencer: this.address,
      headPosition: this.db.lastLiveBatch()?.position ?? 0,
      pending: this.mempool.size,
      faultAtBatch: this.config.faultAtBatch,
    });
  }

  async stop(): Promise<void> {
    if (this.sealTimer !== undefined) clearInterval(this.sealTimer);
    this.abort.abort(new L2kitError("SEQUENCER_STOPPED", "sequencer stopped"));
    this.wakeSubmitter?.();
    await this.commit.drain();
    await this.writer.close();
    await this.watcher.stop();
    this.publisher.stop();
    await Promise.allSettled(this.loops);
    await this.pool.close();
  }

  // ------------------------------------------------------------------------------ ingest

  /**
   * Accepts a signed transaction: checks it against the pool, verifies its signature in a worker,
   * re-checks it (the pool may have moved meanwhile), persists it and only then resolves.
   * Throws a `TxRejectedError` with the HTTP status otherwise.
   */
  async submit(tx: SignedL2Tx): Promise<{ hash: string }> {
    if (this.abort.signal.aborted)
      throw new TxRejectedError("SHUTTING_DOWN", "the sequencer is shutting down", {}, 503);
    if (this.halted !== undefined)
      throw new TxRejectedError("SEQUENCER_HALTED", this.halted, {}, 503);
    this.mempool.check(tx);
    let checked;
    try {
      checked = await this.pool.check(tx);
    } catch (error) {
      throw new TxRejectedError(
        "SIGNATURE_CHECK_UNAVAILABLE",
        `the signature could not be checked: ${describeError(error)}; retry`,
        {},
        503,
      );
    }
    if (!checked.valid) {
      throw new TxRejectedError(
        "BAD_SIGNATURE",
        `the signature is not ${tx.sender}'s over this ${tx.type}`,
        { field: "signature" },
        422,
      );
    }
    this.mempool.check(tx);
    const hash = txHash(tx.sender, checked.digest);
    const p: PendingTx = {
      id: ++this.nextTxId,
      hash,
      tx,
      acceptedAt: Date.now(),
      durable: false,
      digest: checked.digest,
    };
    this.mempool.add(p);
    this.verified.set(verifiedKey(tx.sender, checked.digest), tx.signature);
    await this.commit.add({ id: p.id, hash, tx, acceptedAt: p.acceptedAt });
    p.durable = true;
    return { hash };
  }

  // ------------------------------------------------------------------------------ sealing

  private sealIfDue(): void {
    try {
      this.trySeal();
    } catch (error) {
      this.fail("sealing failed", { error: describeError(error) });
    }
  }

  /** Seals the next batch if one is due (or `force`). Synchronous and atomic; returns its seq. */
  trySeal(force = false): number | undefined {
    if (this.abort.signal.aborted || this.halted !== undefined) return undefined;
    // A batch someone else posted is not adopted yet: the head is not L1's.
    if (this.db.blockingForeign().length > 0) return undefined;
    if (this.db.unpostedBatches().length >= MAX_UNPOSTED) return undefined;
    const inboxWaiting = Math.min(
      this.db.inbox.length - this.inboxConsumed,
      Math.max(this.config.maxBatchInbox, this.minBatchInbox),
    );
    const selection = this.mempool.select(this.config.maxBatchRecords);
    if (selection.length === 0 && inboxWaiting === 0) return undefined;
    const full =
      selection.length >= this.config.maxBatchRecords || inboxWaiting >= this.config.maxBatchInbox;
    const now = Date.now();
    let oldest = this.mempool.oldestAcceptedAt() ?? Infinity;
    if (inboxWaiting > 0) {
      if (this.inboxWaiting?.index !== this.inboxConsumed)
        this.inboxWaiting = { index: this.inboxConsumed, since: now };
      oldest = Math.min(oldest, this.inboxWaiting.since);
    }
    if (!force && !full && now - oldest < this.config.maxBatchWaitMs) return undefined;
    const inbox = this.db.inbox.range(this.inboxConsumed, inboxWaiting);
    try {
      return this.seal(selection, inbox);
    } catch (error) {
      // The head may be half-way through the batch: rebuild it from what is stored.
      this.rebuild();
      throw error;
    }
  }

  private seal(selection: PendingTx[], inbox: StoredInboxEntry[]): number | undefined {
    const seq = this.db.lastSeq() + 1;
    const prev = this.db.lastLiveBatch();
    const state = this.head;
    const prevRoot = prev?.claimedRoot ?? GENESIS_ROOT;
    const ctx = this.stepContext();
    for (const entry of inbox) applyStep(state, { inbox: entry }, ctx);
    const included: { id: number; record: Hex }[] = [];
    const rejected: { id: number; reason: string }[] = [];
    const failed = new Set<string>();
    for (const p of selection) {
      const sender = p.tx.sender.toLowerCase();
      if (failed.has(sender)) {
        rejected.push({ id: p.id, reason: "an earlier transaction of the sender failed" });
        continue;
      }
      const record = buildRecord(state, p.tx);
      const result =
        record === undefined
          ? { valid: false, reason: `no account for ${p.tx.sender}` }
          : applyStep(state, { record }, ctx);
      if (!result.valid) {
        failed.add(sender);
        rejected.push({ id: p.id, reason: result.reason ?? "invalid" });
        continue;
      }
      included.push({ id: p.id, record: `0x${Buffer.from(record as Uint8Array).toString("hex")}` });
    }
    // Later transactions of a sender whose transaction failed carry nonces that can never run.
    for (const sender of failed) {
      for (const p of this.mempool.pendingOf(sender)) {
        if (!selection.includes(p))
          rejected.push({ id: p.id, reason: "an earlier transaction of the sender failed" });
      }
    }
    if (included.length === 0 && inbox.length === 0) {
      // Nothing left to post: store the rejections alone.
      this.db.transaction(() => {
        for (const r of rejected) this.db.rejectTx(r.id, r.reason);
      });
      this.forget(included, rejected);
      return undefined;
    }
    const honestRoot = state.root;
    const faulty = this.config.faultAtBatch === seq;
    const stored: StoredBatch = {
      seq,
      status: "sealed",
      position: (prev?.position ?? 0) + 1,
      inboxStart: this.inboxConsumed,
      inboxCount: inbox.length,
      feeAccount: Number(this.config.feeAccount ?? 0n),
      prevRoot,
      honestRoot,
      claimedRoot: faulty ? faultyRoot(seq) : honestRoot,
      records: included.length,
      sealedAt: Date.now(),
      batchId: null,
      l1Tx: null,
      l1Block: null,
      gasUsed: null,
      postedAt: null,
      finalAt: null,
    };
    this.db.insertBatch(stored, included, rejected);
    this.inboxConsumed += inbox.length;
    this.forget(included, rejected);
    if (rejected.length > 0)
      this.log.warn("transactions rejected at sealing", { batch: seq, rejected });
    this.log.info("batch sealed", {
      batch: seq,
      position: stored.position,
      inbox: inbox.length,
      records: included.length,
      root: honestRoot,
      ...(faulty
        ? { fault: "claims a wrong root (--fault-at-batch)", claimed: stored.claimedRoot }
        : {}),
    });
    this.wakeSubmitter?.();
    return seq;
  }

  /** Takes sealed and rejected transactions out of the pool, with their verified signatures. */
  private forget(...groups: readonly (readonly { id: number }[])[]): void {
    const ids = groups.flat().map((t) => t.id);
    for (const p of this.mempool.byIds(ids))
      if (p.digest !== undefined) this.verified.delete(verifiedKey(p.tx.sender, p.digest));
    this.mempool.remove(ids);
  }

  /** The transition context; signatures the workers verified are not checked again. */
  private stepContext(trustAll = false): StepContext {
    return {
      feeAccount: this.config.feeAccount ?? 0n,
      domain: this.config.domain,
      witness: false,
      checkSignature: (digest, signature, owner) => {
        if (trustAll) return true;
        // Only the very signature a worker verified is taken on trust; any other signature (a
        // second valid one of the same message, or an r with another s) is recovered in full.
        // (Independent attack on issue 21: an r-only comparison let a co-sequencer's batch be
        // judged invalid when valid, and valid when invalid.)
        const known = this.verified.get(verifiedKey(owner, digest));
        if (known !== undefined) {
          const c = compactSignature(known);
          if (c.r === signature.r && c.yParityAndS === signature.yParityAndS) return true;
        }
        return recoverSigner(digest, signature) === owner;
      },
    };
  }

  // ------------------------------------------------------------------------------ posting

  private async submitterLoop(): Promise<void> {
    const { signal } = this.abort;
    const minBackoff = Math.min(1_000, this.config.pollIntervalMs * 4);
    const maxBackoff = Math.max(1_000, this.config.pollIntervalMs * 20);
    let backoff = minBackoff;
    while (!signal.aborted) {
      try {
        await this.followForeign();
      } catch (error) {
        if (signal.aborted) return;
        this.fail("following a batch posted by another address failed", {
          error: describeError(error),
        });
      }
      const next = this.db.unpostedBatches()[0];
      if (next === undefined || this.halted !== undefined || this.db.blockingForeign().length > 0) {
        await new Promise<void>((r) => {
          this.wakeSubmitter = r;
          setTimeout(r, this.config.pollIntervalMs);
        });
        continue;
      }
      try {
        await this.post(next);
        this.lastError = undefined;
        this.minBatchInbox = 0;
        backoff = minBackoff;
      } catch (error) {
        if (signal.aborted) return;
        await this.onPostFailed(next, error);
        await sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private async post(b: StoredBatch): Promise<void> {
    await this.ensureBond(b.seq);
    const records = this.db.batchTxs(b.seq).map((t) => (t.record as string).slice(2));
    const data = optimisticRollupInterface.encodeFunctionData("postBatch", [
      b.prevRoot,
      b.claimedRoot,
      b.inboxCount,
      b.feeAccount,
      `0x${records.join("")}`,
    ]);
    this.log.info("posting batch", { batch: b.seq, position: b.position });
    const sent = await this.publisher.send(`opt-batch-${b.seq}`, { to: this.config.rollup, data });
    // The batch's L1 id comes with its BatchPosted event (the watcher records it).
    this.db.recordPosted(b.seq, { tx: sent.hash, block: sent.blockNumber, gasUsed: sent.gasUsed });
    this.log.info("batch posted", {
      batch: b.seq,
      position: b.position,
      l1Tx: sent.hash,
      gasUsed: sent.gasUsed,
    });
  }

  /** Tops the free bond up (one `addBond` per batch at most) when it cannot cover a batch. */
  private async ensureBond(seq: number): Promise<void> {
    const key = `opt-bond-${seq}`;
    if (this.publisher.status(key) === undefined) {
      const free = (await this.rollup.freeBond(this.address)) as bigint;
      if (free >= this.config.batchBond) return;
      this.log.info("topping up the bond", { free, adding: this.config.bondTopUp });
    }
    const data = optimisticRollupInterface.encodeFunctionData("addBond", []);
    await this.publisher.send(key, { to: this.config.rollup, data, value: this.config.bondTopUp });
  }

  private async onPostFailed(b: StoredBatch, error: unknown): Promise<void> {
    const reason =
      error instanceof TxRevertedError && error.revertData !== undefined
        ? optimisticRollupInterface.parseError(error.revertData)?.name
        : undefined;
    const current = this.db.batch(b.seq);
    if (current?.status !== "sealed") return; // a discard overtook it
    const minedRevert = this.publisher.status(`opt-batch-${b.seq}`)?.status === "reverted";
    if (reason === "RollupInboxEntryOverdue" || minedRevert) {
      // The batch can never be posted as sealed: seal its transactions again. Left out overdue
      // entries (more than `maxBatchInbox` waited past forceDelay): the next batch takes twice
      // as many, until it takes them all. (Second independent attack on issue 21: the capped
      // batch was sealed again and again, with /health green.)
      if (reason === "RollupInboxEntryOverdue") {
        this.minBatchInbox = Math.max(this.minBatchInbox, 2 * Math.max(1, b.inboxCount));
        this.fail("L1 refused a batch that left overdue inbox entries out; sealing more", {
          batch: b.seq,
          error: `RollupInboxEntryOverdue with ${b.inboxCount} entries taken; the next batch takes up to ${this.minBatchInbox}`,
        });
      } else this.log.warn("unsealing a batch L1 refuses", { batch: b.seq, reason });
      this.db.discardFrom(b.position);
      this.rebuild();
      return;
    }
    this.fail("posting failed", {
      batch: b.seq,
      reason,
      error:
        reason === "RollupNotSequencer"
          ? `${this.address} is not a registered sequencer (a slash deregisters it): the rollup's owner must call setSequencer again; retrying`
          : describeError(error),
    });
  }

  // ------------------------------------------------------------------------------ housekeeping

  /** Finalises batches whose window has passed and releases the bonds of discarded batches. */
  private async housekeepingLoop(): Promise<void> {
    const { signal } = this.abort;
    const period = Math.max(this.config.pollIntervalMs * 2, 200);
    while (!signal.aborted) {
      await sleep(period, signal).catch(() => undefined);
      if (signal.aborted) return;
      try {
        await this.finalizeDue();
        for (const id of [...this.toRelease]) {
          await this.publisher
            .send(`opt-release-${id}`, {
              to: this.config.rollup,
              data: optimisticRollupInterface.encodeFunctionData("releaseBond", [id]),
            })
            .catch((error: unknown) =>
              this.log.warn("releasing a bond failed", { id, error: describeError(error) }),
            );
          this.toRelease.delete(id);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.log.warn("housekeeping failed", { error: describeError(error) });
      }
    }
  }

  private async finalizeDue(): Promise<void> {
    const finalized = Number(await this.rollup.finalizedCount());
    const count = Number(await this.rollup.batchCount());
    if (finalized >= count) return;
    const b = await this.rollup.batchAt(finalized);
    const block = await this.deps.provider.getBlock("latest");
    if (block === null) return;
    const due = Number(b.postedAt) + this.config.challengeWindowSeconds;
    if (block.timestamp < due || Number(b.openGames) !== 0) return;
    try {
      const sent = await this.publisher.send(`opt-finalize-${finalized}-${block.number}`, {
        to: this.config.rollup,
        data: optimisticRollupInterface.encodeFunctionData("finalize", [256]),
      });
      this.log.info("finalized batches", { from: finalized, l1Tx: sent.hash });
    } catch (error) {
      // Someone else finalised first, or a game opened: the next round looks again.
      this.log.debug("finalize refused", { error: describeError(error) });
    }
  }

  // ------------------------------------------------------------------------------ L1 events

  private onEvents(events: WatchedEvent[]): void {
    for (const e of events) {
      const a = e.args;
      switch (e.name) {
        case "InboxQueued": {
          const entry = this.db.inbox.appendEvent(e);
          this.log.info("inbox entry queued on L1", {
            index: entry.index,
            kind: entry.kind,
            to: entry.to,
          });
          break;
        }
        case "BatchPosted": {
          const position = Number(a.position);
          const ours = this.db.liveBatchAt(position);
          if (
            (a.sequencer as string).toLowerCase() === this.address.toLowerCase() &&
            ours !== undefined &&
            ours.poster == null &&
            ours.claimedRoot.toLowerCase() === (a.stateRoot as string).toLowerCase()
          ) {
            this.db.recordPosted(ours.seq, {
              tx: e.transactionHash,
              block: e.blockNumber,
              batchId: Number(a.id),
            });
            break;
          }
          // Posted by someone else (or by this key outside this database): L1's chain now has
          // it at `position`, so what this sequencer sealed there can never be posted.
          const dropped = this.db.transaction(() => {
            this.db.insertForeign(postedBatchFromEvent(e));
            return this.db.discardFrom(position);
          });
          this.log.warn("a batch posted by another address; following it", {
            id: Number(a.id),
            position,
            poster: a.sequencer,
            unsealed: dropped.map((b) => b.seq),
          });
          if (dropped.length > 0) this.rebuild();
          this.wakeSubmitter?.();
          break;
        }
        case "BlobsPosted":
          this.db.markForeignBlob(Number(a.id), a.versionedHashes as string[]);
          break;
        case "BatchFinalized":
          this.db.recordFinal(Number(a.position));
          break;
        case "BatchesDiscarded": {
          const from = Number(a.fromPosition);
          const dropped = this.db.transaction(() => {
            this.db.discardForeignFrom(from);
            return this.db.discardFrom(from);
          });
          const invalid = Number(a.invalidBatchId);
          for (const b of dropped)
            if (b.poster == null && b.batchId !== null && b.batchId !== invalid)
              this.toRelease.add(b.batchId);
          this.log.warn("batches discarded on L1; sealing their transactions again", {
            fromPosition: from,
            toPosition: Number(a.toPosition),
            invalidBatchId: invalid,
            ours: dropped.map((b) => b.seq),
          });
          this.rebuild();
          this.wakeSubmitter?.();
          break;
        }
        case "SequencerSlashed":
          if ((a.sequencer as string).toLowerCase() === this.address.toLowerCase()) {
            this.log.warn("this sequencer was slashed", {
              batchId: a.batchId,
              challenger: a.challenger,
              reward: a.reward,
              burned: a.burned,
            });
          }
          break;
      }
    }
  }

  /**
   * Reads and re-executes the next batch someone else posted: adopts it when it is valid (the
   * head moves onto it), else leaves it blocking until L1 discards it.
   */
  private async followForeign(): Promise<void> {
    const next = this.db.blockingForeign().find((f) => f.status === "new");
    if (next === undefined) return;
    const fail = (status: "invalid" | "unreadable", note: string): void => {
      if (!this.db.decideForeign(next.id, status, note)) return; // a discard came first
      this.log.error(
        "a batch posted by another address cannot be built on; waiting for its discard",
        {
          id: next.id,
          position: next.position,
          poster: next.sequencer,
          reason: note,
        },
      );
    };
    const onChain = await this.rollup.batchById(next.id);
    const blob = next.blob || Number(onChain.blobCount) > 0;
    const read = blob
      ? await readBlobBatch(this.config.blobSource, next, next.blobHashes)
      : await readBatchRecords(this.deps.provider, next);
    if ("unreadable" in read) {
      if (read.retry) {
        this.db.decideForeign(next.id, "new", read.unreadable);
        return;
      }
      fail("unreadable", read.unreadable);
      return;
    }
    const prev = this.db.lastLiveBatch();
    if ((prev?.position ?? 0) + 1 !== next.position) {
      // Our unposted batches were unsealed when its event came; anything else is a bug.
      throw new L2kitError(
        "OPT_FOLLOW_ORDER",
        `batch ${next.id} is at position ${next.position}, the head at ${prev?.position ?? 0}`,
        { id: next.id },
      );
    }
    const records =
      "data" in read ? read.data.records : splitRecords(Buffer.from(read.records.slice(2), "hex"));
    const state = this.head.clone();
    // The batch's own fee account, as L1's one-step executor and every challenger run it.
    // (Second independent attack on issue 21: run with this sequencer's fee account, a valid
    // foreign batch with fees looked invalid, and the sequencer waited on it for good.)
    const ctx: StepContext = { ...this.stepContext(), feeAccount: BigInt(next.feeAccount) };
    const content = {
      inbox: this.db.inbox.range(next.inboxStart, next.inboxCount),
      records,
      feeAccount: BigInt(next.feeAccount),
    };
    if (content.inbox.length !== next.inboxCount) {
      this.db.decideForeign(next.id, "new", "its inbox entries are not synced yet");
      return;
    }
    // Step by step, noting each valid record's sender and the nonce it used: the pending
    // transaction of that sender at that nonce, with the same fields, is the one it carried
    // (whatever signature of the owner the record holds: the message is the same).
    for (const entry of content.inbox) applyStep(state, { inbox: entry }, ctx);
    const used: { slot: number; sender: string; nonce: bigint; record: L2Record }[] = [];
    records.forEach((record, slot) => {
      let decoded: L2Record | undefined;
      try {
        decoded = decodeRecord(record);
      } catch {
        decoded = undefined; // a malformed blob slot: a no-op step
      }
      const account = decoded === undefined ? undefined : state.account(decoded.from);
      const nonce = account?.nonce;
      const result = applyStep(state, { record }, ctx);
      if (result.valid && decoded !== undefined && account !== undefined && nonce !== undefined)
        used.push({ slot, sender: account.owner, nonce, record: decoded });
    });
    const honest = state.root;
    if (honest.toLowerCase() !== next.stateRoot.toLowerCase()) {
      fail("invalid", `it claims root ${next.stateRoot}; executing it gives ${honest}`);
      return;
    }
    const pending = this.mempool.all();
    const carried: { id: number; slot: number; record: Hex }[] = [];
    for (const u of used) {
      const p = pending.find(
        (t) =>
          t.durable &&
          t.tx.sender.toLowerCase() === u.sender.toLowerCase() &&
          t.tx.nonce === u.nonce &&
          sameMessage(t.tx, u.record, state),
      );
      if (p !== undefined)
        carried.push({
          id: p.id,
          slot: u.slot,
          record: `0x${Buffer.from(records[u.slot]).toString("hex")}`,
        });
    }
    const adopted = this.db.adoptForeign(
      next,
      {
        seq: this.db.lastSeq() + 1,
        prevRoot: prev?.claimedRoot ?? GENESIS_ROOT,
        postedAt: Number(onChain.postedAt) * 1000,
      },
      "data" in read ? { slots: read.data.records } : { calldata: read.records },
      carried,
    );
    if (!adopted) {
      this.log.info("a foreign batch left the chain while it was being read; not adopted", {
        id: next.id,
      });
      return;
    }
    this.log.info("adopted a batch posted by another address", {
      id: next.id,
      position: next.position,
      poster: next.sequencer,
      inbox: next.inboxCount,
      records: records.length,
      carried: carried.length,
    });
    this.forget(carried);
    this.rebuild();
  }

  private onRewind(block: number): void {
    const dropped = this.db.inbox.deleteFrom(block);
    if (dropped.some((i) => i < this.inboxConsumed)) {
      this.halted = `inbox entries ${dropped.join(", ")} left the chain after a batch took them; raise L2KIT_CONFIRMATIONS`;
      throw new L2kitError("OPT_INBOX_REORGED", this.halted, { dropped });
    }
    if (dropped.length > 0) this.log.warn("inbox entries left the chain", { dropped });
  }

  // ------------------------------------------------------------------------------ state

  /** Runs `batches` on `state` (in place); each must reproduce its stored honest root. */
  private replay(batches: readonly StoredBatch[], state: L2State): L2State {
    for (const b of batches) {
      // This sequencer's own batches were verified when sealed; batches posted by others may
      // carry records whose signatures fail on L1 (no-op steps), so theirs are checked again.
      // Each runs with its own fee account.
      executeBatch(state, this.db.content(b), this.config.domain, {
        witness: false,
        checkSignature:
          b.poster == null
            ? () => true
            : (digest, signature, owner) => recoverSigner(digest, signature) === owner,
      });
      if (state.root !== b.honestRoot) {
        throw new L2kitError(
          "OPT_REPLAY_MISMATCH",
          `batch ${b.seq} replays to root ${state.root}, not the stored ${b.honestRoot}; the database is inconsistent`,
          { batch: b.seq },
        );
      }
    }
    return state;
  }

  /**
   * Rebuilds the head state (the final state plus the live batches after it), and the mempool
   * from the pending transactions (plus those accepted and still on their way to disk).
   */
  private rebuild(): void {
    const final = this.finalState();
    const unfinal = this.db.liveBatches().filter((b) => b.position > final.position);
    try {
      this.head = this.replay(unfinal, final.state.clone());
    } catch (error) {
      // Never seal on a head that is not the stored chain's: stop, loudly, until a rebuild
      // succeeds (the batch that broke it may yet be discarded) or an operator looks.
      this.halted = `the head state cannot be rebuilt: ${describeError(error)}`;
      this.haltedByRebuild = true;
      this.log.error("halted", { reason: this.halted });
      throw error;
    }
    if (this.haltedByRebuild) {
      this.log.info("the head state rebuilt; resuming", { was: this.halted });
      this.halted = undefined;
      this.haltedByRebuild = false;
    }
    const last = this.db.lastLiveBatch();
    this.inboxConsumed = last === undefined ? 0 : last.inboxStart + last.inboxCount;
    const inFlight = this.mempool.all().filter((p) => !p.durable);
    this.mempool.clear();
    const stored = this.db.pendingTxs();
    const ids = new Set(stored.map((t) => t.id));
    const candidates: PendingTx[] = [
      ...stored.map((t) => ({
        id: t.id,
        hash: t.hash,
        tx: t,
        acceptedAt: t.acceptedAt,
        durable: true,
      })),
      ...inFlight.filter((p) => !ids.has(p.id)),
    ].sort((x, y) => x.id - y.id);
    for (const p of candidates) {
      try {
        this.mempool.check(p.tx);
      } catch (error) {
        const reason = describeError(error);
        this.log.warn("a pending transaction is no longer valid; rejecting it", {
          hash: p.hash,
          reason,
        });
        if (p.durable) this.db.rejectTx(p.id, reason);
        continue;
      }
      this.mempool.add(p);
    }
  }

  // ------------------------------------------------------------------------------ queries

  account(address: string):
    | {
        address: string;
        index: bigint;
        nonce: bigint;
        balances: Map<number, bigint>;
        pending: { nonce: bigint; balances: Map<number, bigint> };
      }
    | undefined {
    const a = this.head.accountByAddress(address);
    const pending = this.mempool.pendingView(address);
    if (a === undefined || pending === undefined) return undefined;
    return { address: a.owner, index: a.index, nonce: a.nonce, balances: a.amounts, pending };
  }

  tx(hash: string): TxView | undefined {
    const t = this.db.txByHash(hash.toLowerCase());
    if (t === undefined) return undefined;
    if (t.status !== "batched") return { ...t, view: t.status };
    // A discard returns its batches' transactions to the pool in the same SQLite transaction, so
    // a batched transaction's batch is live.
    const b = this.db.batch(t.batch as number) as StoredBatch & { status: TxView["view"] };
    return {
      ...t,
      view: b.status,
      position: b.position,
      ...(b.batchId === null ? {} : { batchId: b.batchId }),
    };
  }

  /** The live batch at chain position `position`, with its transactions' hashes. */
  batchAt(position: number): (StoredBatch & { txs: string[] }) | undefined {
    const b = this.db.liveBatchAt(position);
    if (b === undefined) return undefined;
    return { ...b, txs: this.db.batchTxs(b.seq).map((t) => t.hash) };
  }

  /** Withdrawals to `address` in the head state, and whether each is final. */
  withdrawalsOf(address: string): (Withdrawal & { final: boolean })[] {
    const final = this.finalState();
    return this.head.withdrawals
      .filter((w) => w.recipient.toLowerCase() === address.toLowerCase())
      .map((w) => ({ ...w, final: final.state.withdrawalCount > w.id }));
  }

  /**
   * What `proveWithdrawal` needs for withdrawal `id`, against the last final batch; undefined when
   * no such withdrawal exists, `{ final: false }` while its batch is not final yet.
   */
  withdrawalProof(id: bigint):
    | { final: false }
    | {
        final: true;
        position: number;
        header: StateHeader;
        withdrawal: Withdrawal;
        bitmap: bigint;
        siblings: Hex[];
      }
    | undefined {
    if (id >= this.head.withdrawalCount) return undefined;
    const { position, state } = this.finalState();
    if (id >= state.withdrawalCount) return { final: false };
    const proof = state.withdrawalProof(id);
    return {
      final: true,
      position,
      header: state.header,
      withdrawal: state.withdrawals[Number(id)],
      bitmap: proof.bitmap,
      siblings: proof.siblings,
    };
  }

  /**
   * The L2 state after the last final batch. Final batches never leave the chain, so it only moves
   * forward: each call applies the batches finalised since the last one.
   */
  private finalState(): { position: number; state: L2State } {
    this.finalCache ??= { position: 0, state: new L2State() };
    const added = this.db.finalBatchesAfter(this.finalCache.position);
    if (added.length > 0) {
      this.replay(added, this.finalCache.state);
      this.finalCache.position = added[added.length - 1].position;
    }
    return this.finalCache;
  }

  status(): Record<string, unknown> {
    const last = this.db.lastLiveBatch();
    return {
      rollup: this.config.rollup,
      chainId: this.config.chainId,
      sequencer: this.address,
      headPosition: last?.position ?? 0,
      headRoot: this.head.root,
      accounts: this.head.accountCount,
      withdrawals: this.head.withdrawalCount,
      inboxSeen: this.db.inbox.length,
      inboxConsumed: this.inboxConsumed,
      pendingTxs: this.mempool.size,
      batches: this.db.counts(),
      feeAccount: this.config.feeAccount,
      minFee: this.config.minFee,
      blobSource: this.config.blobSource?.name ?? null,
      faultAtBatch: this.config.faultAtBatch,
      foreignBatches: this.db.foreignCounts(),
      waiting: this.waitingFor() ?? null,
      halted: this.halted ?? null,
      lastError: this.lastError ?? null,
    };
  }

  /** Why the sequencer posts nothing now: a batch someone else posted that it cannot build on. */
  private waitingFor(): string | undefined {
    const f: ForeignBatch | undefined = this.db.blockingForeign()[0];
    if (f === undefined) return undefined;
    return f.status === "new"
      ? `reading batch ${f.id} at position ${f.position}, posted by ${f.sequencer}${f.note === null ? "" : ` (${f.note})`}`
      : `batch ${f.id} at position ${f.position}, posted by ${f.sequencer}, is ${f.status} (${f.note}); posting resumes once L1 discards it (a challenger disputes it)`;
  }

  /** Health details; throws while the sequencer is halted or its pipeline is failing. */
  health(): Record<string, unknown> {
    if (this.halted !== undefined) throw new L2kitError("OPT_SEQUENCER_HALTED", this.halted);
    const waiting = this.waitingFor();
    if (waiting !== undefined) throw new L2kitError("OPT_SEQUENCER_WAITING", waiting);
    if (this.lastError !== undefined) throw new L2kitError("OPT_PIPELINE_FAILING", this.lastError);
    return { headPosition: this.db.lastLiveBatch()?.position ?? 0, pendingTxs: this.mempool.size };
  }

  /** The head state's root (tests compare it before and after garbage). */
  get headRoot(): Hex {
    return this.head.root;
  }

  private fail(what: string, fields: Record<string, unknown>): void {
    this.lastError = `${what}: ${String(fields.error)}`;
    this.log.error(what, fields);
  }
}

/** Whether `record` (a valid step) is `tx`'s message: the same kind, token, amount, fee, recipient. */
function sameMessage(tx: SignedL2Tx, record: L2Record, state: L2State): boolean {
  if (record.token !== tx.token) return false;
  if (record.amountPacked !== AMOUNT.encode(tx.amount, "amount")) return false;
  if (record.feePacked !== FEE.encode(tx.fee, "fee")) return false;
  if (record.kind === RecordKind.Withdraw) return tx.type === "withdraw";
  if (tx.type !== "transfer" || tx.recipient === undefined) return false;
  const to = record.kind === RecordKind.Transfer ? state.account(record.to)?.owner : record.to;
  return to !== undefined && to.toLowerCase() === tx.recipient.toLowerCase();
}

/**
 * The record that carries `tx` when it runs on `state`: the compact form when the recipient has
 * an account, the form naming its address (which creates it) otherwise; undefined when the
 * sender has no account.
 */
function buildRecord(state: L2State, tx: SignedL2Tx): Uint8Array | undefined {
  const from = state.indexOf(tx.sender);
  if (from === undefined) return undefined;
  const common = {
    from,
    token: tx.token,
    amountPacked: AMOUNT.encode(tx.amount, "amount"),
    feePacked: FEE.encode(tx.fee, "fee"),
    signature: compactSignature(tx.signature),
  };
  if (tx.type === "withdraw") return encodeRecord({ kind: RecordKind.Withdraw, ...common });
  const to = state.indexOf(tx.recipient as string);
  return to === undefined
    ? encodeRecord({ kind: RecordKind.TransferToAddress, to: tx.recipient as string, ...common })
    : encodeRecord({ kind: RecordKind.Transfer, to, ...common });
}
