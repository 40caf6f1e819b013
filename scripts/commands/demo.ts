import { Command } from "commander";
import { loadConfig } from "../../operator/core/config";
import { InputError } from "../../operator/core/errors";
import { networkSettings } from "../../operator/core/settings";
import { runDemo, SCENARIOS } from "../../operator/demo";
import type { Io } from "../cli";
import { loadHre } from "../hre";
import { addConfigOptions, exportFlagsToEnv } from "../options";

export function demoCommand(io: Io): Command {
  const cmd = new Command("demo")
    .description(
      "Deploy every system on the network and play each one's scenario, saying what happens.",
    )
    .option(
      "--only <systems...>",
      `scenarios to play (${SCENARIOS.map((s) => s.system).join(", ")})`,
    );
  addConfigOptions(cmd, networkSettings);
  return cmd.action(async (opts: Record<string, unknown>) => {
    const net = loadConfig(networkSettings, { flags: opts });
    const only = (opts.only as string[] | undefined) ?? [];
    for (const s of only) {
      if (!SCENARIOS.some((x) => x.system === s)) {
        throw new InputError(
          "--only",
          `unknown scenario ${JSON.stringify(s)}; known: ${SCENARIOS.map((x) => x.system).join(", ")}`,
        );
      }
    }
    exportFlagsToEnv(networkSettings, opts);
    const hre = await loadHre(net, { needsSigner: true });
    io.out(`l2kit demo on ${hre.network.name}`);
    await runDemo(hre, io.out, only);
    io.out("\ndemo finished");
  });
}
