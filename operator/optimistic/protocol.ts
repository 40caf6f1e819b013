/**
 * The optimistic rollup's protocol in one place: tree shapes, record and inbox encodings, the
 * state-root preimage and the EIP-712 messages users sign. The Solidity twins are
 * `contracts/optimistic/OptimisticState.sol` (hashing, records) and
 * `contracts/optimistic/OneStepExecutor.sol` (the transition); tests hold them equal.
 *
 * Full description with byte layouts: docs/optimistic-rollup.md.
 */
import { AbiCoder, getAddress, keccak256, type TypedDataField } from "ethers";
import { InputError } from "../core/errors";
import { eip712Domain, TypedMessage, type Eip712Domain } from "../lib/eip712";
import { keccak } from "../lib/keccak";
import { AMOUNT, FEE } from "../lib/float";
import { SparseMerkleTree, type Hex } from "../lib/sparse-merkle";

/** Account tree: leaf i is account i (indices are 4 bytes in records). */
export const ACCOUNT_DEPTH = 32;
/** Address tree: leaf `address` holds `index + 1` of its account (0: no account). */
export const ADDRESS_DEPTH = 160;
/** Per-account balance tree: leaf `token` holds the balance (token 0 is ETH). */
export const BALANCE_DEPTH = 16;
/** Withdrawal tree: leaf i is the i-th withdrawal ever made on L2. */
export const WITHDRAWAL_DEPTH = 32;
/** A batch's records sit in a tree of this depth (at most 2^20 records per batch). */
export const RECORD_DEPTH = 20;

export const MAX_ACCOUNTS = 1n << BigInt(ACCOUNT_DEPTH);
export const MAX_WITHDRAWALS = 1n << BigInt(WITHDRAWAL_DEPTH);
export const MAX_TOKEN = 2 ** BALANCE_DEPTH - 1;
export const MAX_NONCE = (1n << 64n) - 1n;
export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_RECORDS = 1 << RECORD_DEPTH;

/** Root of an account's balance tree before its first credit. */
export const EMPTY_BALANCES_ROOT: Hex = SparseMerkleTree.emptyRoot(BALANCE_DEPTH);

/** L2 transactions a sequencer posts; each kind has a fixed length. */
export enum RecordKind {
  /** Signed transfer to an existing account by index. */
  Transfer = 1,
  /** Signed transfer to an address (its account is created if it has none). */
  TransferToAddress = 2,
  /** Signed withdrawal to the account owner's L1 address. */
  Withdraw = 3,
}

/** Operations queued on L1 (`OptimisticRollup` inbox); batches consume them in order. */
export enum InboxKind {
  Deposit = 1,
  ForcedTransfer = 2,
  ForcedWithdraw = 3,
}

/** Bytes per record kind: kind(1) + fields + compact signature r ‖ yParityAndS (64). */
export const RECORD_LENGTH: Readonly<Record<RecordKind, number>> = {
  [RecordKind.Transfer]: 1 + 4 + 4 + 2 + AMOUNT.bytes + FEE.bytes + 64,
  [RecordKind.TransferToAddress]: 1 + 4 + 20 + 2 + AMOUNT.bytes + FEE.bytes + 64,
  [RecordKind.Withdraw]: 1 + 4 + 2 + AMOUNT.bytes + FEE.bytes + 64,
};

/** A compact (EIP-2098) signature: `yParityAndS` carries the recovery bit in its top bit. */
export interface CompactSignature {
  r: Hex;
  yParityAndS: Hex;
}

interface SignedFields {
  from: bigint;
  token: number;
  /** Packed float40 as posted (the decoded value is what was signed). */
  amountPacked: bigint;
  /** Packed float8 as posted. */
  feePacked: bigint;
  signature: CompactSignature;
}

export type L2Record =
  | ({ kind: RecordKind.Transfer; to: bigint } & SignedFields)
  | ({ kind: RecordKind.TransferToAddress; to: string } & SignedFields)
  | ({ kind: RecordKind.Withdraw } & SignedFields);

/** An L1 inbox entry. `from` is the L1 sender; `to` the L2 (or, for withdrawals, L1) address. */
export interface InboxEntry {
  kind: InboxKind;
  from: string;
  to: string;
  token: number;
  amount: bigint;
}

/** What the state root commits to: keccak256(abi.encode(these five, in this order)). */
export interface StateHeader {
  accountsRoot: Hex;
  addressesRoot: Hex;
  withdrawalsRoot: Hex;
  accountCount: bigint;
  withdrawalCount: bigint;
}

const coder = AbiCoder.defaultAbiCoder();

/**
 * keccak256(abi.encode(words...)) for static values already in range: each value is one 32-byte
 * word (an address or bytes32 as hex, a uint as a bigint). The state hashes run on every step,
 * so they are encoded here rather than through ethers' ABI coder (tests hold them equal).
 */
function hashWords(words: readonly (bigint | string)[]): Hex {
  const buf = new Uint8Array(32 * words.length);
  words.forEach((w, i) => {
    const hex = typeof w === "bigint" ? w.toString(16) : w.slice(2);
    buf.set(Buffer.from(hex.padStart(64, "0"), "hex"), 32 * i);
  });
  return `0x${Buffer.from(keccak(buf)).toString("hex")}`;
}

export function stateRoot(h: StateHeader): Hex {
  return hashWords([
    h.accountsRoot,
    h.addressesRoot,
    h.withdrawalsRoot,
    h.accountCount,
    h.withdrawalCount,
  ]);
}

export const GENESIS_HEADER: StateHeader = {
  accountsRoot: SparseMerkleTree.emptyRoot(ACCOUNT_DEPTH),
  addressesRoot: SparseMerkleTree.emptyRoot(ADDRESS_DEPTH),
  withdrawalsRoot: SparseMerkleTree.emptyRoot(WITHDRAWAL_DEPTH),
  accountCount: 0n,
  withdrawalCount: 0n,
};

/** The root of the empty L2 state, which the contract takes as batch 0. */
export const GENESIS_ROOT = stateRoot(GENESIS_HEADER);

/** The empty leaf of every tree (no account, no address, no balance, no withdrawal). */
export const EMPTY_LEAF: Hex = `0x${"0".repeat(64)}`;

/** Account leaf: 0 for no account, else keccak256(abi.encode(owner, nonce, balancesRoot)). */
export function accountLeaf(owner: string, nonce: bigint, balancesRoot: Hex): Hex {
  if (BigInt(owner) === 0n) return EMPTY_LEAF;
  return hashWords([owner, nonce, balancesRoot]);
}

/** Balance leaf: the balance as a 32-byte word (0 is the empty leaf). */
export function balanceLeaf(balance: bigint): Hex {
  return `0x${balance.toString(16).padStart(64, "0")}`;
}

/** Address leaf: index + 1 of the address's account (0: none). */
export function addressLeaf(index: bigint | null): Hex {
  return index === null ? EMPTY_LEAF : balanceLeaf(index + 1n);
}

export function withdrawalLeaf(recipient: string, token: number, amount: bigint): Hex {
  return hashWords([recipient, BigInt(token), amount]);
}

/** Hash under which the contract stores an inbox entry. */
export function inboxEntryHash(e: InboxEntry): Hex {
  return keccak256(
    coder.encode(
      ["uint8", "address", "address", "uint16", "uint256"],
      [e.kind, e.from, e.to, e.token, e.amount],
    ),
  ) as Hex;
}

// ---- signed messages ----

export const DOMAIN_NAME = "l2kit optimistic rollup";
export const DOMAIN_VERSION = "1";

export function rollupDomain(chainId: bigint | number, rollup: string): Eip712Domain {
  return eip712Domain(DOMAIN_NAME, DOMAIN_VERSION, chainId, rollup);
}

export interface TransferMessage extends Record<string, unknown> {
  to: string;
  token: number;
  amount: bigint;
  fee: bigint;
  nonce: bigint;
}

export interface WithdrawMessage extends Record<string, unknown> {
  token: number;
  amount: bigint;
  fee: bigint;
  nonce: bigint;
}

const transferFields: TypedDataField[] = [
  { name: "to", type: "address" },
  { name: "token", type: "uint16" },
  { name: "amount", type: "uint256" },
  { name: "fee", type: "uint256" },
  { name: "nonce", type: "uint64" },
];

const withdrawFields: TypedDataField[] = [
  { name: "token", type: "uint16" },
  { name: "amount", type: "uint256" },
  { name: "fee", type: "uint256" },
  { name: "nonce", type: "uint64" },
];

/**
 * A transfer signed by the sender's owner key. The sender is whoever signs (one account per
 * address), the recipient is named by address whichever record kind carries it.
 */
export const TRANSFER = new TypedMessage<TransferMessage>("Transfer", transferFields);
/** A withdrawal of the signer's funds to its own L1 address. */
export const WITHDRAW = new TypedMessage<WithdrawMessage>("Withdraw", withdrawFields);

// ---- small checks shared by the codec and the client ----

export function checkToken(token: number, field = "token"): number {
  if (!Number.isInteger(token) || token < 0 || token > MAX_TOKEN) {
    throw new InputError(field, `must be an integer from 0 to ${MAX_TOKEN}`);
  }
  return token;
}

export function checkAddress(value: string, field: string): string {
  try {
    return getAddress(value);
  } catch {
    throw new InputError(field, "must be a 20-byte hex address");
  }
}
