/**
 * The smallest complete ZK rollup operator loop, in process: read queued deposits from L1, build
 * the next batch, prove it, submit it, and keep the L2 state. The demo, the bench and the tests
 * drive the rollup with it; the long-running operator service builds on the same pieces.
 */
import type { ContractTransactionReceipt } from "ethers";
import type { ZkRollup } from "../../typechain-types";
import { buildBatch, ZkState, type BuiltBatch, type SignedTx } from "./batch";
import { proveBatch, type BatchProof, type ProveOptions } from "./prover";
import { depositFromEvent, type BatchShape, type QueuedDeposit } from "./protocol";

export interface SubmittedBatch {
  batch: BuiltBatch;
  proof: BatchProof;
  receipt: ContractTransactionReceipt;
}

export class BatchSubmitter {
  state: ZkState;
  /** Deposits queued on L1 and not yet in a batch, in queue order. */
  queue: QueuedDeposit[] = [];
  domain = 0n;

  constructor(
    readonly rollup: ZkRollup,
    readonly shape: BatchShape,
    readonly shapeId: number,
    readonly circuit: { wasm: string; zkey: string },
  ) {
    this.state = new ZkState(shape.levels);
  }

  async init(): Promise<this> {
    this.domain = await this.rollup.domain();
    return this;
  }

  /** An independent copy (tests restore chain snapshots; the tracked state must follow). */
  clone(): BatchSubmitter {
    const c = new BatchSubmitter(this.rollup, this.shape, this.shapeId, this.circuit);
    c.state = this.state.clone();
    c.queue = [...this.queue];
    c.domain = this.domain;
    return c;
  }

  /** Appends deposits queued on L1 since the last sync. */
  async syncDeposits(): Promise<void> {
    const events = await this.rollup.queryFilter(this.rollup.filters.DepositQueued());
    const known = this.state.depositsConsumed + this.queue.length;
    for (const e of events.slice(known)) this.queue.push(depositFromEvent(e.args));
  }

  /** Builds, proves and submits the next batch with as many queued deposits as fit. */
  async submit(
    txs: readonly SignedTx[],
    feeAccounts: readonly bigint[] = [],
    prove: ProveOptions = {},
  ): Promise<SubmittedBatch> {
    await this.syncDeposits();
    const deposits = this.queue.slice(0, this.shape.depositSlots);
    const batch = buildBatch(this.state, this.shape, this.domain, { deposits, txs, feeAccounts });
    const proof = await proveBatch(this.circuit, batch.circuitInput, prove);
    const sent = await this.rollup.submitBatch(
      this.shapeId,
      batch.newRoot,
      deposits.length,
      batch.pubdata,
      proof.calldata,
    );
    const receipt = (await sent.wait()) as ContractTransactionReceipt;
    this.state = batch.state;
    this.queue = this.queue.slice(deposits.length);
    return { batch, proof, receipt };
  }
}
