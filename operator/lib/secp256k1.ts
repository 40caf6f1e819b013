/**
 * secp256k1 signing and recovery over 32-byte digests, with OpenZeppelin's acceptance rules
 * (65-byte r ‖ s ‖ v, v in {27, 28}, s in the lower half of the order), fast where it can be:
 * the native libsecp256k1 that the `secp256k1` package ships as a prebuild (~45 µs per recovery
 * here, ~30x noble's), and noble's pure JavaScript elsewhere (tested against the same reference).
 */
import { isMainThread } from "node:worker_threads";
import { secp256k1 } from "@noble/curves/secp256k1";
import { computeAddress, getAddress } from "ethers";
import { keccak } from "./keccak";

export interface NativeSecp256k1 {
  ecdsaRecover(
    sig64: Uint8Array,
    recid: number,
    msg32: Uint8Array,
    compressed: boolean,
  ): Uint8Array;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
}

/**
 * The native binding, or null where it does not load, and in worker threads: the `secp256k1`
 * 4.x addon keeps one libsecp256k1 context per process, which a terminating worker frees under
 * the other threads' feet (heap corruption, seen here). Native recovery is fast enough that the
 * main thread needs no workers for it.
 */
export const NATIVE_SECP256K1: NativeSecp256k1 | null = (() => {
  if (!isMainThread) return null;
  try {
    return require("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return null;
  }
})();

const N = secp256k1.CURVE.n;
const HALF_N = N >> 1n;
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

const hexToBytes = (hex: string): Buffer => Buffer.from(hex.slice(2), "hex");

/** Signs 32-byte digests with one private key (low s, v in {27, 28}). */
export class DigestSigner {
  readonly address: string;
  private readonly key: Buffer;

  constructor(
    privateKey: string,
    /** null: the JavaScript path. */
    private readonly native: NativeSecp256k1 | null = NATIVE_SECP256K1,
  ) {
    this.key = hexToBytes(privateKey);
    if (this.key.length !== 32) throw new Error("a private key is 32 bytes");
    this.address = computeAddress(privateKey);
  }

  /** The 65-byte hex signature (r ‖ s ‖ v) of `digest`. */
  sign(digest: string): string {
    const msg = hexToBytes(digest);
    let rs: string;
    let recid: number;
    if (this.native !== null) {
      // libsecp256k1 signs with RFC 6979 nonces and always returns a low-s signature.
      const out = this.native.ecdsaSign(msg, this.key);
      rs = Buffer.from(out.signature).toString("hex");
      recid = out.recid;
    } else {
      const sig = secp256k1.sign(msg, this.key, { lowS: true });
      rs = sig.r.toString(16).padStart(64, "0") + sig.s.toString(16).padStart(64, "0");
      recid = sig.recovery;
    }
    return `0x${rs}${(27 + recid).toString(16)}`;
  }
}

/**
 * The checksummed address `signature` over `digest` recovers to, or null for a signature
 * OpenZeppelin's `ECDSA.tryRecover` would refuse (malformed, high s, bad v, r or s out of range).
 */
export function recoverDigest(
  digest: string,
  signature: string,
  native: NativeSecp256k1 | null = NATIVE_SECP256K1,
): string | null {
  if (typeof signature !== "string" || !SIGNATURE.test(signature)) return null;
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  if (r === 0n || r >= N || s === 0n || s > HALF_N || (v !== 27 && v !== 28)) return null;
  try {
    let pub: Uint8Array;
    if (native !== null) {
      pub = native.ecdsaRecover(
        hexToBytes(signature).subarray(0, 64),
        v - 27,
        hexToBytes(digest),
        false,
      );
    } else {
      pub = new secp256k1.Signature(r, s)
        .addRecoveryBit(v - 27)
        .recoverPublicKey(digest.slice(2))
        .toRawBytes(false);
    }
    return getAddress(
      `0x${Buffer.from(keccak(pub.subarray(1)))
        .subarray(12)
        .toString("hex")}`,
    );
  } catch {
    // r is not the x of a curve point, or the recovered point is at infinity.
    return null;
  }
}
