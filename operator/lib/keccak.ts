/**
 * keccak256 over bytes, fast: the native Keccak state that the `keccak` package ships as a
 * prebuild, driven directly (~1.2 µs for 64 bytes here; its stream wrapper costs ~2.9 µs and noble's
 * pure JavaScript ~8 µs), and noble where the binding does not load. Merkle trees hash on every
 * update and operators hash every transaction they accept.
 */
import path from "node:path";
import { keccak_256 } from "@noble/hashes/sha3";

interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  squeeze(bytes: number): Buffer;
}

const state: KeccakState | undefined = (() => {
  try {
    const dir = path.dirname(require.resolve("keccak/bindings"));
    // node-gyp-build as `keccak` itself resolves it: it finds the prebuild for this platform.
    const load = require(require.resolve("node-gyp-build", { paths: [dir] })) as (
      dir: string,
    ) => unknown;
    const Native = load(dir);
    if (typeof Native !== "function") return undefined;
    return new (Native as new () => KeccakState)();
  } catch {
    return undefined;
  }
})();

export function keccak(data: Uint8Array): Uint8Array {
  if (state === undefined) return keccak_256(data);
  // keccak256: rate 1088 bits, capacity 512, Keccak's own padding (squeeze pads).
  state.initialize(1088, 512);
  state.absorb(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return state.squeeze(32);
}
