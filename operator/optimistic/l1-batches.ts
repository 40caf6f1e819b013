/**
 * The rollup's batch chain as every operator reads it from L1 alone: the `BatchPosted` event
 * names a batch, and its records are its posting transaction's own calldata. The contract takes
 * batches only as the top-level call of a transaction sent by an account with no code, in
 * canonical calldata (`RollupPosterNotEoa`, `RollupNonCanonicalCalldata`), so every node that
 * serves `eth_getTransactionByHash` serves every calldata batch's records. Blob batches
 * (`blobBatches` on) carry them in EIP-4844 blobs, which only a consensus client serves: a reader
 * without one cannot read them, and says so.
 *
 * The challenger and the sequencer both sync through this module: the challenger to verify every
 * batch, the sequencer to follow batches posted by others (forced posters, co-sequencers).
 */
import type { Provider } from "ethers";
import { describeError } from "../core/errors";
import type { WatchedEvent } from "../core/watcher";
import type { Hex } from "../lib/sparse-merkle";
import { optimisticRollupInterface } from "./abi";
import { recordTree, splitRecords } from "./codec";

/** A batch as its `BatchPosted` event announces it. */
export interface PostedBatchEvent {
  id: number;
  position: number;
  sequencer: string;
  stateRoot: Hex;
  recordRoot: Hex;
  inboxStart: number;
  inboxCount: number;
  recordCount: number;
  feeAccount: number;
  l1Tx: string;
  block: number;
}

/** The SQL columns a stored `PostedBatchEvent` fills, in `postedBatchValues` order. */
export const POSTED_BATCH_COLUMNS =
  "id, position, sequencer, state_root, record_root, inbox_start, inbox_count, record_count, fee_account, l1_tx, block";

/** `b`'s values for `POSTED_BATCH_COLUMNS`. */
export function postedBatchValues(b: PostedBatchEvent): (string | number)[] {
  return [
    b.id,
    b.position,
    b.sequencer,
    b.stateRoot,
    b.recordRoot,
    b.inboxStart,
    b.inboxCount,
    b.recordCount,
    b.feeAccount,
    b.l1Tx,
    b.block,
  ];
}

export function postedBatchFromEvent(e: WatchedEvent): PostedBatchEvent {
  const a = e.args;
  return {
    id: Number(a.id),
    position: Number(a.position),
    sequencer: a.sequencer as string,
    stateRoot: a.stateRoot as Hex,
    recordRoot: a.recordRoot as Hex,
    inboxStart: Number(a.inboxStart),
    inboxCount: Number(a.inboxCount),
    recordCount: Number(a.recordCount),
    feeAccount: Number(a.feeAccount),
    l1Tx: e.transactionHash,
    block: e.blockNumber,
  };
}

/**
 * The records of a batch posted by a direct `postBatch` call with calldata `data`, checked against
 * the batch's record count and the record root the contract computed; throws otherwise.
 */
export function recordsFromCalldata(data: string, recordCount: number, recordRoot: string): Hex {
  const parsed = optimisticRollupInterface.parseTransaction({ data });
  if (parsed?.name !== "postBatch") throw new Error("not a direct postBatch call");
  const records = parsed.args.records as Hex;
  const split = splitRecords(Buffer.from(records.slice(2), "hex"));
  if (split.length !== recordCount || recordTree(split).root !== recordRoot.toLowerCase())
    throw new Error("the calldata does not match the batch's record root");
  return records;
}

/** What reading a batch's records gave: the records, or why they cannot be read (yet). */
export type BatchRead =
  | { records: Hex }
  | {
      unreadable: string;
      /** True when a later attempt may succeed (the node did not answer or lacks the tx). */
      retry: boolean;
    };

/**
 * Reads a calldata batch's records from its posting transaction. A transaction the node does not
 * serve (yet) is worth another try; calldata that does not hold the batch's records cannot
 * happen under the contract's posting rules, and is reported as such.
 */
export async function readBatchRecords(
  provider: Provider,
  b: Pick<PostedBatchEvent, "l1Tx" | "recordCount" | "recordRoot">,
): Promise<BatchRead> {
  let data: string;
  try {
    const tx = await provider.getTransaction(b.l1Tx);
    if (tx === null) {
      return { unreadable: `the node does not serve transaction ${b.l1Tx}`, retry: true };
    }
    data = tx.data;
  } catch (error) {
    return {
      unreadable: `reading transaction ${b.l1Tx} failed: ${describeError(error)}`,
      retry: true,
    };
  }
  try {
    return { records: recordsFromCalldata(data, b.recordCount, b.recordRoot) };
  } catch (error) {
    return {
      unreadable: `records not readable from transaction ${b.l1Tx}: ${describeError(error)}`,
      retry: false,
    };
  }
}
