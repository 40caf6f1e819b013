/**
 * Poseidon over the BN254 scalar field with circomlib's parameters (x^5 S-box, 8 full rounds,
 * circomlib's partial round counts and round constants), for 1 to 6 inputs (width t = 2..7).
 * The output is bit-identical to poseidon-lite's `poseidonN` and to circomlib's `Poseidon(N)`
 * template; the constants are read from poseidon-lite so that there is one source for them.
 *
 * Speed comes from rewriting the permutation once per width, on first use, into an equivalent
 * form with fewer BigInt operations (each `%` costs about four multiplications):
 * - Constant folding (Poseidon paper, appendix B): a partial round's S-box touches element 0
 *   only, so the constants it adds to the other elements can be carried forward through the
 *   linear layers into the first closing full round; each partial round then adds one scalar k_j.
 * - What is left of the partial rounds is a time-invariant linear system driven by the S-box:
 *   s_{j+1} = A s_j + b u_j with A = M diag(0, 1, .., 1), b = M e_0, y_j = s_j[0] and
 *   u_j = (y_j + k_j)^5. By Cayley-Hamilton (A is singular, so its characteristic polynomial has
 *   no constant term), y_j = sum_{i<t} alpha_i y_{j-i} + sum_{i<=t} beta_i u_{j-i}: 2t - 1
 *   products of reduced numbers and one reduction per round, the multiplication count of the
 *   paper's sparse-matrix form, without its t - 1 state updates or their reductions. The first
 *   t rounds read the state left by the opening full rounds directly, and the full state after
 *   the last partial round is recovered from the last t values of y and u by a t x 2t matrix.
 * - Dot products are reduced once, the last round computes only the output element, and round
 *   0's first S-box (of a constant) is precomputed.
 *
 * Inputs must be canonical field elements (0 <= x < p). poseidon-lite takes any integer and in
 * effect hashes it modulo p (and returns garbage for negative numbers); accepting x and x + p as
 * the same input would let two encodings of one value hash alike, so this module refuses them
 * with a RangeError instead.
 */
import path from "node:path";

/** p, the BN254 scalar field's modulus: Poseidon's field, BabyJubJub's coordinates' field. */
export const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Most inputs `poseidon` takes (width t = 7, the widest the rollup uses). */
export const MAX_POSEIDON_INPUTS = 6;

const P = FIELD_MODULUS;
const FULL_ROUNDS = 8;
const HALF_FULL = FULL_ROUNDS / 2;
/** circomlib's partial round counts, indexed by t - 2. */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63];

type Matrix = bigint[][];

/** A width's permutation in the optimised form described in the header. */
interface Schedule {
  t: number;
  /** S-box of round 0's first state element: 0 plus its constant, the same for every input. */
  firstSbox: bigint;
  /** Round constants of the 4 opening and the 4 closing full rounds, t each, by round. */
  fullConstants: bigint[][];
  /** The MDS matrix, row-major: out[i] = sum_j mds[i][j] * in[j]. */
  mds: Matrix;
  /** The scalar k_j each partial round adds to the S-box input. */
  partialConstants: bigint[];
  /**
   * For j < t: y_j = opening[j] . s_0 + sum_{m<j} markov[j-1-m] u_m, where s_0 is the state the
   * opening full rounds leave.
   */
  opening: Matrix;
  /** markov[i] = e_0 A^i b. */
  markov: bigint[];
  /** alpha[i - 1] for i = 1..t-1. */
  alpha: bigint[];
  /** beta[i - 1] for i = 1..t. */
  beta: bigint[];
  /** State after the partial rounds = closingY (last t values of y) + closingU (last t of u). */
  closingY: Matrix;
  closingU: Matrix;
}

const schedules: (Schedule | undefined)[] = [];

function mod(x: bigint): bigint {
  const r = x % P;
  return r < 0n ? r + P : r;
}

function inverse(a: bigint): bigint {
  let [t, newT, r, newR] = [0n, 1n, P, mod(a)];
  while (newR !== 0n) {
    const q = r / newR;
    [t, newT] = [newT, t - q * newT];
    [r, newR] = [newR, r - q * newR];
  }
  if (r !== 1n) throw new Error("poseidon: no inverse while preparing the constants");
  return mod(t);
}

/** Inverse of a square matrix modulo p, by Gauss-Jordan elimination. */
function invertMatrix(m: Matrix): Matrix {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1n : 0n))]);
  for (let col = 0; col < n; col++) {
    const pivot = a.findIndex((row, i) => i >= col && row[col] !== 0n);
    if (pivot < 0) throw new Error("poseidon: singular matrix while preparing the constants");
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const inv = inverse(a[col][col]);
    a[col] = a[col].map((v) => (v * inv) % P);
    for (let i = 0; i < n; i++) {
      const f = a[i][col];
      if (i === col || f === 0n) continue;
      a[i] = a[i].map((v, j) => mod(v - f * a[col][j]));
    }
  }
  return a.map((row) => row.slice(n));
}

function identity(n: number): Matrix {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1n : 0n)),
  );
}

function matMul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0n) % P));
}

function matVec(a: Matrix, v: readonly bigint[]): bigint[] {
  return a.map((row) => row.reduce((s, x, j) => s + x * v[j], 0n) % P);
}

function dot(u: readonly bigint[], v: readonly bigint[]): bigint {
  return u.reduce((s, x, i) => s + x * v[i], 0n) % P;
}

/** poseidon-lite stores each constant as the base64 of its big-endian bytes. */
function decodeConstant(value: unknown): bigint {
  if (typeof value !== "string") throw new Error("poseidon: unexpected constants format");
  const hex = Buffer.from(value, "base64").toString("hex");
  return hex === "" ? 0n : BigInt(`0x${hex}`);
}

/**
 * poseidon-lite's round constants and MDS matrix for width t. Its package exports only the hash
 * functions, so the constants file is required by path from the package's directory.
 */
function loadConstants(t: number): { C: bigint[]; M: Matrix } {
  const dir = path.dirname(require.resolve("poseidon-lite"));
  const file: unknown = require(path.join(dir, "constants", `${t - 1}.js`));
  const data =
    typeof file === "object" && file !== null && "default" in file ? file.default : undefined;
  if (typeof data !== "object" || data === null || !("C" in data) || !("M" in data))
    throw new Error("poseidon: unexpected constants format");
  const { C, M } = data;
  if (!Array.isArray(C) || !Array.isArray(M) || !M.every((row) => Array.isArray(row)))
    throw new Error("poseidon: unexpected constants format");
  const constants = C.map(decodeConstant);
  const mds = M.map((row: unknown[]) => row.map(decodeConstant));
  const rounds = FULL_ROUNDS + PARTIAL_ROUNDS[t - 2];
  if (constants.length !== rounds * t || mds.length !== t || mds.some((r) => r.length !== t))
    throw new Error(`poseidon: unexpected constants size for t=${t}`);
  return { C: constants, M: mds };
}

/**
 * Rewrites poseidon-lite's permutation for width t (each round: add constants, S-box on all
 * elements or on the first only, multiply by M) into the schedule described in the header.
 */
function buildSchedule(t: number): Schedule {
  const { C, M } = loadConstants(t);
  const partialRounds = PARTIAL_ROUNDS[t - 2];
  const roundConstants = (r: number): bigint[] => C.slice(r * t, (r + 1) * t);

  // Constant folding: round j adds c = C_j + carry; the S-box sees c[0], the rest goes through
  // the S-box unchanged and then through M into the next round's constants.
  const partialConstants: bigint[] = [];
  let carry: bigint[] = new Array<bigint>(t).fill(0n);
  for (let j = 0; j < partialRounds; j++) {
    const c = roundConstants(HALF_FULL + j).map((v, i) => (v + carry[i]) % P);
    partialConstants.push(c[0]);
    carry = matVec(M, [0n, ...c.slice(1)]);
  }
  const closing = roundConstants(HALF_FULL + partialRounds).map((v, i) => (v + carry[i]) % P);
  const fullConstants = [
    ...[0, 1, 2, 3].map(roundConstants),
    closing,
    ...[1, 2, 3].map((r) => roundConstants(HALF_FULL + partialRounds + r)),
  ];

  // The partial rounds' linear system s' = A s + b u, observed through y = e_0 . s.
  const A = M.map((row) => row.map((v, j) => (j === 0 ? 0n : v)));
  const b = M.map((row) => row[0]);
  const I = identity(t);
  const powers: Matrix[] = [I];
  for (let k = 1; k <= t; k++) powers.push(matMul(powers[k - 1], A));
  const observe = powers.map((Ak) => Ak[0]); // e_0 A^k
  const markov = observe.map((row) => dot(row, b));

  // Characteristic polynomial z^t + c_1 z^(t-1) + .. + c_t of A (Faddeev-LeVerrier).
  const c: bigint[] = [1n];
  let Mk: Matrix = A.map((row) => row.map(() => 0n));
  for (let k = 1; k <= t; k++) {
    Mk = matMul(A, Mk).map((row, i) => row.map((v, j) => (i === j ? (v + c[k - 1]) % P : v)));
    const AM = matMul(A, Mk);
    const trace = AM.reduce((s, row, i) => s + row[i], 0n);
    c.push(mod(-trace * inverse(BigInt(k))));
  }
  if (c[t] !== 0n) throw new Error("poseidon: unexpected partial-round matrix");
  // sum_i c_i y_{n+t-i} = sum_m gamma_m u_{n+m}, from sum_i c_i A^(t-i) = 0.
  const gamma = Array.from({ length: t }, (_, m) => {
    let s = 0n;
    for (let i = 0; i <= t - 1 - m; i++) s += c[i] * markov[t - 1 - i - m];
    return s % P;
  });
  const alpha = c.slice(1, t).map((v) => mod(-v));
  const beta = Array.from({ length: t }, (_, i) => gamma[t - 1 - i]);

  // After the last partial round: s_R = A^t s_{R-t} + sum_m A^(t-1-m) b u_{R-t+m}, where
  // s_{R-t} = O^-1 (Y - T U) with O's rows e_0 A^k and T[k][m] = markov[k-1-m] (m < k).
  const closingY = matMul(powers[t], invertMatrix(observe.slice(0, t)));
  const toeplitz = Array.from({ length: t }, (_, k) =>
    Array.from({ length: t }, (_, m) => (m < k ? markov[k - 1 - m] : 0n)),
  );
  const drive = Array.from({ length: t }, (_, m) => matVec(powers[t - 1 - m], b));
  const yT = matMul(closingY, toeplitz);
  const closingU = Array.from({ length: t }, (_, r) =>
    Array.from({ length: t }, (_, m) => mod(drive[m][r] - yT[r][m])),
  );

  const u = C[0];
  const u2 = (u * u) % P;
  return {
    t,
    firstSbox: (((u2 * u2) % P) * u) % P,
    fullConstants,
    mds: M,
    partialConstants,
    opening: observe.slice(0, t),
    markov,
    alpha,
    beta,
    closingY,
    closingU,
  };
}

function schedule(t: number): Schedule {
  let s = schedules[t];
  if (s === undefined) {
    s = buildSchedule(t);
    schedules[t] = s;
  }
  return s;
}

/** x^5 mod p for 0 <= x < 2p (x^4 x is reduced once, as a 760-bit number). */
function sbox(x: bigint): bigint {
  const x2 = (x * x) % P;
  return (x2 * x2 * x) % P;
}

/** One full round: state <- mds * sbox(state + constants), all reduced. */
function fullRound(state: bigint[], sboxed: bigint[], constants: bigint[], mds: Matrix): void {
  const t = state.length;
  for (let i = 0; i < t; i++) sboxed[i] = sbox(state[i] + constants[i]);
  for (let i = 0; i < t; i++) {
    const row = mds[i];
    let acc = 0n;
    for (let j = 0; j < t; j++) acc += row[j] * sboxed[j];
    state[i] = acc % P;
  }
}

function permute(s: Schedule, inputs: readonly bigint[]): bigint {
  const t = s.t;
  const { fullConstants, mds, partialConstants, opening, markov, alpha, beta } = s;
  const state = new Array<bigint>(t);
  const sboxed = new Array<bigint>(t);

  // Round 0: the state is (0, inputs), and element 0's S-box output is a constant.
  const c0 = fullConstants[0];
  sboxed[0] = s.firstSbox;
  for (let i = 1; i < t; i++) sboxed[i] = sbox(inputs[i - 1] + c0[i]);
  for (let i = 0; i < t; i++) {
    const row = mds[i];
    let acc = 0n;
    for (let j = 0; j < t; j++) acc += row[j] * sboxed[j];
    state[i] = acc % P;
  }
  for (let r = 1; r < HALF_FULL; r++) fullRound(state, sboxed, fullConstants[r], mds);

  // Partial rounds: y_j (S-box input less its constant) and u_j (S-box output).
  const rounds = partialConstants.length;
  const y = new Array<bigint>(rounds);
  const u = new Array<bigint>(rounds);
  for (let j = 0; j < t; j++) {
    const row = opening[j];
    let acc = 0n;
    for (let i = 0; i < t; i++) acc += row[i] * state[i];
    for (let m = 0; m < j; m++) acc += markov[j - 1 - m] * u[m];
    y[j] = acc % P;
    u[j] = sbox(y[j] + partialConstants[j]);
  }
  for (let j = t; j < rounds; j++) {
    let acc = beta[t - 1] * u[j - t];
    for (let i = 1; i < t; i++) acc += alpha[i - 1] * y[j - i] + beta[i - 1] * u[j - i];
    y[j] = acc % P;
    u[j] = sbox(y[j] + partialConstants[j]);
  }
  const { closingY, closingU } = s;
  const last = rounds - t;
  for (let r = 0; r < t; r++) {
    const ry = closingY[r];
    const ru = closingU[r];
    let acc = 0n;
    for (let i = 0; i < t; i++) acc += ry[i] * y[last + i] + ru[i] * u[last + i];
    state[r] = acc % P;
  }

  for (let r = HALF_FULL; r < FULL_ROUNDS - 1; r++) fullRound(state, sboxed, fullConstants[r], mds);
  // Last round: only element 0 of the output is the hash.
  const c7 = fullConstants[FULL_ROUNDS - 1];
  for (let i = 0; i < t; i++) sboxed[i] = sbox(state[i] + c7[i]);
  const row = mds[0];
  let acc = 0n;
  for (let j = 0; j < t; j++) acc += row[j] * sboxed[j];
  return acc % P;
}

/**
 * Poseidon hash of 1 to 6 field elements, equal to poseidon-lite's `poseidonN(inputs)` and
 * circomlib's `Poseidon(N)` for N = inputs.length.
 * @throws RangeError when there are no inputs or more than 6, or an input is not a bigint in
 *   [0, p) (poseidon-lite would reduce it modulo p; see the module header).
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  const n = inputs.length;
  if (n < 1 || n > MAX_POSEIDON_INPUTS)
    throw new RangeError(`poseidon: takes 1 to ${MAX_POSEIDON_INPUTS} inputs, got ${n}`);
  for (let i = 0; i < n; i++) {
    const x = inputs[i];
    if (typeof x !== "bigint" || x < 0n || x >= P)
      throw new RangeError(`poseidon: input ${i} is not a field element (0 <= x < p)`);
  }
  return permute(schedule(n + 1), inputs);
}

function fixedArity(n: number, inputs: readonly bigint[]): bigint {
  if (inputs.length !== n)
    throw new RangeError(`poseidon${n}: takes ${n} inputs, got ${inputs.length}`);
  return poseidon(inputs);
}

/** Poseidon of exactly 3 field elements; same as poseidon-lite's `poseidon3`. */
export function poseidon3(inputs: readonly bigint[]): bigint {
  return fixedArity(3, inputs);
}

/** Poseidon of exactly 4 field elements; same as poseidon-lite's `poseidon4`. */
export function poseidon4(inputs: readonly bigint[]): bigint {
  return fixedArity(4, inputs);
}

/** Poseidon of exactly 5 field elements; same as poseidon-lite's `poseidon5` (EdDSA's hash). */
export function poseidon5(inputs: readonly bigint[]): bigint {
  return fixedArity(5, inputs);
}

/** Poseidon of exactly 6 field elements; same as poseidon-lite's `poseidon6`. */
export function poseidon6(inputs: readonly bigint[]): bigint {
  return fixedArity(6, inputs);
}
