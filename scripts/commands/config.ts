import { Command } from "commander";
import {
  describeConfig,
  loadConfig,
  renderEnvExample,
  unknownVariables,
} from "../../operator/core/config";
import { EXTERNAL_VARIABLES, SETTINGS_SECTIONS } from "../../operator/settings";
import type { Io } from "../cli";

export function configCommand(io: Io): Command {
  return new Command("config")
    .description(
      "Check the configuration from .env and the environment, and print it (secrets redacted).",
    )
    .option("--env-example", "print .env.example: every variable l2kit reads, documented")
    .action((opts: { envExample?: boolean }) => {
      if (opts.envExample === true) {
        io.out(renderEnvExample(SETTINGS_SECTIONS, EXTERNAL_VARIABLES));
        return;
      }
      const out: Record<string, string> = {};
      for (const { spec } of SETTINGS_SECTIONS)
        Object.assign(out, describeConfig(spec, loadConfig(spec)));
      io.out(JSON.stringify(out, null, 2));
      for (const name of unknownVariables(SETTINGS_SECTIONS.map((s) => s.spec))) {
        io.err(`warning: ${name} is set but l2kit reads no such variable (a typo?)`);
      }
    });
}
