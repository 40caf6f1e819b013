/**
 * Arithmetic modulo a prime, shared by every field l2kit computes in (BN254's scalar field for
 * the trusted setup, BabyJubJub's base field, BLS12-381's scalar field for blob evaluation points).
 */
import { L2kitError } from "../core/errors";

/** b^e mod m by square-and-multiply. */
export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let x = ((b % m) + m) % m;
  let k = e;
  while (k > 0n) {
    if (k & 1n) result = (result * x) % m;
    x = (x * x) % m;
    k >>= 1n;
  }
  return result;
}

/** a^-1 mod m by the extended Euclidean algorithm; throws `NOT_INVERTIBLE` for a = 0 mod m. */
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

/**
 * Montgomery's trick: n inverses for the price of one and 3(n-1) multiplications. A zero value
 * throws `NOT_INVERTIBLE` with `zeroMeans` (what a zero says about the caller's input).
 */
export function batchInverse(
  values: readonly bigint[],
  m: bigint,
  zeroMeans = "a value is zero",
): bigint[] {
  const prefix = new Array<bigint>(values.length);
  let acc = 1n;
  for (let i = 0; i < values.length; i++) {
    if (values[i] % m === 0n)
      throw new L2kitError("NOT_INVERTIBLE", `zero has no inverse (${zeroMeans})`, {});
    prefix[i] = acc;
    acc = (acc * values[i]) % m;
  }
  let inv = values.length === 0 ? 1n : modInverse(acc, m);
  const out = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]) % m;
    inv = (inv * values[i]) % m;
  }
  return out;
}
