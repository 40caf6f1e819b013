/**
 * Named error classes. Every error l2kit raises on purpose is an `L2kitError` with a stable
 * `code` and the fields that explain it, so that logs, the HTTP API and the CLI can report it
 * precisely and tests can assert on more than a message.
 */

export type ErrorFields = Record<string, unknown>;

export class L2kitError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`. */
  readonly code: string;
  /** Structured context: which variable, which transaction, which value. */
  readonly fields: ErrorFields;
  /** HTTP status the API answers with when this error escapes a route. */
  readonly status: number;

  constructor(code: string, message: string, fields: ErrorFields = {}, status = 500) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.fields = fields;
    this.status = status;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...jsonSafe(this.fields) };
  }
}

/** A configuration value (env var or CLI flag) is missing or malformed. */
export class ConfigError extends L2kitError {
  constructor(
    readonly variable: string,
    readonly reason: string,
    readonly value?: string,
  ) {
    super(
      "CONFIG_INVALID",
      value === undefined
        ? `${variable}: ${reason}`
        : `${variable}=${JSON.stringify(value)}: ${reason}`,
      { variable, reason },
      400,
    );
  }
}

/** Input from a user (API body, CLI argument) that cannot be accepted. */
export class InputError extends L2kitError {
  constructor(
    readonly field: string,
    readonly reason: string,
    status = 400,
    code = "BAD_REQUEST",
  ) {
    super(code, `${field}: ${reason}`, { field, reason }, status);
  }
}

/** A resource asked for by id does not exist. */
export class NotFoundError extends L2kitError {
  constructor(what: string, id: string) {
    super("NOT_FOUND", `${what} ${id} not found`, { what, id }, 404);
  }
}

/** The persistent store cannot be opened or migrated. */
export class StoreError extends L2kitError {
  constructor(message: string, fields: ErrorFields = {}) {
    super("STORE_ERROR", message, fields);
  }
}

/** An RPC call failed in a way that retrying may fix (network, 5xx, 429, timeout). */
/** A transaction an operator's mempool refuses, with the HTTP status its API answers. */
export class TxRejectedError extends L2kitError {
  constructor(code: string, message: string, fields: Record<string, unknown>, status: number) {
    super(code, message, fields, status);
  }
}

export class TransientRpcError extends L2kitError {
  constructor(operation: string, cause: unknown) {
    super("RPC_TRANSIENT", `${operation}: ${describeError(cause)}`, { operation });
    this.cause = cause;
  }
}

/** An RPC call still failed after every retry. */
export class RpcRetriesExhaustedError extends L2kitError {
  constructor(operation: string, attempts: number, cause: unknown) {
    super(
      "RPC_RETRIES_EXHAUSTED",
      `${operation} failed after ${attempts} attempts: ${describeError(cause)}`,
      { operation, attempts },
    );
    this.cause = cause;
  }
}

/** A transaction would revert (gas estimation failed with a revert) or did revert. */
export class TxRevertedError extends L2kitError {
  constructor(
    readonly key: string,
    readonly txHash: string | undefined,
    readonly revertData: string | undefined,
    reason: string,
  ) {
    super("TX_REVERTED", `transaction ${key} reverted: ${reason}`, { key, txHash, revertData });
  }
}

/** The nonce a pending transaction used was taken by a transaction this publisher did not send. */
export class NonceConsumedError extends L2kitError {
  constructor(
    readonly key: string,
    readonly nonce: number,
  ) {
    super(
      "NONCE_CONSUMED",
      `nonce ${nonce} of transaction ${key} was used by another transaction from the same account`,
      { key, nonce },
    );
  }
}

/** The chain reorganised deeper than the history the watcher keeps. */
export class DeepReorgError extends L2kitError {
  constructor(
    readonly watcher: string,
    readonly oldestKnownBlock: number,
  ) {
    super(
      "DEEP_REORG",
      `watcher ${watcher}: chain reorganised below block ${oldestKnownBlock}, the oldest it remembers; raise confirmations and resync`,
      { watcher, oldestKnownBlock },
    );
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return typeof short === "string" ? short : error.message;
  }
  return String(error);
}

/** Makes fields JSON-serialisable: bigints become decimal strings. */
export function jsonSafe(fields: ErrorFields): ErrorFields {
  const out: ErrorFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}
