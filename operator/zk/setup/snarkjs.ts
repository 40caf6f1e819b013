/**
 * Typed access to the parts of snarkjs and ffjavascript l2kit uses. Both are plain JavaScript
 * without type declarations; these narrow interfaces say exactly what we rely on.
 */
import type { Logger } from "../../core/log";

export interface CurveGroup {
  F: { n8: number };
  g: Uint8Array;
  toAffine(p: Uint8Array): Uint8Array;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  timesScalar(p: Uint8Array, s: Uint8Array | bigint): Uint8Array;
  eq(a: Uint8Array, b: Uint8Array): boolean;
  fromRprLEM(buff: Uint8Array, pos?: number): Uint8Array;
  fromRng(rng: unknown): Uint8Array;
  toUncompressed(p: Uint8Array): Uint8Array;
  toRprUncompressed(buff: Uint8Array, pos: number, p: Uint8Array): void;
  toRprLEM(buff: Uint8Array, pos: number, p: Uint8Array): void;
  batchLEMtoC(buff: Uint8Array): Promise<Uint8Array>;
  batchToAffine(buff: Uint8Array): Promise<Uint8Array>;
  batchLEMtoU(buff: Uint8Array): Promise<Uint8Array>;
}

export interface FrField {
  n8: number;
  w: Uint8Array[];
  s: number;
  toObject(a: Uint8Array): bigint;
  fromRng(rng: unknown): Uint8Array;
}

export interface ThreadTask {
  cmd: "ALLOCSET" | "ALLOC" | "CALL" | "GET";
  var?: number;
  buff?: Uint8Array;
  len?: number;
  out?: number;
  fnName?: string;
  params?: ({ var: number; offset?: number } | { val: number })[];
}

export interface Curve {
  name: string;
  r: bigint;
  q: bigint;
  G1: CurveGroup;
  G2: CurveGroup;
  Fr: FrField;
  tm: { concurrency: number; queueAction(task: ThreadTask[]): Promise<Uint8Array[]> };
  terminate(): Promise<void>;
}

interface SnarkjsLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

export interface Snarkjs {
  curves: { getCurveFromName(name: string): Promise<Curve> };
  r1cs: {
    info(
      file: string,
      logger?: SnarkjsLogger,
    ): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nVars: number }>;
  };
  zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: SnarkjsLogger): Promise<unknown>;
    contribute(
      oldZkey: string,
      newZkey: string,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    exportVerificationKey(zkey: string, logger?: SnarkjsLogger): Promise<unknown>;
    exportSolidityVerifier(
      zkey: string,
      templates: Record<string, string>,
      logger?: SnarkjsLogger,
    ): Promise<string>;
    verifyFromR1cs(
      r1cs: string,
      ptau: string,
      zkey: string,
      logger?: SnarkjsLogger,
    ): Promise<boolean>;
  };
  groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: string,
      zkey: string,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(
      vkey: unknown,
      publicSignals: string[],
      proof: Groth16Proof,
      logger?: SnarkjsLogger,
    ): Promise<boolean>;
  };
  powersOfTau: {
    newAccumulator(
      curve: Curve,
      power: number,
      file: string,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    beacon(
      oldFile: string,
      newFile: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<unknown>;
    preparePhase2(oldFile: string, newFile: string, logger?: SnarkjsLogger): Promise<void>;
    verify(file: string, logger?: SnarkjsLogger): Promise<boolean>;
  };
}

export interface BinFileUtils {
  readBinFile(
    file: string,
    type: string,
    maxVersion: number,
  ): Promise<{ fd: BinFd; sections: Record<number, { p: number; size: number }[]> }>;
  createBinFile(file: string, type: string, version: number, nSections: number): Promise<BinFd>;
  copySection(from: BinFd, sections: Record<number, unknown>, to: BinFd, id: number): Promise<void>;
  readSection(
    fd: BinFd,
    sections: Record<number, unknown>,
    id: number,
    offset?: number,
    length?: number,
  ): Promise<Uint8Array>;
  startWriteSection(fd: BinFd, id: number): Promise<void>;
  endWriteSection(fd: BinFd): Promise<void>;
}

export interface BinFd {
  pos: number;
  read(length: number, position?: number): Promise<Uint8Array>;
  write(buff: Uint8Array): Promise<void>;
  writeULE32(v: number): Promise<void>;
  close(): Promise<void>;
}

export const snarkjs = require("snarkjs") as Snarkjs;
export const binFileUtils = require("@iden3/binfileutils") as BinFileUtils;
export const ffjavascript = require("ffjavascript") as {
  ChaCha: new (seed: number[]) => unknown;
  utils: { leInt2Buff(n: bigint, len: number): Uint8Array };
};

/** snarkjs logs through an object with debug/info/warn/error; route it to ours. */
export function snarkjsLogger(log: Logger): SnarkjsLogger {
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => log.error(m),
  };
}
