/**
 * The rollup's batch chain as every operator reads it from L1 alone: the `BatchPosted` event
 * names a batch, and its records are its posting transaction's own calldata. The contract takes
 * batches only as the top-level call of a transaction sent by an account with no code, in
 * canonical calldata (`RollupPosterNotEoa`, `RollupNonCanonicalCalldata`), so every node that
 * serves `eth_getTransactionByHash` serves every calldata batch's records. Blob batches
 * (`blobBatches` on) carry them in EIP-4844 blobs, named by the versioned hashes of their
 * `BlobsPosted` event, which only a consensus client serves (`BeaconBlobSource`, from
 * `L2KIT_BEACON_URL`): every blob it returns is checked against its versioned hash, so the source
 * is not trusted. A reader without one cannot read blob batches, and says so.
 *
 * The challenger and the sequencer both sync through this module: the challenger to verify every
 * batch, the sequencer to follow batches posted by others (forced posters, co-sequencers).
 */
import { concat, keccak256, type Provider } from "ethers";
import { describeError } from "../core/errors";
import type { WatchedEvent } from "../core/watcher";
import type { Hex } from "../lib/sparse-merkle";
import { optimisticRollupInterface } from "./abi";
import { commitments, recordFromBlobs, versionedHash } from "./blob";
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

/** A stored posted batch as SQLite returns it (`POSTED_BATCH_COLUMNS`, plus its blob marks). */
export interface PostedBatchRow {
  id: number;
  position: number;
  sequencer: string;
  state_root: string;
  record_root: string;
  inbox_start: number;
  inbox_count: number;
  record_count: number;
  fee_account: number;
  l1_tx: string;
  block: number;
  blob: number;
  blob_hashes: string | null;
}

/** The batch a stored row holds, with whether it is a blob batch and its versioned hashes. */
export function postedBatchFromRow(
  r: PostedBatchRow,
): PostedBatchEvent & { blob: boolean; blobHashes: Hex[] | null } {
  return {
    id: r.id,
    position: r.position,
    sequencer: r.sequencer,
    stateRoot: r.state_root as Hex,
    recordRoot: r.record_root as Hex,
    inboxStart: r.inbox_start,
    inboxCount: r.inbox_count,
    recordCount: r.record_count,
    feeAccount: r.fee_account,
    l1Tx: r.l1_tx,
    block: r.block,
    blob: r.blob === 1,
    blobHashes: r.blob_hashes === null ? null : (JSON.parse(r.blob_hashes) as Hex[]),
  };
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

/** Where blob data comes from: a consensus client, in production. */
export interface BlobSource {
  /** For logs and status. */
  readonly name: string;
  /**
   * The blobs with `versionedHashes` (in that order), carried by a transaction of execution block
   * `block`. Throws when they cannot be had (yet).
   */
  blobs(block: number, versionedHashes: readonly Hex[]): Promise<Uint8Array[]>;
}

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.slice(2), "hex"));

/**
 * Blobs from a consensus client's standard beacon API: the beacon block that holds execution
 * block N is named by block N + 1's `parentBeaconBlockRoot` (EIP-4788). It asks
 * `GET /eth/v1/beacon/blobs/{root}?versioned_hashes=…` (Fulu) and falls back to
 * `GET /eth/v1/beacon/blob_sidecars/{root}` (Deneb); either way each blob's KZG commitment is
 * recomputed and its versioned hash compared, so a wrong blob is refused, whoever serves it.
 * Consensus clients keep blobs ~18 days: a challenger stores what it reads (the challenger's
 * database keeps every blob batch's blobs).
 */
export class BeaconBlobSource implements BlobSource {
  readonly name: string;

  constructor(
    private readonly url: string,
    private readonly provider: Provider,
    private readonly timeoutMs = 30_000,
  ) {
    this.name = `beacon API at ${new URL(url).origin}`;
  }

  async blobs(block: number, versionedHashes: readonly Hex[]): Promise<Uint8Array[]> {
    const next = await this.provider.getBlock(block + 1);
    if (next === null)
      throw new Error(
        `block ${block + 1} is not mined yet (it names block ${block}'s beacon block)`,
      );
    const root = next.parentBeaconBlockRoot;
    if (root === null) throw new Error(`block ${block + 1} has no parentBeaconBlockRoot`);
    const base = this.url.replace(/\/+$/, "");
    const query = versionedHashes.map((h) => `versioned_hashes=${h}`).join("&");
    let candidates: Uint8Array[];
    const fulu = await this.get(`${base}/eth/v1/beacon/blobs/${root}?${query}`);
    if (fulu.status === 200) {
      candidates = ((fulu.body as { data: string[] }).data ?? []).map(hexBytes);
    } else {
      const deneb = await this.get(`${base}/eth/v1/beacon/blob_sidecars/${root}`);
      if (deneb.status !== 200)
        throw new Error(
          `the beacon API answered ${fulu.status} to /blobs and ${deneb.status} to /blob_sidecars for beacon block ${root}`,
        );
      candidates = ((deneb.body as { data: { blob: string }[] }).data ?? []).map((d) =>
        hexBytes(d.blob),
      );
    }
    const byHash = new Map<string, Uint8Array>();
    const found = commitments(candidates);
    candidates.forEach((blob, i) => byHash.set(versionedHash(found[i]).toLowerCase(), blob));
    return versionedHashes.map((h) => {
      const blob = byHash.get(h.toLowerCase());
      if (blob === undefined)
        throw new Error(`the beacon API served no blob with versioned hash ${h} (block ${block})`);
      return blob;
    });
  }

  private async get(url: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: res.status, body: res.status === 200 ? await res.json() : undefined };
  }
}

/** A blob batch's data, as read: its blobs, their commitments, and the records in their slots. */
export interface BlobBatchData {
  blobs: Uint8Array[];
  commitments: Hex[];
  records: Uint8Array[];
}

/**
 * Reads a blob batch's records: its blobs by the versioned hashes of its `BlobsPosted` event
 * (checked against the batch's record root, keccak256 of them), then its `recordCount` slots.
 */
export async function readBlobBatch(
  source: BlobSource | undefined,
  b: Pick<PostedBatchEvent, "block" | "recordCount" | "recordRoot">,
  versionedHashes: readonly Hex[] | null,
): Promise<{ data: BlobBatchData } | { unreadable: string; retry: boolean }> {
  if (source === undefined)
    return {
      unreadable:
        "its records are in EIP-4844 blobs, and no blob source is configured (L2KIT_BEACON_URL)",
      retry: false,
    };
  if (versionedHashes === null)
    return { unreadable: "its BlobsPosted event is not read yet", retry: true };
  if (keccak256(concat(versionedHashes as Hex[])) !== b.recordRoot.toLowerCase())
    return {
      unreadable: "its BlobsPosted versioned hashes do not match the batch's record root",
      retry: false,
    };
  let blobs: Uint8Array[];
  try {
    blobs = await source.blobs(b.block, versionedHashes);
  } catch (error) {
    return {
      unreadable: `reading its blobs from the ${source.name} failed: ${describeError(error)}`,
      retry: true,
    };
  }
  const records = Array.from({ length: b.recordCount }, (_, i) => recordFromBlobs(blobs, i));
  return { data: { blobs, commitments: commitments(blobs), records } };
}
