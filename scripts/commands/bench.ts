import { Command } from "commander";
import { SUITES, formatTable, runBench, writeJson } from "../../operator/bench";
import { loadConfig } from "../../operator/core/config";
import { InputError } from "../../operator/core/errors";
import { networkSettings } from "../../operator/core/settings";
import type { Io } from "../cli";
import { loadHre } from "../hre";
import { addConfigOptions, exportFlagsToEnv } from "../options";

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
      `systems to measure besides the baseline (${[...new Set(SUITES.map((s) => s.system))].join(", ")})`,
    )
    .option("--quick", "smaller sizes and fewer samples", false)
    .option(
      "--large",
      "also set up and prove the large ZK circuits (circuits/config.json; one-time setup up to an hour)",
      false,
    );
  addConfigOptions(cmd, networkSettings);
  return cmd.action(async (opts: Record<string, unknown>) => {
    const net = loadConfig(networkSettings, { flags: opts });
    const json = opts.json as string | undefined;
    if (json !== undefined && (json.trim() === "" || json.endsWith("/")))
      throw new InputError("--json", "must name a file");
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
      const records = await runBench({
        hre,
        suites: SUITES,
        only: (opts.only as string[] | undefined) ?? [],
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
