/**
 * Signature checks for the optimistic rollup's sequencer, with exactly the acceptance rules of
 * the one-step executor (OpenZeppelin's `ECDSA.tryRecover(hash, r, vs)`), and fast enough for the
 * mempool: a signature "is the owner's" when it recovers to the owner's address on L1.
 *
 * Recovering a public key costs a double scalar multiplication by an arbitrary point (~700/s on
 * one core here). The mempool knows whose signature it expects, so once a sender's public key is
 * known it checks the equivalent equation instead: R = (h/s)·G + (r/s)·Q must be the point with
 * x = r and y of parity `yParity` (then, and only then, ecrecover returns Q's address). With Q's
 * multiples precomputed (a window table, like G's), that is ~3.5x faster. Tables are kept for
 * the most recent `maxPrepared` senders seen at least twice.
 *
 * Where the native libsecp256k1 binding loads (the prebuild that the `secp256k1` package ships;
 * ~45 µs per recovery here, 30x noble's), both functions recover through it instead, with the same
 * acceptance rules applied first; the pure JavaScript paths stay for other platforms and are
 * tested against the same reference.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { getAddress, keccak256 } from "ethers";
import { modInverse } from "../lib/field";
import { keccak } from "../lib/keccak";
import { NATIVE_SECP256K1, type NativeSecp256k1 } from "../lib/secp256k1";
import type { CompactSignature } from "./protocol";

export { NATIVE_SECP256K1 };

type Point = InstanceType<typeof secp256k1.ProjectivePoint>;

/** The lower-case address `p` over `digest` recovers to natively, or null. */
function recoverNative(native: NativeSecp256k1, digest: string, p: Parsed): string | null {
  const sig64 = Buffer.from(
    p.r.toString(16).padStart(64, "0") + p.s.toString(16).padStart(64, "0"),
    "hex",
  );
  try {
    const pub = native.ecdsaRecover(sig64, p.yParity, Buffer.from(digest.slice(2), "hex"), false);
    return `0x${Buffer.from(keccak(pub.subarray(1)))
      .subarray(12)
      .toString("hex")}`;
  } catch {
    // r is not the x of a curve point, or the recovered point is at infinity.
    return null;
  }
}

const N = secp256k1.CURVE.n;
const HALF_N = N >> 1n;
const G = secp256k1.ProjectivePoint.BASE;

interface Parsed {
  r: bigint;
  s: bigint;
  yParity: number;
}

/** r, s and the recovery bit, or null when OpenZeppelin would refuse the signature outright. */
function parse(sig: CompactSignature): Parsed | null {
  const vs = BigInt(sig.yParityAndS);
  const s = vs & ((1n << 255n) - 1n);
  const r = BigInt(sig.r);
  if (r === 0n || r >= N || s === 0n || s > HALF_N) return null;
  return { r, s, yParity: Number(vs >> 255n) };
}

function addressOf(point: Point): string {
  const uncompressed = point.toRawBytes(false).subarray(1);
  return getAddress(`0x${keccak256(uncompressed).slice(-40)}`);
}

/** The address `sig` over `digest` recovers to, or null (OpenZeppelin's `tryRecover` rules). */
export function recoverSigner(
  digest: string,
  sig: CompactSignature,
  /** null: the JavaScript path. */
  native: NativeSecp256k1 | null = NATIVE_SECP256K1,
): string | null {
  const p = parse(sig);
  if (!p) return null;
  if (native !== null) {
    const address = recoverNative(native, digest, p);
    return address === null ? null : getAddress(address);
  }
  try {
    const q = new secp256k1.Signature(p.r, p.s)
      .addRecoveryBit(p.yParity)
      .recoverPublicKey(digest.slice(2));
    return addressOf(q);
  } catch {
    return null;
  }
}

export class SignatureChecker {
  /** Prepared public keys by owner address, oldest first. */
  private readonly prepared = new Map<string, Point>();
  /** Public keys seen once, not yet worth a table. */
  private readonly seen = new Map<string, Point>();

  /**
   * @param maxPrepared How many senders' tables to keep (~100 KB each at `windowBits` 4).
   * @param windowBits Window width of a table: wider is faster and larger.
   */
  constructor(
    private readonly maxPrepared = 256,
    private readonly windowBits = 4,
    /** The native binding to recover with (no tables then); null: JavaScript only. */
    private readonly native: NativeSecp256k1 | null = NATIVE_SECP256K1,
  ) {}

  /** Whether `sig` over `digest` recovers to `owner` on L1. */
  check(digest: string, sig: CompactSignature, owner: string): boolean {
    const p = parse(sig);
    if (!p) return false;
    const key = owner.toLowerCase();
    if (this.native !== null) return recoverNative(this.native, digest, p) === key;
    const q = this.prepared.get(key);
    if (q) {
      this.prepared.delete(key);
      this.prepared.set(key, q);
      return this.verify(digest, p, q);
    }
    let point: Point;
    try {
      point = new secp256k1.Signature(p.r, p.s)
        .addRecoveryBit(p.yParity)
        .recoverPublicKey(digest.slice(2)) as Point;
    } catch {
      return false;
    }
    if (addressOf(point).toLowerCase() !== key) return false;
    this.remember(key, point);
    return true;
  }

  /** Number of senders with a prepared table. */
  get preparedCount(): number {
    return this.prepared.size;
  }

  private verify(digest: string, p: Parsed, q: Point): boolean {
    const w = modInverse(p.s, N);
    const u1 = ((BigInt(digest) % N) * w) % N;
    const u2 = (p.r * w) % N;
    // u2 is never 0 (r and s are not); u1 is 0 only for a digest of 0 mod n.
    const r = u1 === 0n ? q.multiply(u2) : G.multiply(u1).add(q.multiply(u2));
    if (r.equals(secp256k1.ProjectivePoint.ZERO)) return false;
    const { x, y } = r.toAffine();
    return x === p.r && Number(y & 1n) === p.yParity;
  }

  private remember(key: string, point: Point): void {
    if (!this.seen.has(key)) {
      this.seen.set(key, point);
      if (this.seen.size > this.maxPrepared * 4) {
        this.seen.delete(this.seen.keys().next().value as string);
      }
      return;
    }
    this.seen.delete(key);
    const prepared = secp256k1.ProjectivePoint.fromAffine(point.toAffine());
    prepared._setWindowSize(this.windowBits);
    this.prepared.set(key, prepared);
    if (this.prepared.size > this.maxPrepared) {
      this.prepared.delete(this.prepared.keys().next().value as string);
    }
  }
}
