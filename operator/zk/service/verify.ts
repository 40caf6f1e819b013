/**
 * Signature checks for the ZK operator's mempool, in worker threads.
 *
 * Signatures bound how fast an operator can accept transactions, so the API never checks them on
 * its own thread: it hands each transaction to a pool of worker threads (operator/core/worker.ts).
 * `checkSignatures` is the pure function the workers run; tests call it directly.
 */
import { silentLogger, type Logger } from "../../core/log";
import { WorkerPool, type JobHandler } from "../../core/worker";
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

/** The worker side of `SignaturePool` (operator/core/worker.ts runs it). */
export function signatureHandler(init: {
  domain: bigint;
}): JobHandler<SignatureJob[], SignatureResult[]> {
  return { handle: (jobs) => checkSignatures(init.domain, jobs) };
}

/** A pool of signature-checking worker threads for one rollup deployment (`domain`). */
export class SignaturePool {
  private readonly pool: WorkerPool<SignatureJob, SignatureResult>;

  constructor(domain: bigint, size: number, log: Logger = silentLogger) {
    this.pool = new WorkerPool(
      { module: __filename, factory: "signatureHandler", init: { domain } },
      size,
      "signature-pool",
      log,
    );
  }

  /** Resolves once every worker has loaded its code. */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  /** Checks one transaction's signature; requests made in the same tick travel together. */
  check(job: SignatureJob): Promise<SignatureResult> {
    return this.pool.run(job);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
