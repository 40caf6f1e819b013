/**
 * The bench harness: the single place where l2kit measures figures. Each system contributes a
 * suite; the L1 baseline suite always runs first, and every figure a suite marks as comparable is
 * also reported as a ratio to that baseline, measured in the same run on the same EVM.
 */
import fs from "node:fs";
import path from "node:path";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { InputError } from "../core/errors";
import type { L1Baseline } from "../baseline/l1";

export type BenchParams = Record<string, string | number | boolean>;

/** One measured figure, as written by `--json`. */
export interface BenchRecord {
  system: string;
  metric: string;
  value: number;
  unit: string;
  params: BenchParams;
}

/** Which baseline figure a record is divided by to give its ratio to L1. */
export type BaselineKey = "erc20-transfer" | "erc20-transfer-new-holder" | "eth-transfer";

export interface SuiteRecord extends BenchRecord {
  /** Also report `value / baseline` as a ratio record. */
  compareTo?: BaselineKey;
}

export interface BenchContext {
  hre: HardhatRuntimeEnvironment;
  /** Smaller sizes and fewer samples, for a quick look (and CI). */
  quick: boolean;
  /** Also the expensive figures (large ZK circuits: setup and proving, up to an hour once). */
  large: boolean;
  /** The L1 baseline of this run (set once the baseline suite has run). */
  baseline?: L1Baseline;
  /** A progress line (stderr). */
  progress(message: string): void;
}

export interface BenchSuite {
  system: string;
  description: string;
  run(ctx: BenchContext): Promise<SuiteRecord[]>;
}

export const BASELINE_SYSTEM = "l1-erc20";

export function baselineGas(baseline: L1Baseline, key: BaselineKey): bigint {
  switch (key) {
    case "erc20-transfer":
      return baseline.erc20ToHolderGas;
    case "erc20-transfer-new-holder":
      return baseline.erc20ToNewHolderGas;
    case "eth-transfer":
      return baseline.ethTransferGas;
  }
}

export interface RunBenchOptions {
  hre: HardhatRuntimeEnvironment;
  suites: readonly BenchSuite[];
  /** Systems to run besides the baseline; all when empty. */
  only?: readonly string[];
  quick?: boolean;
  large?: boolean;
  progress?: (message: string) => void;
  /** Observes the run being interrupted between suites. */
  signal?: AbortSignal;
}

/** Runs the baseline suite, then the selected ones; returns every record, ratios included. */
export async function runBench(options: RunBenchOptions): Promise<BenchRecord[]> {
  const known = [...new Set(options.suites.map((s) => s.system))];
  const baselineSuite = options.suites.find((s) => s.system === BASELINE_SYSTEM);
  if (baselineSuite === undefined) throw new Error(`bench needs the ${BASELINE_SYSTEM} suite`);
  // `--only a b` and `--only a,b` name the same systems.
  const only = (options.only ?? []).flatMap((name) => name.split(",")).filter((n) => n !== "");
  for (const name of only) {
    if (!known.includes(name))
      throw new InputError(
        "--only",
        `unknown system ${JSON.stringify(name)}; known: ${known.join(", ")}`,
      );
  }
  const selected = options.suites.filter(
    (s) => s.system === BASELINE_SYSTEM || only.length === 0 || only.includes(s.system),
  );
  const progress = options.progress ?? (() => undefined);
  const ctx: BenchContext = {
    hre: options.hre,
    quick: options.quick ?? false,
    large: options.large ?? false,
    progress,
  };
  const out: BenchRecord[] = [];
  for (const [i, suite] of selected.entries()) {
    if (options.signal?.aborted) throw options.signal.reason;
    progress(`[${i + 1}/${selected.length}] ${suite.system}: ${suite.description}`);
    const started = Date.now();
    const records = await suite.run(ctx);
    for (const r of records) {
      const { compareTo, ...record } = r;
      out.push(record);
      if (compareTo !== undefined) {
        if (ctx.baseline === undefined)
          throw new Error(`${suite.system} compares to L1 before the baseline ran`);
        const base = baselineGas(ctx.baseline, compareTo);
        out.push({
          system: record.system,
          metric: `${record.metric} / L1`,
          value: round(record.value / Number(base), 4),
          unit: "ratio",
          params: {
            ...record.params,
            baseline: `${BASELINE_SYSTEM}/${compareTo}`,
            baselineGas: Number(base),
          },
        });
      }
    }
    progress(
      `[${i + 1}/${selected.length}] ${suite.system}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return out;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The table `npm run bench` prints. */
export function formatTable(records: readonly BenchRecord[]): string {
  const rows = records.map((r) => [
    r.system,
    r.metric,
    formatNumber(r.value),
    r.unit,
    Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  ]);
  const header = ["system", "metric", "value", "unit", "params"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value.toLocaleString("en-US", { maximumFractionDigits: 4 });
}

/** Writes records as a JSON array (creating the directory), atomically. */
export function writeJson(file: string, records: readonly BenchRecord[]): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(records, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** The gas a transaction used, once mined. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction dropped");
  return Number(receipt.gasUsed);
}
