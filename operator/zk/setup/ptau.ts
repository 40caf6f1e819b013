/**
 * Powers of tau for the Groth16 setup.
 *
 * Production uses a public ceremony file (`ZK_PTAU`, e.g. Hermez' `powersOfTau28_hez_final_NN`),
 * checked with `snarkjs powersoftau verify` before use.
 *
 * Development uses a file generated here in seconds instead of the half hour snarkjs needs:
 *
 * 1. snarkjs starts a fresh accumulator and applies one **beacon** contribution. A beacon's
 *    secrets (tau, alpha, beta) are derived from its public hash, so anyone can recompute them:
 *    the file is INSECURE by construction, and its contribution is named so. That is the point:
 *    it can only ever be a development file.
 * 2. snarkjs' `preparephase2` would then compute the Lagrange-basis sections (12-15) with inverse
 *    FFTs over curve points, O(n log n) scalar multiplications per power, which takes ~5 minutes at
 *    2^14 on these machines and grows faster than linearly. Knowing tau, we compute the same points
 *    directly: each is the generator times a scalar L_j(tau) computed in the field, one scalar
 *    multiplication per point, spread over ffjavascript's worker threads.
 *
 * The result is byte-for-byte what snarkjs' own preparephase2 writes (tested at small powers) and
 * passes `snarkjs powersoftau verify`.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { L2kitError } from "../../core/errors";
import { silentLogger, type Logger } from "../../core/log";
import {
  binFileUtils,
  ffjavascript,
  snarkjs,
  snarkjsLogger,
  type Curve,
  type ThreadTask,
} from "./snarkjs";

/** The contribution name every development file carries (snarkjs keeps at most 64 bytes). */
export const DEV_PTAU_NAME = "l2kit DEV ptau, INSECURE: tau derivable from its beacon";
/** snarkjs requires at least 2^10 hash iterations for a beacon. */
const BEACON_ITERATIONS_EXP = 10;
/** Largest power the development generator accepts (2^20 points would take hours anyway). */
export const MAX_DEV_POWER = 20;

export interface PtauProgress {
  /** Points computed so far and in all, across the four Lagrange sections. */
  done: number;
  total: number;
}

export interface DevPtauOptions {
  log?: Logger;
  onProgress?: (p: PtauProgress) => void;
  /** Beacon hash (32 bytes hex); random when omitted. Fixed only in tests. */
  beaconHex?: string;
}

/** bn128 (alt_bn128): the curve of Ethereum's pairing precompile. */
export async function bn128(): Promise<Curve> {
  return snarkjs.curves.getCurveFromName("bn128");
}

/**
 * Writes a prepared (phase-2 ready) development powers-of-tau file of size 2^power to `outFile`
 * (via a temporary file, renamed at the end, so an interrupted run leaves nothing half-written).
 */
export async function generateDevPtau(
  power: number,
  outFile: string,
  options: DevPtauOptions = {},
): Promise<void> {
  if (!Number.isInteger(power) || power < 1 || power > MAX_DEV_POWER) {
    throw new L2kitError(
      "PTAU_BAD_POWER",
      `development powers of tau must be 2^1 .. 2^${MAX_DEV_POWER}, got ${power}`,
      { power },
    );
  }
  const log = (options.log ?? silentLogger).child({ component: "ptau", power });
  const curve = await bn128();
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  const tmp = `${outFile}.tmp-${process.pid}`;
  const fresh = `${tmp}.0`;
  const contributed = `${tmp}.1`;
  const beaconHex = options.beaconHex ?? crypto.randomBytes(32).toString("hex");
  try {
    log.info("new accumulator");
    await snarkjs.powersOfTau.newAccumulator(curve, power, fresh);
    log.info("beacon contribution", { beacon: beaconHex });
    await snarkjs.powersOfTau.beacon(
      fresh,
      contributed,
      DEV_PTAU_NAME,
      beaconHex,
      BEACON_ITERATIONS_EXP,
    );
    const secrets = secretsFromBeacon(curve, beaconHex, BEACON_ITERATIONS_EXP);
    log.info("computing Lagrange sections");
    await writePrepared(curve, contributed, tmp, power, secrets, options.onProgress);
    fs.renameSync(tmp, outFile);
    log.info("development powers of tau written", { file: outFile });
  } finally {
    for (const f of [fresh, contributed, tmp]) fs.rmSync(f, { force: true });
  }
}

export interface TauSecrets {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

/**
 * The secrets of a beacon contribution: SHA-256 applied 2^exp times to the beacon, the result
 * seeding ChaCha20 (eight big-endian words), from which tau, alpha and beta are drawn in turn.
 */
export function secretsFromBeacon(
  curve: Curve,
  beaconHex: string,
  iterationsExp: number,
): TauSecrets {
  let h = Buffer.from(beaconHex, "hex");
  for (let i = 0; i < 2 ** iterationsExp; i++) h = crypto.createHash("sha256").update(h).digest();
  const seed = Array.from({ length: 8 }, (_, i) => h.readUInt32BE(i * 4));
  const rng = new ffjavascript.ChaCha(seed);
  const draw = (): bigint => curve.Fr.toObject(curve.Fr.fromRng(rng));
  const tau = draw();
  const alpha = draw();
  const beta = draw();
  return { tau, alpha, beta };
}

/** Copies sections 1-7 of `contributedFile` and appends the Lagrange sections 12-15. */
async function writePrepared(
  curve: Curve,
  contributedFile: string,
  outFile: string,
  power: number,
  secrets: TauSecrets,
  onProgress?: (p: PtauProgress) => void,
): Promise<void> {
  const { fd: fdIn, sections } = await binFileUtils.readBinFile(contributedFile, "ptau", 1);
  // The secrets must be those of this file; if snarkjs ever derived them differently, stop here.
  const tauG1 = await binFileUtils.readSection(fdIn, sections, 2, 64, 64);
  const expected = curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, secrets.tau));
  if (!curve.G1.eq(curve.G1.fromRprLEM(tauG1, 0), expected)) {
    await fdIn.close();
    throw new L2kitError(
      "PTAU_SECRET_MISMATCH",
      "beacon secrets do not reproduce the contributed tau*G1",
      {},
    );
  }
  const fdOut = await binFileUtils.createBinFile(outFile, "ptau", 1, 11);
  for (const id of [1, 2, 3, 4, 5, 6, 7]) await binFileUtils.copySection(fdIn, sections, fdOut, id);
  await fdIn.close();

  const r = curve.r;
  const plan: { section: number; group: "G1" | "G2"; factor: bigint; maxPower: number }[] = [
    { section: 12, group: "G1", factor: 1n, maxPower: power + 1 },
    { section: 13, group: "G2", factor: 1n, maxPower: power },
    { section: 14, group: "G1", factor: secrets.alpha, maxPower: power },
    { section: 15, group: "G1", factor: secrets.beta, maxPower: power },
  ];
  const total = plan.reduce((s, p) => s + 2 ** (p.maxPower + 1) - 1, 0);
  const progress = { done: 0, total };
  for (const { section, group, factor, maxPower } of plan) {
    await binFileUtils.startWriteSection(fdOut, section);
    for (let p = 0; p <= maxPower; p++) {
      // The tau*G1 section holds 2^(power+1) - 1 points; snarkjs pads the last one with zero.
      const terms = section === 12 && p === power + 1 ? 2 ** p - 1 : 2 ** p;
      const scalars = lagrangeScalars(curve, secrets.tau, p, terms, factor, r);
      await fdOut.write(
        await multiplyGenerator(curve, group, scalars, (n) => {
          progress.done += n;
          onProgress?.({ ...progress });
        }),
      );
    }
    await binFileUtils.endWriteSection(fdOut);
  }
  await fdOut.close();
}

/**
 * The scalars snarkjs' inverse FFT produces for a domain of size n = 2^p from the first `terms`
 * powers of tau: s_j = factor / n * sum_{i < terms} (tau * w^-j)^i, with w ffjavascript's n-th
 * root of unity. Closed form: factor / n * ((tau w^-j)^terms - 1) / (tau w^-j - 1).
 */
export function lagrangeScalars(
  curve: Curve,
  tau: bigint,
  p: number,
  terms: number,
  factor: bigint,
  r: bigint,
): bigint[] {
  const n = 2 ** p;
  const w = curve.Fr.toObject(curve.Fr.w[p]);
  const wInv = modInverse(w, r);
  const nInv = modInverse(BigInt(n), r);
  const base = (factor * nInv) % r;
  // x_j = tau * w^-j; x_j^terms is tau^n when terms = n, and tau^(n-1) * w^j when terms = n - 1.
  const xs: bigint[] = new Array<bigint>(n);
  const numerators: bigint[] = new Array<bigint>(n);
  const tauN = modPow(tau, BigInt(terms), r);
  let x = tau % r;
  let wj = 1n;
  for (let j = 0; j < n; j++) {
    xs[j] = x;
    const xPow = terms === n ? tauN : (tauN * wj) % r;
    numerators[j] = (xPow - 1n + r) % r;
    x = (x * wInv) % r;
    wj = (wj * w) % r;
  }
  const denominators = batchInverse(
    xs.map((v) => (v - 1n + r) % r),
    r,
  );
  return numerators.map((num, j) => (((base * num) % r) * denominators[j]) % r);
}

/** Fixed-base comb: 32 windows of 8 bits; entry (w, d) is d * 2^(8w) * generator, affine. */
const WINDOW_BITS = 8;
const WINDOWS = 32;
const DIGITS = 1 << WINDOW_BITS;
const CHUNK = 1024;
const combTables = new WeakMap<Curve, Partial<Record<"G1" | "G2", Uint8Array>>>();

function combTable(curve: Curve, group: "G1" | "G2"): Uint8Array {
  const cached = combTables.get(curve)?.[group];
  if (cached !== undefined) return cached;
  const G = curve[group];
  const sAff = G.F.n8 * 2;
  const table = new Uint8Array(WINDOWS * DIGITS * sAff);
  let windowBase = G.g;
  for (let w = 0; w < WINDOWS; w++) {
    let acc = windowBase;
    for (let d = 1; d < DIGITS; d++) {
      table.set(G.toAffine(acc), (w * DIGITS + d) * sAff);
      acc = G.add(acc, windowBase);
    }
    // acc is now 2^8 * windowBase: the next window's base.
    windowBase = acc;
  }
  combTables.set(curve, { ...combTables.get(curve), [group]: table });
  return table;
}

/**
 * generator * s for every scalar, as affine points in snarkjs' LEM encoding. A fixed-base comb
 * turns each multiplication into at most 32 mixed additions (about 5x fewer field operations than
 * double-and-add); chunks run on ffjavascript's worker threads.
 */
export async function multiplyGenerator(
  curve: Curve,
  group: "G1" | "G2",
  scalars: readonly bigint[],
  onDone: (n: number) => void,
): Promise<Uint8Array> {
  const G = curve[group];
  const n8 = G.F.n8;
  const sAff = n8 * 2;
  const sJac = n8 * 3;
  const prefix = group === "G1" ? "g1m" : "g2m";
  const table = combTable(curve, group);
  const out = new Uint8Array(scalars.length * sAff);
  const jobs: Promise<void>[] = [];
  for (let start = 0; start < scalars.length; start += CHUNK) {
    const count = Math.min(CHUNK, scalars.length - start);
    const task: ThreadTask[] = [
      { cmd: "ALLOCSET", var: 0, buff: table },
      { cmd: "ALLOC", var: 1, len: count * sJac },
    ];
    for (let i = 0; i < count; i++) {
      const acc = { var: 1, offset: i * sJac };
      task.push({ cmd: "CALL", fnName: `${prefix}_zero`, params: [acc] });
      let k = scalars[start + i];
      for (let w = 0; k > 0n; w++, k >>= BigInt(WINDOW_BITS)) {
        const d = Number(k & BigInt(DIGITS - 1));
        if (d === 0) continue;
        task.push({
          cmd: "CALL",
          fnName: `${prefix}_addMixed`,
          params: [acc, { var: 0, offset: (w * DIGITS + d) * sAff }, acc],
        });
      }
    }
    task.push({
      cmd: "CALL",
      fnName: `${prefix}_batchToAffine`,
      params: [{ var: 1 }, { val: count }, { var: 1 }],
    });
    task.push({ cmd: "GET", out: 0, var: 1, len: count * sAff });
    const at = start;
    jobs.push(
      curve.tm.queueAction(task).then((res) => {
        out.set(res[0], at * sAff);
        onDone(count);
      }),
    );
  }
  await Promise.all(jobs);
  return out;
}

export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let x = b % m;
  let k = e;
  while (k > 0n) {
    if (k & 1n) result = (result * x) % m;
    x = (x * x) % m;
    k >>= 1n;
  }
  return result;
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r0] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r0 !== 0n) {
    const q = oldR / r0;
    [oldR, r0] = [r0, oldR - q * r0];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n)
    throw new L2kitError("NOT_INVERTIBLE", `${a} has no inverse modulo the field`, {});
  return ((oldS % m) + m) % m;
}

/** Montgomery's trick: n inverses for the price of one and 3(n-1) multiplications. */
export function batchInverse(values: readonly bigint[], m: bigint): bigint[] {
  const prefix = new Array<bigint>(values.length);
  let acc = 1n;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0n)
      throw new L2kitError("NOT_INVERTIBLE", "zero has no inverse (tau is a root of unity)", {});
    prefix[i] = acc;
    acc = (acc * values[i]) % m;
  }
  let inv = modInverse(acc, m);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]) % m;
    inv = (inv * values[i]) % m;
  }
  return out;
}

/** `snarkjs powersoftau verify`, with its log routed to ours. */
export async function verifyPtau(file: string, log: Logger = silentLogger): Promise<boolean> {
  return snarkjs.powersOfTau.verify(file, snarkjsLogger(log));
}
