/**
 * `npx l2kit`: one CLI for operators and users. Each command is a thin layer over `operator/`.
 * Exit codes: 0 success, 1 failure, 2 bad usage or configuration.
 */
import { Command, CommanderError } from "commander";
import { config as loadDotenv } from "dotenv";
import { ConfigError, InputError, L2kitError } from "../operator/core/errors";
import { benchCommand } from "./commands/bench";
import { configCommand } from "./commands/config";
import { coverageCommand } from "./commands/coverage";
import { demoCommand } from "./commands/demo";
import { deployCommand } from "./commands/deploy";
import { invariantsCommand } from "./commands/invariants";
import { channelsCommand } from "./commands/channels";
import { plasmaCommand } from "./commands/plasma";
import { optimisticCommand } from "./commands/optimistic";
import { zkCommand } from "./commands/zk";

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function buildProgram(io: Io): Command {
  const program = new Command("l2kit")
    .description(
      "Ethereum layer-2 toolkit: ZK rollup, optimistic rollup, channels and Plasma, measured against L1.",
    )
    .version(require("../package.json").version as string)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  program.addCommand(demoCommand(io));
  program.addCommand(benchCommand(io));
  program.addCommand(deployCommand(io));
  program.addCommand(configCommand(io));
  program.addCommand(invariantsCommand(io));
  program.addCommand(coverageCommand(io));
  // One command group per L2 system.
  program.addCommand(zkCommand(io));
  program.addCommand(optimisticCommand(io));
  program.addCommand(channelsCommand(io));
  program.addCommand(plasmaCommand(io));
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput(program.configureOutput());
    cmd.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  program.addHelpText(
    "after",
    "\nEvery option also reads an environment variable (see .env.example); flags win.",
  );
  return program;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    loadDotenv({ quiet: true });
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ConfigError || error instanceof InputError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof L2kitError) {
      io.err(`error [${error.code}]: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
