/**
 * BabyJubJub (EIP-2494), the twisted Edwards curve a x^2 + y^2 = 1 + d x^2 y^2 with a = 168700
 * and d = 168696 over the BN254 scalar field, on which circomlib's EdDSA works. The group has
 * order 8 l; Base8 generates the subgroup of prime order l.
 *
 * Points are kept in extended coordinates (X : Y : Z : T) with x = X/Z, y = Y/Z, T = XY/Z, and
 * added and doubled with the formulas of Hisil, Wong, Carter and Dawson (add-2008-hwcd,
 * dbl-2008-hwcd). a is a square and d is not, so the addition formula is complete: it also adds
 * a point to itself, to its opposite and to the identity, and no input makes it divide by zero.
 * Only conversion to affine coordinates inverts, once.
 *
 * Speed, in BigInt arithmetic where `%` is the dominant cost (and costs in proportion to the
 * size of the number it reduces, so only fewer operations help, not fewer but larger ones):
 * - sums are reduced by a conditional subtraction, products that feed a single multiplication
 *   stay unreduced, and T is computed only when the next operation is an addition: a doubling
 *   costs 5 reductions, an addition 5 to 7;
 * - multiples of Base8 come from tables built on first use: an 8-bit signed comb (32 rows of 128
 *   points, no doublings) for `mulBase8`, and width-12 wNAF tables of 2^(42 c) Base8, c = 0..5,
 *   for `linearCombination`, which adds several multiples along one chain of doublings (Straus'
 *   method) and so spends on Base8 only additions, about 20;
 * - a point used often (an account's public key) can be prepared once into the same kind of
 *   42-bit chunk tables, after which its multiples cost 42 doublings shared with the rest.
 *
 * Coordinates must be canonical (0 <= v < p) wherever this module takes affine points; it does
 * not reduce larger or negative numbers the way @zk-kit/baby-jubjub silently does.
 */
import { batchInverse, modInverse } from "../../lib/field";
import { FIELD_MODULUS } from "./poseidon";

const P = FIELD_MODULUS;

/** The curve coefficient a of a x^2 + y^2 = 1 + d x^2 y^2. */
export const BABYJUB_A = 168700n;

/** The curve coefficient d of a x^2 + y^2 = 1 + d x^2 y^2. */
export const BABYJUB_D = 168696n;

/** Order l of the prime subgroup that Base8 generates (the curve has 8 l points). */
export const SUBGROUP_ORDER =
  2736030358979909402780800718157159386076813972158567259200215660948447373041n;

/** An affine point [x, y], the form zk-kit and the circuits use. */
export type AffinePoint = [bigint, bigint];

/** A point in extended coordinates: x = X/Z, y = Y/Z, T = X Y / Z, Z != 0. */
export interface ExtendedPoint {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
  readonly T: bigint;
}

/** circomlib's generator of the prime-order subgroup (8 times the curve's generator). */
export const BASE8: readonly [bigint, bigint] = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];

/** The neutral element (0, 1). */
export const IDENTITY: ExtendedPoint = { X: 0n, Y: 1n, Z: 1n, T: 0n };

const A = BABYJUB_A;
const D = BABYJUB_D;
const L = SUBGROUP_ORDER;
/**
 * Scalars below 2^252 (l < 2^252) are cut into six 42-bit chunks over tables of
 * 2^(42 c) Base8, or of 2^(42 c) p for prepared points, so that they need 42 doublings.
 */
const CHUNK_BITS = 42;
const CHUNKS = 6;
/** wNAF window of the precomputed Base8 tables (2^(w-2) = 1024 points per chunk). */
const FIXED_WINDOW = 12;
/** wNAF window of the points whose tables `linearCombination` builds per call (4 points). */
const TABLE_WINDOW = 4;
/** wNAF window of prepared points (8 points per chunk: built once, used often). */
const PREPARED_WINDOW = 5;
/** Bits per row of the comb that `mulBase8` uses. */
const COMB_BITS = 8;
const COMB_ROWS = 32;

function mod(x: bigint): bigint {
  const r = x % P;
  return r < 0n ? r + P : r;
}

/** x^-1 mod p; x must not be 0 mod p. */
function invert(x: bigint): bigint {
  return modInverse(x, P);
}

/**
 * A point ready to be added, as the tables hold them: coordinates (x : y : z) with t = xy/z and
 * dt = d t, all reduced, and s = x + y unreduced (so that (X + Y) s - X x - Y y = X y + Y x is
 * never negative). z is 1 for the affine points of the precomputed Base8 tables.
 */
export interface Addend {
  x: bigint;
  y: bigint;
  z: bigint;
  t: bigint;
  s: bigint;
  dt: bigint;
}

/** The running sum of the scalar multiplications, updated in place. */
interface Accumulator {
  X: bigint;
  Y: bigint;
  Z: bigint;
  T: bigint;
}

function addend(X: bigint, Y: bigint, Z: bigint, T: bigint): Addend {
  return { x: X, y: Y, z: Z, t: T, s: X + Y, dt: (D * T) % P };
}

function negateAddend(e: Addend): Addend {
  const x = e.x === 0n ? 0n : P - e.x;
  return {
    x,
    y: e.y,
    z: e.z,
    t: e.t === 0n ? 0n : P - e.t,
    s: x + e.y,
    dt: e.dt === 0n ? 0n : P - e.dt,
  };
}

/**
 * acc <- 2 acc (dbl-2008-hwcd). T of the result is computed only when `needT` (the next
 * operation is an addition); otherwise it is left stale.
 */
function doubleInto(acc: Accumulator, needT: boolean): void {
  const { X, Y, Z } = acc;
  const ax2 = A * (X * X);
  const y2 = Y * Y;
  const g = (ax2 + y2) % P; // a X^2 + Y^2
  let f = (ax2 + y2 - ((Z * Z) << 1n)) % P; // G - 2 Z^2
  if (f < 0n) f += P;
  const e = (X * Y) << 1n; // 2 X Y, unreduced
  const h = ax2 - y2; // a X^2 - Y^2, unreduced and signed
  if (needT) {
    const er = e % P;
    let hr = h % P;
    if (hr < 0n) hr += P;
    acc.X = (er * f) % P;
    acc.Y = (g * hr) % P;
    acc.T = (er * hr) % P;
  } else {
    acc.X = (e * f) % P;
    const y = (g * h) % P;
    acc.Y = y < 0n ? y + P : y;
  }
  acc.Z = (f * g) % P;
}

/**
 * acc <- acc + q (add-2008-hwcd, unified and complete here). acc.T must be current; the
 * result's T is computed only when `needT`.
 */
function addInto(acc: Accumulator, q: Addend, needT: boolean): void {
  const { X, Y, Z, T } = acc;
  const xx = X * q.x;
  const yy = Y * q.y;
  const c = (T * q.dt) % P;
  const d = q.z === 1n ? Z : (Z * q.z) % P;
  const e = ((X + Y) * q.s - xx - yy) % P; // X1 Y2 + Y1 X2 >= 0
  const h = yy - A * xx; // unreduced and signed
  let f = d - c;
  if (f < 0n) f += P;
  let g = d + c;
  if (g >= P) g -= P;
  acc.X = (e * f) % P;
  const y = (g * h) % P;
  acc.Y = y < 0n ? y + P : y;
  acc.Z = (f * g) % P;
  if (needT) {
    const t = (e * h) % P;
    acc.T = t < 0n ? t + P : t;
  }
}

function accumulator(p: ExtendedPoint): Accumulator {
  return { X: p.X, Y: p.Y, Z: p.Z, T: p.T };
}

function frozen(acc: Accumulator): ExtendedPoint {
  return { X: acc.X, Y: acc.Y, Z: acc.Z, T: acc.T };
}

function toAddend(p: ExtendedPoint): Addend {
  return addend(p.X, p.Y, p.Z, p.T);
}

/**
 * Whether [x, y] is a point of BabyJubJub with canonical coordinates (bigints in [0, p)).
 * Unlike @zk-kit/baby-jubjub's `inCurve`, which reduces its inputs modulo p, it returns false
 * for negative or too large coordinates (and for anything that is not a pair of bigints), so
 * that each point has one encoding.
 */
export function inCurve(point: readonly unknown[]): boolean {
  if (!Array.isArray(point) || point.length !== 2) return false;
  const [x, y] = point;
  if (typeof x !== "bigint" || typeof y !== "bigint") return false;
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  const x2 = (x * x) % P;
  const y2 = (y * y) % P;
  return (A * x2 + y2 - 1n - D * ((x2 * y2) % P)) % P === 0n;
}

/**
 * The extended form of an affine point. It does not check that the point is on the curve (see
 * `inCurve`); the formulas assume it.
 */
export function fromAffine(point: readonly [bigint, bigint]): ExtendedPoint {
  const [x, y] = point;
  return { X: x, Y: y, Z: 1n, T: (x * y) % P };
}

/** Affine coordinates of a point, with one modular inversion. */
export function toAffine(p: ExtendedPoint): AffinePoint {
  if (p.Z === 1n) return [p.X, p.Y];
  const zInv = invert(p.Z);
  return [(p.X * zInv) % P, (p.Y * zInv) % P];
}

/**
 * Affine coordinates of several points with one inversion in all (Montgomery's trick), for
 * callers that need more than one point in affine form.
 */
export function toAffineMany(points: readonly ExtendedPoint[]): AffinePoint[] {
  const zInv = batchInverse(
    points.map((p) => p.Z),
    P,
    "not a point",
  );
  return points.map((p, i) => [(p.X * zInv[i]) % P, (p.Y * zInv[i]) % P]);
}

/** p + q, for any two points of the curve (the formula is complete). */
export function addPoints(p: ExtendedPoint, q: ExtendedPoint): ExtendedPoint {
  const acc = accumulator(p);
  addInto(acc, toAddend(q), true);
  return frozen(acc);
}

/** 2 p. */
export function doublePoint(p: ExtendedPoint): ExtendedPoint {
  const acc = accumulator(p);
  doubleInto(acc, true);
  return frozen(acc);
}

/** -p: (x, y) -> (-x, y). */
export function negatePoint(p: ExtendedPoint): ExtendedPoint {
  return { X: p.X === 0n ? 0n : P - p.X, Y: p.Y, Z: p.Z, T: p.T === 0n ? 0n : P - p.T };
}

/** Whether p and q are the same point, by cross-multiplication (no inversion). */
export function pointsEqual(p: ExtendedPoint, q: ExtendedPoint): boolean {
  return (p.X * q.Z - q.X * p.Z) % P === 0n && (p.Y * q.Z - q.Y * p.Z) % P === 0n;
}

/** Whether p is the identity (0, 1). */
export function isIdentity(p: ExtendedPoint): boolean {
  return p.X % P === 0n && (p.Y - p.Z) % P === 0n;
}

/** Extended points to addends, normalised to affine (z = 1) with one inversion. */
function affineAddends(points: readonly ExtendedPoint[]): Addend[] {
  return toAffineMany(points).map(([x, y]) => addend(x, y, 1n, (x * y) % P));
}

/**
 * 8 p, by three doublings. It is the identity exactly when p has small order (1, 2, 4 or 8);
 * for points of the curve it always lies in the prime-order subgroup.
 */
export function multiplyByCofactor(p: ExtendedPoint): ExtendedPoint {
  return doubleTimes(p, 3);
}

/** 2^n p by n doublings. */
function doubleTimes(p: ExtendedPoint, n: number): ExtendedPoint {
  const acc = accumulator(p);
  for (let i = 0; i < n; i++) doubleInto(acc, i === n - 1);
  return frozen(acc);
}

/** The odd multiples p, 3p, ..., (2 count - 1) p. */
function oddMultiples(p: ExtendedPoint, count: number): ExtendedPoint[] {
  const twice = toAddend(doublePoint(p));
  const out: ExtendedPoint[] = [p];
  const acc = accumulator(p);
  for (let i = 1; i < count; i++) {
    addInto(acc, twice, true);
    out.push(frozen(acc));
  }
  return out;
}

/**
 * Odd multiples of 2^(42 c) p for c = 0..5, `count` of each: the wNAF tables of a point whose
 * scalars (below 2^252) are cut into six 42-bit chunks sharing one chain of 42 doublings.
 */
function chunkTables(p: ExtendedPoint, count: number, affine: boolean): Addend[][] {
  const points: ExtendedPoint[] = [];
  let base = p;
  for (let c = 0; c < CHUNKS; c++) {
    if (c > 0) base = doubleTimes(base, CHUNK_BITS);
    points.push(...oddMultiples(base, count));
  }
  const entries = affine ? affineAddends(points) : points.map(toAddend);
  return Array.from({ length: CHUNKS }, (_, c) => entries.slice(c * count, (c + 1) * count));
}

let baseTables: Addend[][] | undefined;

/** The chunk tables of Base8 (width-12 wNAF: 1024 affine points per chunk), built on first use. */
function base8Tables(): Addend[][] {
  if (baseTables === undefined)
    baseTables = chunkTables(fromAffine(BASE8), 1 << (FIXED_WINDOW - 2), true);
  return baseTables;
}

let combTable: Addend[][] | undefined;

/** Row j holds m 2^(8 j) Base8 for m = 1..128 (index m - 1). */
function comb(): Addend[][] {
  if (combTable === undefined) {
    const half = 1 << (COMB_BITS - 1);
    const points: ExtendedPoint[] = [];
    let base = fromAffine(BASE8);
    for (let row = 0; row < COMB_ROWS; row++) {
      const step = toAddend(base);
      const acc = accumulator(base);
      points.push(base);
      for (let m = 2; m <= half; m++) {
        addInto(acc, step, true);
        points.push(frozen(acc));
      }
      // 2^8 base = 2 (128 base).
      base = doublePoint(frozen(acc));
    }
    const entries = affineAddends(points);
    const rows: Addend[][] = [];
    for (let row = 0; row < COMB_ROWS; row++)
      rows.push(entries.slice(row * half, (row + 1) * half));
    combTable = rows;
  }
  return combTable;
}

/**
 * Width-w NAF of k >= 0, least significant digit first: odd digits in (-2^(w-1), 2^(w-1)) or
 * 0, with at most one nonzero digit in any w consecutive ones.
 */
function wnaf(k: bigint, w: number): Int32Array {
  const bin = k.toString(2);
  const n = k === 0n ? 0 : bin.length;
  const bits = new Uint8Array(n + w + 1);
  for (let i = 0; i < n; i++) bits[i] = bin.charCodeAt(n - 1 - i) - 48;
  const digits = new Int32Array(n + 1);
  const full = 1 << w;
  let carry = 0;
  let i = 0;
  while (i <= n) {
    if (bits[i] === carry) {
      i++;
      continue;
    }
    let word = carry;
    for (let j = 0; j < w; j++) word += bits[i + j] << j;
    carry = (word >> (w - 1)) & 1;
    digits[i] = word - carry * full;
    i += w;
  }
  return digits;
}

function modL(k: bigint): bigint {
  const r = k % L;
  return r < 0n ? r + L : r;
}

/**
 * k Base8 for any bigint k, negative too (taken modulo l, the order of Base8), from the comb
 * table: 32 signed 8-bit digits, one mixed addition each and no doubling. Signing and key
 * derivation use it.
 */
export function mulBase8(k: bigint): ExtendedPoint {
  const table = comb();
  const hex = modL(k).toString(16).padStart(64, "0");
  const acc: Accumulator = { X: 0n, Y: 1n, Z: 1n, T: 0n };
  let carry = 0;
  for (let row = 0; row < COMB_ROWS; row++) {
    const at = 62 - 2 * row;
    let digit = parseInt(hex.slice(at, at + 2), 16) + carry;
    carry = digit >= 128 ? 1 : 0;
    digit -= carry << 8;
    if (digit > 0) addInto(acc, table[row][digit - 1], true);
    else if (digit < 0) addInto(acc, negateAddend(table[row][-digit - 1]), true);
  }
  return frozen(acc);
}

/** One scalar's wNAF digits, the odd multiples they index, and whether to subtract them. */
interface Stream {
  digits: Int32Array;
  table: readonly Addend[];
  negate: boolean;
}

/**
 * The streams of a scalar modulo l over chunk tables of a point of order l: k or l - k,
 * whichever is below l / 2 (2^251), with the sign moved to the stream; its wNAF is cut into six
 * 42-digit pieces (the last one keeps the final carry digit), piece c indexing the multiples of
 * 2^(42 c) p.
 */
function chunkStreams(
  out: Stream[],
  scalar: bigint,
  tables: readonly (readonly Addend[])[],
  w: number,
): void {
  let k = modL(scalar);
  if (k === 0n) return;
  const negate = k > L >> 1n;
  if (negate) k = L - k;
  const digits = wnaf(k, w);
  for (let c = 0; c < CHUNKS; c++) {
    const start = c * CHUNK_BITS;
    if (start >= digits.length) break;
    const end = c === CHUNKS - 1 ? digits.length : Math.min(digits.length, start + CHUNK_BITS);
    out.push({ digits: digits.subarray(start, end), table: tables[c], negate });
  }
}

/**
 * Precomputed multiples of a point of the prime-order subgroup (such as an EdDSA key's 8 A), so
 * that `linearCombination` needs only 42 doublings for it instead of 252. Building one costs
 * about as much as one scalar multiplication; it pays off from the second or third use.
 */
export interface PreparedPoint {
  /** Odd multiples 1, 3, .., 15 of 2^(42 c) p for c = 0..5, ready to add. */
  readonly tables: readonly (readonly Addend[])[];
}

/**
 * Prepares p for `linearCombination`. p must lie in the prime-order subgroup: its scalars are
 * taken modulo l.
 */
export function preparePoint(p: ExtendedPoint): PreparedPoint {
  return { tables: chunkTables(p, 1 << (PREPARED_WINDOW - 2), false) };
}

/**
 * baseScalar Base8 + sum of scalar_i point_i + sum of scalar_j prepared_j, exactly, for any
 * bigint scalars (negative ones too). Base8's and the prepared points' scalars are taken modulo
 * l; the others are used as they are, so points outside the prime-order subgroup are multiplied
 * exactly. All terms share one chain of doublings (Straus' method): Base8 and the prepared
 * points contribute six 42-bit chunks over precomputed tables, each other point a width-4 wNAF
 * over its odd multiples p, 3p, 5p, 7p computed here, so the cost follows the longest
 * unprepared scalar (about 126 doublings in EdDSA verification, 42 when every point is
 * prepared). Points must have a current T (as every function here returns them).
 */
export function linearCombination(
  baseScalar: bigint,
  terms: readonly (readonly [ExtendedPoint, bigint])[],
  prepared: readonly (readonly [PreparedPoint, bigint])[] = [],
): ExtendedPoint {
  const streams: Stream[] = [];
  chunkStreams(streams, baseScalar, base8Tables(), FIXED_WINDOW);
  for (const [point, scalar] of prepared)
    chunkStreams(streams, scalar, point.tables, PREPARED_WINDOW);
  for (const [point, scalar] of terms) {
    if (scalar === 0n) continue;
    streams.push({
      digits: wnaf(scalar < 0n ? -scalar : scalar, TABLE_WINDOW),
      table: oddMultiples(point, 1 << (TABLE_WINDOW - 2)).map(toAddend),
      negate: scalar < 0n,
    });
  }
  return frozen(straus(streams));
}

const NO_ADDENDS: readonly Addend[] = [];

/** The sum of the streams' multiples, by one shared chain of doublings. */
function straus(streams: readonly Stream[]): Accumulator {
  // The additions due at each position, from the most significant down.
  let length = 0;
  for (const s of streams) length = Math.max(length, s.digits.length);
  const due: (Addend[] | undefined)[] = new Array<Addend[] | undefined>(length);
  for (const s of streams) {
    const { digits, table, negate } = s;
    for (let i = 0; i < digits.length; i++) {
      const digit = digits[i];
      if (digit === 0) continue;
      const entry = table[((digit < 0 ? -digit : digit) - 1) >> 1];
      const q = digit < 0 !== negate ? negateAddend(entry) : entry;
      const list = due[i];
      if (list === undefined) due[i] = [q];
      else list.push(q);
    }
  }
  const acc: Accumulator = { X: 0n, Y: 1n, Z: 1n, T: 0n };
  let started = false;
  for (let i = length - 1; i >= 0; i--) {
    const hits = due[i] ?? NO_ADDENDS;
    const n = hits.length;
    // T is needed before an addition, and at the end for callers that add to the result.
    if (started) doubleInto(acc, n > 0 || i === 0);
    for (let j = 0; j < n; j++) {
      const q = hits[j];
      if (!started) {
        acc.X = q.x;
        acc.Y = q.y;
        acc.Z = q.z;
        acc.T = q.t;
        started = true;
      } else addInto(acc, q, j < n - 1 || i === 0);
    }
  }
  return acc;
}

/** k p for any bigint k (negative too), exactly (p need not be in the prime subgroup). */
export function mulPoint(p: ExtendedPoint, k: bigint): ExtendedPoint {
  return linearCombination(0n, [[p, k]]);
}
