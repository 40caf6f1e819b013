/**
 * Commander options generated from config tables, so every setting has one flag, one env var and
 * one description, and a bad value is reported by the config loader with the flag's name.
 */
import { Option, type Command } from "commander";
import type { ConfigSpec } from "../operator/core/config";
import { InputError } from "../operator/core/errors";

export function addConfigOptions(command: Command, spec: ConfigSpec): Command {
  for (const entry of Object.values(spec)) {
    const def = entry.default === undefined ? "" : `; default ${entry.default}`;
    command.addOption(
      new Option(
        `--${entry.flag} ${entry.placeholder.startsWith("<") ? entry.placeholder : "<value>"}`,
        `${entry.description} (env ${entry.env}${def})`,
      ),
    );
  }
  return command;
}

/** Exports flag values to the environment, where Hardhat's config (loaded later) reads them. */
export function exportFlagsToEnv(spec: ConfigSpec, flags: Record<string, unknown>): void {
  for (const [key, entry] of Object.entries(spec)) {
    const v = flags[key];
    if (v !== undefined && v !== null) process.env[entry.env] = String(v);
  }
}

/** Parses a flag's value with `p`; a failure names the flag. */
export function flagValue<T>(flag: string, raw: unknown, p: (s: string) => T): T {
  try {
    return p(String(raw));
  } catch (error) {
    throw new InputError(flag, (error as Error).message);
  }
}

/** JSON for command output, bigints as decimal strings. */
export const json = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
