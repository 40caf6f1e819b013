/**
 * HTTP API base for operators, on fastify.
 *
 * - Routes declare JSON schemas; a body, query or path parameter that fails them gets
 *   `400 { error: "BAD_REQUEST", field, reason }` naming the first bad field. Types are never
 *   coerced ("1" is not a number) and unknown fields are refused where a schema says so.
 * - Malformed JSON, a wrong content type and an oversized body are 400, 415 and 413, never 500.
 * - An `L2kitError` thrown by a handler answers with its own status and fields; anything else is
 *   logged and answered with a bare 500 that leaks nothing.
 * - `GET /health` reports liveness plus the checks the operator registers.
 * - `close()` stops accepting connections and waits for requests in flight.
 */
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { InputError, L2kitError, jsonSafe } from "./errors";
import { silentLogger, type Logger } from "./log";

export interface ApiOptions {
  log?: Logger;
  /** Largest accepted body in bytes. */
  bodyLimit?: number;
  /** Named health checks; each resolves to details or throws when unhealthy. */
  healthChecks?: Record<string, () => Promise<Record<string, unknown>>>;
  /** Service name reported by /health. */
  service: string;
}

export type Api = FastifyInstance;

/** Reusable schema fragments for l2kit's wire types (amounts are decimal strings, never numbers). */
export const schemas = {
  /** A uint256 as a decimal string without sign or leading zeros. */
  uint256: { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" },
  address: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
  bytes32: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" },
  hexBytes: { type: "string", pattern: "^0x([0-9a-fA-F]{2})*$" },
  signature: { type: "string", pattern: "^0x[0-9a-fA-F]{130}$" },
} as const;

/** Parses a decimal string that passed `schemas.uint256` into a bigint, bounded to 2^256-1. */
export function uint256(value: string, field: string): bigint {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(value)) {
    throw new InputError(field, "must be a decimal integer");
  }
  const n = BigInt(value);
  if (n >= 1n << 256n) throw new InputError(field, "exceeds 2^256-1");
  return n;
}

/** Converts bigints to decimal strings, recursively, for JSON. */
export function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value;
}

export function createApi(options: ApiOptions): Api {
  const log = (options.log ?? silentLogger).child({ component: "api" });
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 65_536,
    forceCloseConnections: "idle",
    return503OnClosing: true,
    ajv: {
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: true,
        allErrors: false,
        strict: true,
      },
    },
  });
  const started = Date.now();
  // Operators speak JSON only: a text body is a 415, not something a route half-understands.
  app.removeContentTypeParser("text/plain");

  // While closing, tell keep-alive clients to hang up after their response, so that a finished
  // request does not hold the shutdown open until the keep-alive timeout.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    if (closing) void reply.header("connection", "close");
    return payload;
  });

  app.addHook("onResponse", async (req, reply) => {
    log.debug("request", {
      method: req.method,
      url: req.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: "NOT_FOUND", message: `no route ${req.method} ${req.url.split("?")[0]}` });
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error.validation !== undefined && error.validation.length > 0) {
      const v = error.validation[0];
      const where = error.validationContext ?? "body";
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const path = v.instancePath.replace(/^\//, "").replace(/\//g, ".");
      const field = [where, path, missing ?? extra]
        .filter((p) => p !== undefined && p !== "")
        .join(".");
      const reason = extra !== undefined ? "is not a known field" : (v.message ?? "is invalid");
      return reply.status(400).send({ error: "BAD_REQUEST", field, reason });
    }
    if (error instanceof L2kitError) {
      if (error.status >= 500) log.error("request failed", { url: req.url, error });
      return reply.status(error.status).send(error.toJSON());
    }
    const status = error.statusCode ?? 500;
    if (status === 413)
      return reply.status(413).send({
        error: "PAYLOAD_TOO_LARGE",
        reason: `body exceeds ${app.initialConfig.bodyLimit} bytes`,
      });
    if (status === 415)
      return reply
        .status(415)
        .send({ error: "UNSUPPORTED_MEDIA_TYPE", reason: "send application/json" });
    if (status >= 400 && status < 500) {
      // fastify's own client errors: malformed JSON, empty body with a JSON content type, ...
      return reply
        .status(status)
        .send({ error: "BAD_REQUEST", field: "body", reason: error.message });
    }
    log.error("unhandled error in route", {
      url: req.url,
      error: { name: error.name, message: error.message },
    });
    return reply.status(500).send({ error: "INTERNAL", message: "internal error" });
  });

  app.get("/health", async (_req, reply) => {
    const checks: Record<string, unknown> = {};
    let ok = true;
    for (const [name, check] of Object.entries(options.healthChecks ?? {})) {
      try {
        checks[name] = { ok: true, ...jsonSafe(await check()) };
      } catch (error) {
        ok = false;
        checks[name] = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }
    return reply.status(ok ? 200 : 503).send({
      status: ok ? "ok" : "degraded",
      service: options.service,
      uptimeSeconds: Math.floor((Date.now() - started) / 1000),
      checks,
    });
  });

  return app;
}

/**
 * Closes everything registered, in reverse order, on SIGINT/SIGTERM or `shutdown()`. The API
 * closes first (no new requests, in-flight ones finish), then watchers, publishers and stores.
 */
export class Shutdown {
  private readonly closers: { name: string; close: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: Logger = silentLogger) {}

  add(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close });
  }

  /** Installs signal handlers that shut down, then exit with `exitCode`. */
  onSignals(
    signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"],
    exit: (code: number) => void = process.exit,
  ): void {
    for (const sig of signals) {
      process.once(sig, () => {
        this.log.info("signal received; shutting down", { signal: sig });
        void this.shutdown().then(
          () => exit(0),
          () => exit(1),
        );
      });
    }
  }

  shutdown(): Promise<void> {
    this.running ??= (async () => {
      let failed = false;
      for (const { name, close } of [...this.closers].reverse()) {
        try {
          await close();
          this.log.debug("closed", { name });
        } catch (error) {
          failed = true;
          this.log.error("close failed", {
            name,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      if (failed) throw new L2kitError("SHUTDOWN_FAILED", "some components failed to close");
    })();
    return this.running;
  }
}
