/**
 * Proves batches with snarkjs' Groth16 prover in a worker process, so a long proof never blocks
 * the operator's event loop; progress comes back as snarkjs' log lines, and an abort signal
 * kills the worker. (Not a worker thread: snarkjs spreads its multi-exponentiations over worker
 * threads of its own, which it can only start from a main thread.)
 */
import { fork } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { L2kitError } from "../core/errors";
import type { Groth16Proof } from "./setup/snarkjs";

export interface BatchProof {
  proof: Groth16Proof;
  publicSignals: string[];
  /** The eight numbers `submitBatch` takes: a, b (coordinates swapped as the verifier wants), c. */
  calldata: bigint[];
  seconds: number;
}

export class ProverError extends L2kitError {
  constructor(message: string) {
    super("PROVER_FAILED", `proving failed: ${message}`, {});
  }
}

export interface ProveOptions {
  /** snarkjs' progress lines ("multiexp G1 A: 16384/60662", ...). */
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * Scheduling priority (nice value, 0..19) of the prover process. An operator proves at a lower
   * priority than it accepts transactions: a proof may lag a little, an API call should not.
   */
  nice?: number;
}

/** Proves one batch from its circuit input with the circuit's wasm and zkey. */
export function proveBatch(
  circuit: { wasm: string; zkey: string },
  input: Record<string, unknown>,
  options: ProveOptions = {},
): Promise<BatchProof> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    // "advanced" serialization carries bigints across the process boundary.
    const worker = fork(path.join(__dirname, "prover-process.js"), [], {
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    if (options.nice !== undefined && options.nice > 0 && worker.pid !== undefined) {
      // Before the child loads snarkjs: its worker threads inherit the priority.
      try {
        os.setPriority(worker.pid, options.nice);
      } catch {
        // Not permitted here: prove at normal priority.
      }
    }
    let stderr = "";
    worker.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      if (worker.exitCode === null) worker.kill("SIGKILL");
      fn();
    };
    const onAbort = (): void =>
      settle(() => reject(options.signal?.reason ?? new ProverError("aborted")));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    worker.on(
      "message",
      (m: {
        type: string;
        msg?: string;
        proof?: Groth16Proof;
        publicSignals?: string[];
        message?: string;
      }) => {
        if (m.type === "log") options.onProgress?.(m.msg ?? "");
        else if (m.type === "done") {
          const proof = m.proof as Groth16Proof;
          settle(() =>
            resolve({
              proof,
              publicSignals: m.publicSignals ?? [],
              calldata: proofCalldata(proof),
              seconds: (Date.now() - started) / 1000,
            }),
          );
        } else if (m.type === "error")
          settle(() => reject(new ProverError(m.message ?? "unknown error")));
      },
    );
    worker.on("error", (e) => settle(() => reject(new ProverError(e.message))));
    worker.on("exit", (code) =>
      settle(() => reject(new ProverError(`prover process exited with ${code}: ${stderr.trim()}`))),
    );
    worker.send({ input, wasm: circuit.wasm, zkey: circuit.zkey });
  });
}

/** A snarkjs proof as the generated Solidity verifier takes it (b's coordinates are swapped). */
export function proofCalldata(proof: Groth16Proof): bigint[] {
  const n = (v: string): bigint => BigInt(v);
  return [
    n(proof.pi_a[0]),
    n(proof.pi_a[1]),
    n(proof.pi_b[0][1]),
    n(proof.pi_b[0][0]),
    n(proof.pi_b[1][1]),
    n(proof.pi_b[1][0]),
    n(proof.pi_c[0]),
    n(proof.pi_c[1]),
  ];
}
