/**
 * `npm run bench -- --compare`: the L1 baseline, then the same workload through L1 and each
 * layer-2 system (the runners), then each operator's throughput (the operator bench suites), all
 * in one run on one EVM. The result holds every figure the report prints; nothing is copied in
 * from elsewhere except the anchors' figures, which the report labels as such.
 */
import os from "node:os";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { L1Baseline } from "../baseline/l1";
import { InputError } from "../core/errors";
import {
  runBench,
  round,
  type BenchRecord,
  type BenchSuite,
  type SuiteRecord,
} from "../bench/harness";
import { paymentChannelSuite } from "../bench/suites/channels";
import { l1Erc20Suite } from "../bench/suites/l1-erc20";
import { optimisticOperatorSuite } from "../bench/suites/optimistic-operator";
import { plasmaOperatorSuite } from "../bench/suites/plasma-operator";
import { zkOperatorSuite } from "../bench/suites/zk-operator";
import { channelsRunner } from "./runners/channels";
import { l1Runner } from "./runners/l1";
import { optimisticRollupRunner } from "./runners/optimistic-rollup";
import { plasmaRunner } from "./runners/plasma";
import { zkRollupRunner } from "./runners/zk-rollup";
import type { ComparedSystem, SystemRun, SystemRunner } from "./types";
import { makeWorkload, type Workload, type WorkloadParams } from "./workload";

export * from "./types";
export * from "./workload";

/** Hardhat's chain id: the embedded network and `npx hardhat node`. */
const DEV_CHAIN_ID = 31337n;

/** The runners, L1 first: every system plays the same workload. */
export const RUNNERS: readonly SystemRunner[] = [
  l1Runner,
  zkRollupRunner,
  optimisticRollupRunner,
  channelsRunner,
  plasmaRunner,
];

/** Where each system's operator throughput is measured: its operator bench suite and figure. */
export const THROUGHPUT: readonly {
  system: ComparedSystem;
  suite: BenchSuite;
  /** The (system, metric) of the record that holds it. */
  record: { system: string; metric: string };
  what: string;
}[] = [
  {
    system: "l1",
    suite: l1Erc20Suite,
    record: { system: "l1-erc20", metric: "erc20-throughput" },
    what: "derived: block gas limit / the ERC-20 transfer's gas / 12 s slot",
  },
  {
    system: "zk-rollup",
    suite: zkOperatorSuite,
    record: { system: "zk-rollup", metric: "operator accepted transfers per second (API)" },
    what: "operator process: EdDSA check + SQLite before each 202, proving meanwhile",
  },
  {
    system: "optimistic-rollup",
    suite: optimisticOperatorSuite,
    record: {
      system: "optimistic-rollup",
      metric: "sequencer accepted transfers per second (API)",
    },
    what: "sequencer process: ECDSA check + SQLite before each 202, posting meanwhile",
  },
  {
    system: "channels",
    suite: paymentChannelSuite,
    record: { system: "payment-channel", metric: "payments-per-second" },
    what: "two clients: sign, countersign, verify, store in SQLite (one channel)",
  },
  {
    system: "plasma",
    suite: plasmaOperatorSuite,
    record: { system: "plasma", metric: "operator-accepted-tx-per-second" },
    what: "operator process: signature, inputs, balance checked + SQLite before each 202",
  },
];

export interface CompareOptions {
  hre: HardhatRuntimeEnvironment;
  workload: WorkloadParams;
  /** Smaller sizes: quick scaling points and quick operator suites. */
  quick: boolean;
  /** Also measure each operator's throughput (its operator bench suite); the demo skips it. */
  throughput: boolean;
  /** Only these systems (besides L1); all when empty. */
  only?: readonly ComparedSystem[];
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface CompareResult {
  workload: Workload;
  baseline: L1Baseline;
  runs: SystemRun[];
  /** Every record of the run, as `--json` writes them (baseline, runs, throughput suites). */
  records: BenchRecord[];
  /** Operator throughput by system, from `records`; missing when not measured. */
  throughput: Partial<Record<ComparedSystem, { value: number; unit: string; what: string }>>;
  environment: {
    date: string;
    node: string;
    cpus: string;
    cores: number;
    network: string;
    hardfork: string;
    seconds: number;
    quick: boolean;
    throughput: boolean;
    only: ComparedSystem[];
  };
}

/** Plays the workload through every runner and measures throughput; see the module comment. */
export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  const started = Date.now();
  const workload = makeWorkload(options.workload);
  const only = options.only ?? [];
  const runners = RUNNERS.filter(
    (r) => r.system === "l1" || only.length === 0 || only.includes(r.system),
  );
  // Refuse what cannot run before anything runs: a workload a system cannot carry, or a chain
  // whose clock the run cannot move (it waits out challenge and exit periods by time travel) and
  // whose accounts it cannot fund freely.
  for (const runner of runners) runner.check?.(options.workload);
  const { chainId } = await options.hre.ethers.provider.getNetwork();
  if (chainId !== DEV_CHAIN_ID)
    throw new InputError(
      "--network",
      `the comparison runs on a development chain (chain id ${DEV_CHAIN_ID}: the embedded network or a \`npx hardhat node\`), not chain ${chainId}: it moves the chain's clock through challenge and exit periods and funds its accounts from the first signer`,
    );
  const runs: SystemRun[] = [];
  let baseline: L1Baseline | undefined;
  const workloadSuite: BenchSuite = {
    system: "compare",
    description: `the workload (${describeWorkload(workload)}) through ${runners.map((r) => r.system).join(", ")}`,
    async run(ctx) {
      if (ctx.baseline === undefined) throw new Error("the comparison needs the L1 baseline first");
      baseline = ctx.baseline;
      const out: SuiteRecord[] = [];
      for (const runner of runners) {
        if (options.signal?.aborted) throw options.signal.reason;
        ctx.progress(`  ${runner.system}: ${runner.description}`);
        const t0 = Date.now();
        const run = await runner.run({
          hre: options.hre,
          workload,
          baseline: ctx.baseline,
          quick: options.quick,
          progress: ctx.progress,
        });
        ctx.progress(`  ${runner.system}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        runs.push(run);
        out.push(...runRecords(run, workload));
      }
      return out;
    },
  };
  const throughputSuites = options.throughput
    ? THROUGHPUT.filter((t) => t.system !== "l1" && runners.some((r) => r.system === t.system)).map(
        (t) => t.suite,
      )
    : [];
  const records = await runBench({
    hre: options.hre,
    suites: [l1Erc20Suite, workloadSuite, ...throughputSuites],
    quick: options.quick,
    progress: options.progress,
    signal: options.signal,
  });
  if (baseline === undefined) throw new Error("the baseline did not run");
  const throughput: CompareResult["throughput"] = {};
  for (const t of THROUGHPUT) {
    const r = records.find((x) => x.system === t.record.system && x.metric === t.record.metric);
    if (r !== undefined) throughput[t.system] = { value: r.value, unit: r.unit, what: t.what };
  }
  const cpus = os.cpus();
  return {
    workload,
    baseline,
    runs,
    records,
    throughput,
    environment: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus[0]?.model.trim() ?? "unknown",
      cores: cpus.length,
      network: options.hre.network.name,
      hardfork: String(
        (options.hre.network.config as { hardfork?: string }).hardfork ?? "hardhat default",
      ),
      seconds: round((Date.now() - started) / 1000, 1),
      quick: options.quick,
      throughput: options.throughput,
      only: [...only],
    },
  };
}

export function describeWorkload(w: Workload): string {
  const p = w.params;
  return `${p.users} users, ${p.tokens} token${p.tokens === 1 ? "" : "s"}, ${p.transfers} transfers, ${p.withdrawals} withdrawal${p.withdrawals === 1 ? "" : "s"}, seed ${p.seed}`;
}

/** L1 gas per workload transfer: all phases, or the transfers phase alone. */
export function gasPerTransfer(
  run: SystemRun,
  workload: Workload,
): { all: number; transfers: number } {
  const n = workload.transfers.length;
  const t = run.totals;
  const all = t.deposits.gas + t.transfers.gas + t.withdrawals.gas;
  return { all: all / n, transfers: t.transfers.gas / n };
}

/** A run as bench records (`--json`); per-transfer gas also as a ratio to the L1 baseline. */
export function runRecords(run: SystemRun, workload: Workload): SuiteRecord[] {
  const params = { ...workload.params, ...run.params };
  const per = gasPerTransfer(run, workload);
  const out: SuiteRecord[] = [];
  const rec = (metric: string, value: number, unit: string, extra = {}, ratio = false): void => {
    out.push({
      system: run.system,
      metric: `workload: ${metric}`,
      value,
      unit,
      params: { ...params, ...extra },
      ...(ratio ? { compareTo: "erc20-transfer" as const } : {}),
    });
  };
  for (const [phase, { gas, txs }] of Object.entries(run.totals)) {
    rec(`L1 gas, ${phase}`, gas, "gas", { l1Transactions: txs });
  }
  rec("L1 gas per transfer, all phases", Math.round(per.all), "gas", {}, true);
  rec("L1 gas per transfer, transfers phase", Math.round(per.transfers), "gas", {}, true);
  rec(
    "transfers per second (played)",
    round(workload.transfers.length / Math.max(run.transferSeconds, 1e-6), 1),
    "tx/s",
  );
  for (const [name, l] of [
    ["finality", run.finality],
    ["withdrawal", run.withdrawal],
  ] as const) {
    rec(`${name}, measured`, round(l.measuredSeconds, 3), "s", { note: l.note });
    rec(`${name}, configured period`, l.configuredSeconds, "s");
    rec(`${name}, production defaults`, round(l.productionSeconds, 1), "s", { note: l.note });
  }
  if (run.provingSeconds !== undefined)
    rec("proving time per batch", round(run.provingSeconds, 2), "s");
  for (const p of run.scaling) {
    rec(
      "L1 gas per transfer at size",
      p.gasPerTransfer,
      "gas",
      { size: p.size, method: p.method, sizeMeaning: run.sizeMeaning },
      true,
    );
  }
  return out;
}
