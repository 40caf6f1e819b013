/**
 * The ZK rollup's build chain, one command for each circuit of `circuits/config.json`:
 *
 *   compile (circom2) -> powers of tau -> circuit zkey -> phase-2 contribution
 *     -> verification key -> Solidity verifier in contracts/verifiers/
 *
 * Every step is cached in the build directory and redone only when its inputs change.
 *
 * Powers of tau: with `ZK_PTAU` set, that ceremony file (e.g. Hermez' public
 * `powersOfTau28_hez_final_NN.ptau`) is verified with snarkjs once and then used. Without it, a
 * development file is generated (`ptau.ts`): fast, but its secrets are public, so every key and
 * verifier built from it is marked INSECURE and fit for development and tests only.
 *
 * The verifier is generated, never edited by hand. Its header records the hash of the
 * verification key it was exported from; `verifierStatus` compares it with the current key, and
 * deployment refuses a stale or missing verifier.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { L2kitError } from "../../core/errors";
import { silentLogger, type Logger } from "../../core/log";
import { circuitShape, rollupSpec } from "../circuits";
import type { BatchShape } from "../protocol";
import { compileCircuit, REPO_ROOT, type CircuitBuild } from "./compile";
import { generateDevPtau, MAX_DEV_POWER, verifyPtau } from "./ptau";
import { binFileUtils, snarkjs, snarkjsLogger } from "./snarkjs";
import { newZkeyFromDevPtau } from "./zkey";

export const VERIFIERS_DIR = path.join(REPO_ROOT, "contracts", "verifiers");

export type SetupStage = "compile" | "ptau" | "zkey" | "contribute" | "verifier";

export interface SetupOptions {
  /** Where builds, keys and development ptau files are cached. */
  buildDir: string;
  /** A production powers-of-tau file; unset: a development one (INSECURE). */
  ptau?: string;
  /** Where the Solidity verifier is written (default contracts/verifiers). */
  verifiersDir?: string;
  log?: Logger;
  /** Called when a stage starts (only stages that actually run). */
  onStage?: (stage: SetupStage, detail: string) => void;
  /** Progress of the longest stage (development ptau), 0..1. */
  onProgress?: (fraction: number) => void;
}

export interface CircuitSetup {
  name: string;
  shape: BatchShape;
  build: CircuitBuild;
  constraints: number;
  /** log2 of the evaluation domain the circuit needs. */
  power: number;
  ptau: string;
  /** True when built on a development powers of tau. */
  insecure: boolean;
  zkey: string;
  vkeyFile: string;
  verifierFile: string;
  verifierContract: string;
  /** sha256 of the verification key JSON. */
  vkeyHash: string;
}

interface R1csInfo {
  nConstraints: number;
  nPubInputs: number;
  nOutputs: number;
}

export function verifierContractName(circuit: string): string {
  return `RollupVerifier${circuit
    .split("-")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("")}`;
}

function sha256File(file: string): string {
  const h = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(1 << 20);
  try {
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf))
      h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/** The smallest cached development ptau of at least `power`, or a newly generated one. */
async function devPtau(power: number, opts: SetupOptions): Promise<string> {
  const dir = path.join(opts.buildDir, "ptau");
  for (let p = power; p <= MAX_DEV_POWER; p++) {
    const f = path.join(dir, `dev-${p}.ptau`);
    if (fs.existsSync(f)) return f;
  }
  const file = path.join(dir, `dev-${power}.ptau`);
  opts.onStage?.("ptau", `generating a development powers of tau of size 2^${power} (INSECURE)`);
  await generateDevPtau(power, file, {
    log: opts.log,
    onProgress: (p) => opts.onProgress?.(p.done / p.total),
  });
  return file;
}

/** Verifies a production ptau once; the result is remembered by the file's hash. */
async function productionPtau(file: string, power: number, opts: SetupOptions): Promise<string> {
  if (!fs.existsSync(file))
    throw new L2kitError("PTAU_MISSING", `ZK_PTAU=${file} does not exist`, { file });
  const stamp = path.join(opts.buildDir, "ptau", `verified-${sha256File(file)}`);
  if (!fs.existsSync(stamp)) {
    opts.onStage?.("ptau", `verifying ${file} (snarkjs powersoftau verify; once per file)`);
    if (!(await verifyPtau(file, opts.log ?? silentLogger))) {
      throw new L2kitError(
        "PTAU_INVALID",
        `${file} does not verify; refusing to build keys from it`,
        { file },
      );
    }
    fs.mkdirSync(path.dirname(stamp), { recursive: true });
    fs.writeFileSync(stamp, `${file}\n`);
  }
  const filePower = await ptauPower(file);
  if (filePower < power) {
    throw new L2kitError(
      "PTAU_TOO_SMALL",
      `${file} serves circuits up to 2^${filePower}; this one needs 2^${power}`,
      { file, filePower, power },
    );
  }
  return file;
}

/** sha256 of a ptau file's contributions section. */
async function ptauIdentity(file: string): Promise<string> {
  const { fd, sections } = await binFileUtils.readBinFile(file, "ptau", 1);
  try {
    return crypto
      .createHash("sha256")
      .update(await binFileUtils.readSection(fd, sections, 7))
      .digest("hex");
  } finally {
    await fd.close();
  }
}

/** The power (log2 of the size) a ptau file was made for, from its header section. */
export async function ptauPower(file: string): Promise<number> {
  const { fd, sections } = await binFileUtils.readBinFile(file, "ptau", 1);
  try {
    const header = Buffer.from(await binFileUtils.readSection(fd, sections, 1));
    const n8 = header.readUInt32LE(0);
    return header.readUInt32LE(4 + n8);
  } finally {
    await fd.close();
  }
}

/** Runs the build chain for circuit `name` (cached); returns where everything is. */
export async function setupCircuit(name: string, opts: SetupOptions): Promise<CircuitSetup> {
  const log = (opts.log ?? silentLogger).child({ component: "zk-setup", circuit: name });
  const shape = circuitShape(name);
  const spec = rollupSpec(name, shape);
  const before = Date.now();
  const build = await compileCircuit(spec, opts.buildDir, log);
  if (build.compiled)
    opts.onStage?.(
      "compile",
      `compiled ${spec.name} in ${((Date.now() - before) / 1000).toFixed(1)} s`,
    );
  const info = (await snarkjs.r1cs.info(build.r1cs)) as R1csInfo;
  const power = Math.max(
    1,
    Math.ceil(Math.log2(info.nConstraints + info.nPubInputs + info.nOutputs + 1)),
  );
  if (power > 28)
    throw new L2kitError(
      "CIRCUIT_TOO_LARGE",
      `${name} needs 2^${power} points; bn128 allows 2^28`,
      { power },
    );
  const insecure = opts.ptau === undefined;
  const ptau = insecure
    ? await devPtau(power, opts)
    : await productionPtau(opts.ptau as string, power, opts);

  // Circuit key: redone when the circuit or the ptau changes.
  const zkey = path.join(build.dir, `${spec.name}.zkey`);
  const zkeyStamp = `${zkey}.inputs`;
  // The ptau is identified by its contributions section: it commits to every point (through the
  // hash chain) and is small, so a regenerated file with the same size is still noticed.
  const zkeyInputs = `${sha256File(build.r1cs)} ${await ptauIdentity(ptau)} ${insecure ? "dev" : "production"}`;
  if (
    !fs.existsSync(zkey) ||
    !fs.existsSync(zkeyStamp) ||
    fs.readFileSync(zkeyStamp, "utf8") !== zkeyInputs
  ) {
    fs.rmSync(zkeyStamp, { force: true });
    const initial = `${zkey}.initial`;
    if (insecure) {
      // The development ptau's secrets are public, so the key is computed directly (same bytes).
      opts.onStage?.(
        "zkey",
        `circuit key for ${info.nConstraints} constraints (from the development ptau's public secrets)`,
      );
      await newZkeyFromDevPtau(build.r1cs, ptau, initial, (f) => opts.onProgress?.(f));
    } else {
      opts.onStage?.("zkey", `circuit key for ${info.nConstraints} constraints (snarkjs zkey new)`);
      await snarkjs.zKey.newZKey(build.r1cs, ptau, initial, snarkjsLogger(log));
    }
    opts.onStage?.("contribute", "phase-2 contribution (fresh entropy)");
    const contributor = insecure
      ? "l2kit dev contribution (INSECURE ptau)"
      : "l2kit operator contribution";
    await snarkjs.zKey.contribute(
      initial,
      zkey,
      contributor,
      crypto.randomBytes(64).toString("hex"),
      snarkjsLogger(log),
    );
    fs.rmSync(initial, { force: true });
    fs.writeFileSync(zkeyStamp, zkeyInputs);
  }

  // Verification key and Solidity verifier.
  const vkeyFile = path.join(build.dir, `${spec.name}.vkey.json`);
  const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
  const vkeyJson = `${JSON.stringify(vkey, null, 1)}\n`;
  if (!fs.existsSync(vkeyFile) || fs.readFileSync(vkeyFile, "utf8") !== vkeyJson)
    fs.writeFileSync(vkeyFile, vkeyJson);
  const vkeyHash = crypto.createHash("sha256").update(vkeyJson).digest("hex");
  const verifiersDir = opts.verifiersDir ?? VERIFIERS_DIR;
  const contract = verifierContractName(name);
  const verifierFile = path.join(verifiersDir, `${contract}.sol`);
  if (verifierStatus(name, vkeyFile, verifiersDir) !== "fresh") {
    opts.onStage?.("verifier", `writing ${path.relative(REPO_ROOT, verifierFile)}`);
    const template = fs.readFileSync(
      path.join(
        path.dirname(require.resolve("snarkjs")),
        "..",
        "templates",
        "verifier_groth16.sol.ejs",
      ),
      "utf8",
    );
    const source = await snarkjs.zKey.exportSolidityVerifier(zkey, {
      groth16: template,
    });
    const header = [
      `// Generated by \`npx l2kit zk setup\` for circuit "${name}" (Rollup(${spec.params.join(", ")})); do not edit.`,
      `// vkey-sha256: ${vkeyHash}`,
      insecure
        ? "// INSECURE: built on a development powers of tau whose secrets are public. Development and tests only."
        : "// Built on the powers of tau given by ZK_PTAU.",
    ].join("\n");
    const renamed = source.replace(/contract Groth16Verifier\b/, `contract ${contract}`);
    if (renamed === source)
      throw new L2kitError(
        "VERIFIER_TEMPLATE",
        "snarkjs' verifier template changed: no Groth16Verifier contract",
        {},
      );
    fs.mkdirSync(verifiersDir, { recursive: true });
    fs.writeFileSync(verifierFile, `${header}\n${renamed}`);
  }
  log.info("circuit ready", { constraints: info.nConstraints, power, insecure });
  return {
    name,
    shape,
    build,
    constraints: info.nConstraints,
    power,
    ptau,
    insecure,
    zkey,
    vkeyFile,
    verifierFile,
    verifierContract: contract,
    vkeyHash,
  };
}

/** "fresh" when the verifier was generated from this verification key; "stale" or "missing" otherwise. */
export function verifierStatus(
  name: string,
  vkeyFile: string,
  verifiersDir = VERIFIERS_DIR,
): "fresh" | "stale" | "missing" {
  const file = path.join(verifiersDir, `${verifierContractName(name)}.sol`);
  if (!fs.existsSync(file) || !fs.existsSync(vkeyFile)) return "missing";
  const recorded = /^\/\/ vkey-sha256: ([0-9a-f]{64})$/m.exec(fs.readFileSync(file, "utf8"))?.[1];
  const current = crypto.createHash("sha256").update(fs.readFileSync(vkeyFile)).digest("hex");
  return recorded === current ? "fresh" : "stale";
}
