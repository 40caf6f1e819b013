/**
 * Powers of tau for the Groth16 setup.
 *
 * Production uses a public ceremony file (`ZK_PTAU`, e.g. Hermez' `powersOfTau28_hez_final_NN`),
 * checked with `snarkjs powersoftau verify` before use.
 *
 * Development uses a file generated here in seconds instead of the better part of an hour:
 *
 * - It is the file `snarkjs powersoftau new` followed by one **beacon** contribution and
 *   `preparephase2` would write, byte for byte (tested at small powers), and it passes
 *   `snarkjs powersoftau verify`. A beacon's secrets (tau, alpha, beta) are derived from its
 *   public hash, which the file records, so anyone can recompute them: the file is INSECURE by
 *   construction, and its contribution is named so. It can only ever be a development file.
 * - Knowing the secrets, every point is the generator times a known scalar (tau^i, alpha*tau^i,
 *   L_j(tau), ...), one fixed-base multiplication each (`comb.ts`), instead of snarkjs' generic
 *   scalar multiplications and the inverse FFTs over curve points of `preparephase2`
 *   (O(n log n) multiplications per power, ~5 minutes at 2^14 on these machines).
 */
import crypto from "node:crypto";
import { blake2b } from "@noble/hashes/blake2b";
import { combMultiply } from "./comb";
import fs from "node:fs";
import path from "node:path";
import { L2kitError } from "../../core/errors";
import { batchInverse, modInverse, modPow } from "../../lib/field";
import { silentLogger, type Logger } from "../../core/log";
import {
  binFileUtils,
  ffjavascript,
  snarkjs,
  snarkjsLogger,
  type BinFd,
  type Curve,
  type ThreadTask,
} from "./snarkjs";

/** The contribution name every development file carries (snarkjs keeps at most 64 bytes). */
export const DEV_PTAU_NAME = "l2kit DEV ptau, INSECURE: tau derivable from its beacon";
/** Points computed (and held in memory) at a time: bounds memory at any power. */
const STREAM_CHUNK = 1 << 16;
/** snarkjs requires at least 2^10 hash iterations for a beacon. */
const BEACON_ITERATIONS_EXP = 10;
/**
 * Largest power the development generator accepts: 2^22 (the 64-transfer circuit) takes about
 * an hour and a half here and writes ~4.8 GB.
 */
export const MAX_DEV_POWER = 22;

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
  const beaconHex = options.beaconHex ?? crypto.randomBytes(32).toString("hex");
  const secrets = secretsFromBeacon(curve, beaconHex, BEACON_ITERATIONS_EXP);
  // Every point of every section, for progress: sections 2-6, then 12-15.
  const total =
    2 ** (power + 1) - 1 + 3 * 2 ** power + 1 + (2 ** (power + 2) - 1) + 3 * (2 ** (power + 1) - 1);
  const progress = { done: 0, total };
  const onDone = (n: number): void => {
    progress.done += n;
    options.onProgress?.({ ...progress });
  };
  try {
    log.info("powers of tau (sections 2-7)", { beacon: beaconHex });
    const fd = await binFileUtils.createBinFile(tmp, "ptau", 1, 11);
    await writeAccumulator(curve, fd, power, secrets, beaconHex, onDone);
    log.info("Lagrange sections (12-15)");
    await writeLagrangeSections(curve, fd, power, secrets, onDone);
    await fd.close();
    fs.renameSync(tmp, outFile);
    log.info("development powers of tau written", { file: outFile });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface TauSecrets {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

/**
 * The secrets of a beacon contribution: SHA-256 applied 2^exp times to the beacon, the result
 * seeding ChaCha20 (eight big-endian words), from which tau, alpha and beta are drawn in turn
 * (and then the points of the contribution's public key).
 */
export function secretsFromBeacon(
  curve: Curve,
  beaconHex: string,
  iterationsExp: number,
): TauSecrets & { rng: unknown } {
  let h = Buffer.from(beaconHex, "hex");
  for (let i = 0; i < 2 ** iterationsExp; i++) h = crypto.createHash("sha256").update(h).digest();
  const seed = Array.from({ length: 8 }, (_, i) => h.readUInt32BE(i * 4));
  const rng = new ffjavascript.ChaCha(seed);
  const draw = (): bigint => curve.Fr.toObject(curve.Fr.fromRng(rng));
  const tau = draw();
  const alpha = draw();
  const beta = draw();
  return { tau, alpha, beta, rng };
}

interface KeyPart {
  g1s: Uint8Array;
  g1sx: Uint8Array;
  g2spx: Uint8Array;
}

/**
 * The contribution's public key for one secret x, as snarkjs derives it: g1_s a point drawn from
 * the beacon's ChaCha stream, g1_sx = x*g1_s, and g2_spx = x*g2_sp where g2_sp is hashed to G2
 * from (personalization, challenge, g1_s, g1_sx). It proves knowledge of x against the challenge.
 */
function keyPart(
  curve: Curve,
  x: bigint,
  personalization: number,
  challenge: Uint8Array,
  rng: unknown,
): KeyPart {
  const { G1, G2 } = curve;
  const g1s = G1.toAffine(G1.fromRng(rng));
  const g1sx = G1.toAffine(G1.timesScalar(g1s, x));
  const h = blake2b.create({ dkLen: 64 });
  h.update(new Uint8Array([personalization]));
  h.update(challenge);
  h.update(G1.toUncompressed(g1s));
  h.update(G1.toUncompressed(g1sx));
  const digest = h.digest();
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const seed = Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4));
  const g2sp = G2.fromRng(new ffjavascript.ChaCha(seed));
  const g2spx = G2.toAffine(G2.timesScalar(g2sp, x));
  return { g1s, g1sx, g2spx };
}

/** blake2b-512 of the initial accumulator (every point the generator): the first challenge. */
function firstChallenge(curve: Curve, power: number): Uint8Array {
  const h = blake2b.create({ dkLen: 64 });
  h.update(blake2b.create({ dkLen: 64 }).digest());
  const g1 = curve.G1.toUncompressed(curve.G1.g);
  const g2 = curve.G2.toUncompressed(curve.G2.g);
  const repeat = (p: Uint8Array, n: number): void => {
    const block = new Uint8Array(p.length * Math.min(n, 4096));
    for (let i = 0; i < block.length / p.length; i++) block.set(p, i * p.length);
    for (let left = n; left > 0; left -= 4096)
      h.update(left >= 4096 ? block : block.subarray(0, left * p.length));
  };
  repeat(g1, 2 ** (power + 1) - 1);
  repeat(g2, 2 ** power);
  repeat(g1, 2 ** power);
  repeat(g1, 2 ** power);
  h.update(g2);
  return h.digest();
}

/** snarkjs' serialisation of a blake2b state (it stores one in the contribution record). */
function partialHash(h: ReturnType<typeof blake2b.create>): Uint8Array {
  const s = h as unknown as Record<string, number> & { buffer: Uint8Array };
  const out = new Uint8Array(216);
  out.set(s.buffer);
  const words = new Uint32Array(out.buffer, 128, 22);
  const v = [
    "v0l",
    "v0h",
    "v1l",
    "v1h",
    "v2l",
    "v2h",
    "v3l",
    "v3h",
    "v4l",
    "v4h",
    "v5l",
    "v5h",
    "v6l",
    "v6h",
    "v7l",
    "v7h",
  ];
  v.forEach((k, i) => (words[i] = s[k] >>> 0));
  words[18] = s.pos;
  words[16] = s.length - s.pos;
  return out;
}

/**
 * Writes sections 1-7: the header, the accumulator after one beacon contribution applied to the
 * initial (all-generator) accumulator, and the contribution record, exactly as snarkjs'
 * `powersoftau new` + `powersoftau beacon` would (with the same beacon), but computing each point
 * as a fixed-base multiplication of the generator by its known exponent.
 */
async function writeAccumulator(
  curve: Curve,
  fd: BinFd,
  power: number,
  secrets: TauSecrets & { rng: unknown },
  beaconHex: string,
  onDone: (n: number) => void,
): Promise<void> {
  const r = curve.r;
  const challenge = firstChallenge(curve, power);
  // The public key, drawn from the beacon's stream after the three secrets.
  const key = {
    tau: keyPart(curve, secrets.tau, 0, challenge, secrets.rng),
    alpha: keyPart(curve, secrets.alpha, 1, challenge, secrets.rng),
    beta: keyPart(curve, secrets.beta, 2, challenge, secrets.rng),
  };

  await binFileUtils.startWriteSection(fd, 1);
  await fd.writeULE32(32);
  await fd.write(ffjavascript.utils.leInt2Buff(curve.q, 32));
  await fd.writeULE32(power);
  await fd.writeULE32(power);
  await binFileUtils.endWriteSection(fd);

  const response = blake2b.create({ dkLen: 64 });
  response.update(challenge);
  // Per section: where its points start in the file, how many, and its first two points.
  const sections: { id: number; group: "G1" | "G2"; start: number; n: number; head: Uint8Array }[] =
    [];
  const plan: { id: number; group: "G1" | "G2"; first: bigint; n: number }[] = [
    { id: 2, group: "G1", first: 1n, n: 2 ** (power + 1) - 1 },
    { id: 3, group: "G2", first: 1n, n: 2 ** power },
    { id: 4, group: "G1", first: secrets.alpha, n: 2 ** power },
    { id: 5, group: "G1", first: secrets.beta, n: 2 ** power },
    { id: 6, group: "G2", first: secrets.beta, n: 1 },
  ];
  for (const { id, group, first, n } of plan) {
    await binFileUtils.startWriteSection(fd, id);
    const start = fd.pos;
    let head = new Uint8Array(0);
    // first * tau^i, in bounded chunks: memory stays flat however large the power.
    let v = first % r;
    for (let from = 0; from < n; from += STREAM_CHUNK) {
      const count = Math.min(STREAM_CHUNK, n - from);
      const scalars = new Array<bigint>(count);
      for (let i = 0; i < count; i++) {
        scalars[i] = v;
        v = (v * secrets.tau) % r;
      }
      const points = await multiplyGenerator(curve, group, scalars, onDone);
      if (from === 0) head = points.slice(0, Math.min(2, count) * (group === "G1" ? 64 : 128));
      await fd.write(points);
      response.update(await curve[group].batchLEMtoC(points));
    }
    await binFileUtils.endWriteSection(fd);
    sections.push({ id, group, start, n, head });
  }
  const partial = partialHash(response);
  const pub = new Uint8Array(64 * 6 + 128 * 3);
  const { G1, G2 } = curve;
  [key.tau.g1s, key.tau.g1sx, key.alpha.g1s, key.alpha.g1sx, key.beta.g1s, key.beta.g1sx].forEach(
    (p, i) => G1.toRprUncompressed(pub, i * 64, p),
  );
  [key.tau.g2spx, key.alpha.g2spx, key.beta.g2spx].forEach((p, i) =>
    G2.toRprUncompressed(pub, 64 * 6 + i * 128, p),
  );
  response.update(pub);
  const responseHash = response.digest();
  // The next challenge hashes every point again, uncompressed: read back from the file.
  const next = blake2b.create({ dkLen: 64 });
  next.update(responseHash);
  for (const { group, start, n } of sections) {
    const size = group === "G1" ? 64 : 128;
    for (let from = 0; from < n; from += STREAM_CHUNK) {
      const count = Math.min(STREAM_CHUNK, n - from);
      next.update(await curve[group].batchLEMtoU(await fd.read(count * size, start + from * size)));
    }
  }
  const nextChallenge = next.digest();

  // Section 7: one contribution, of type beacon.
  const at = (id: number, i: number): Uint8Array => {
    const sec = sections.find((x) => x.id === id)!;
    const size = sec.group === "G1" ? 64 : 128;
    return sec.head.subarray(i * size, (i + 1) * size);
  };
  await binFileUtils.startWriteSection(fd, 7);
  await fd.writeULE32(1);
  await fd.write(at(2, 1));
  await fd.write(at(3, 1));
  await fd.write(at(4, 0));
  await fd.write(at(5, 0));
  await fd.write(at(6, 0));
  const pubLEM = new Uint8Array(64 * 6 + 128 * 3);
  [key.tau.g1s, key.tau.g1sx, key.alpha.g1s, key.alpha.g1sx, key.beta.g1s, key.beta.g1sx].forEach(
    (p, i) => G1.toRprLEM(pubLEM, i * 64, p),
  );
  [key.tau.g2spx, key.alpha.g2spx, key.beta.g2spx].forEach((p, i) =>
    G2.toRprLEM(pubLEM, 64 * 6 + i * 128, p),
  );
  await fd.write(pubLEM);
  await fd.write(partial);
  await fd.write(nextChallenge);
  await fd.writeULE32(1); // type: beacon
  const name = new TextEncoder().encode(DEV_PTAU_NAME.substring(0, 64));
  const beacon = Buffer.from(beaconHex, "hex");
  const params = new Uint8Array([
    1,
    name.length,
    ...name,
    2,
    BEACON_ITERATIONS_EXP,
    3,
    beacon.length,
    ...beacon,
  ]);
  await fd.writeULE32(params.length);
  await fd.write(params);
  await binFileUtils.endWriteSection(fd);
}

/** Sections 12-15: the Lagrange-basis points `preparephase2` would compute, from the known secrets. */
async function writeLagrangeSections(
  curve: Curve,
  fd: BinFd,
  power: number,
  secrets: TauSecrets,
  onDone: (n: number) => void,
): Promise<void> {
  const r = curve.r;
  const plan: { section: number; group: "G1" | "G2"; factor: bigint; maxPower: number }[] = [
    { section: 12, group: "G1", factor: 1n, maxPower: power + 1 },
    { section: 13, group: "G2", factor: 1n, maxPower: power },
    { section: 14, group: "G1", factor: secrets.alpha, maxPower: power },
    { section: 15, group: "G1", factor: secrets.beta, maxPower: power },
  ];
  for (const { section, group, factor, maxPower } of plan) {
    await binFileUtils.startWriteSection(fd, section);
    for (let p = 0; p <= maxPower; p++) {
      // The tau*G1 section holds 2^(power+1) - 1 points; snarkjs pads the last one with zero.
      const terms = section === 12 && p === power + 1 ? 2 ** p - 1 : 2 ** p;
      // In bounded chunks: memory stays flat however large the power.
      for (let from = 0; from < 2 ** p; from += STREAM_CHUNK) {
        const to = Math.min(2 ** p, from + STREAM_CHUNK);
        const scalars = lagrangeScalars(curve, secrets.tau, p, terms, factor, r, from, to);
        await fd.write(await multiplyGenerator(curve, group, scalars, onDone));
      }
    }
    await binFileUtils.endWriteSection(fd);
  }
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
  from = 0,
  to = 2 ** p,
): bigint[] {
  const n = 2 ** p;
  const w = curve.Fr.toObject(curve.Fr.w[p]);
  const wInv = modInverse(w, r);
  const nInv = modInverse(BigInt(n), r);
  const base = (factor * nInv) % r;
  // x_j = tau * w^-j; x_j^terms is tau^n when terms = n, and tau^(n-1) * w^j when terms = n - 1.
  const count = to - from;
  const xs: bigint[] = new Array<bigint>(count);
  const numerators: bigint[] = new Array<bigint>(count);
  const tauN = modPow(tau, BigInt(terms), r);
  let x = (tau * modPow(wInv, BigInt(from), r)) % r;
  let wj = modPow(w, BigInt(from), r);
  for (let j = 0; j < count; j++) {
    xs[j] = x;
    const xPow = terms === n ? tauN : (tauN * wj) % r;
    numerators[j] = (xPow - 1n + r) % r;
    x = (x * wInv) % r;
    wj = (wj * w) % r;
  }
  const denominators = batchInverse(
    xs.map((v) => (v - 1n + r) % r),
    r,
    "tau is a root of unity",
  );
  return numerators.map((num, j) => (((base * num) % r) * denominators[j]) % r);
}

/** generator * s for every scalar, as affine points in snarkjs' LEM encoding (see comb.ts). */
export function multiplyGenerator(
  curve: Curve,
  group: "G1" | "G2",
  scalars: readonly bigint[],
  onDone: (n: number) => void,
): Promise<Uint8Array> {
  return combMultiply(curve, group, scalars, onDone);
}

/** `snarkjs powersoftau verify`, with its log routed to ours. */
export async function verifyPtau(file: string, log: Logger = silentLogger): Promise<boolean> {
  return snarkjs.powersOfTau.verify(file, snarkjsLogger(log));
}
