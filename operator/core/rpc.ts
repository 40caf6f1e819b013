/**
 * RPC plumbing shared by the publisher and the watcher: which failures are worth retrying, a
 * retry loop with exponential backoff, and a provider configured for operators.
 */
import { FetchRequest, JsonRpcProvider, Network, type Provider } from "ethers";
import { describeError, L2kitError, RpcRetriesExhaustedError } from "./errors";
import { silentLogger, type Logger } from "./log";

const TRANSIENT_ETHERS_CODES = new Set(["NETWORK_ERROR", "SERVER_ERROR", "TIMEOUT"]);
const TRANSIENT_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TRANSIENT_MESSAGES = [
  /socket hang up/i,
  /timeout/i,
  /timed out/i,
  /rate limit/i,
  /too many requests/i,
  /header not found/i,
  /service unavailable/i,
  /bad gateway/i,
  /ECONNRESET|ECONNREFUSED/,
  /missing response/i,
];
/** JSON-RPC error codes nodes use for overload. */
const TRANSIENT_RPC_CODES = new Set([-32005, 429]);

/**
 * True when retrying the same call may succeed: the node was unreachable, overloaded or slow.
 * A revert, a bad nonce or insufficient funds is never transient: retrying changes nothing.
 */
export function isTransientRpcError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = error;
  // Walk ethers' wrappers: error.error, error.info.error, error.cause.
  const queue: unknown[] = [e];
  while (queue.length > 0) {
    e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (
      o.code === "CALL_EXCEPTION" ||
      o.code === "INSUFFICIENT_FUNDS" ||
      o.code === "NONCE_EXPIRED"
    )
      return false;
    if (
      typeof o.code === "string" &&
      (TRANSIENT_ETHERS_CODES.has(o.code) || TRANSIENT_NODE_CODES.has(o.code))
    ) {
      return true;
    }
    if (typeof o.code === "number" && TRANSIENT_RPC_CODES.has(o.code)) return true;
    const info = o.info as Record<string, unknown> | undefined;
    if (info && typeof info.responseStatus === "string" && /^(429|5\d\d)/.test(info.responseStatus))
      return true;
    const msg = typeof o.message === "string" ? o.message : "";
    if (TRANSIENT_MESSAGES.some((re) => re.test(msg))) return true;
    queue.push(o.error, o.cause, info?.error);
  }
  return false;
}

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** First delay; doubles on each retry, with jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs?: number;
  log?: Logger;
  isTransient?: (error: unknown) => boolean;
  /** Aborts waiting between attempts (the process is stopping). */
  signal?: AbortSignal;
}

/** Calls `fn` until it succeeds, a non-transient error occurs, or retries run out. */
export async function withRetry<T>(
  operation: string,
  fn: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const log = options.log ?? silentLogger;
  const transient = options.isTransient ?? isTransientRpcError;
  const maxDelay = options.maxDelayMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!transient(error)) throw error;
      if (attempt >= options.retries)
        throw new RpcRetriesExhaustedError(operation, attempt + 1, error);
      const delay =
        Math.min(maxDelay, options.baseDelayMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      log.warn("transient RPC error, retrying", {
        operation,
        attempt: attempt + 1,
        delayMs: Math.round(delay),
        error: describeError(error),
      });
      await sleep(delay, options.signal);
    }
  }
}

/** The latest block's timestamp in seconds (the wall clock if the node returns no block). */
export async function chainTime(provider: Pick<Provider, "getBlock">): Promise<bigint> {
  const block = await provider.getBlock("latest");
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Polls `fn` until it returns something other than undefined or false; throws after `timeoutMs`
 * with a message naming `what`. With `retryErrors`, a throwing `fn` counts as "not yet".
 */
export async function pollUntil<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; retryErrors?: boolean } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    let v: T | undefined | false;
    try {
      v = await fn();
    } catch (error) {
      if (options.retryErrors !== true) throw error;
      v = undefined;
    }
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      throw new L2kitError("POLL_TIMEOUT", `timed out waiting for ${what}`, { what });
    }
    await sleep(options.intervalMs ?? 25);
  }
}

/**
 * A JSON-RPC provider for long-running operators: one request per HTTP call (so a failure hits
 * one call, not a batch), no response cache, a known chain id (no start-up probing loop), and a
 * request timeout.
 */
export function createRpcProvider(
  url: string,
  chainId: bigint | number,
  options: { pollIntervalMs?: number; timeoutMs?: number } = {},
): JsonRpcProvider {
  const req = new FetchRequest(url);
  req.timeout = options.timeoutMs ?? 30_000;
  const provider = new JsonRpcProvider(req, Network.from(BigInt(chainId)), {
    staticNetwork: true,
    batchMaxCount: 1,
    // ethers reuses a call's result (even a failure) for 250 ms by default; an operator polling
    // for receipts and retrying failures must see the node's current answer every time.
    cacheTimeout: -1,
    polling: true,
    pollingInterval: options.pollIntervalMs ?? 1000,
  });
  return provider;
}

/**
 * Moves a local chain's clock forward by `seconds` (`evm_increaseTime` and a block), or waits that
 * long on any other chain.
 */
export async function advanceChain(
  provider: {
    send(method: string, params: unknown[]): Promise<unknown>;
    getNetwork(): Promise<{ chainId: bigint }>;
  },
  seconds: bigint,
): Promise<void> {
  const { chainId } = await provider.getNetwork();
  if (chainId === 31337n) {
    await provider.send("evm_increaseTime", [Number(seconds)]);
    await provider.send("evm_mine", []);
  } else {
    await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
  }
}
