/**
 * Records as posted in batch calldata: fixed-length per kind, big-endian, concatenated. The
 * contract checks exactly what `splitRecords` checks when a batch is posted (known kind, whole
 * record) and hashes each record into the batch's record tree; everything else about a record
 * (canonical floats, signature, balances) is the transition function's business, where an
 * invalid record is a no-op.
 */
import { getAddress, keccak256, Signature } from "ethers";
import { InputError } from "../core/errors";
import { AMOUNT, FEE } from "../lib/float";
import { SparseMerkleTree, type Hex } from "../lib/sparse-merkle";
import {
  MAX_RECORDS,
  RECORD_DEPTH,
  RECORD_LENGTH,
  RecordKind,
  checkToken,
  type CompactSignature,
  type L2Record,
} from "./protocol";

class Writer {
  private readonly parts: string[] = [];

  uint(value: bigint | number, bytes: number, field: string): this {
    const v = BigInt(value);
    if (v < 0n || v >> BigInt(bytes * 8) !== 0n)
      throw new InputError(field, `does not fit in ${bytes} bytes`);
    this.parts.push(v.toString(16).padStart(bytes * 2, "0"));
    return this;
  }

  hex(value: string, bytes: number, field: string): this {
    if (!new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value))
      throw new InputError(field, `must be ${bytes} bytes of hex`);
    this.parts.push(value.slice(2).toLowerCase());
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(Buffer.from(this.parts.join(""), "hex"));
  }
}

class Reader {
  offset = 0;
  constructor(private readonly data: Uint8Array) {}

  uint(bytes: number): bigint {
    let v = 0n;
    for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(this.data[this.offset + i]);
    this.offset += bytes;
    return v;
  }

  hex(bytes: number): Hex {
    const out = `0x${Buffer.from(this.data.subarray(this.offset, this.offset + bytes)).toString("hex")}`;
    this.offset += bytes;
    return out as Hex;
  }
}

export function encodeRecord(record: L2Record): Uint8Array {
  const w = new Writer().uint(record.kind, 1, "kind").uint(record.from, 4, "from");
  switch (record.kind) {
    case RecordKind.Transfer:
      w.uint(record.to, 4, "to");
      break;
    case RecordKind.TransferToAddress:
      w.hex(record.to, 20, "to");
      break;
    case RecordKind.Withdraw:
      break;
    default:
      throw new InputError("kind", `unknown record kind ${(record as { kind: unknown }).kind}`);
  }
  w.uint(checkToken(record.token), 2, "token")
    .uint(record.amountPacked, AMOUNT.bytes, "amount")
    .uint(record.feePacked, FEE.bytes, "fee")
    .hex(record.signature.r, 32, "signature.r")
    .hex(record.signature.yParityAndS, 32, "signature.yParityAndS");
  return w.bytes();
}

/** Decodes one whole record (its length must match its kind). */
export function decodeRecord(bytes: Uint8Array): L2Record {
  const kind = bytes[0] as RecordKind;
  const length = RECORD_LENGTH[kind];
  if (length === undefined) throw new InputError("record", `unknown record kind ${bytes[0]}`);
  if (bytes.length !== length)
    throw new InputError("record", `kind ${kind} records are ${length} bytes, got ${bytes.length}`);
  const r = new Reader(bytes);
  r.uint(1);
  const from = r.uint(4);
  let to: bigint | string | undefined;
  if (kind === RecordKind.Transfer) to = r.uint(4);
  else if (kind === RecordKind.TransferToAddress) to = getAddress(r.hex(20));
  const token = Number(r.uint(2));
  const amountPacked = r.uint(AMOUNT.bytes);
  const feePacked = r.uint(FEE.bytes);
  const signature = { r: r.hex(32), yParityAndS: r.hex(32) };
  const common = { from, token, amountPacked, feePacked, signature };
  if (kind === RecordKind.Transfer) return { kind, to: to as bigint, ...common };
  if (kind === RecordKind.TransferToAddress) return { kind, to: to as string, ...common };
  return { kind, ...common };
}

/**
 * Splits a batch's record bytes into records, refusing what the contract refuses at posting:
 * an unknown kind byte or a truncated last record.
 */
export function splitRecords(data: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < data.length) {
    const length = RECORD_LENGTH[data[offset] as RecordKind];
    if (length === undefined)
      throw new InputError("records", `unknown record kind ${data[offset]} at byte ${offset}`);
    if (offset + length > data.length)
      throw new InputError("records", `record at byte ${offset} is truncated`);
    records.push(data.subarray(offset, offset + length));
    offset += length;
  }
  if (records.length > MAX_RECORDS)
    throw new InputError("records", `at most ${MAX_RECORDS} records per batch`);
  return records;
}

export function concatRecords(records: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(records.map((r) => Buffer.from(r))));
}

export function recordLeaf(record: Uint8Array): Hex {
  return keccak256(record) as Hex;
}

/** The record tree of a batch: leaf i = keccak256(record i), depth `RECORD_DEPTH`. */
export function recordTree(records: readonly Uint8Array[]): SparseMerkleTree {
  const tree = new SparseMerkleTree(RECORD_DEPTH);
  records.forEach((record, i) => tree.set(BigInt(i), recordLeaf(record)));
  return tree;
}

export function compactSignature(signature: string): CompactSignature {
  const sig = Signature.from(signature);
  return { r: sig.r as Hex, yParityAndS: sig.yParityAndS as Hex };
}
