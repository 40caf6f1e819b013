// Worker thread of operator/zk/setup/comb.ts: fixed-base multiplications of the bn128 generator,
// calling ffjavascript's own curve WebAssembly (built by wasmcurves) directly, with the comb
// table kept in this thread's memory between jobs. Plain JavaScript: runs without a TS loader.
"use strict";
const { parentPort } = require("node:worker_threads");

let wasm;
let memory;
const tables = {}; // group -> { ptr, sAff, bits, windows, digits }
let mark = 0; // heap pointer after the tables: every job allocates from here

function heap() {
  return new Uint32Array(memory.buffer, 0, 1);
}

/**
 * Allocates `length` bytes at the heap pointer, keeping three times as much free above it: the
 * curve code's batch functions take their temporaries from the heap pointer too.
 */
function alloc(length) {
  const u32 = heap();
  while (u32[0] & 7) u32[0]++;
  const ptr = u32[0];
  u32[0] += length;
  const needed = u32[0] + 3 * length + (1 << 20);
  if (needed > memory.buffer.byteLength) {
    memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  }
  return ptr;
}

parentPort.on("message", async (msg) => {
  try {
    if (msg.type === "init") {
      const module = await WebAssembly.compile(msg.code);
      memory = new WebAssembly.Memory({ initial: msg.pages });
      wasm = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
      parentPort.postMessage({ type: "ok" });
    } else if (msg.type === "table") {
      const heap32 = heap();
      if (mark !== 0) heap32[0] = mark;
      const ptr = alloc(msg.table.byteLength);
      new Uint8Array(memory.buffer).set(msg.table, ptr);
      tables[msg.group] = {
        ptr,
        sAff: msg.sAff,
        bits: msg.bits,
        windows: msg.windows,
        digits: msg.digits,
      };
      mark = heap()[0];
      parentPort.postMessage({ type: "ok" });
    } else if (msg.type === "mul") {
      const t = tables[msg.group];
      const prefix = msg.group === "G1" ? "g1m" : "g2m";
      const zero = wasm[`${prefix}_zero`];
      const addMixed = wasm[`${prefix}_addMixed`];
      const toAffine = wasm[`${prefix}_batchToAffine`];
      const sJac = (t.sAff / 2) * 3;
      const count = msg.scalars.byteLength / 32;
      heap()[0] = mark;
      const acc = alloc(count * sJac);
      const scalars = msg.scalars;
      const mask = (1 << t.bits) - 1;
      for (let i = 0; i < count; i++) {
        const p = acc + i * sJac;
        zero(p);
        const base = i * 32;
        for (let w = 0; w < t.windows; w++) {
          // Bits [w*bits, (w+1)*bits) of the little-endian scalar.
          const at = w * t.bits;
          const rel = at >>> 3;
          const byte = base + rel;
          // Only this scalar's 32 bytes: the next scalar follows in the same buffer.
          const v =
            scalars[byte] |
            (rel + 1 < 32 ? scalars[byte + 1] << 8 : 0) |
            (rel + 2 < 32 ? scalars[byte + 2] << 16 : 0);
          let d = (v >>> (at & 7)) & mask;
          if (at + t.bits > 256) d &= (1 << (256 - at)) - 1;
          if (d !== 0) addMixed(p, t.ptr + (w * t.digits + d) * t.sAff, p);
        }
      }
      toAffine(acc, count, acc);
      const out = new Uint8Array(count * t.sAff);
      out.set(new Uint8Array(memory.buffer, acc, count * t.sAff));
      parentPort.postMessage({ type: "points", id: msg.id, points: out }, [out.buffer]);
    }
  } catch (error) {
    parentPort.postMessage({
      type: "error",
      id: msg.id,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
