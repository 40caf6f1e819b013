/**
 * Typed configuration from one table of entries.
 *
 * Each entry names its environment variable, its CLI flag, a description, a default (as the raw
 * string a user would write) and a parser. Values come from, in order of precedence: the CLI flag,
 * the environment (which `.env` feeds), the default. A value that does not parse raises a
 * `ConfigError` naming the variable or flag it came from, so a user knows exactly what to fix.
 */
import { getAddress, isHexString } from "ethers";
import { ConfigError } from "./errors";

/** Turns a raw string into a typed value, or throws an `Error` whose message is the reason. */
export type Parse<T> = (raw: string) => T;

export interface ConfigEntry<T> {
  /** Environment variable, e.g. `L2KIT_RPC_URL`. */
  readonly env: string;
  /** CLI flag without dashes, e.g. `rpc-url`. */
  readonly flag: string;
  readonly description: string;
  /** Raw default, parsed like any other value; `undefined` means unset. */
  readonly default: string | undefined;
  /** A value must be given (no default). */
  readonly required: boolean;
  /** Redacted when the configuration is printed. */
  readonly secret: boolean;
  /** Placeholder shown in `.env.example` and `--help` (e.g. `<url>`). */
  readonly placeholder: string;
  readonly parse: Parse<T>;
}

export type ConfigSpec = Record<string, ConfigEntry<unknown>>;
export type ConfigValues<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends ConfigEntry<infer T> ? T : never;
};

interface EntryOptions<T> {
  env: string;
  flag: string;
  description: string;
  parse: Parse<T>;
  placeholder?: string;
  secret?: boolean;
}

/** An entry with a default value. */
export function setting<T>(opts: EntryOptions<T> & { default: string }): ConfigEntry<T> {
  return freeze(opts, opts.default, false);
}

/** An entry that may be left unset; its value is then `undefined`. */
export function optionalSetting<T>(opts: EntryOptions<T>): ConfigEntry<T | undefined> {
  return freeze(opts, undefined, false) as ConfigEntry<T | undefined>;
}

/** An entry that must be given. */
export function requiredSetting<T>(opts: EntryOptions<T>): ConfigEntry<T> {
  return freeze(opts, undefined, true);
}

function freeze<T>(
  opts: EntryOptions<T>,
  def: string | undefined,
  required: boolean,
): ConfigEntry<T> {
  return Object.freeze({
    env: opts.env,
    flag: opts.flag,
    description: opts.description,
    default: def,
    required,
    secret: opts.secret ?? false,
    placeholder: opts.placeholder ?? "<value>",
    parse: opts.parse,
  });
}

export interface ConfigSources {
  /** Environment variables (defaults to `process.env`). */
  env?: Record<string, string | undefined>;
  /** CLI flag values keyed by the entry's key (commander's camelCase of the flag). */
  flags?: Record<string, unknown>;
}

/** Resolves every entry of `spec`; throws the first `ConfigError` met. */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  sources: ConfigSources = {},
): ConfigValues<S> {
  const env = sources.env ?? process.env;
  const flags = sources.flags ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(spec)) {
    const fromFlag = flags[key];
    let raw: string | undefined;
    let origin: string;
    if (fromFlag !== undefined && fromFlag !== null) {
      raw = String(fromFlag);
      origin = `--${entry.flag}`;
    } else if (env[entry.env] !== undefined && env[entry.env] !== "") {
      raw = env[entry.env];
      origin = entry.env;
    } else {
      raw = entry.default;
      origin = `${entry.env} (default)`;
    }
    if (raw === undefined) {
      if (entry.required) {
        throw new ConfigError(entry.env, `required; set ${entry.env} or pass --${entry.flag}`);
      }
      out[key] = undefined;
      continue;
    }
    try {
      out[key] = entry.parse(raw.trim());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(origin, reason, entry.secret ? "<redacted>" : raw);
    }
  }
  return out as ConfigValues<S>;
}

/** `L2KIT_*` variables set in `env` that no entry of the given specs reads: likely typos. */
export function unknownVariables(
  specs: readonly ConfigSpec[],
  env: Record<string, string | undefined> = process.env,
  prefix = "L2KIT_",
): string[] {
  const known = new Set(specs.flatMap((s) => Object.values(s).map((e) => e.env)));
  return Object.keys(env)
    .filter((k) => k.startsWith(prefix) && !known.has(k))
    .sort();
}

/** A printable view of resolved values, with secrets redacted and bigints as strings. */
export function describeConfig<S extends ConfigSpec>(
  spec: S,
  values: ConfigValues<S>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(spec)) {
    const v = (values as Record<string, unknown>)[key];
    out[entry.env] =
      v === undefined ? "(unset)" : entry.secret ? "<redacted>" : formatValue(v as unknown);
  }
  return out;
}

function formatValue(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.join(",");
  return String(v);
}

/** Renders `.env.example` from the tables: every variable the project reads, documented. */
export function renderEnvExample(
  sections: readonly { title: string; spec: ConfigSpec }[],
  extra: readonly { env: string; description: string; example: string }[] = [],
): string {
  const lines = [
    "# l2kit configuration. Copy to .env and edit; every variable is optional unless marked required.",
    "# Generated by `npx l2kit config --env-example` from the config tables in operator/; do not edit by hand.",
    "# Command-line flags override these values; unset variables take the default shown.",
    "",
  ];
  for (const { title, spec } of sections) {
    lines.push(`# ---- ${title} ----`);
    for (const entry of Object.values(spec)) {
      lines.push(`# ${entry.description}`);
      const flag = `flag --${entry.flag}`;
      lines.push(entry.required ? `# Required. ${flag}.` : `# ${flag}.`);
      lines.push(
        entry.default === undefined
          ? `# ${entry.env}=${entry.placeholder}`
          : `# ${entry.env}=${entry.default}`,
      );
      lines.push("");
    }
  }
  if (extra.length > 0) {
    lines.push("# ---- Read by tools l2kit runs ----");
    for (const e of extra) {
      lines.push(`# ${e.description}`, `# ${e.env}=${e.example}`, "");
    }
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Parsers. Each throws an Error whose message completes "<VARIABLE>=<value>: ...".

export const parse = {
  string: (raw: string): string => {
    if (raw.length === 0) throw new Error("must not be empty");
    return raw;
  },

  integer(min: number, max: number = Number.MAX_SAFE_INTEGER): Parse<number> {
    return (raw) => {
      if (!/^-?[0-9]+$/.test(raw)) throw new Error(`must be an integer from ${min} to ${max}`);
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw new Error(`must be an integer from ${min} to ${max}`);
      }
      return n;
    };
  },

  bigint(min = 0n, max?: bigint): Parse<bigint> {
    return (raw) => {
      if (!/^[0-9]+$/.test(raw))
        throw new Error("must be a non-negative whole number (no sign, no decimals)");
      const n = BigInt(raw);
      if (n < min) throw new Error(`must be at least ${min}`);
      if (max !== undefined && n > max) throw new Error(`must be at most ${max}`);
      return n;
    };
  },

  boolean: (raw: string): boolean => {
    const v = raw.toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off"].includes(v)) return false;
    throw new Error("must be one of true/false, 1/0, yes/no, on/off");
  },

  url(protocols: readonly string[] = ["http:", "https:", "ws:", "wss:"]): Parse<string> {
    return (raw) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new Error("must be an absolute URL such as http://127.0.0.1:8545");
      }
      if (!protocols.includes(u.protocol)) {
        throw new Error(`must use one of ${protocols.map((p) => p.replace(":", "")).join(", ")}`);
      }
      return raw;
    };
  },

  oneOf<const T extends string>(values: readonly T[]): Parse<T> {
    return (raw) => {
      if (!(values as readonly string[]).includes(raw)) {
        throw new Error(`must be one of ${values.join(", ")}`);
      }
      return raw as T;
    };
  },

  privateKey: (raw: string): string => {
    const v = raw.startsWith("0x") ? raw : `0x${raw}`;
    if (!isHexString(v, 32)) throw new Error("must be a 32-byte hex private key");
    if (BigInt(v) === 0n) throw new Error("must not be zero");
    return v;
  },

  address: (raw: string): string => {
    try {
      return getAddress(raw);
    } catch {
      throw new Error("must be a 20-byte hex address with a valid checksum");
    }
  },

  /** Unix file-system path; relative paths stay relative to the working directory. */
  path: (raw: string): string => {
    if (raw.length === 0 || raw.includes("\0")) throw new Error("must be a file-system path");
    return raw;
  },
};
