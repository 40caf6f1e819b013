/**
 * Channels and states as JSON (amounts, versions and times as decimal strings), for the store,
 * the messages between clients and the watchtower's API. Parsing is strict: anything malformed is
 * an `InputError` naming the field, and a parsed value is one the adjudicator accepts.
 */
import { InputError } from "../core/errors";
import {
  checkAddress,
  checkChannel,
  MAX_UINT48,
  MAX_UINT64,
  MAX_UINT256,
  type Allocation,
  type Channel,
  type Lock,
  type SignedState,
  type State,
} from "./state";

export interface ChannelJson {
  participants: string[];
  nonce: string;
  app: string;
  challengeDuration: string;
}

export interface LockJson {
  amount: string;
  hashlock: string;
  expiry: string;
  payer: number;
  payee: number;
}

export interface StateJson {
  version: string;
  isFinal: boolean;
  appData: string;
  outcome: { asset: string; amounts: string[]; locks: LockJson[] }[];
}

export interface SignedStateJson {
  state: StateJson;
  sigs: string[];
}

export const channelToJson = (c: Channel): ChannelJson => ({
  participants: c.participants,
  nonce: c.nonce.toString(),
  app: c.app,
  challengeDuration: c.challengeDuration.toString(),
});

export const stateToJson = (s: State): StateJson => ({
  version: s.version.toString(),
  isFinal: s.isFinal,
  appData: s.appData,
  outcome: s.outcome.map((a) => ({
    asset: a.asset,
    amounts: a.amounts.map(String),
    locks: a.locks.map((l) => ({ ...l, amount: l.amount.toString(), expiry: l.expiry.toString() })),
  })),
});

export const signedToJson = (s: SignedState): SignedStateJson => ({
  state: stateToJson(s.state),
  sigs: s.sigs,
});

// ---- parsing ----

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new InputError(field, "must be an object");
  }
  return v as Record<string, unknown>;
}

function array(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new InputError(field, "must be an array");
  if (v.length > max) throw new InputError(field, `must have at most ${max} entries`);
  return v;
}

/** A non-negative integer no larger than `max`, given as a decimal string. */
export function uint(v: unknown, field: string, max: bigint): bigint {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v) || v.length > 78) {
    throw new InputError(field, "must be a non-negative integer as a decimal string");
  }
  const n = BigInt(v);
  if (n > max) throw new InputError(field, `must be at most ${max}`);
  return n;
}

export const address = checkAddress;

/** An http(s) URL (where a peer's or a tower's API is), without a trailing slash. */
export function httpUrl(v: unknown, field: string): string {
  let u: URL | undefined;
  try {
    u = typeof v === "string" && v.length <= 2048 ? new URL(v) : undefined;
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== "http:" && u.protocol !== "https:")) {
    throw new InputError(field, "must be an http(s) URL");
  }
  return (v as string).replace(/\/+$/, "");
}

function hex(v: unknown, field: string, bytes?: number, maxBytes = 65_536): string {
  const ok =
    typeof v === "string" &&
    /^0x([0-9a-fA-F]{2})*$/.test(v) &&
    (bytes === undefined ? v.length <= 2 + 2 * maxBytes : v.length === 2 + 2 * bytes);
  if (!ok) {
    throw new InputError(
      field,
      bytes === undefined ? "must be 0x hex" : `must be ${bytes} bytes of hex`,
    );
  }
  return (v as string).toLowerCase();
}

function index(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
    throw new InputError(field, "must be an integer in [0, 255]");
  }
  return v;
}

export function parseChannel(v: unknown, field = "channel"): Channel {
  const o = object(v, field);
  const channel: Channel = {
    participants: array(o.participants, `${field}.participants`, 32).map((p, i) =>
      address(p, `${field}.participants[${i}]`),
    ),
    nonce: uint(o.nonce, `${field}.nonce`, MAX_UINT64),
    app: address(o.app, `${field}.app`),
    challengeDuration: uint(o.challengeDuration, `${field}.challengeDuration`, MAX_UINT48),
  };
  checkChannel(channel);
  return channel;
}

function parseLock(v: unknown, field: string): Lock {
  const o = object(v, field);
  return {
    amount: uint(o.amount, `${field}.amount`, MAX_UINT256),
    hashlock: hex(o.hashlock, `${field}.hashlock`, 32),
    expiry: uint(o.expiry, `${field}.expiry`, MAX_UINT64),
    payer: index(o.payer, `${field}.payer`),
    payee: index(o.payee, `${field}.payee`),
  };
}

function parseAllocation(v: unknown, field: string): Allocation {
  const o = object(v, field);
  return {
    asset: address(o.asset, `${field}.asset`),
    amounts: array(o.amounts, `${field}.amounts`, 32).map((a, i) =>
      uint(a, `${field}.amounts[${i}]`, MAX_UINT256),
    ),
    locks: array(o.locks, `${field}.locks`, 256).map((l, i) =>
      parseLock(l, `${field}.locks[${i}]`),
    ),
  };
}

export function parseState(v: unknown, field = "state"): State {
  const o = object(v, field);
  if (typeof o.isFinal !== "boolean") throw new InputError(`${field}.isFinal`, "must be a boolean");
  return {
    version: uint(o.version, `${field}.version`, MAX_UINT48),
    isFinal: o.isFinal,
    appData: hex(o.appData, `${field}.appData`),
    outcome: array(o.outcome, `${field}.outcome`, 16).map((a, i) =>
      parseAllocation(a, `${field}.outcome[${i}]`),
    ),
  };
}

export function parseSignature(v: unknown, field: string): string {
  return hex(v, field, 65);
}

export function parseSignedState(v: unknown, field = "signed"): SignedState {
  const o = object(v, field);
  return {
    state: parseState(o.state, `${field}.state`),
    sigs: array(o.sigs, `${field}.sigs`, 32).map((s, i) =>
      parseSignature(s, `${field}.sigs[${i}]`),
    ),
  };
}
