/**
 * EdDSA over BabyJubJub with Poseidon, the signature scheme of circomlib's EdDSAPoseidonVerifier,
 * compatible with @zk-kit/eddsa-poseidon (its default BLAKE-512 variant) and 50 to 100 times
 * faster. Signing and key derivation return exactly zk-kit's `signMessage` and
 * `derivePublicKey`; verification returns exactly zk-kit's `verifySignature` on the inputs the
 * circuit can receive, with two deliberate differences:
 * - a public key of small order (8 A = identity: (0, 1), (0, p - 1), the points of order 4 and
 *   8) is refused. zk-kit accepts signatures under such keys (for them S B8 = R8 holds for any
 *   message), and the circuit rejects them with an IsZero check on 8 A's x, so the operator must
 *   refuse them before a batch carries one;
 * - every number must be canonical: coordinates and the message in [0, p), S in [0, l). zk-kit
 *   reduces coordinates and messages modulo p (so x + p verifies like x), and loops forever on
 *   a negative S or on negative coordinates whose Poseidon hash comes out negative. Here any
 *   input, of any type, gives a boolean and never throws.
 *
 * Verification checks S B8 = R8 + h (8 A), h = Poseidon5(R8x, R8y, Ax, Ay, M), as zk-kit does,
 * but not by two full scalar multiplications. The lattice reduction of Pornin (ePrint 2020/454)
 * finds c0, c1 of about 126 bits with c0 = c1 h (mod l), and the check becomes
 * (c1 S mod l) B8 - c1 R8 - c0 (8 A) = identity: one chain of 126 doublings shared by all terms
 * (see babyjub's `linearCombination`) instead of 251. Multiplying the equation by c1 is exact
 * because c1 is chosen odd and smaller than l: R8 may have a component of order 2, 4 or 8 (8 A
 * and B8 never do), and an odd multiplier cannot cancel it, nor the prime-order part.
 *
 * An account that signs often can have its key prepared once (`preparePublicKey`), after which
 * the equation is checked as it stands with 42 doublings; `verifyManyEdDSAPoseidon` does this
 * for the keys that repeat in a list. There is no batch verification by random linear
 * combination: it can cancel the small-order components of two R8 and accept a batch whose
 * signatures zk-kit rejects one by one.
 */
import {
  SUBGROUP_ORDER,
  fromAffine,
  inCurve,
  isIdentity,
  linearCombination,
  mulBase8,
  multiplyByCofactor,
  pointsEqual,
  preparePoint,
  toAffineMany,
  type PreparedPoint,
} from "./babyjub";
import { FIELD_MODULUS, poseidon5 } from "./poseidon";

const P = FIELD_MODULUS;
const L = SUBGROUP_ORDER;
/** The lattice reduction stops below this bound (about sqrt(l)). */
const HALF_BOUND = 1n << 126n;

/** An EdDSA-Poseidon signature: the nonce point R8 and the scalar S, as zk-kit shapes it. */
export interface EdDSAPoseidonSignature {
  R8: [bigint, bigint];
  S: bigint;
}

// ---------------------------------------------------------------------------------------------
// BLAKE-512 (the SHA-3 finalist, not BLAKE2b), which zk-kit uses to expand private keys and
// derive nonces but does not export. 64-bit words are kept as pairs of 32-bit halves (high,
// low) so that the arithmetic stays in numbers.

/** Initial chaining value (the same as SHA-512's), as 32-bit halves. */
const BLAKE512_IV = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
];

/** The 16 round constants (the first digits of pi), as 32-bit halves. */
const BLAKE512_C = [
  0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89,
  0x452821e6, 0x38d01377, 0xbe5466cf, 0x34e90c6c, 0xc0ac29b7, 0xc97c50dd, 0x3f84d5b5, 0xb5470917,
  0x9216d5d9, 0x8979fb1b, 0xd1310ba6, 0x98dfb5ac, 0x2ffd72db, 0xd01adfb7, 0xb8e1afed, 0x6a267e96,
  0xba7c9045, 0xf12c7f99, 0x24a19947, 0xb3916cf7, 0x0801f2e2, 0x858efc16, 0x636920d8, 0x71574e69,
];

/** The message word permutations; round r uses SIGMA[r % 10]. */
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/** The (a, b, c, d) state words of the four column and four diagonal steps. */
const G_WORDS = [
  [0, 4, 8, 12],
  [1, 5, 9, 13],
  [2, 6, 10, 14],
  [3, 7, 11, 15],
  [0, 5, 10, 15],
  [1, 6, 11, 12],
  [2, 7, 8, 13],
  [3, 4, 9, 14],
];

/** v[a] += v[b] + (hi:lo), 64-bit words at halves 2a, 2a + 1. */
function add64(v: Uint32Array, a: number, b: number, hi: number, lo: number): void {
  // XOR yields signed 32-bit numbers; the carry needs lo as unsigned.
  const low = v[2 * a + 1] + v[2 * b + 1] + (lo >>> 0);
  v[2 * a] = v[2 * a] + v[2 * b] + hi + Math.floor(low / 0x100000000);
  v[2 * a + 1] = low;
}

/** v[a] += v[b], 64-bit. */
function addWord(v: Uint32Array, a: number, b: number): void {
  add64(v, a, b, 0, 0);
}

/** v[d] = (v[d] xor v[a]) rotated right by n (0 < n <= 32). */
function xorRotate(v: Uint32Array, d: number, a: number, n: number): void {
  const hi = v[2 * d] ^ v[2 * a];
  const lo = v[2 * d + 1] ^ v[2 * a + 1];
  if (n === 32) {
    v[2 * d] = lo;
    v[2 * d + 1] = hi;
  } else {
    v[2 * d] = (hi >>> n) | (lo << (32 - n));
    v[2 * d + 1] = (lo >>> n) | (hi << (32 - n));
  }
}

/** One compression of the 128-byte block at `offset`; `counter` is t0 in bits (t1 = 0). */
function blakeCompress(h: Uint32Array, data: Uint8Array, offset: number, counter: number): void {
  const m = new Uint32Array(32);
  for (let i = 0; i < 32; i++) {
    const o = offset + 4 * i;
    m[i] = (data[o] << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3];
  }
  const v = new Uint32Array(32);
  v.set(h);
  for (let i = 0; i < 16; i++) v[16 + i] = BLAKE512_C[i];
  const tHi = Math.floor(counter / 0x100000000);
  const tLo = counter >>> 0;
  v[24] ^= tHi;
  v[25] ^= tLo;
  v[26] ^= tHi;
  v[27] ^= tLo;
  for (let r = 0; r < 16; r++) {
    const s = SIGMA[r % 10];
    for (let i = 0; i < 8; i++) {
      const [a, b, c, d] = G_WORDS[i];
      const x = s[2 * i];
      const y = s[2 * i + 1];
      add64(v, a, b, m[2 * x] ^ BLAKE512_C[2 * y], m[2 * x + 1] ^ BLAKE512_C[2 * y + 1]);
      xorRotate(v, d, a, 32);
      addWord(v, c, d);
      xorRotate(v, b, c, 25);
      add64(v, a, b, m[2 * y] ^ BLAKE512_C[2 * x], m[2 * y + 1] ^ BLAKE512_C[2 * x + 1]);
      xorRotate(v, d, a, 16);
      addWord(v, c, d);
      xorRotate(v, b, c, 11);
    }
  }
  for (let i = 0; i < 16; i++) h[i] ^= v[i] ^ v[i + 16];
}

/** BLAKE-512 digest (64 bytes) of `message`, with an all-zero salt. */
function blake512(message: Uint8Array): Uint8Array {
  const length = message.length;
  // Padding: 0x80, zeros, a final 0x01 bit, then the 128-bit big-endian bit length.
  const padded = new Uint8Array(Math.ceil((length + 17) / 128) * 128);
  padded.set(message);
  padded[length] = 0x80;
  padded[padded.length - 17] |= 0x01;
  const bits = length * 8;
  const tail = padded.length - 8;
  for (let i = 0; i < 8; i++) padded[tail + 7 - i] = Math.floor(bits / 2 ** (8 * i)) & 0xff;
  const h = Uint32Array.from(BLAKE512_IV);
  for (let offset = 0; offset < padded.length; offset += 128) {
    // The counter is the number of message bits up to the end of this block, or 0 for a block
    // of padding only.
    const counter = offset >= length ? 0 : Math.min(length, offset + 128) * 8;
    blakeCompress(h, padded, offset, counter);
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) {
    out[4 * i] = h[i] >>> 24;
    out[4 * i + 1] = (h[i] >>> 16) & 0xff;
    out[4 * i + 2] = (h[i] >>> 8) & 0xff;
    out[4 * i + 3] = h[i] & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Keys and signing.

function leBytesToBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i].toString(16).padStart(2, "0");
  return hex === "" ? 0n : BigInt(`0x${hex}`);
}

function bigIntToLeBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = value;
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** zk-kit's reading of a private key: the bytes themselves, or a string's UTF-8 bytes. */
function privateKeyBytes(privateKey: Uint8Array | string): Uint8Array {
  if (typeof privateKey === "string") return Buffer.from(privateKey, "utf8");
  if (privateKey instanceof Uint8Array) return privateKey;
  throw new TypeError("privateKey must be a Uint8Array, a Buffer or a string");
}

/**
 * The expanded private key: BLAKE-512 of the key, whose first half, pruned (low 3 bits and top
 * bit cleared, bit 254 set), is the signing scalar s, and whose second half seeds the nonces.
 */
function expandKey(privateKey: Uint8Array | string): { s: bigint; prefix: Uint8Array } {
  const hash = blake512(privateKeyBytes(privateKey));
  const scalar = hash.slice(0, 32);
  scalar[0] &= 0xf8;
  scalar[31] &= 0x7f;
  scalar[31] |= 0x40;
  return { s: leBytesToBigInt(scalar), prefix: hash.slice(32, 64) };
}

/**
 * The public key A = (s >> 3) Base8 of a private key, equal to zk-kit's `derivePublicKey`
 * (same BLAKE-512 expansion and pruning), computed with the precomputed Base8 table.
 * @param privateKey Any number of bytes, or a string taken as its UTF-8 bytes (as zk-kit does).
 * @throws TypeError when the key is neither bytes nor a string.
 */
export function derivePublicKeyFast(privateKey: Uint8Array | string): [bigint, bigint] {
  const { s } = expandKey(privateKey);
  return toAffineMany([mulBase8(s >> 3n)])[0];
}

/**
 * Signs a field element as zk-kit's `signMessage` does, with the same result: the nonce
 * r = BLAKE-512(key hash's second half || M as 32 little-endian bytes) mod l, R8 = r Base8 and
 * S = r + Poseidon5(R8, A, M) s mod l.
 * @param privateKey Any number of bytes, or a string taken as its UTF-8 bytes.
 * @param message The field element to sign (0 <= M < p).
 * @throws TypeError for a key that is neither bytes nor a string; RangeError for a message that
 *   is not a field element (zk-kit would sign it, but the signature would also hold for M mod p).
 */
export function signEdDSAPoseidon(
  privateKey: Uint8Array | string,
  message: bigint,
): EdDSAPoseidonSignature {
  if (typeof message !== "bigint" || message < 0n || message >= P)
    throw new RangeError("signEdDSAPoseidon: the message must be a field element (0 <= M < p)");
  const { s, prefix } = expandKey(privateKey);
  const nonceInput = new Uint8Array(64);
  nonceInput.set(prefix);
  nonceInput.set(bigIntToLeBytes(message, 32), 32);
  const r = leBytesToBigInt(blake512(nonceInput)) % L;
  const [A, R8] = toAffineMany([mulBase8(s >> 3n), mulBase8(r)]);
  const hm = poseidon5([R8[0], R8[1], A[0], A[1], message]);
  return { R8, S: (r + hm * s) % L };
}

// ---------------------------------------------------------------------------------------------
// Verification.

/**
 * (c0, c1) with c0 = c1 h (mod l), both of about 126 bits, c1 odd: the extended Euclidean
 * algorithm on (l, h) stopped half way. Consecutive remainders r_i = t_i h (mod l) satisfy
 * |t_(i+1)| r_i <= l, so the first r_(i+1) below 2^126 comes with |t_(i+1)| < l / 2^126.
 * Consecutive t_i are coprime, so if t_(i+1) is even, t_i is odd and (r_i, t_i) is used instead
 * (rarely longer, never wrong).
 */
function shortRatio(h: bigint): [bigint, bigint] {
  let r0 = L;
  let r1 = h;
  let t0 = 0n;
  let t1 = 1n;
  while (r1 >= HALF_BOUND) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const t2 = t0 - q * t1;
    t0 = t1;
    t1 = t2;
  }
  return (t1 & 1n) === 1n ? [r1, t1] : [r0, t0];
}

function isFieldElement(v: unknown): v is bigint {
  return typeof v === "bigint" && v >= 0n && v < P;
}

/**
 * Verifies an EdDSA-Poseidon signature of a field element, as zk-kit's `verifySignature` and
 * circomlib's EdDSAPoseidonVerifier do: R8 and A on the curve, S < l, and
 * S Base8 = R8 + 8 h A with h = Poseidon5(R8x, R8y, Ax, Ay, M). Unlike zk-kit it also refuses
 * public keys of small order, as the circuit does, and non-canonical numbers (see the module
 * header). It never throws: malformed input of any kind is reported as false.
 * @param message The signed field element M.
 * @param signature { R8, S } as zk-kit produces it.
 * @param publicKey The signer's public key A.
 * @returns Whether the signature is valid.
 */
export function verifyEdDSAPoseidon(
  message: bigint,
  signature: EdDSAPoseidonSignature,
  publicKey: [bigint, bigint],
): boolean {
  try {
    return verifyWithLattice(message, signature, publicKey);
  } catch {
    // Only hostile objects (getters that throw) get past the checks and throw.
    return false;
  }
}

function verifyWithLattice(
  message: bigint,
  signature: EdDSAPoseidonSignature,
  publicKey: [bigint, bigint],
): boolean {
  if (!isFieldElement(message)) return false;
  if (typeof signature !== "object" || signature === null) return false;
  const { R8, S } = signature;
  if (typeof S !== "bigint" || S < 0n || S >= L) return false;
  if (!inCurve(R8) || !inCurve(publicKey)) return false;

  const a8 = multiplyByCofactor(fromAffine(publicKey));
  // 8 A lies in the prime-order subgroup, so its x is 0 only for the identity.
  if (a8.X === 0n) return false;

  const h = poseidon5([R8[0], R8[1], publicKey[0], publicKey[1], message]) % L;
  const [c0, c1] = shortRatio(h);
  // c1 (S B8 - R8 - h 8A) = (c1 S mod l) B8 - c1 R8 - c0 8A, since B8 and 8A have order l.
  const q = linearCombination(c1 * S, [
    [fromAffine(R8), -c1],
    [a8, -c0],
  ]);
  return isIdentity(q);
}

/**
 * A public key checked once (on the curve, not of small order) with precomputed multiples of
 * 8 A, for an account that signs many transactions: `verifyEdDSAPoseidonPrepared` then checks
 * S B8 - h (8 A) = R8 directly with 42 doublings, about 1.6 times faster than
 * `verifyEdDSAPoseidon`. Preparing costs about one verification and holds 48 points.
 */
export interface PreparedPublicKey {
  readonly publicKey: readonly [bigint, bigint];
  readonly a8: PreparedPoint;
}

/**
 * Prepares a public key for `verifyEdDSAPoseidonPrepared`. Never throws.
 * @returns undefined for a key every signature would fail under: not a canonical point of the
 *   curve, or of small order.
 */
export function preparePublicKey(publicKey: [bigint, bigint]): PreparedPublicKey | undefined {
  try {
    if (!inCurve(publicKey)) return undefined;
    const [x, y] = publicKey;
    const a8 = multiplyByCofactor(fromAffine([x, y]));
    if (a8.X === 0n) return undefined;
    return { publicKey: [x, y], a8: preparePoint(a8) };
  } catch {
    return undefined;
  }
}

/**
 * `verifyEdDSAPoseidon` for a prepared key: the same answer for every input, faster. Never
 * throws.
 * @param message The signed field element M.
 * @param signature { R8, S } as zk-kit produces it.
 * @param key The signer's key, from `preparePublicKey`.
 * @returns Whether the signature is valid.
 */
export function verifyEdDSAPoseidonPrepared(
  message: bigint,
  signature: EdDSAPoseidonSignature,
  key: PreparedPublicKey,
): boolean {
  try {
    return verifyWithPreparedKey(message, signature, key);
  } catch {
    return false;
  }
}

function verifyWithPreparedKey(
  message: bigint,
  signature: EdDSAPoseidonSignature,
  key: PreparedPublicKey,
): boolean {
  if (!isFieldElement(message)) return false;
  if (typeof signature !== "object" || signature === null) return false;
  const { R8, S } = signature;
  if (typeof S !== "bigint" || S < 0n || S >= L) return false;
  if (!inCurve(R8)) return false;
  const [ax, ay] = key.publicKey;
  const h = poseidon5([R8[0], R8[1], ax, ay, message]);
  // S B8 - h (8 A) = R8 is zk-kit's equation as it stands (8 A has order l).
  return pointsEqual(linearCombination(S, [], [[key.a8, -h]]), fromAffine(R8));
}

/** One signature to check with `verifyManyEdDSAPoseidon`. */
export interface EdDSAPoseidonItem {
  message: bigint;
  signature: EdDSAPoseidonSignature;
  publicKey: [bigint, bigint];
}

/** Keys signing at least this many items of a batch are prepared first. */
const PREPARE_FROM = 3;

/**
 * Verifies each item on its own, exactly as `verifyEdDSAPoseidon` would (so it never throws
 * either), and returns the answers in order. It is faster when keys repeat: a key that signs
 * at least 3 items is prepared once (see `preparePublicKey`). It is not a batch verification by
 * random linear combination, which is not equivalent here (see the module header).
 */
export function verifyManyEdDSAPoseidon(items: readonly EdDSAPoseidonItem[]): boolean[] {
  const keyOf = (item: EdDSAPoseidonItem): string | undefined => {
    try {
      const key: unknown = item?.publicKey;
      if (!Array.isArray(key) || key.length !== 2) return undefined;
      const [x, y]: unknown[] = key;
      return typeof x === "bigint" && typeof y === "bigint" ? `${x},${y}` : undefined;
    } catch {
      return undefined;
    }
  };
  const keys = items.map(keyOf);
  const counts = new Map<string, number>();
  for (const k of keys) if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  const prepared = new Map<string, PreparedPublicKey | undefined>();
  return items.map((item, i) => {
    try {
      const k = keys[i];
      if (k === undefined || (counts.get(k) ?? 0) < PREPARE_FROM)
        return verifyEdDSAPoseidon(item?.message, item?.signature, item?.publicKey);
      if (!prepared.has(k)) prepared.set(k, preparePublicKey(item.publicKey));
      const key = prepared.get(k);
      return key !== undefined && verifyEdDSAPoseidonPrepared(item.message, item.signature, key);
    } catch {
      return false;
    }
  });
}
