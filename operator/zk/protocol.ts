/**
 * The ZK rollup's protocol in one place: sizes, hashes and encodings shared by the circuit
 * (`circuits/src/rollup.circom`), the contract (`contracts/zk-rollup/ZkRollup.sol`) and the
 * operator. Every function here has a twin in the other two, and tests compare them.
 */
import crypto from "node:crypto";
import { AbiCoder, getAddress, keccak256 } from "ethers";
import { FIELD_MODULUS, poseidon3, poseidon4, poseidon5, poseidon6 } from "./crypto/poseidon";
import { InputError } from "../core/errors";
import { AMOUNT, FEE } from "../lib/float";

/** BN254 scalar field: every circuit signal and Poseidon input lives here. */
export const FIELD = FIELD_MODULUS;
export const TOKEN_BITS = 32;
export const NONCE_BITS = 40;
export const BALANCE_BITS = 128;
export const MAX_BALANCE = (1n << BigInt(BALANCE_BITS)) - 1n;
export const MAX_TOKEN = 2 ** TOKEN_BITS - 1;
export const MAX_NONCE = (1n << BigInt(NONCE_BITS)) - 1n;
/** A fee slot's token when the slot is unused: no real token (< 2^32) ever equals it. */
export const NO_FEE_TOKEN = 1n << 32n;

/** The sizes a batch circuit is built for. */
export interface BatchShape {
  /** 4-ary tree levels: 4^levels accounts (2^(2 levels)). */
  levels: number;
  /** Transfers (or no-ops) per batch. */
  txSlots: number;
  /** Withdrawals (or no-ops) per batch. */
  withdrawSlots: number;
  /** L1 deposits a batch can take from the queue. */
  depositSlots: number;
  /** Fee accounts (one token each) a batch can pay fees into. */
  feeSlots: number;
  /** Built only by the bench on request (its setup is long). */
  large?: boolean;
  /** Compiled with circom2's low-memory options (too large for full simplification in 4 GB). */
  lowMemory?: boolean;
}

export function checkShape(shape: BatchShape): void {
  const { levels, txSlots, depositSlots, feeSlots } = shape;
  if (!Number.isInteger(levels) || levels < 1 || levels > 16)
    throw new InputError("levels", "must be 1..16");
  for (const [k, v] of Object.entries({ txSlots, depositSlots, feeSlots })) {
    if (!Number.isInteger(v) || v < 1 || v > 4096) throw new InputError(k, "must be 1..4096");
  }
}

/** Bytes of a queue entry's exit amount in pubdata (a 128-bit balance, big-endian). */
export const EXIT_AMOUNT_BYTES = 16;

/** Bytes of an account index in pubdata. */
export function indexBytes(levels: number): number {
  return Math.ceil((2 * levels) / 8);
}

/** Bytes of one transfer in pubdata: from, to, amount (float40), fee (float8). */
export function transferPubdataBytes(levels: number): number {
  return 2 * indexBytes(levels) + AMOUNT.bytes + FEE.bytes;
}

/** Bytes of one withdrawal in pubdata: from, amount (float40), fee (float8). */
export function withdrawPubdataBytes(levels: number): number {
  return indexBytes(levels) + AMOUNT.bytes + FEE.bytes;
}

/** Where each part of a batch's pubdata starts, and its total size. */
export function pubdataLayout(shape: BatchShape): {
  withdrawalsAt: number;
  depositBitsAt: number;
  exitsAt: number;
  feesAt: number;
  bytes: number;
} {
  const withdrawalsAt = shape.txSlots * transferPubdataBytes(shape.levels);
  const depositBitsAt = withdrawalsAt + shape.withdrawSlots * withdrawPubdataBytes(shape.levels);
  const exitsAt = depositBitsAt + Math.ceil(shape.depositSlots / 8);
  const feesAt = exitsAt + shape.depositSlots * EXIT_AMOUNT_BYTES;
  return {
    withdrawalsAt,
    depositBitsAt,
    exitsAt,
    feesAt,
    bytes: feesAt + shape.feeSlots * indexBytes(shape.levels),
  };
}

export function pubdataBytes(shape: BatchShape): number {
  return pubdataLayout(shape).bytes;
}

export interface Account {
  token: number;
  nonce: bigint;
  balance: bigint;
  /** BabyJubJub public key. */
  ax: bigint;
  ay: bigint;
}

/** Poseidon(token + nonce * 2^32, balance, ax, ay), every field reduced into the field as the circuit does. */
export function accountLeaf(a: Account): bigint {
  const f = (v: bigint): bigint => ((v % FIELD) + FIELD) % FIELD;
  return poseidon4([f(BigInt(a.token) + (a.nonce << 32n)), f(a.balance), f(a.ax), f(a.ay)]);
}

/** What a user signs for a transfer (to > 0) or a withdrawal (to = 0). Amounts are values. */
export interface TxData {
  from: bigint;
  to: bigint;
  token: number;
  nonce: bigint;
  amount: bigint;
  fee: bigint;
}

/** The EdDSA-Poseidon message of a transaction, bound to one rollup deployment by `domain`. */
export function txMessage(domain: bigint, tx: TxData): bigint {
  const amount = AMOUNT.encode(tx.amount, "amount");
  const fee = FEE.encode(tx.fee, "fee");
  return poseidon3([
    domain,
    tx.from + (tx.to << 32n) + (BigInt(tx.token) << 64n),
    amount + (fee << 40n) + (tx.nonce << 48n),
  ]);
}

export const DEPOSIT_CREDIT = 0;
export const DEPOSIT_CREATE = 1;
/** A forced full exit, requested on L1 by the account's owner (amount, ax and ay are 0). */
export const FORCED_EXIT = 2;
export type QueueKind = typeof DEPOSIT_CREDIT | typeof DEPOSIT_CREATE | typeof FORCED_EXIT;

/**
 * An entry of the L1 priority queue as the contract queued it: a deposit, or a forced exit.
 * (The name is historical: every entry, exits included, is a `DepositQueued` event.)
 */
export interface QueuedDeposit {
  /**
   * 1: create the account at `to` (the contract assigned it); 0: credit the existing account;
   * 2: withdraw the whole balance of account `to` to its L1 owner.
   */
  kind: QueueKind;
  to: bigint;
  token: number;
  amount: bigint;
  ax: bigint;
  ay: bigint;
}

/** A queue entry kind read from an event or a database row; throws on any other number. */
export function queueKind(kind: bigint): QueueKind {
  if (kind === 0n) return DEPOSIT_CREDIT;
  if (kind === 1n) return DEPOSIT_CREATE;
  if (kind === 2n) return FORCED_EXIT;
  throw new InputError("kind", `unknown queue entry kind ${kind}`);
}

/** A queued deposit from the fields of a `DepositQueued` event. */
export function depositFromEvent(a: {
  kind: bigint;
  accountIndex: bigint;
  tokenId: bigint;
  amount: bigint;
  ax: bigint;
  ay: bigint;
}): QueuedDeposit {
  return {
    kind: queueKind(a.kind),
    to: a.accountIndex,
    token: Number(a.tokenId),
    amount: a.amount,
    ax: a.ax,
    ay: a.ay,
  };
}

/** The deposit queue's hash chain, extended by one deposit (the contract computes the same). */
export function depositChainNext(chain: bigint, d: QueuedDeposit): bigint {
  return poseidon5([
    chain,
    d.to + (BigInt(d.token) << 32n) + (BigInt(d.kind) << 64n),
    d.amount,
    d.ax,
    d.ay,
  ]);
}

/** sha256(pubdata) >> 3: the 253 bits of the digest that fit a field element. */
export function pubdataDigest(pubdata: Uint8Array): bigint {
  return BigInt(`0x${crypto.createHash("sha256").update(pubdata).digest("hex")}`) >> 3n;
}

/** The batch proof's one public input. */
export function publicInputHash(p: {
  oldRoot: bigint;
  newRoot: bigint;
  chainBefore: bigint;
  chainAfter: bigint;
  domain: bigint;
  pubdata: Uint8Array;
}): bigint {
  return poseidon6([
    p.oldRoot,
    p.newRoot,
    p.chainBefore,
    p.chainAfter,
    p.domain,
    pubdataDigest(p.pubdata),
  ]);
}

/** The deployment a signature is bound to: keccak256(abi.encode(tag, chainId, rollup)) mod p. */
export function rollupDomain(chainId: bigint, rollup: string): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["string", "uint256", "address"],
    ["l2kit-zk-rollup", chainId, getAddress(rollup)],
  );
  return BigInt(keccak256(encoded)) % FIELD;
}

/** Big-endian bytes of `value` in `width` bytes. */
export function beBytes(value: bigint, width: number): Uint8Array {
  if (value < 0n || value >> BigInt(8 * width) !== 0n)
    throw new InputError("value", `${value} does not fit in ${width} bytes`);
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** One transfer's pubdata record (all zeros for a no-op). */
export function transferPubdata(levels: number, tx: TxData | undefined): Uint8Array {
  const ib = indexBytes(levels);
  const out = new Uint8Array(transferPubdataBytes(levels));
  if (tx === undefined) return out;
  out.set(beBytes(tx.from, ib), 0);
  out.set(beBytes(tx.to, ib), ib);
  out.set(beBytes(AMOUNT.encode(tx.amount), AMOUNT.bytes), 2 * ib);
  out.set(beBytes(FEE.encode(tx.fee), FEE.bytes), 2 * ib + AMOUNT.bytes);
  return out;
}

/** One withdrawal's pubdata record (all zeros for a no-op). */
export function withdrawPubdata(levels: number, tx: TxData | undefined): Uint8Array {
  const ib = indexBytes(levels);
  const out = new Uint8Array(withdrawPubdataBytes(levels));
  if (tx === undefined) return out;
  out.set(beBytes(tx.from, ib), 0);
  out.set(beBytes(AMOUNT.encode(tx.amount), AMOUNT.bytes), ib);
  out.set(beBytes(FEE.encode(tx.fee), FEE.bytes), ib + AMOUNT.bytes);
  return out;
}

export interface PubdataContent {
  /** One entry per transfer slot; undefined for a no-op. */
  transfers: (TxData | undefined)[];
  /** One entry per withdrawal slot; undefined for a no-op. */
  withdrawals: (TxData | undefined)[];
  /** One entry per deposit slot. */
  depositApplied: boolean[];
  /** One entry per deposit slot: what an applied forced exit pays (0 otherwise; missing: 0). */
  exitAmounts?: bigint[];
  /** One entry per fee slot; 0 when unused. */
  feeAccounts: bigint[];
}

/** The batch's pubdata: transfers, withdrawals, deposit applied bits, fee account indices. */
export function encodePubdata(shape: BatchShape, content: PubdataContent): Uint8Array {
  const ib = indexBytes(shape.levels);
  const layout = pubdataLayout(shape);
  const out = new Uint8Array(layout.bytes);
  for (let t = 0; t < shape.txSlots; t++) {
    out.set(
      transferPubdata(shape.levels, content.transfers[t]),
      t * transferPubdataBytes(shape.levels),
    );
  }
  for (let w = 0; w < shape.withdrawSlots; w++) {
    out.set(
      withdrawPubdata(shape.levels, content.withdrawals[w]),
      layout.withdrawalsAt + w * withdrawPubdataBytes(shape.levels),
    );
  }
  let bits = 0n;
  content.depositApplied.forEach((applied, i) => {
    if (applied) bits |= 1n << BigInt(i);
  });
  out.set(beBytes(bits, Math.ceil(shape.depositSlots / 8)), layout.depositBitsAt);
  for (let i = 0; i < shape.depositSlots; i++) {
    const amount = content.exitAmounts?.[i] ?? 0n;
    out.set(beBytes(amount, EXIT_AMOUNT_BYTES), layout.exitsAt + i * EXIT_AMOUNT_BYTES);
  }
  for (let j = 0; j < shape.feeSlots; j++)
    out.set(beBytes(content.feeAccounts[j] ?? 0n, ib), layout.feesAt + j * ib);
  return out;
}

/** Pubdata read back, as state reconstruction from L1 reads it (token and nonce are not in it). */
export interface DecodedPubdata {
  transfers: ({ from: bigint; to: bigint; amount: bigint; fee: bigint } | undefined)[];
  withdrawals: ({ from: bigint; amount: bigint; fee: bigint } | undefined)[];
  depositApplied: boolean[];
  exitAmounts: bigint[];
  feeAccounts: bigint[];
}

export function decodePubdata(shape: BatchShape, pubdata: Uint8Array): DecodedPubdata {
  const layout = pubdataLayout(shape);
  if (pubdata.length !== layout.bytes) {
    throw new InputError(
      "pubdata",
      `must be ${layout.bytes} bytes for this batch shape, got ${pubdata.length}`,
    );
  }
  const ib = indexBytes(shape.levels);
  const read = (at: number, n: number): bigint =>
    pubdata.subarray(at, at + n).reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  const transfers: DecodedPubdata["transfers"] = [];
  for (let t = 0; t < shape.txSlots; t++) {
    const at = t * transferPubdataBytes(shape.levels);
    const from = read(at, ib);
    const to = read(at + ib, ib);
    const amount = AMOUNT.decode(read(at + 2 * ib, AMOUNT.bytes));
    const fee = FEE.decode(read(at + 2 * ib + AMOUNT.bytes, FEE.bytes));
    transfers.push(from === 0n ? undefined : { from, to, amount, fee });
  }
  const withdrawals: DecodedPubdata["withdrawals"] = [];
  for (let w = 0; w < shape.withdrawSlots; w++) {
    const at = layout.withdrawalsAt + w * withdrawPubdataBytes(shape.levels);
    const from = read(at, ib);
    const amount = AMOUNT.decode(read(at + ib, AMOUNT.bytes));
    const fee = FEE.decode(read(at + ib + AMOUNT.bytes, FEE.bytes));
    withdrawals.push(from === 0n ? undefined : { from, amount, fee });
  }
  const bits = read(layout.depositBitsAt, Math.ceil(shape.depositSlots / 8));
  const depositApplied = Array.from(
    { length: shape.depositSlots },
    (_, i) => ((bits >> BigInt(i)) & 1n) === 1n,
  );
  const exitAmounts = Array.from({ length: shape.depositSlots }, (_, i) =>
    read(layout.exitsAt + i * EXIT_AMOUNT_BYTES, EXIT_AMOUNT_BYTES),
  );
  const feeAccounts = Array.from({ length: shape.feeSlots }, (_, j) =>
    read(layout.feesAt + j * ib, ib),
  );
  return { transfers, withdrawals, depositApplied, exitAmounts, feeAccounts };
}
