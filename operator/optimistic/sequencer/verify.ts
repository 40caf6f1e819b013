/**
 * Signature checks for the sequencer's mempool, in worker threads (operator/core/worker.ts).
 *
 * With native libsecp256k1 (the `secp256k1` prebuild), recovery costs ~45 µs and runs on the API's
 * thread. Without it, each job (the transaction's EIP-712 fields and the sender's L1 address) goes
 * to a worker that computes the digest and checks the signature with a `SignatureChecker`, which
 * verifies a known sender against a prepared table of its public key instead of recovering it;
 * jobs are routed by sender so that each sender's table stays in one worker.
 */
import { compactSignature } from "../codec";
import type { Logger } from "../../core/log";
import { WorkerPool, type JobHandler } from "../../core/worker";
import type { Eip712Domain } from "../../lib/eip712";
import { NATIVE_SECP256K1, SignatureChecker } from "../ecdsa";
import { TRANSFER, WITHDRAW } from "../protocol";
import type { SignedL2Tx } from "./db";

export interface SignatureResult {
  /** The EIP-712 digest the sender signed. */
  digest: string;
  valid: boolean;
}

/** The digest `tx`'s sender signs. */
export function txDigest(domain: Eip712Domain, tx: SignedL2Tx): string {
  const common = { token: tx.token, amount: tx.amount, fee: tx.fee, nonce: tx.nonce };
  return tx.type === "transfer"
    ? TRANSFER.digest(domain, { to: tx.recipient as string, ...common })
    : WITHDRAW.digest(domain, common);
}

/** Checks each transaction's signature (already parsed strictly by the API) against its sender. */
export function checkTxSignatures(
  domain: Eip712Domain,
  checker: SignatureChecker,
  txs: readonly SignedL2Tx[],
): SignatureResult[] {
  return txs.map((tx) => {
    const digest = txDigest(domain, tx);
    return { digest, valid: checker.check(digest, compactSignature(tx.signature), tx.sender) };
  });
}

/** The worker side of `EcdsaPool`. */
export function ecdsaHandler(init: {
  domain: Eip712Domain;
}): JobHandler<SignedL2Tx[], SignatureResult[]> {
  const checker = new SignatureChecker();
  return { handle: (txs) => checkTxSignatures(init.domain, checker, txs) };
}

/** Checks transaction signatures, on the calling thread or in worker threads. */
export interface TxSignatureVerifier {
  ready(): Promise<void>;
  check(tx: SignedL2Tx): Promise<SignatureResult>;
  close(): Promise<void>;
}

/**
 * The verifier for this machine: on the API's thread when native libsecp256k1 is available
 * (~75 µs per transaction, digest included), else a pool of `workers` threads running noble.
 */
export function signatureVerifier(
  domain: Eip712Domain,
  workers: number,
  log?: Logger,
): TxSignatureVerifier {
  if (NATIVE_SECP256K1 === null) return new EcdsaPool(domain, workers, log);
  const checker = new SignatureChecker();
  return {
    ready: async () => undefined,
    check: async (tx) => checkTxSignatures(domain, checker, [tx])[0],
    close: async () => undefined,
  };
}

/** A pool of signature-checking threads for one rollup deployment. */
export class EcdsaPool implements TxSignatureVerifier {
  private readonly pool: WorkerPool<SignedL2Tx, SignatureResult>;

  constructor(domain: Eip712Domain, size: number, log?: Logger) {
    this.pool = new WorkerPool(
      { module: __filename, factory: "ecdsaHandler", init: { domain } },
      size,
      "ecdsa-pool",
      log,
      64,
      (tx, threads) => parseInt(tx.sender.slice(-6), 16) % threads,
    );
  }

  ready(): Promise<void> {
    return this.pool.ready();
  }

  check(tx: SignedL2Tx): Promise<SignatureResult> {
    return this.pool.run(tx);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
