/**
 * What a comparison runner is given and what it reports. A runner plays the whole workload
 * through one system's real contracts and operator code on the bench's EVM, checks that every
 * user ends with what the workload says, and reports the L1 gas it spent, the times it measured
 * and the periods it waited out.
 */
import type { Provider, TransactionReceipt } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { L1Baseline } from "../baseline/l1";
import type { BenchParams } from "../bench/harness";
import { loadCoreConfig, type CoreConfig } from "../core/settings";
import type { Workload, WorkloadParams } from "./workload";

export type ComparedSystem = "l1" | "zk-rollup" | "optimistic-rollup" | "channels" | "plasma";

export interface CompareContext {
  hre: HardhatRuntimeEnvironment;
  workload: Workload;
  /** The L1 baseline measured earlier in the same run, on the same EVM. */
  baseline: L1Baseline;
  /** Smaller scaling sizes (CI and the demo). */
  quick: boolean;
  /** One progress line (stderr). */
  progress(message: string): void;
}

export type Phase = "setup" | "deposits" | "transfers" | "withdrawals";

/** L1 gas and transactions by phase, summed over every L1 transaction the runner sent. */
export type PhaseTotals = Record<Phase, { gas: number; txs: number }>;

/** Adds up the receipts of a run by phase. */
export class GasMeter {
  readonly totals: PhaseTotals = {
    setup: { gas: 0, txs: 0 },
    deposits: { gas: 0, txs: 0 },
    transfers: { gas: 0, txs: 0 },
    withdrawals: { gas: 0, txs: 0 },
  };

  add(phase: Phase, receipt: Pick<TransactionReceipt, "gasUsed"> | null): void {
    if (receipt === null) throw new Error(`${phase}: transaction dropped`);
    this.totals[phase].gas += Number(receipt.gasUsed);
    this.totals[phase].txs += 1;
  }

  /** Waits for `tx` and adds its receipt. */
  async track(
    phase: Phase,
    tx: Promise<{ wait(): Promise<TransactionReceipt | null> }>,
  ): Promise<TransactionReceipt> {
    const receipt = await (await tx).wait();
    this.add(phase, receipt);
    return receipt!;
  }
}

/**
 * Counts, per phase, every transaction a set of accounts got mined, block by block since the last
 * mark. Operators, sequencers and hubs send their own transactions from their loops (bonds,
 * batches, block roots, finalisations, deposits of collateral), so a runner reads them from the
 * chain rather than from return values.
 */
export class ChainMeter {
  private readonly senders: Set<string>;
  private from = 0;

  constructor(
    readonly meter: GasMeter,
    private readonly provider: Provider,
    senders: readonly string[],
  ) {
    this.senders = new Set(senders.map((s) => s.toLowerCase()));
  }

  /** Starts counting from the next block. */
  async mark(): Promise<void> {
    this.from = await this.provider.getBlockNumber();
  }

  /** Adds the accounts' transactions mined since the mark to `phase`; returns their receipts. */
  async close(phase: Phase): Promise<TransactionReceipt[]> {
    const to = await this.provider.getBlockNumber();
    const out: TransactionReceipt[] = [];
    for (let n = this.from + 1; n <= to; n++) {
      const block = await this.provider.getBlock(n);
      for (const hash of block?.transactions ?? []) {
        const receipt = await this.provider.getTransactionReceipt(hash);
        if (receipt !== null && this.senders.has(receipt.from.toLowerCase())) {
          this.meter.add(phase, receipt);
          out.push(receipt);
        }
      }
    }
    this.from = to;
    return out;
  }
}

/** A delay the system imposes: what this run measured or waited, and what production gives. */
export interface Latency {
  /** Wall-clock seconds measured in this run (proving, posting, signing, mining). */
  measuredSeconds: number;
  /** Chain-time seconds the run waited out (a configured period, advanced on the dev chain). */
  configuredSeconds: number;
  /**
   * The same delay with the deployment defaults (`deploy/modules/*` DEFAULTS) and this run's
   * measured work; the note says what it is made of.
   */
  productionSeconds: number;
  note: string;
}

/** One point of L1 gas per transfer against batch (or block, or channel-lifetime) size. */
export interface ScalingPoint {
  size: number;
  gasPerTransfer: number;
  /** "measured": a transaction of that size was sent; otherwise how it is derived from measured parts. */
  method: string;
}

export interface SystemRun {
  system: ComparedSystem;
  /** What the batch/block/channel size axis means for this system. */
  sizeMeaning: string;
  totals: PhaseTotals;
  /** Wall-clock seconds to play the transfers (from the first submission to the last acceptance). */
  transferSeconds: number;
  /** A transfer, from submission until it cannot be reverted on L1 (or settled, for channels). */
  finality: Latency;
  /** A withdrawal, from request until the funds are spendable on L1. */
  withdrawal: Latency;
  /** L1 gas per transfer at several sizes. */
  scaling: ScalingPoint[];
  /** Wall-clock proving seconds per batch (the ZK rollup), if any. */
  provingSeconds?: number;
  /** Every withdrawer's balance on L1 after withdrawing, equal to the workload's (checked). */
  withdrawn: bigint;
  /** What the others still hold in the system (on L2; on L1 for the L1 runner), checked. */
  heldOnL2: bigint;
  params: BenchParams;
  notes: string[];
}

export interface SystemRunner {
  system: ComparedSystem;
  description: string;
  /**
   * Throws `InputError` (naming the flag) for a workload this system cannot carry; called for
   * every selected runner before anything runs, and by `run` itself.
   */
  check?(params: WorkloadParams): void;
  run(ctx: CompareContext): Promise<SystemRun>;
}

/** Throws unless `actual` equals `expected`; every runner checks its balances with it. */
export function expectBalance(what: string, actual: bigint, expected: bigint): void {
  if (actual !== expected)
    throw new Error(`${what}: ${actual} on the system, the workload expects ${expected}`);
}

/** Batch (block, channel-lifetime) sizes every runner reports L1 gas per transfer at. */
export const SCALING_SIZES = [1, 10, 100, 1000, 10_000] as const;

/** Ethereum's slot: a transaction sent now is included about one slot later. */
export const L1_SLOT_SECONDS = 12;
/** Ethereum's finality: two epochs of 32 slots after inclusion. */
export const L1_FINALITY_SECONDS = 2 * 32 * L1_SLOT_SECONDS;

/** The embedded chain's provider: an ethers Provider that also takes raw JSON-RPC calls (to move its clock). */
export type ChainProvider = HardhatRuntimeEnvironment["ethers"]["provider"];

/** How long any one wait on a service run in process may take before the run fails. */
export const SERVICE_WAIT_MS = 60_000;

/**
 * The core settings for services run in process on the embedded chain: the defaults (the
 * environment ignored), polling the chain every 50 ms instead of every second.
 */
export function inProcessCoreConfig(): CoreConfig {
  return { ...loadCoreConfig({ env: {} }), pollIntervalMs: 50 };
}
