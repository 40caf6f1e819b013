/**
 * Batches as the sequencer builds them and the challenger re-executes them: the inbox entries a
 * batch consumes, then its records, each a step of the transition function. `executeBatch`
 * gives the state root at every position (0 = pre-state, n = post-state), which is all the
 * bisection game needs; `proveStep` rebuilds the witness of one step for the one-step proof.
 */
import type { Eip712Domain } from "../lib/eip712";
import type { Hex } from "../lib/sparse-merkle";
import { BLOB_SLOT, chunksFor, versionedHash } from "./blob";
import { concatRecords, recordTree } from "./codec";
import type { InboxEntry, InboxKind } from "./protocol";
import type { L2State, Withdrawal } from "./state";
import {
  applyStep,
  type Step,
  type StepContext,
  type StepResult,
  type StepWitness,
} from "./transition";

export interface BatchContent {
  /** Inbox entries consumed, in inbox order (the batch's first steps). */
  inbox: InboxEntry[];
  /** Records, each one whole encoded record (for a blob batch, as read from its slots). */
  records: Uint8Array[];
  feeAccount: bigint;
  /** For a blob batch: its blobs and their KZG commitments. */
  blobs?: { blobs: Uint8Array[]; commitments: Hex[] };
}

export interface ExecutedBatch {
  /** roots[k] = state root after the first k steps; roots[0] is the pre-state root. */
  roots: Hex[];
  results: StepResult[];
  withdrawals: Withdrawal[];
}

export function stepCount(batch: BatchContent): number {
  return batch.inbox.length + batch.records.length;
}

export function stepAt(batch: BatchContent, k: number): Step {
  if (k < 0 || k >= stepCount(batch)) throw new RangeError(`no step ${k}`);
  return k < batch.inbox.length
    ? { inbox: batch.inbox[k] }
    : { record: batch.records[k - batch.inbox.length] };
}

/** Runs every step of `batch` on `state` (in place). */
export function executeBatch(
  state: L2State,
  batch: BatchContent,
  domain: Eip712Domain,
  /** Signature checks and witness recording (see `StepContext`). */
  options: Pick<StepContext, "checkSignature" | "witness"> = {},
): ExecutedBatch {
  const ctx: StepContext = { feeAccount: batch.feeAccount, domain, ...options };
  const roots: Hex[] = [state.root];
  const results: StepResult[] = [];
  const withdrawals: Withdrawal[] = [];
  const n = stepCount(batch);
  for (let k = 0; k < n; k++) {
    const result = applyStep(state, stepAt(batch, k), ctx);
    results.push(result);
    roots.push(result.root);
    if (result.withdrawal) withdrawals.push(result.withdrawal);
  }
  return { roots, results, withdrawals };
}

/** The `StepProof` struct of `ChallengeGame.step`. */
export interface StepProofArgs {
  entry: InboxEntry;
  record: Hex;
  recordSiblings: Hex[];
  blobHashes: Hex[];
  chunks: { value: Hex; commitment: Hex; proof: Hex }[];
  witness: StepWitness;
}

const NO_ENTRY: InboxEntry = {
  kind: 0 as InboxKind,
  from: "0x0000000000000000000000000000000000000000",
  to: "0x0000000000000000000000000000000000000000",
  token: 0,
  amount: 0n,
};

/**
 * The one-step proof of step `k`: replays steps 0..k-1 on a copy of `preState` (the state before
 * the batch, left untouched), then step k, recording its witness.
 */
export function proveStep(
  preState: L2State,
  batch: BatchContent,
  k: number,
  domain: Eip712Domain,
): { proof: StepProofArgs; preRoot: Hex; postRoot: Hex } {
  const state = preState.clone();
  const ctx: StepContext = { feeAccount: batch.feeAccount, domain };
  for (let i = 0; i < k; i++) applyStep(state, stepAt(batch, i), ctx);
  const preRoot = state.root;
  const step = stepAt(batch, k);
  const result = applyStep(state, step, ctx);
  let proof: StepProofArgs;
  if ("inbox" in step) {
    proof = {
      entry: step.inbox,
      record: "0x",
      recordSiblings: [],
      blobHashes: [],
      chunks: [],
      witness: result.witness,
    };
  } else if (batch.blobs) {
    const offset = (k - batch.inbox.length) * BLOB_SLOT;
    proof = {
      entry: NO_ENTRY,
      record: "0x",
      recordSiblings: [],
      blobHashes: batch.blobs.commitments.map(versionedHash),
      chunks: chunksFor(batch.blobs.blobs, batch.blobs.commitments, offset, BLOB_SLOT),
      witness: result.witness,
    };
  } else {
    const index = BigInt(k - batch.inbox.length);
    proof = {
      entry: NO_ENTRY,
      record: `0x${Buffer.from(step.record).toString("hex")}`,
      recordSiblings: recordTree(batch.records).proof(index).siblings,
      blobHashes: [],
      chunks: [],
      witness: result.witness,
    };
  }
  return { proof, preRoot, postRoot: result.root };
}

/** The `records` argument of `postBatch`. */
export function recordsCalldata(batch: BatchContent): Hex {
  return `0x${Buffer.from(concatRecords(batch.records)).toString("hex")}`;
}
