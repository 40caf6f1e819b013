/**
 * Channel states as the adjudicator (`contracts/channels/Adjudicator.sol`) sees them: the channel
 * id, the EIP-712 `State` struct and its hash, and the signatures participants exchange.
 *
 * Clients hash a state for every payment they sign or check, so the struct hash is encoded word
 * by word here (tests hold it equal to ethers' EIP-712 encoder and to the contract); ethers'
 * typed-data path (`STATE_TYPES`) stays available for wallets that sign through JSON-RPC.
 */
import { AbiCoder, getAddress, keccak256, Signature, type TypedDataField } from "ethers";
import { InputError } from "../core/errors";
import { domainSeparator, eip712Domain, type Eip712Domain } from "../lib/eip712";
import { keccak } from "../lib/keccak";
import { recoverDigest } from "../lib/secp256k1";

export const MAX_PARTICIPANTS = 32;
export const MAX_UINT48 = (1n << 48n) - 1n;
export const MAX_UINT64 = (1n << 64n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;
export const ETH = "0x0000000000000000000000000000000000000000";

/** What a channel is; its id binds the chain, the adjudicator and every field. */
export interface Channel {
  participants: string[];
  nonce: bigint;
  app: string;
  challengeDuration: bigint;
}

/** A hash-time lock: `amount` to `payee` if the secret is revealed by `expiry`, else to `payer`. */
export interface Lock {
  amount: bigint;
  hashlock: string;
  expiry: bigint;
  payer: number;
  payee: number;
}

export interface Allocation {
  /** `ETH` (the zero address) or an ERC-20. */
  asset: string;
  /** Per participant, in participant order. */
  amounts: bigint[];
  locks: Lock[];
}

export interface State {
  version: bigint;
  isFinal: boolean;
  /** 0x-prefixed hex. */
  appData: string;
  outcome: Allocation[];
}

/** A state with every participant's signature (participant order) or only its mover's. */
export interface SignedState {
  state: State;
  /** 65-byte hex signatures (r ‖ s ‖ v). */
  sigs: string[];
}

/** The EIP-712 types of a state, for wallets that sign typed data (`signTypedData`). */
export const STATE_TYPES: Record<string, TypedDataField[]> = {
  State: [
    { name: "channelId", type: "bytes32" },
    { name: "version", type: "uint48" },
    { name: "isFinal", type: "bool" },
    { name: "appData", type: "bytes" },
    { name: "outcome", type: "Allocation[]" },
  ],
  Allocation: [
    { name: "asset", type: "address" },
    { name: "amounts", type: "uint256[]" },
    { name: "locks", type: "Lock[]" },
  ],
  Lock: [
    { name: "amount", type: "uint256" },
    { name: "hashlock", type: "bytes32" },
    { name: "expiry", type: "uint64" },
    { name: "payer", type: "uint8" },
    { name: "payee", type: "uint8" },
  ],
};

const LOCK_TYPE = "Lock(uint256 amount,bytes32 hashlock,uint64 expiry,uint8 payer,uint8 payee)";
const ALLOCATION_TYPE = `Allocation(address asset,uint256[] amounts,Lock[] locks)${LOCK_TYPE}`;
const STATE_TYPE = `State(bytes32 channelId,uint48 version,bool isFinal,bytes appData,Allocation[] outcome)${ALLOCATION_TYPE}`;
const typeHash = (type: string): Buffer => Buffer.from(keccak(Buffer.from(type)));
const LOCK_TYPEHASH = typeHash(LOCK_TYPE);
const ALLOCATION_TYPEHASH = typeHash(ALLOCATION_TYPE);
const STATE_TYPEHASH = typeHash(STATE_TYPE);

/** The adjudicator's EIP-712 domain on `chainId`. */
export function channelsDomain(chainId: bigint | number, adjudicator: string): Eip712Domain {
  return eip712Domain("l2kit channels", "1", chainId, adjudicator);
}

/** The channel's id: keccak256(abi.encode(chainId, adjudicator, participants, nonce, app, duration)). */
export function channelId(domain: Eip712Domain, channel: Channel): string {
  checkChannel(channel);
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "address[]", "uint64", "address", "uint48"],
      [
        domain.chainId,
        domain.verifyingContract,
        channel.participants,
        channel.nonce,
        channel.app,
        channel.challengeDuration,
      ],
    ),
  );
}

/** Throws `InputError` unless `channel` is one the adjudicator accepts. */
export function checkChannel(channel: Channel): void {
  const n = channel.participants.length;
  if (n < 2 || n > MAX_PARTICIPANTS) {
    throw new InputError("participants", `needs 2 to ${MAX_PARTICIPANTS}, got ${n}`);
  }
  const seen = new Set<string>();
  channel.participants.forEach((p, i) => {
    const address = checkAddress(p, `participants[${i}]`);
    if (seen.has(address)) throw new InputError(`participants[${i}]`, "appears twice");
    seen.add(address);
  });
  checkAddress(channel.app, "app");
  checkUint(channel.nonce, MAX_UINT64, "nonce");
  checkUint(channel.challengeDuration, MAX_UINT48, "challengeDuration");
  if (channel.challengeDuration === 0n) throw new InputError("challengeDuration", "must be > 0");
}

/** The participant who makes (and alone may sign) the state of `version`. */
export function moverOf(channel: Channel, version: bigint): number {
  return Number(version % BigInt(channel.participants.length));
}

// ---- hashing ----

const word = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, "0"), "hex");
const hex32 = (h: string): Buffer => Buffer.from(h.slice(2), "hex");

function checkUint(n: bigint, max: bigint, field: string): bigint {
  if (typeof n !== "bigint" || n < 0n || n > max) {
    throw new InputError(field, `must be an integer in [0, ${max}]`);
  }
  return n;
}

/** A 20-byte hex address, checksummed, or `InputError` naming `field`. */
export function checkAddress(a: unknown, field: string): string {
  if (typeof a !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(a)) {
    throw new InputError(field, "must be a 20-byte hex address");
  }
  return getAddress(a);
}

function checkHex(h: string, field: string, bytes?: number): string {
  const ok =
    typeof h === "string" &&
    /^0x([0-9a-fA-F]{2})*$/.test(h) &&
    (bytes === undefined || h.length === 2 + 2 * bytes);
  if (!ok) {
    throw new InputError(
      field,
      bytes === undefined ? "must be 0x hex" : `must be ${bytes} bytes of hex`,
    );
  }
  return h;
}

function lockHash(lock: Lock, field: string): Buffer {
  const checkIndex = (i: number, name: string): bigint => {
    if (!Number.isInteger(i) || i < 0 || i > 255) {
      throw new InputError(`${field}.${name}`, "must be an integer in [0, 255]");
    }
    return BigInt(i);
  };
  return Buffer.from(
    keccak(
      Buffer.concat([
        LOCK_TYPEHASH,
        word(checkUint(lock.amount, MAX_UINT256, `${field}.amount`)),
        hex32(checkHex(lock.hashlock, `${field}.hashlock`, 32)),
        word(checkUint(lock.expiry, MAX_UINT64, `${field}.expiry`)),
        word(checkIndex(lock.payer, "payer")),
        word(checkIndex(lock.payee, "payee")),
      ]),
    ),
  );
}

function allocationHash(a: Allocation, field: string): Buffer {
  const amounts = Buffer.concat(
    a.amounts.map((x, i) => word(checkUint(x, MAX_UINT256, `${field}.amounts[${i}]`))),
  );
  const locks = Buffer.concat(a.locks.map((l, i) => lockHash(l, `${field}.locks[${i}]`)));
  return Buffer.from(
    keccak(
      Buffer.concat([
        ALLOCATION_TYPEHASH,
        word(BigInt(checkAddress(a.asset, `${field}.asset`))),
        Buffer.from(keccak(amounts)),
        Buffer.from(keccak(locks)),
      ]),
    ),
  );
}

/** The EIP-712 struct hash of `state` in channel `id` (the contract's `fingerprintOf` is its low 160 bits). */
export function stateStructHash(id: string, state: State): string {
  const outcome = Buffer.concat(state.outcome.map((a, i) => allocationHash(a, `outcome[${i}]`)));
  const appData = Buffer.from(checkHex(state.appData, "appData").slice(2), "hex");
  const encoded = Buffer.concat([
    STATE_TYPEHASH,
    hex32(checkHex(id, "channelId", 32)),
    word(checkUint(state.version, MAX_UINT48, "version")),
    word(state.isFinal ? 1n : 0n),
    Buffer.from(keccak(appData)),
    Buffer.from(keccak(outcome)),
  ]);
  return `0x${Buffer.from(keccak(encoded)).toString("hex")}`;
}

/** What participants sign: keccak256(0x1901 ‖ domain separator ‖ struct hash). */
export function stateDigest(domain: Eip712Domain, id: string, state: State): string {
  const buf = Buffer.concat([
    Buffer.from([0x19, 0x01]),
    hex32(domainSeparator(domain)),
    hex32(stateStructHash(id, state)),
  ]);
  return `0x${Buffer.from(keccak(buf)).toString("hex")}`;
}

/**
 * The index of the first participant whose signature in `signed` (participant order) is missing
 * or not theirs, or -1 when every participant signed.
 */
export function firstBadSignature(
  domain: Eip712Domain,
  id: string,
  channel: Channel,
  signed: SignedState,
): number {
  const digest = stateDigest(domain, id, signed.state);
  return channel.participants.findIndex(
    (p, i) => recoverDigest(digest, signed.sigs[i] ?? "") !== p,
  );
}

/** The fingerprint the adjudicator stores for a registered state. */
export function fingerprint(id: string, state: State): bigint {
  return BigInt(stateStructHash(id, state)) & ((1n << 160n) - 1n);
}

/** The state as the adjudicator stores it after `payout`: every amount paid (zero), locks kept. */
export function paidOut(state: State): State {
  return {
    ...state,
    outcome: state.outcome.map((a) => ({ ...a, amounts: a.amounts.map(() => 0n) })),
  };
}

/** The state after `unlock(assetIndex, lockIndex)`: that lock's amount zero. */
export function lockResolved(state: State, assetIndex: number, lockIndex: number): State {
  return {
    ...state,
    outcome: state.outcome.map((a, i) =>
      i !== assetIndex
        ? a
        : { ...a, locks: a.locks.map((l, j) => (j === lockIndex ? { ...l, amount: 0n } : l)) },
    ),
  };
}

/** The ethers typed-data value of a state (for `signTypedData` and ethers' encoder). */
export function typedValue(id: string, state: State): Record<string, unknown> {
  return { channelId: id, ...state };
}

// ---- contract arguments ----

/** A 65-byte signature as the adjudicator's `Signature` struct. */
export function sigStruct(signature: string): { v: number; r: string; s: string } {
  const sig = Signature.from(signature);
  return { v: sig.v, r: sig.r, s: sig.s };
}

/** A signed state as the adjudicator's `SignedState` struct. */
export function signedStateStruct(signed: SignedState): {
  state: State;
  sigs: { v: number; r: string; s: string }[];
} {
  return { state: signed.state, sigs: signed.sigs.map(sigStruct) };
}
