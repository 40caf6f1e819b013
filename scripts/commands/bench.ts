import fs from "node:fs";
import { Command } from "commander";
import { SUITES, formatTable, runBench, writeJson } from "../../operator/bench";
import { RUNNERS, runCompare } from "../../operator/compare";
import { shortTable, writeReport } from "../../operator/compare/report";
import type { ComparedSystem } from "../../operator/compare/types";
import {
  checkWorkloadParams,
  DEFAULT_WORKLOAD,
  type WorkloadParams,
} from "../../operator/compare/workload";
import { loadConfig } from "../../operator/core/config";
import { InputError } from "../../operator/core/errors";
import { networkSettings } from "../../operator/core/settings";
import type { Io } from "../cli";
import { loadHre } from "../hre";
import { addConfigOptions, exportFlagsToEnv, flagValue } from "../options";

const WORKLOAD_FLAGS: readonly (keyof WorkloadParams)[] = [
  "users",
  "tokens",
  "transfers",
  "withdrawals",
  "seed",
];

/** A whole decimal number, nothing else ("1e3", "12abc" and "-1" are refused). */
function wholeNumber(s: string): number {
  if (!/^\d{1,15}$/.test(s)) throw new Error(`must be a whole number, got ${JSON.stringify(s)}`);
  return Number(s);
}

export function benchCommand(io: Io): Command {
  const cmd = new Command("bench")
    .description(
      "Measure gas, throughput, latency and proving time of every system against the L1 baseline.",
    )
    .option(
      "--json <file>",
      "also write the records as a JSON array of { system, metric, value, unit, params }",
    )
    .option(
      "--only <systems...>",
      `systems to measure besides the baseline (${[...new Set(SUITES.map((s) => s.system))].join(", ")}; with --compare: ${RUNNERS.filter(
        (r) => r.system !== "l1",
      )
        .map((r) => r.system)
        .join(", ")})`,
    )
    .option("--quick", "smaller sizes and fewer samples", false)
    .option(
      "--large",
      "also set up and prove the large ZK circuits (circuits/config.json; one-time setup up to an hour)",
      false,
    )
    .option(
      "--compare",
      "play one workload through L1 and every system, measure each operator's throughput, and write a report with a chart (see docs/comparison.md)",
      false,
    )
    .option("--report-dir <dir>", "with --compare: where REPORT.md and comparison.svg go", "bench")
    .option("--no-throughput", "with --compare: skip the operator throughput suites (faster)");
  for (const key of WORKLOAD_FLAGS)
    cmd.option(`--${key} <n>`, `with --compare: workload ${key}`, String(DEFAULT_WORKLOAD[key]));
  addConfigOptions(cmd, networkSettings);
  return cmd.action(async (opts: Record<string, unknown>) => {
    const net = loadConfig(networkSettings, { flags: opts });
    const json = opts.json as string | undefined;
    if (json !== undefined && (json.trim() === "" || json.endsWith("/")))
      throw new InputError("--json", "must name a file");
    const compare = opts.compare === true;
    const only = ((opts.only as string[] | undefined) ?? [])
      .flatMap((name) => name.split(","))
      .filter((n) => n !== "");
    let workload: WorkloadParams | undefined;
    let reportDir = "";
    if (compare) {
      if (opts.large === true) throw new InputError("--large", "is not used with --compare");
      const known = RUNNERS.map((r) => r.system as string);
      for (const name of only)
        if (!known.includes(name))
          throw new InputError(
            "--only",
            `unknown system ${JSON.stringify(name)} for --compare; known: ${known.join(", ")}`,
          );
      reportDir = String(opts.reportDir);
      if (reportDir.trim() === "") throw new InputError("--report-dir", "must name a directory");
      // Checked before the run, so that a long run is not lost to a directory it cannot write.
      try {
        fs.mkdirSync(reportDir, { recursive: true });
        fs.accessSync(reportDir, fs.constants.W_OK);
      } catch (error) {
        throw new InputError(
          "--report-dir",
          `cannot write to ${JSON.stringify(reportDir)}: ${(error as Error).message}`,
        );
      }
      workload = { ...DEFAULT_WORKLOAD };
      for (const key of WORKLOAD_FLAGS)
        workload[key] = flagValue(`--${key}`, opts[key], wholeNumber);
      checkWorkloadParams(workload);
    } else {
      for (const key of [...WORKLOAD_FLAGS, "reportDir"])
        if (cmd.getOptionValueSource(key) === "cli")
          throw new InputError(`--${key === "reportDir" ? "report-dir" : key}`, "needs --compare");
      if (opts.throughput === false) throw new InputError("--no-throughput", "needs --compare");
    }
    exportFlagsToEnv(networkSettings, opts);
    const hre = await loadHre(net, { needsSigner: true });
    const abort = new AbortController();
    const onSigint = (): void => {
      io.err("interrupted; stopping after the current suite (Ctrl-C again to stop at once)");
      abort.abort(new InputError("bench", "interrupted", 130, "INTERRUPTED"));
      process.once("SIGINT", () => process.exit(130));
    };
    process.once("SIGINT", onSigint);
    try {
      if (compare && workload !== undefined) {
        const result = await runCompare({
          hre,
          workload,
          quick: opts.quick === true,
          throughput: opts.throughput !== false,
          only: only as ComparedSystem[],
          progress: (line) => io.err(line),
          signal: abort.signal,
        });
        io.out(shortTable(result));
        if (json !== undefined) {
          writeJson(json, result.records);
          io.out(`\n${result.records.length} records written to ${json}`);
        }
        const written = writeReport(result, reportDir);
        io.out(`report written to ${written.report}, chart to ${written.chart}`);
        return;
      }
      const records = await runBench({
        hre,
        suites: SUITES,
        only,
        quick: opts.quick === true,
        large: opts.large === true,
        progress: (line) => io.err(line),
        signal: abort.signal,
      });
      io.out(formatTable(records));
      if (json !== undefined) {
        writeJson(json, records);
        io.out(`\n${records.length} records written to ${json}`);
      }
    } finally {
      process.removeListener("SIGINT", onSigint);
    }
  });
}
