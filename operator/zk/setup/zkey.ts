/**
 * The initial Groth16 circuit key (what `snarkjs zkey new` writes) for a circuit on a
 * development powers of tau, computed in seconds instead of minutes.
 *
 * snarkjs builds every key point as a multi-exponentiation over the Lagrange points of the
 * powers of tau, one scalar multiplication per R1CS coefficient. A development ptau's secrets are
 * public (its beacon is in the file), so each point's discrete log is a field element we can
 * compute directly: A_s(tau) = sum of coef * L_c(tau) over wire s's coefficients, and so on. Each
 * key point is then a single fixed-base multiplication of the generator (the same comb as the
 * ptau). The file is byte-for-byte what `snarkjs zkey new` writes from the same inputs (tested),
 * so snarkjs' contribution, export and `zkey verify` work on it unchanged.
 *
 * Only for development ptau files: with a real ceremony nobody knows tau, and snarkjs' own
 * `zkey new` is used.
 */
import { blake2b } from "@noble/hashes/blake2b";
import { L2kitError } from "../../core/errors";
import {
  bn128,
  lagrangeScalars,
  multiplyGenerator,
  secretsFromBeacon,
  type TauSecrets,
} from "./ptau";
import { binFileUtils, ffjavascript, type Curve } from "./snarkjs";

interface R1cs {
  nVars: number;
  nPublic: number;
  nConstraints: number;
  /** Per constraint: the [wire, coefficient] terms of A, B and C. */
  constraints: { a: [number, bigint][]; b: [number, bigint][]; c: [number, bigint][] }[];
}

function readR1cs(header: Buffer, body: Buffer): R1cs {
  const n8 = header.readUInt32LE(0);
  let at = 4 + n8;
  const nVars = header.readUInt32LE(at);
  const nOutputs = header.readUInt32LE(at + 4);
  const nPubInputs = header.readUInt32LE(at + 8);
  at += 16 + 8; // nPrvInputs, nLabels (u64)
  const nConstraints = header.readUInt32LE(at);
  let p = 0;
  const terms = (): [number, bigint][] => {
    const n = body.readUInt32LE(p);
    p += 4;
    const out: [number, bigint][] = [];
    for (let i = 0; i < n; i++) {
      const wire = body.readUInt32LE(p);
      const coef = BigInt(
        `0x${Buffer.from(body.subarray(p + 4, p + 4 + n8))
          .reverse()
          .toString("hex")}`,
      );
      out.push([wire, coef]);
      p += 4 + n8;
    }
    return out;
  };
  const constraints: R1cs["constraints"] = [];
  for (let c = 0; c < nConstraints; c++) constraints.push({ a: terms(), b: terms(), c: terms() });
  return { nVars, nPublic: nOutputs + nPubInputs, nConstraints, constraints };
}

/** The beacon secrets of a development ptau, read from its contribution record and checked. */
export async function devPtauSecrets(curve: Curve, ptauFile: string): Promise<TauSecrets> {
  const { fd, sections } = await binFileUtils.readBinFile(ptauFile, "ptau", 1);
  try {
    const contributions = Buffer.from(await binFileUtils.readSection(fd, sections, 7));
    if (contributions.readUInt32LE(0) !== 1)
      throw new L2kitError(
        "PTAU_NOT_DEV",
        `${ptauFile} is not a development ptau (one beacon)`,
        {},
      );
    // Skip tauG1, tauG2, alphaG1, betaG1, betaG2, the public key, partialHash and nextChallenge.
    let at = 4 + 64 + 128 + 64 + 64 + 128 + (64 * 6 + 128 * 3) + 216 + 64;
    const type = contributions.readUInt32LE(at);
    const paramsLength = contributions.readUInt32LE(at + 4);
    at += 8;
    const end = at + paramsLength;
    let beacon: Buffer | undefined;
    let exp: number | undefined;
    while (at < end) {
      const id = contributions[at++];
      if (id === 1) at += 1 + contributions[at];
      else if (id === 2) exp = contributions[at++];
      else if (id === 3) {
        beacon = contributions.subarray(at + 1, at + 1 + contributions[at]);
        at += 1 + contributions[at];
      } else break;
    }
    if (type !== 1 || beacon === undefined || exp === undefined) {
      throw new L2kitError(
        "PTAU_NOT_DEV",
        `${ptauFile} is not a development ptau (no public beacon)`,
        {},
      );
    }
    const secrets = secretsFromBeacon(curve, beacon.toString("hex"), exp);
    const tauG1 = await binFileUtils.readSection(fd, sections, 2, 64, 64);
    if (
      !curve.G1.eq(
        curve.G1.fromRprLEM(tauG1, 0),
        curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, secrets.tau)),
      )
    ) {
      throw new L2kitError(
        "PTAU_SECRET_MISMATCH",
        `${ptauFile}: its beacon does not reproduce its tau`,
        {},
      );
    }
    return { tau: secrets.tau, alpha: secrets.alpha, beta: secrets.beta };
  } finally {
    await fd.close();
  }
}

/** Writes the initial circuit key of `r1csFile` on development ptau `ptauFile` to `zkeyFile`. */
export async function newZkeyFromDevPtau(
  r1csFile: string,
  ptauFile: string,
  zkeyFile: string,
  onProgress?: (f: number) => void,
): Promise<void> {
  const curve = await bn128();
  const r = curve.r;
  const secrets = await devPtauSecrets(curve, ptauFile);
  const rf = await binFileUtils.readBinFile(r1csFile, "r1cs", 1);
  const r1cs = readR1cs(
    Buffer.from(await binFileUtils.readSection(rf.fd, rf.sections, 1)),
    Buffer.from(await binFileUtils.readSection(rf.fd, rf.sections, 2)),
  );
  await rf.fd.close();
  const { nVars, nPublic, nConstraints } = r1cs;
  const cirPower = Math.ceil(Math.log2(nConstraints + nPublic + 1));
  const domainSize = 2 ** cirPower;

  const pt = await binFileUtils.readBinFile(ptauFile, "ptau", 1);
  const ptauHeader = Buffer.from(await binFileUtils.readSection(pt.fd, pt.sections, 1));
  const ptauPower = ptauHeader.readUInt32LE(4 + ptauHeader.readUInt32LE(0));
  if (cirPower > ptauPower) {
    await pt.fd.close();
    throw new L2kitError(
      "PTAU_TOO_SMALL",
      `circuit needs 2^${cirPower}, ${ptauFile} serves 2^${ptauPower}`,
      {},
    );
  }
  const alpha1 = await binFileUtils.readSection(pt.fd, pt.sections, 4, 0, 64);
  const beta1 = await binFileUtils.readSection(pt.fd, pt.sections, 5, 0, 64);
  const beta2 = await binFileUtils.readSection(pt.fd, pt.sections, 6, 0, 128);
  // H: the odd Lagrange points of the doubled domain, copied as snarkjs does.
  const lagrange2n = await binFileUtils.readSection(
    pt.fd,
    pt.sections,
    12,
    (domainSize * 2 - 1) * 64,
    domainSize * 2 * 64,
  );
  const hPoints = new Uint8Array(domainSize * 64);
  for (let i = 0; i < domainSize; i++)
    hPoints.set(lagrange2n.subarray((2 * i + 1) * 64, (2 * i + 2) * 64), i * 64);
  // The hash of the H part covers (tau^(i+n) - tau^i) * G from the tau*G1 section, in chunks of
  // 2^14 points, the last chunk reading as far as a full one would (as snarkjs does).
  const chunk = 1 << 14;
  const hashChunks: Uint8Array[] = [];
  for (let i = 0; i < domainSize - 1; i += chunk) {
    const n = Math.min(domainSize - 1, chunk);
    // Raw reads, like snarkjs: with cirPower = ptau power the last chunk runs one point past the section.
    const start = pt.sections[2][0].p;
    const hi = await pt.fd.read(n * 64, start + (i + domainSize) * 64);
    const lo = await pt.fd.read(n * 64, start + i * 64);
    hashChunks.push(await subtractToUncompressed(curve, hi, lo));
  }
  await pt.fd.close();

  // Discrete logs of every key point.
  const l = lagrangeScalars(curve, secrets.tau, cirPower, domainSize, 1n, r);
  const A = new Array<bigint>(nVars).fill(0n);
  const B = new Array<bigint>(nVars).fill(0n);
  const C = new Array<bigint>(nVars).fill(0n); // IC for public wires, C for the others
  const coefs: { m: number; c: number; s: number; v: bigint }[] = [];
  for (let c = 0; c < nConstraints; c++) {
    const k = r1cs.constraints[c];
    for (const [s, v] of k.a) {
      const t = (v * l[c]) % r;
      A[s] = (A[s] + t) % r;
      C[s] = (C[s] + secrets.beta * t) % r;
      coefs.push({ m: 0, c, s, v });
    }
    for (const [s, v] of k.b) {
      const t = (v * l[c]) % r;
      B[s] = (B[s] + t) % r;
      C[s] = (C[s] + secrets.alpha * t) % r;
      coefs.push({ m: 1, c, s, v });
    }
    for (const [s, v] of k.c) C[s] = (C[s] + v * l[c]) % r;
  }
  for (let s = 0; s <= nPublic; s++) {
    const t = l[nConstraints + s];
    A[s] = (A[s] + t) % r;
    C[s] = (C[s] + secrets.beta * t) % r;
    coefs.push({ m: 0, c: nConstraints + s, s, v: 1n });
  }

  const total = 3 * nVars + nVars;
  let done = 0;
  const tick = (n: number): void => {
    done += n;
    onProgress?.(done / total);
  };
  const fd = await binFileUtils.createBinFile(zkeyFile, "zkey", 1, 10);
  const hash = blake2b.create({ dkLen: 64 });
  const hashU32 = (n: number): void => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, false);
    hash.update(b);
  };

  await binFileUtils.startWriteSection(fd, 1);
  await fd.writeULE32(1); // Groth16
  await binFileUtils.endWriteSection(fd);

  await binFileUtils.startWriteSection(fd, 2);
  await fd.writeULE32(32);
  await fd.write(ffjavascript.utils.leInt2Buff(curve.q, 32));
  await fd.writeULE32(32);
  await fd.write(ffjavascript.utils.leInt2Buff(r, 32));
  await fd.writeULE32(nVars);
  await fd.writeULE32(nPublic);
  await fd.writeULE32(domainSize);
  const g1 = new Uint8Array(64);
  curve.G1.toRprLEM(g1, 0, curve.G1.g);
  const g2 = new Uint8Array(128);
  curve.G2.toRprLEM(g2, 0, curve.G2.g);
  for (const b of [alpha1, beta1, beta2, g2, g1, g2]) await fd.write(b); // alpha1 beta1 beta2 gamma2 delta1 delta2
  await binFileUtils.endWriteSection(fd);
  hash.update(await curve.G1.batchLEMtoU(alpha1));
  hash.update(await curve.G1.batchLEMtoU(beta1));
  hash.update(await curve.G2.batchLEMtoU(beta2));
  hash.update(await curve.G2.batchLEMtoU(g2));
  hash.update(await curve.G1.batchLEMtoU(g1));
  hash.update(await curve.G2.batchLEMtoU(g2));

  // Section 4: the coefficients, in Montgomery form times R (what snarkjs' prover reads).
  const R = (1n << 256n) % r;
  const R2 = (R * R) % r;
  const section4 = new Uint8Array(4 + coefs.length * 44);
  const view = new DataView(section4.buffer);
  view.setUint32(0, coefs.length, true);
  coefs.forEach((k, i) => {
    const at = 4 + i * 44;
    view.setUint32(at, k.m, true);
    view.setUint32(at + 4, k.c, true);
    view.setUint32(at + 8, k.s, true);
    section4.set(ffjavascript.utils.leInt2Buff((k.v * R2) % r, 32), at + 12);
  });
  await binFileUtils.startWriteSection(fd, 4);
  await fd.write(section4);
  await binFileUtils.endWriteSection(fd);

  const points = async (id: number, group: "G1" | "G2", scalars: bigint[]): Promise<void> => {
    const buff = await multiplyGenerator(curve, group, scalars, tick);
    hashU32(scalars.length);
    await binFileUtils.startWriteSection(fd, id);
    await fd.write(buff);
    await binFileUtils.endWriteSection(fd);
    hash.update(await curve[group].batchLEMtoU(buff));
  };
  await points(3, "G1", C.slice(0, nPublic + 1));
  await binFileUtils.startWriteSection(fd, 9);
  await fd.write(hPoints);
  await binFileUtils.endWriteSection(fd);
  hashU32(domainSize - 1);
  for (const h of hashChunks) hash.update(h);
  await points(8, "G1", C.slice(nPublic + 1));
  await points(5, "G1", A);
  await points(6, "G1", B);
  await points(7, "G2", B);

  await binFileUtils.startWriteSection(fd, 10);
  await fd.write(hash.digest());
  await fd.writeULE32(0);
  await binFileUtils.endWriteSection(fd);
  await fd.close();
}

/** Uncompressed (a - b) for two arrays of affine LEM points, on the worker threads. */
async function subtractToUncompressed(
  curve: Curve,
  a: Uint8Array,
  b: Uint8Array,
): Promise<Uint8Array> {
  const n = a.byteLength / 64;
  const task: import("./snarkjs").ThreadTask[] = [
    { cmd: "ALLOCSET", var: 0, buff: a },
    { cmd: "ALLOCSET", var: 1, buff: b },
    { cmd: "ALLOC", var: 2, len: n * 96 },
  ];
  for (let i = 0; i < n; i++) {
    task.push({
      cmd: "CALL",
      fnName: "g1m_subAffine",
      params: [
        { var: 0, offset: i * 64 },
        { var: 1, offset: i * 64 },
        { var: 2, offset: i * 96 },
      ],
    });
  }
  task.push({
    cmd: "CALL",
    fnName: "g1m_batchToAffine",
    params: [{ var: 2 }, { val: n }, { var: 2 }],
  });
  task.push({
    cmd: "CALL",
    fnName: "g1m_batchLEMtoU",
    params: [{ var: 2 }, { val: n }, { var: 2 }],
  });
  task.push({ cmd: "GET", out: 0, var: 2, len: n * 64 });
  return (await curve.tm.queueAction(task))[0];
}
