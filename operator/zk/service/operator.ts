/**
 * The ZK rollup operator service: accepts signed transactions, seals them with queued L1 deposits
 * into batches, proves each batch and submits it to the rollup, and tracks it to finality.
 *
 * Composition: a mempool (pure checks over the head state), a signature pool (worker threads),
 * the core watcher (L1 deposits, exactly once), the core publisher (the only code that sends L1
 * transactions, idempotent per batch), the prover (a child process per proof) and the store.
 *
 * Pipeline: sealing is synchronous and atomic (select, build, persist, then move the head), so a
 * crash leaves either the batch or nothing. At most one batch waits for the prover while another
 * is proven, so the next batch is always built while the current one is proven, and no batch is
 * sealed that the prover cannot take. Proofs are stored before they are sent; batches are
 * submitted strictly in order, each after the previous one is final.
 *
 * Restart: the state of the last final batch is loaded from the store, the batches after it are
 * rebuilt deterministically from their stored operations (their roots must match), and pending
 * transactions return to the mempool. Nothing accepted is lost and no batch is sent twice.
 */
import { hexlify, toBeHex, type Provider } from "ethers";
import { describeError, L2kitError, TxRevertedError } from "../../core/errors";
import { GroupCommit } from "../../core/group-commit";
import { pollOf, type L1PollConfig } from "../../core/settings";
import { silentLogger, type Logger } from "../../core/log";
import { Publisher, type PublisherConfig, type TxSigner } from "../../core/publisher";
import { sleep } from "../../core/rpc";
import type { Store } from "../../core/store";
import { Watcher, type WatchedEvent } from "../../core/watcher";
import { zkRollupInterface } from "../abi";
import { BatchTxError, buildBatch, ZkState, type BuiltBatch, type SignedTx } from "../batch";
import { proveBatch } from "../prover";
import { depositFromEvent, FORCED_EXIT, type Account, type BatchShape } from "../protocol";
import { ZkOperatorDb, type StoredBatch, type StoredDeposit, type StoredTx } from "./db";
import { Mempool, TxRejectedError, type PendingTx } from "./mempool";
import { InlineTxWriter, ThreadTxWriter, type TxWriter } from "./persist";
import { SignaturePool } from "./verify";

export interface ZkOperatorConfig extends L1PollConfig {
  /** The rollup contract. */
  rollup: string;
  /** What signatures are bound to (the rollup's `domain()`). */
  domain: bigint;
  chainId: bigint;
  shape: BatchShape;
  shapeId: number;
  circuit: { name: string; wasm: string; zkey: string };
  /** First block the deposit watcher reads (the rollup's deployment block). */
  fromBlock: number;
  maxBatchWaitMs: number;
  /** Nice value of the prover process (0: same priority as the API). */
  proverNice: number;
  feeAccounts: ReadonlyMap<number, bigint>;
  minFee: bigint;
  maxPendingTxs: number;
  verifyWorkers: number;
  publisher: PublisherConfig;
}

export interface ZkOperatorDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

interface Unfinished {
  stored: StoredBatch;
  built: BuiltBatch;
}

/** A batch as users see it: "submitted" is a proven batch whose L1 transaction is in flight. */
export type BatchView = "sealed" | "proven" | "submitted" | "final";

export type TxStatus = { status: "pending" } | { status: BatchView; batch: number; l1Tx?: string };

/** The operator's database file for one deployment (`npx l2kit zk rebuild` writes the same). */
export function operatorDbFile(chainId: bigint, rollup: string): string {
  return `zk-operator-${chainId}-${rollup.toLowerCase()}.sqlite`;
}

/** The name of the deposit watcher's cursor in the operator's database. */
export function depositWatcherName(rollup: string): string {
  return `zk-deposits-${rollup.toLowerCase()}`;
}

/** The publisher key of batch `n`: one L1 transaction per key, ever. */
function batchKey(n: number): string {
  return `zk-batch-${n}`;
}

/** Sealed batches not yet final on L1 beyond which the operator stops sealing. */
const MAX_UNFINISHED_BATCHES = 16;

export class ZkOperator {
  readonly db: ZkOperatorDb;
  private readonly log: Logger;
  private readonly mempool: Mempool;
  private readonly pool: SignaturePool;
  private readonly publisher: Publisher;
  private readonly watcher: Watcher;
  /** State after the last batch final on L1 (what exodus proofs are made against). */
  private finalState: ZkState;
  /** State after the last sealed batch (what the mempool checks against). */
  private head: ZkState;
  /** Accounts whose forced exit waits in the L1 queue, untaken: they may send nothing. */
  private pendingExits = new Set<bigint>();
  private readonly unfinished = new Map<number, Unfinished>();
  private nextTxId: number;
  private readonly writer: TxWriter;
  /** Accepted transactions on their way to disk (group commit). */
  private readonly commit: GroupCommit<PendingTx>;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private wake: { prover?: () => void; submitter?: () => void } = {};
  private sealTimer: NodeJS.Timeout | undefined;
  /** Last failure of the pipeline, reported by /health until a batch goes through again. */
  private lastError: string | undefined;
  private started = false;

  constructor(
    readonly config: ZkOperatorConfig,
    private readonly deps: ZkOperatorDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "zk-operator" });
    this.db = new ZkOperatorDb(deps.store);
    this.db.bindDeployment({
      chainId: config.chainId.toString(),
      rollup: config.rollup.toLowerCase(),
      shapeId: String(config.shapeId),
      circuit: config.circuit.name,
    });
    this.finalState = this.loadFinalState();
    this.head = this.finalState.clone();
    for (const stored of this.db.unfinishedBatches()) this.replay(stored);
    // The mempool reads whatever the head is at the time, so moving the head needs no re-wiring.
    this.mempool = new Mempool(
      {
        account: (i) => this.head.account(i),
        exitPending: (i) => this.pendingExits.has(i),
      },
      {
        feeAccounts: config.feeAccounts,
        minFee: config.minFee,
        maxPending: config.maxPendingTxs,
      },
    );
    this.refreshPendingExits();
    this.restorePending();
    this.nextTxId =
      (
        deps.store.db.prepare("SELECT MAX(id) AS n FROM zk_txs").get() as {
          n: number | null;
        }
      ).n ?? 0;
    this.pool = new SignaturePool(config.domain, config.verifyWorkers, this.log);
    this.writer =
      deps.store.path === ":memory:" ? new InlineTxWriter(this.db) : new ThreadTxWriter(deps.store);
    this.commit = new GroupCommit(
      (group) =>
        this.writer.write(
          group.map((p) => ({ id: p.id, hash: p.hash, tx: p.tx, acceptedAt: p.acceptedAt })),
        ),
      (lost, error) => {
        // Nothing of the group was written: forget it. Transactions accepted after it from the
        // same senders depend on its nonces, so they are refused with it.
        this.mempool.remove(lost.map((p) => p.id));
        this.log.error("persisting transactions failed", { error: describeError(error) });
        return new TxRejectedError(
          "STORE_UNAVAILABLE",
          `the operator could not persist the transaction: ${describeError(error)}`,
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
    this.watcher = new Watcher(
      {
        name: depositWatcherName(config.rollup),
        addresses: [config.rollup],
        abi: [zkRollupInterface.getEvent("DepositQueued")!.format("full")],
        fromBlock: config.fromBlock,
        ...pollOf(config),
      },
      {
        provider: deps.provider,
        store: deps.store,
        log: this.log,
        handlers: {
          onEvents: (events) => this.onDeposits(events),
          onRewind: (block) => this.onRewind(block),
        },
      },
    );
  }

  // ------------------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.pool.ready();
    await this.publisher.start();
    this.watcher.start();
    this.loops = [this.proverLoop(), this.submitterLoop()];
    const tick = Math.max(20, Math.min(500, Math.floor(this.config.maxBatchWaitMs / 4) || 20));
    this.sealTimer = setInterval(() => this.sealIfDue(), tick);
    this.log.info("operator started", {
      rollup: this.config.rollup,
      circuit: this.config.circuit.name,
      headBatch: this.db.lastBatchNumber(),
      finalBatch: Number(this.db.meta("final.batch") ?? "0"),
      pending: this.mempool.size,
    });
  }

  async stop(): Promise<void> {
    if (this.sealTimer !== undefined) clearInterval(this.sealTimer);
    this.abort.abort(new L2kitError("OPERATOR_STOPPED", "operator stopped"));
    this.wake.prover?.();
    this.wake.submitter?.();
    await this.commit.drain();
    await this.writer.close();
    await this.watcher.stop();
    this.publisher.stop();
    await Promise.allSettled(this.loops);
    await this.pool.close();
  }

  // ------------------------------------------------------------------------------ ingest

  /**
   * Accepts a signed transaction: checks it, verifies its signature in a worker, re-checks it
   * against the pool as it is now, persists it (in one commit with whatever arrived while the
   * previous commit was on its way to disk) and only then resolves. Throws a `TxRejectedError` with the HTTP status otherwise.
   */
  async submit(tx: SignedTx): Promise<{ hash: string }> {
    if (this.abort.signal.aborted)
      throw new TxRejectedError("SHUTTING_DOWN", "the operator is shutting down", {}, 503);
    this.mempool.check(tx);
    const sender = this.head.account(tx.from) as Account;
    let checked;
    try {
      checked = await this.pool.check({ tx, ax: sender.ax, ay: sender.ay });
    } catch (error) {
      throw new TxRejectedError(
        "SIGNATURE_CHECK_UNAVAILABLE",
        `the signature could not be checked: ${describeError(error)}; retry`,
        {},
        503,
      );
    }
    const { message, valid } = checked;
    if (!valid) {
      throw new TxRejectedError(
        "BAD_SIGNATURE",
        `the signature does not verify for account ${tx.from}'s key`,
        { field: "signature" },
        422,
      );
    }
    // The pool may have moved while the signature was checked.
    this.mempool.check(tx);
    const p: PendingTx = {
      id: ++this.nextTxId,
      hash: toBeHex(message, 32),
      tx,
      acceptedAt: Date.now(),
      durable: false,
    };
    this.mempool.add(p);
    await this.commit.add(p);
    p.durable = true;
    return { hash: p.hash };
  }

  // ------------------------------------------------------------------------------ sealing

  /** `trySeal` for timers and loops: a failure is reported (health, logs), never thrown. */
  private sealIfDue(): void {
    try {
      this.trySeal();
    } catch (error) {
      this.fail("sealing failed", { error: describeError(error) });
    }
  }

  /** Seals the next batch if one is due and the prover can take it. Synchronous and atomic. */
  trySeal(force = false): number | undefined {
    if (this.abort.signal.aborted) return undefined;
    const waiting = [...this.unfinished.values()].filter((u) => u.stored.status === "sealed");
    if (waiting.length >= 2) return undefined;
    // Proven batches wait for L1 in order; when L1 is unreachable they pile up. Stop sealing
    // then: the mempool fills up and answers 503, instead of the operator's memory growing.
    if (this.unfinished.size >= MAX_UNFINISHED_BATCHES) return undefined;
    const { shape } = this.config;
    const depositsWaiting = this.db.depositCount() - this.head.depositsConsumed;
    const selection = this.mempool.select(shape);
    if (selection.txs.length === 0 && depositsWaiting === 0) return undefined;
    const deposits = this.db.deposits(
      this.head.depositsConsumed + 1,
      Math.min(depositsWaiting, shape.depositSlots),
    );
    const transfers = selection.txs.filter((p) => p.tx.to !== 0n).length;
    const withdrawals = selection.txs.length - transfers;
    const full =
      transfers >= shape.txSlots ||
      withdrawals >= shape.withdrawSlots ||
      deposits.length >= shape.depositSlots;
    const now = Date.now();
    const oldest = Math.min(
      this.mempool.oldestAcceptedAt() ?? Infinity,
      deposits[0]?.seenAt ?? Infinity,
    );
    if (!force && !full && now - oldest < this.config.maxBatchWaitMs) return undefined;
    return this.seal(selection, deposits);
  }

  private seal(
    selection: { txs: PendingTx[]; feeAccounts: bigint[] },
    deposits: StoredDeposit[],
  ): number | undefined {
    // A forced exit taken by this batch empties its account before the batch's transactions:
    // the account's pending transactions (accepted before the exit was seen on L1) can never
    // execute. Drop them, then seal without them on the next tick.
    const exiting = new Set(deposits.filter((d) => d.kind === FORCED_EXIT).map((d) => d.to));
    const doomed = selection.txs.filter((p) => exiting.has(p.tx.from));
    if (doomed.length > 0) {
      for (const p of doomed) {
        this.log.warn("dropping a transaction: its account's forced exit comes first", {
          hash: p.hash,
          account: p.tx.from,
        });
        this.db.dropTx(p.id);
      }
      this.mempool.remove(doomed.map((p) => p.id));
      return undefined;
    }
    const number = this.db.lastBatchNumber() + 1;
    let built: BuiltBatch;
    try {
      built = buildBatch(this.head, this.config.shape, this.config.domain, {
        deposits,
        txs: selection.txs.map((p) => p.tx),
        feeAccounts: selection.feeAccounts,
        verifySignatures: false,
      });
    } catch (error) {
      if (error instanceof BatchTxError) {
        // The mempool's rules should make this impossible; never let one transaction block
        // every batch after it.
        // Slots: transfers fill 0 .. txSlots - 1, withdrawals txSlots .. (BatchTxError.slot).
        const transfers = selection.txs.filter((p) => p.tx.to !== 0n);
        const withdrawals = selection.txs.filter((p) => p.tx.to === 0n);
        const { txSlots } = this.config.shape;
        const bad =
          error.slot < txSlots ? transfers[error.slot] : withdrawals[error.slot - txSlots];
        if (bad === undefined) {
          // Nothing to drop: sealing would fail the same way forever. Say so loudly.
          throw new L2kitError(
            "ZK_SEAL_STUCK",
            `the batch builder refuses slot ${error.slot} (${error.reason}) and no pending transaction is in it`,
            { slot: error.slot },
          );
        }
        this.log.error("dropping a transaction the batch builder refuses", {
          hash: bad.hash,
          reason: error.reason,
        });
        this.db.dropTx(bad.id);
        this.mempool.remove([bad.id]);
        return undefined;
      }
      if (error instanceof L2kitError && error.code === "BATCH_FEE_OVERFLOW") {
        // The fee account is full (an L1 credit in this batch's queue entries can fill it after
        // the mempool accepted fees into it): its fees can never be paid. Drop the transactions
        // that pay them; the mempool refuses new ones once the batch is sealed. Never let a fee
        // account stop every batch after it.
        const token = Number(error.fields.token);
        const payers = selection.txs.filter((p) => p.tx.fee > 0n && p.tx.token === token);
        this.log.error("dropping transactions whose fees would overflow the fee account", {
          feeAccount: error.fields.idx,
          hashes: payers.map((p) => p.hash),
        });
        for (const p of payers) this.db.dropTx(p.id);
        this.mempool.remove(payers.map((p) => p.id));
        if (payers.length === 0) throw error;
        return undefined;
      }
      throw error;
    }
    const stored: StoredBatch = {
      number,
      status: "sealed",
      depositsFrom: this.head.depositsConsumed + 1,
      depositsTaken: deposits.length,
      feeAccounts: selection.feeAccounts,
      oldRoot: built.oldRoot,
      newRoot: built.newRoot,
      changes: changedAccounts(
        built,
        deposits,
        selection.txs.map((p) => p.tx),
        selection.feeAccounts,
      ),
      sealedAt: Date.now(),
      proof: null,
      proveSeconds: null,
      provenAt: null,
      l1Tx: null,
      l1Block: null,
      gasUsed: null,
      finalAt: null,
    };
    this.db.insertBatch(
      stored,
      selection.txs.map((p) => p.id),
    );
    this.head = built.state;
    this.refreshPendingExits();
    this.mempool.remove(selection.txs.map((p) => p.id));
    this.unfinished.set(number, { stored, built });
    this.log.info("batch sealed", {
      batch: number,
      txs: selection.txs.length,
      deposits: deposits.length,
      newRoot: toBeHex(built.newRoot, 32),
    });
    this.wake.prover?.();
    return number;
  }

  // ------------------------------------------------------------------------------ proving

  private async proverLoop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const next = [...this.unfinished.values()]
        .filter((u) => u.stored.status === "sealed")
        .sort((a, b) => a.stored.number - b.stored.number)[0];
      if (next === undefined) {
        await new Promise<void>((r) => (this.wake.prover = r));
        continue;
      }
      const n = next.stored.number;
      this.log.info("proving batch", { batch: n });
      try {
        const proof = await proveBatch(this.config.circuit, next.built.circuitInput, {
          signal,
          nice: this.config.proverNice,
          onProgress: (line) => this.log.debug("prover", { batch: n, line }),
        });
        this.db.recordProof(n, proof.calldata, proof.seconds);
        next.stored = { ...next.stored, status: "proven", proof: proof.calldata };
        next.stored.proveSeconds = proof.seconds;
        this.log.info("batch proven", { batch: n, seconds: proof.seconds });
        this.wake.submitter?.();
        // A slot for the next batch opened up.
        this.sealIfDue();
      } catch (error) {
        if (signal.aborted) return;
        this.fail("proving failed", { batch: n, error: describeError(error) });
        await sleep(2_000, signal).catch(() => undefined);
      }
    }
  }

  // ------------------------------------------------------------------------------ submitting

  private async submitterLoop(): Promise<void> {
    const { signal } = this.abort;
    let backoff = 1_000;
    while (!signal.aborted) {
      const lowest = [...this.unfinished.keys()].sort((a, b) => a - b)[0];
      const next = lowest === undefined ? undefined : this.unfinished.get(lowest);
      if (next === undefined || next.stored.status !== "proven") {
        await new Promise<void>((r) => (this.wake.submitter = r));
        continue;
      }
      const { stored, built } = next;
      const data = zkRollupInterface.encodeFunctionData("submitBatch", [
        this.config.shapeId,
        stored.newRoot,
        stored.depositsTaken,
        hexlify(built.pubdata),
        stored.proof as bigint[],
      ]);
      try {
        this.log.info("submitting batch", { batch: stored.number });
        const sent = await this.publisher.send(batchKey(stored.number), {
          to: this.config.rollup,
          data,
        });
        this.db.recordFinal(
          stored,
          { tx: sent.hash, block: sent.blockNumber, gasUsed: sent.gasUsed },
          {
            depositsConsumed: built.state.depositsConsumed,
            depositChain: built.state.depositChain,
          },
        );
        this.applyFinal(stored);
        this.unfinished.delete(stored.number);
        this.lastError = undefined;
        backoff = 1_000;
        this.log.info("batch final on L1", {
          batch: stored.number,
          l1Tx: sent.hash,
          block: sent.blockNumber,
          gasUsed: sent.gasUsed,
        });
        this.sealIfDue();
      } catch (error) {
        if (signal.aborted) return;
        this.fail("submitting failed", {
          batch: stored.number,
          error: describeError(error),
          revertData: error instanceof TxRevertedError ? error.revertData : undefined,
        });
        await sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(backoff * 2, 60_000);
      }
    }
  }

  // ------------------------------------------------------------------------------ deposits

  private onDeposits(events: WatchedEvent[]): void {
    for (const e of events) {
      if (e.name !== "DepositQueued") continue;
      const a = e.args;
      const number = Number(a.depositNumber);
      const expected = this.db.depositCount() + 1;
      if (number !== expected) {
        throw new L2kitError(
          "ZK_DEPOSIT_ORDER",
          `deposit ${number} arrived, expected ${expected}`,
          { number, expected },
        );
      }
      const entry = depositFromEvent(a as unknown as Parameters<typeof depositFromEvent>[0]);
      this.db.insertDeposit({
        number,
        kind: entry.kind,
        to: a.accountIndex as bigint,
        token: Number(a.tokenId),
        amount: a.amount as bigint,
        ax: a.ax as bigint,
        ay: a.ay as bigint,
        block: e.blockNumber,
        seenAt: Date.now(),
      });
      if (entry.kind === FORCED_EXIT) {
        this.pendingExits.add(entry.to);
        this.log.info("forced exit queued on L1", { entry: number, account: a.accountIndex });
      } else
        this.log.info("deposit queued on L1", {
          deposit: number,
          account: a.accountIndex,
          amount: a.amount,
        });
    }
  }

  private onRewind(block: number): void {
    const dropped = this.db.deleteDepositsFrom(block);
    if (dropped.some((n) => n <= this.head.depositsConsumed)) {
      throw new L2kitError(
        "ZK_DEPOSIT_REORGED",
        `deposits ${dropped.join(", ")} left the chain after a batch took them; raise L2KIT_CONFIRMATIONS and run npx l2kit zk rebuild`,
        { dropped },
      );
    }
    if (dropped.length > 0) this.log.warn("deposits left the chain", { dropped });
    this.refreshPendingExits();
  }

  /** Accounts with a forced exit in the L1 queue that no sealed batch has taken yet. */
  private refreshPendingExits(): void {
    const from = this.head.depositsConsumed + 1;
    const waiting = this.db.deposits(from, Math.max(0, this.db.depositCount() - from + 1));
    this.pendingExits = new Set(waiting.filter((d) => d.kind === FORCED_EXIT).map((d) => d.to));
  }

  // ------------------------------------------------------------------------------ queries

  account(
    index: bigint,
  ):
    | (Account & { index: bigint; pending: { nonce: bigint; balance: bigint; incoming: bigint } })
    | undefined {
    const a = this.head.account(index);
    const pending = this.mempool.pendingView(index);
    if (a === undefined || pending === undefined) return undefined;
    return { index, ...a, pending };
  }

  txStatus(hash: string): (StoredTx & TxStatus) | undefined {
    const tx = this.db.txByHash(hash);
    if (tx === undefined) return undefined;
    if (tx.batch === null) return { ...tx, status: "pending" };
    const b = this.batchView(tx.batch);
    return { ...tx, status: b?.status ?? "sealed", batch: tx.batch, l1Tx: b?.l1Tx ?? undefined };
  }

  batchInfo(
    number: number,
  ): (Omit<StoredBatch, "status"> & { status: BatchView; txs: string[] }) | undefined {
    const b = this.batchView(number);
    if (b === undefined) return undefined;
    return { ...b, txs: this.db.batchTxs(number).map((t) => t.hash) };
  }

  /** A stored batch as users see it ("submitted" while its L1 transaction is in flight). */
  private batchView(
    number: number,
  ): (Omit<StoredBatch, "status"> & { status: BatchView }) | undefined {
    const b = this.db.batch(number);
    if (b === undefined) return undefined;
    if (b.status === "proven") {
      const sent = this.publisher.status(batchKey(number));
      if (sent !== undefined)
        return { ...b, status: "submitted", l1Tx: sent.minedHash ?? sent.hashes.at(-1) ?? null };
    }
    return b;
  }

  /** The Merkle proof account `index` needs to exit in exodus mode (against the last final root). */
  exodusProof(index: bigint):
    | {
        root: bigint;
        batch: number;
        account: Account;
        siblings: bigint[][];
      }
    | undefined {
    const account = this.finalState.account(index);
    if (account === undefined) return undefined;
    return {
      root: this.finalState.root,
      batch: Number(this.db.meta("final.batch") ?? "0"),
      account,
      siblings: this.finalState.tree.proof(index).siblings,
    };
  }

  status(): Record<string, unknown> {
    const counts = this.db.counts();
    return {
      rollup: this.config.rollup,
      chainId: this.config.chainId,
      domain: this.config.domain,
      circuit: this.config.circuit.name,
      shapeId: this.config.shapeId,
      shape: {
        levels: this.config.shape.levels,
        txSlots: this.config.shape.txSlots,
        withdrawSlots: this.config.shape.withdrawSlots,
        depositSlots: this.config.shape.depositSlots,
        feeSlots: this.config.shape.feeSlots,
      },
      headBatch: this.db.lastBatchNumber(),
      headRoot: this.head.root,
      finalBatch: Number(this.db.meta("final.batch") ?? "0"),
      finalRoot: this.finalState.root,
      pendingTxs: this.mempool.size,
      batches: counts.batches,
      depositsSeen: this.db.depositCount(),
      depositsConsumed: this.head.depositsConsumed,
      feeAccounts: Object.fromEntries(
        [...this.config.feeAccounts].map(([t, i]) => [String(t), i.toString()]),
      ),
      minFee: this.config.minFee,
      lastError: this.lastError ?? null,
    };
  }

  /** Health details; throws while the pipeline is failing. */
  health(): Record<string, unknown> {
    if (this.lastError !== undefined)
      throw new L2kitError("ZK_PIPELINE_FAILING", this.lastError, {});
    return {
      headBatch: this.db.lastBatchNumber(),
      finalBatch: Number(this.db.meta("final.batch") ?? "0"),
      pendingTxs: this.mempool.size,
    };
  }

  /** The head state's root (tests compare it before and after garbage). */
  get headRoot(): bigint {
    return this.head.root;
  }

  // ------------------------------------------------------------------------------ internals

  private fail(what: string, fields: Record<string, unknown>): void {
    this.lastError = `${what}: ${String(fields.error)}`;
    this.log.error(what, fields);
  }

  private loadFinalState(): ZkState {
    const state = new ZkState(this.config.shape.levels);
    for (const [i, a] of this.db.finalAccounts()) state.setAccount(i, a);
    state.depositsConsumed = Number(this.db.meta("final.depositsConsumed") ?? "0");
    state.depositChain = BigInt(this.db.meta("final.depositChain") ?? "0");
    return state;
  }

  /** Rebuilds an unfinished batch from its stored operations on top of the head. */
  private replay(stored: StoredBatch): void {
    const deposits = this.db.deposits(stored.depositsFrom, stored.depositsTaken);
    const txs = this.db.batchTxs(stored.number);
    const built = buildBatch(this.head, this.config.shape, this.config.domain, {
      deposits,
      txs,
      feeAccounts: stored.feeAccounts,
      verifySignatures: false,
    });
    if (built.newRoot !== stored.newRoot || built.oldRoot !== stored.oldRoot) {
      throw new L2kitError(
        "ZK_REPLAY_MISMATCH",
        `batch ${stored.number} rebuilds to root ${built.newRoot}, not the stored ${stored.newRoot}; the database is inconsistent (run npx l2kit zk rebuild)`,
        { batch: stored.number },
      );
    }
    this.head = built.state;
    this.unfinished.set(stored.number, { stored, built });
  }

  private restorePending(): void {
    for (const t of this.db.pendingTxs()) {
      const p: PendingTx = {
        id: t.id,
        hash: t.hash,
        tx: t,
        acceptedAt: t.acceptedAt,
        durable: true,
      };
      try {
        this.mempool.check(t);
      } catch (error) {
        this.log.error("a stored pending transaction is no longer valid; dropping it", {
          hash: t.hash,
          error: describeError(error),
        });
        this.db.dropTx(t.id);
        continue;
      }
      this.mempool.add(p);
    }
  }

  private applyFinal(stored: StoredBatch): void {
    for (const [i, a] of stored.changes) this.finalState.setAccount(i, a);
    const u = this.unfinished.get(stored.number);
    if (u !== undefined) {
      this.finalState.depositsConsumed = u.built.state.depositsConsumed;
      this.finalState.depositChain = u.built.state.depositChain;
    }
  }
}

/** Every account a batch changed, with its value after the batch. */
function changedAccounts(
  built: BuiltBatch,
  deposits: readonly StoredDeposit[],
  txs: readonly SignedTx[],
  feeAccounts: readonly bigint[],
): [bigint, Account][] {
  const touched = new Set<bigint>();
  deposits.forEach((d, i) => {
    if (built.depositApplied[i]) touched.add(d.to);
  });
  for (const tx of txs) {
    touched.add(tx.from);
    if (tx.to !== 0n) touched.add(tx.to);
  }
  built.feesCollected.forEach((fee, j) => {
    if (fee > 0n) touched.add(feeAccounts[j]);
  });
  return [...touched].map((i) => [i, built.state.account(i) as Account]);
}
