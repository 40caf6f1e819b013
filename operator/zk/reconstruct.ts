/**
 * Rebuilds the ZK rollup's state from L1 data alone: the deposit queue from `DepositQueued`
 * events, and every batch from the calldata of its `submitBatch` transaction. Each batch is
 * replayed with the same builder the operator uses (signatures are not in pubdata and not needed:
 * the proof already vouched for them), and the rebuilt root must equal the root the contract
 * verified. Anyone can do this, so users never depend on the operator for their data.
 */
import { AbiCoder, dataSlice, type Provider } from "ethers";
import { L2kitError } from "../core/errors";
import { zkRollupInterface } from "./abi";
import { buildBatch, ZkState, type SignedTx } from "./batch";
import { decodePubdata, depositFromEvent, type BatchShape, type QueuedDeposit } from "./protocol";

export class ReconstructionError extends L2kitError {
  constructor(message: string, fields: Record<string, unknown> = {}) {
    super("ZK_RECONSTRUCTION", message, fields);
  }
}

const iface = zkRollupInterface;

/** Placeholder signature: replayed batches are already proven, so it is never checked. */
const NO_SIGNATURE = { R8: [0n, 1n] as [bigint, bigint], S: 0n };

export interface RebuiltBatch {
  batchNumber: bigint;
  shapeId: number;
  oldRoot: bigint;
  newRoot: bigint;
  depositsTaken: number;
  /** The L1 transaction that submitted it. */
  tx: string;
  blockNumber: number;
}

export interface Rebuilt {
  state: ZkState;
  batches: RebuiltBatch[];
  /** Queued deposits no batch has taken yet. */
  pending: QueuedDeposit[];
  /** Every queue entry, in queue order, with the block it was queued in and who queued it. */
  deposits: RebuiltEntry[];
}

/** A queue entry (a deposit or a forced exit) as rebuilt from its `DepositQueued` event. */
export type RebuiltEntry = QueuedDeposit & { blockNumber: number; depositor: string };

/**
 * The pubdata argument of a `submitBatch` call's calldata, or undefined for another call. Decoded
 * loosely, as Solidity's decoder reads it (the contract also refuses non-canonical encodings, so
 * this is defence in depth: a strict decoder refused a batch whose padding was left off, and
 * reconstruction failed on a batch the contract had accepted).
 */
export function submittedPubdata(data: string): string | undefined {
  const fragment = iface.getFunction("submitBatch")!;
  if (data.slice(0, 10).toLowerCase() !== fragment.selector) return undefined;
  try {
    const args = AbiCoder.defaultAbiCoder().decode(fragment.inputs, dataSlice(data, 4), true);
    return args[3] as string;
  } catch {
    return undefined;
  }
}

/**
 * Replays every verified batch of the rollup at `rollup` up to block `toBlock`.
 * @param shapes Batch shapes by shape id (as registered in the rollup).
 */
export async function rebuildFromL1(opts: {
  provider: Provider;
  rollup: string;
  levels: number;
  domain: bigint;
  shapes: Record<number, BatchShape>;
  fromBlock?: number;
  toBlock?: number | "latest";
}): Promise<Rebuilt> {
  const { provider, rollup } = opts;
  const range = {
    address: rollup,
    fromBlock: opts.fromBlock ?? 0,
    toBlock: opts.toBlock ?? "latest",
  };
  const logs = await provider.getLogs({
    ...range,
    topics: [
      [iface.getEvent("DepositQueued")!.topicHash, iface.getEvent("BatchVerified")!.topicHash],
    ],
  });
  const deposits: RebuiltEntry[] = [];
  const batches: {
    batchNumber: bigint;
    shapeId: number;
    oldRoot: bigint;
    newRoot: bigint;
    depositsTaken: number;
    tx: string;
    blockNumber: number;
  }[] = [];
  for (const log of logs) {
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed === null) continue;
    if (parsed.name === "DepositQueued") {
      const a = parsed.args;
      if (a.depositNumber !== BigInt(deposits.length + 1)) {
        throw new ReconstructionError(
          `deposit ${a.depositNumber} out of order (expected ${deposits.length + 1})`,
        );
      }
      deposits.push({
        ...depositFromEvent(a as unknown as Parameters<typeof depositFromEvent>[0]),
        blockNumber: log.blockNumber,
        depositor: a.depositor as string,
      });
    } else {
      const a = parsed.args;
      batches.push({
        batchNumber: a.batchNumber,
        shapeId: Number(a.shapeId),
        oldRoot: a.oldRoot,
        newRoot: a.newRoot,
        depositsTaken: Number(a.depositsTaken),
        tx: log.transactionHash,
        blockNumber: log.blockNumber,
      });
    }
  }

  let state = new ZkState(opts.levels);
  const rebuilt: RebuiltBatch[] = [];
  for (const b of batches) {
    const shape = opts.shapes[b.shapeId];
    if (shape === undefined)
      throw new ReconstructionError(`batch ${b.batchNumber} uses unknown shape ${b.shapeId}`, {
        shapeId: b.shapeId,
      });
    const tx = await provider.getTransaction(b.tx);
    if (tx === null)
      throw new ReconstructionError(`transaction ${b.tx} of batch ${b.batchNumber} not found`);
    const pubdataHex = submittedPubdata(tx.data);
    if (pubdataHex === undefined) {
      throw new ReconstructionError(
        `batch ${b.batchNumber} was not submitted by a direct submitBatch call; its calldata cannot be read`,
        {
          tx: b.tx,
        },
      );
    }
    const pubdata = Uint8Array.from(Buffer.from(pubdataHex.slice(2), "hex"));
    const content = decodePubdata(shape, pubdata);
    const taken = deposits.slice(state.depositsConsumed, state.depositsConsumed + b.depositsTaken);
    // Replay transactions in circuit order with the nonces the accounts had.
    const nonces = new Map<bigint, bigint>();
    const nextNonce = (from: bigint): bigint => {
      const n = nonces.get(from) ?? state.account(from)?.nonce ?? 0n;
      nonces.set(from, n + 1n);
      return n;
    };
    // Accounts created by this batch's deposits have nonce 0 and are not in `state` yet.
    const tokenOf = (from: bigint): number => {
      const a = state.account(from);
      if (a !== undefined) return a.token;
      const created = taken.find((d) => d.kind === 1 && d.to === from);
      if (created === undefined)
        throw new ReconstructionError(`batch ${b.batchNumber} debits unknown account ${from}`);
      return created.token;
    };
    const txs: SignedTx[] = [];
    for (const t of content.transfers) {
      if (t !== undefined)
        txs.push({
          ...t,
          token: tokenOf(t.from),
          nonce: nextNonce(t.from),
          signature: NO_SIGNATURE,
        });
    }
    for (const w of content.withdrawals) {
      if (w !== undefined)
        txs.push({
          ...w,
          to: 0n,
          token: tokenOf(w.from),
          nonce: nextNonce(w.from),
          signature: NO_SIGNATURE,
        });
    }
    let built;
    try {
      built = buildBatch(state, shape, opts.domain, {
        deposits: taken,
        txs,
        feeAccounts: content.feeAccounts,
        verifySignatures: false,
      });
    } catch (error) {
      throw new ReconstructionError(
        `batch ${b.batchNumber} does not replay: ${(error as Error).message}`,
        { batch: b.batchNumber },
      );
    }
    if (
      built.depositApplied
        .slice(0, taken.length)
        .some((applied, i) => applied !== content.depositApplied[i]) ||
      built.exitAmounts.some((amount, i) => amount !== content.exitAmounts[i])
    ) {
      throw new ReconstructionError(
        `batch ${b.batchNumber}: deposit or forced-exit outcomes differ from the pubdata`,
        { batch: b.batchNumber },
      );
    }
    if (built.newRoot !== b.newRoot) {
      throw new ReconstructionError(
        `batch ${b.batchNumber}: rebuilt root ${built.newRoot} differs from the verified ${b.newRoot}`,
        {
          batch: b.batchNumber,
        },
      );
    }
    state = built.state;
    rebuilt.push(b);
  }
  return { state, batches: rebuilt, pending: deposits.slice(state.depositsConsumed), deposits };
}
