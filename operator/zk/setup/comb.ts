/**
 * Fixed-base multiplication of the bn128 generators, the work behind the development powers of
 * tau and circuit keys: generator * s for millions of scalars s.
 *
 * A comb: the scalar is cut into windows of `bits` bits and entry (w, d) of a precomputed table
 * is d * 2^(bits*w) * generator, so each product is at most one mixed addition per window (about
 * 5x fewer field operations than double-and-add). The additions run in worker threads that call
 * the same curve WebAssembly as ffjavascript (built by wasmcurves) directly, and keep the table
 * in their memory between jobs: no per-operation messages, so the main thread stays idle.
 */
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { L2kitError } from "../../core/errors";
import type { Curve } from "./snarkjs";

type Group = "G1" | "G2";

/** 11-bit windows: 24 additions per point; the tables (3 MB for G1, 6 MB for G2) stay in each worker. */
const COMB: Record<Group, { bits: number; chunk: number }> = {
  G1: { bits: 11, chunk: 8192 },
  G2: { bits: 11, chunk: 4096 },
};

function shape(group: Group): {
  bits: number;
  windows: number;
  digits: number;
  chunk: number;
  sAff: number;
} {
  const { bits, chunk } = COMB[group];
  return {
    bits,
    windows: Math.ceil(256 / bits),
    digits: 1 << bits,
    chunk,
    sAff: group === "G1" ? 64 : 128,
  };
}

interface PoolWorker {
  worker: Worker;
  busy: Promise<unknown>;
}

let pool: { workers: PoolWorker[]; tables: Set<Group>; curve: Curve } | undefined;
let nextId = 0;

function request<T>(
  w: PoolWorker,
  message: Record<string, unknown>,
  transfer: ArrayBuffer[] = [],
): Promise<T> {
  const id = nextId++;
  const run = (): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (
        m: { type: string; id?: number; message?: string } & Record<string, unknown>,
      ): void => {
        if (m.type === "ok" || m.id === id) {
          w.worker.off("message", onMessage);
          if (m.type === "error")
            reject(new L2kitError("COMB_WORKER", m.message ?? "comb worker failed", {}));
          else resolve(m as T);
        }
      };
      w.worker.on("message", onMessage);
      w.worker.postMessage({ ...message, id }, transfer);
    });
  const p = w.busy.then(run, run);
  w.busy = p.catch(() => undefined);
  return p;
}

async function getPool(curve: Curve): Promise<NonNullable<typeof pool>> {
  if (pool !== undefined) return pool;
  const { ModuleBuilder } = require("wasmbuilder") as {
    ModuleBuilder: new () => { setMemory(p: number): void; build(): Uint8Array };
  };
  const { buildBn128 } = require("wasmcurves") as { buildBn128(m: unknown): void };
  const builder = new ModuleBuilder();
  builder.setMemory(25);
  buildBn128(builder);
  const code = builder.build();
  const workers: PoolWorker[] = [];
  for (let i = 0; i < Math.max(1, os.cpus().length); i++) {
    const worker = new Worker(path.join(__dirname, "comb-worker.cjs"));
    // Idle workers never keep the process alive.
    worker.unref();
    const w = { worker, busy: Promise.resolve() as Promise<unknown> };
    await request(w, { type: "init", code, pages: 25 });
    workers.push(w);
  }
  pool = { workers, tables: new Set(), curve };
  return pool;
}

/** The comb table of `group`, affine LEM points (entry 0 of each window unused). */
async function buildTable(curve: Curve, group: Group): Promise<Uint8Array> {
  const G = curve[group];
  const { windows, digits } = shape(group);
  const sJac = G.F.n8 * 3;
  const jacobian = new Uint8Array(windows * digits * sJac);
  let windowBase = G.g;
  for (let w = 0; w < windows; w++) {
    let acc = windowBase;
    for (let d = 1; d < digits; d++) {
      jacobian.set(acc, (w * digits + d) * sJac);
      acc = G.add(acc, windowBase);
    }
    windowBase = acc; // 2^bits * the previous base
  }
  return G.batchToAffine(jacobian);
}

/** generator * s for every scalar, as affine points in snarkjs' LEM encoding. */
export async function combMultiply(
  curve: Curve,
  group: Group,
  scalars: readonly bigint[],
  onDone?: (n: number) => void,
): Promise<Uint8Array> {
  const p = await getPool(curve);
  const { bits, windows, digits, chunk, sAff } = shape(group);
  if (!p.tables.has(group)) {
    const table = await buildTable(curve, group);
    await Promise.all(
      p.workers.map((w) =>
        request(w, { type: "table", group, table, sAff, bits, windows, digits }),
      ),
    );
    p.tables.add(group);
  }
  const out = new Uint8Array(scalars.length * sAff);
  const jobs: Promise<void>[] = [];
  let turn = 0;
  for (let start = 0; start < scalars.length; start += chunk) {
    const count = Math.min(chunk, scalars.length - start);
    const bytes = new Uint8Array(count * 32);
    for (let i = 0; i < count; i++) {
      // Little-endian bytes of the scalar (a hex round-trip is much faster than BigInt shifts).
      bytes.set(
        Buffer.from(scalars[start + i].toString(16).padStart(64, "0"), "hex").reverse(),
        i * 32,
      );
    }
    const at = start;
    const w = p.workers[turn++ % p.workers.length];
    jobs.push(
      request<{ points: Uint8Array }>(w, { type: "mul", group, scalars: bytes }, [
        bytes.buffer,
      ]).then((r) => {
        out.set(r.points, at * sAff);
        onDone?.(count);
      }),
    );
  }
  await Promise.all(jobs);
  return out;
}
