/**
 * Structured logging on pino. Every line carries a message and a context object
 * (`log.info("batch sealed", { batch, txs })`); children add fixed context (`{ component }`).
 * Bigints are written as decimal strings so amounts survive JSON.
 */
import pino, { type DestinationStream, type Level } from "pino";
import { L2kitError } from "./errors";

export type LogContext = Record<string, unknown>;
export type LogLevel = Level | "silent";

export interface Logger {
  trace(msg: string, ctx?: LogContext): void;
  debug(msg: string, ctx?: LogContext): void;
  info(msg: string, ctx?: LogContext): void;
  warn(msg: string, ctx?: LogContext): void;
  error(msg: string, ctx?: LogContext): void;
  fatal(msg: string, ctx?: LogContext): void;
  child(ctx: LogContext): Logger;
  readonly level: string;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Base context of every line, e.g. `{ service: "zk-operator" }`. */
  base?: LogContext;
  /** Where lines go; standard output by default. Tests pass a memory stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const p = pino(
    {
      level: options.level ?? "info",
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Our signature is (msg, ctx); pino's is (ctx, msg).
        logMethod(args, method) {
          const [msg, ctx] = args as unknown as [string, LogContext | undefined];
          if (ctx === undefined) return method.call(this, msg);
          return method.call(this, serialize(ctx) as object, msg);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return wrap(p);
}

/** A logger that drops everything (library defaults, quiet CLI paths). */
export const silentLogger: Logger = createLogger({ level: "silent" });

function wrap(p: pino.Logger): Logger {
  const call =
    (level: Level) =>
    (msg: string, ctx?: LogContext): void =>
      (p[level] as unknown as (m: string, c?: LogContext) => void)(msg, ctx);
  return {
    trace: call("trace"),
    debug: call("debug"),
    info: call("info"),
    warn: call("warn"),
    error: call("error"),
    fatal: call("fatal"),
    child: (ctx) => wrap(p.child(serialize(ctx) as object)),
    get level() {
      return p.level;
    },
  };
}

/** JSON-safe copy: bigints to strings, errors to `{ name, code, message, ...fields }`. */
export function serialize(value: unknown, depth = 0): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof L2kitError) {
    return {
      name: value.name,
      code: value.code,
      message: value.message,
      ...(serialize(value.fields, depth + 1) as object),
    };
  }
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => serialize(v, depth + 1));
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString("hex")}`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = serialize(v, depth + 1);
  return out;
}
