/**
 * Signature checks for the ZK operator's mempool, in worker threads.
 *
 * Signatures bound how fast an operator can accept transactions, so the API never checks them on
 * its own thread: it hands each transaction to a pool of workers, batching the requests that
 * arrive together into one message per worker (a message costs tens of microseconds, a check
 * about a millisecond). `checkSignatures` is the pure function the workers run; tests call it
 * directly.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { L2kitError } from "../../core/errors";
import { silentLogger, type Logger } from "../../core/log";
import type { SignedTx } from "../batch";
import {
  preparePublicKey,
  verifyEdDSAPoseidonPrepared,
  type PreparedPublicKey,
} from "../crypto/eddsa";
import { txMessage } from "../protocol";

export interface SignatureJob {
  tx: SignedTx;
  /** The sender's public key. */
  ax: bigint;
  ay: bigint;
}

export interface SignatureResult {
  /** The signed message (the transaction's hash). */
  message: bigint;
  valid: boolean;
}

/** Keys prepared for fast verification, most recently used last (per worker thread). */
const preparedKeys = new Map<string, PreparedPublicKey | undefined>();
const PREPARED_KEYS_MAX = 20_000;

/**
 * The prepared form of a sender's key: accounts sign many transactions, and a prepared key
 * verifies ~1.6 times faster for about the cost of one verification, once.
 */
function prepared(ax: bigint, ay: bigint): PreparedPublicKey | undefined {
  const id = `${ax}:${ay}`;
  if (preparedKeys.has(id)) {
    const key = preparedKeys.get(id);
    preparedKeys.delete(id);
    preparedKeys.set(id, key);
    return key;
  }
  const key = preparePublicKey([ax, ay]);
  preparedKeys.set(id, key);
  if (preparedKeys.size > PREPARED_KEYS_MAX) {
    preparedKeys.delete(preparedKeys.keys().next().value as string);
  }
  return key;
}

/** Computes each transaction's message and checks its signature against the sender's key. */
export function checkSignatures(domain: bigint, jobs: readonly SignatureJob[]): SignatureResult[] {
  return jobs.map(({ tx, ax, ay }) => {
    let message: bigint;
    try {
      message = txMessage(domain, tx);
    } catch {
      // Only a non-canonical amount or fee gets here (the mempool refuses them before).
      return { message: 0n, valid: false };
    }
    const key = prepared(ax, ay);
    // An unpreparable key (off the curve, small order) fails every signature.
    const valid = key !== undefined && verifyEdDSAPoseidonPrepared(message, tx.signature, key);
    return { message, valid };
  });
}

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
  /** Jobs sent and not answered. */
  load: number;
  inFlight: Map<number, { resolve: (r: SignatureResult[]) => void; reject: (e: Error) => void }>;
}

interface Waiting {
  job: SignatureJob;
  resolve: (r: SignatureResult) => void;
  reject: (e: Error) => void;
}

/** A pool of signature-checking worker threads for one rollup deployment (`domain`). */
export class SignaturePool {
  private readonly workers: PoolWorker[] = [];
  private queue: Waiting[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;
  private readonly log: Logger;

  constructor(
    private readonly domain: bigint,
    private readonly size: number,
    log: Logger = silentLogger,
    /** Largest number of checks per worker message. */
    private readonly maxPerMessage = 64,
  ) {
    this.log = log.child({ component: "signature-pool" });
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Resolves once every worker has loaded its code. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  /** Checks one transaction's signature; requests made in the same tick travel together. */
  check(job: SignatureJob): Promise<SignatureResult> {
    if (this.closed) return Promise.reject(new L2kitError("POOL_CLOSED", "signature pool closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new L2kitError("POOL_CLOSED", "signature pool closed");
    for (const w of this.queue) w.reject(error);
    this.queue = [];
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      // Spread what is waiting over the workers, least loaded first.
      const w = this.workers.reduce((a, b) => (b.load < a.load ? b : a));
      const share = Math.min(
        this.maxPerMessage,
        Math.max(1, Math.ceil(this.queue.length / this.workers.length)),
      );
      const batch = this.queue.splice(0, share);
      const id = this.nextId++;
      w.load += batch.length;
      w.inFlight.set(id, {
        resolve: (results) => {
          w.load -= batch.length;
          batch.forEach((b, i) => b.resolve(results[i]));
        },
        reject: (e) => {
          w.load -= batch.length;
          for (const b of batch) b.reject(e);
        },
      });
      w.worker.postMessage({ id, domain: this.domain, items: batch.map((b) => b.job) });
    }
  }

  private spawn(): PoolWorker {
    const worker = new Worker(path.join(__dirname, "verify-worker.cjs"));
    const inFlight: PoolWorker["inFlight"] = new Map();
    let markReady: () => void = () => undefined;
    const pw: PoolWorker = {
      worker,
      ready: new Promise<void>((r) => (markReady = r)),
      load: 0,
      inFlight,
    };
    worker.on(
      "message",
      (m: { ready?: boolean; id?: number; results?: SignatureResult[]; error?: string }) => {
        if (m.ready === true) return markReady();
        const pending = inFlight.get(m.id as number);
        if (pending === undefined) return;
        inFlight.delete(m.id as number);
        if (m.error !== undefined)
          pending.reject(new L2kitError("SIGNATURE_WORKER", `signature worker failed: ${m.error}`));
        else pending.resolve(m.results as SignatureResult[]);
      },
    );
    worker.on("error", (error) => this.log.error("signature worker failed", { error }));
    worker.on("exit", (code) => {
      const error = new L2kitError("SIGNATURE_WORKER", `signature worker exited with code ${code}`);
      for (const p of inFlight.values()) p.reject(error);
      inFlight.clear();
      markReady();
      if (this.closed) return;
      // Replace the worker so one crash does not shrink the pool for good.
      this.log.warn("signature worker exited; replacing it", { code });
      const index = this.workers.indexOf(pw);
      if (index >= 0) this.workers[index] = this.spawn();
    });
    return pw;
  }
}
