/**
 * Canonical decimal floats for amounts in rollup pubdata: value = mantissa * 10^exponent, packed
 * as (exponent << mantissaBits) | mantissa.
 *
 * Canonical form (exactly one encoding per value): the smallest exponent. An encoding with
 * exponent > 0 is canonical only when 10 * mantissa > maxMantissa, i.e. when the mantissa could
 * not absorb another factor of ten. Zero is (0, 0) only. The same rule is enforced in
 * `contracts/libraries/FloatCodec.sol` and `circuits/src/float.circom`, all three tested against
 * `test/vectors/floats.json`.
 *
 * - `AMOUNT` (float40): 5-bit exponent, 35-bit mantissa: every integer up to 34,359,738,367 is
 *   exact, and larger values keep 10 significant digits.
 * - `FEE` (float8): 5-bit exponent, 3-bit mantissa: 0..7, then one significant digit (10..70,
 *   100..700, ...) up to 7 * 10^31.
 */
import { InputError } from "../core/errors";

export class FloatFormat {
  readonly maxMantissa: bigint;
  readonly maxExponent: number;
  readonly bits: number;
  readonly bytes: number;
  /** Largest encodable value. */
  readonly max: bigint;

  constructor(
    readonly name: string,
    readonly exponentBits: number,
    readonly mantissaBits: number,
  ) {
    this.maxMantissa = (1n << BigInt(mantissaBits)) - 1n;
    this.maxExponent = 2 ** exponentBits - 1;
    this.bits = exponentBits + mantissaBits;
    if (this.bits % 8 !== 0) throw new Error(`${name}: bit width must be whole bytes`);
    this.bytes = this.bits / 8;
    this.max = this.maxMantissa * 10n ** BigInt(this.maxExponent);
  }

  /** The canonical packing of `value`; throws `InputError` when it has none. */
  encode(value: bigint, field = "amount"): bigint {
    if (value < 0n) throw new InputError(field, "must not be negative");
    let m = value;
    let e = 0;
    while (m > this.maxMantissa) {
      if (m % 10n !== 0n) {
        throw new InputError(
          field,
          `${value} is not exactly representable as ${this.name}; nearest below is ${this.closest(value)}`,
        );
      }
      m /= 10n;
      e++;
    }
    if (e > this.maxExponent)
      throw new InputError(field, `${value} exceeds the ${this.name} maximum ${this.max}`);
    return (BigInt(e) << BigInt(this.mantissaBits)) | m;
  }

  /** The value of a canonical packing; throws `InputError` for a non-canonical or oversized one. */
  decode(packed: bigint, field = "amount"): bigint {
    if (packed < 0n || packed >> BigInt(this.bits) !== 0n) {
      throw new InputError(field, `packed ${this.name} must be ${this.bits} bits`);
    }
    if (!this.isCanonical(packed))
      throw new InputError(field, `0x${packed.toString(16)} is not a canonical ${this.name}`);
    const { mantissa, exponent } = this.split(packed);
    return mantissa * 10n ** BigInt(exponent);
  }

  isCanonical(packed: bigint): boolean {
    if (packed < 0n || packed >> BigInt(this.bits) !== 0n) return false;
    const { mantissa, exponent } = this.split(packed);
    return exponent === 0 || 10n * mantissa > this.maxMantissa;
  }

  split(packed: bigint): { mantissa: bigint; exponent: number } {
    return {
      mantissa: packed & this.maxMantissa,
      exponent: Number(packed >> BigInt(this.mantissaBits)),
    };
  }

  /** The largest encodable value not above `value` (what a wallet should offer instead). */
  closest(value: bigint): bigint {
    if (value < 0n) throw new InputError("amount", "must not be negative");
    if (value >= this.max) return this.max;
    let scale = 1n;
    while (value / scale > this.maxMantissa) scale *= 10n;
    const truncated = (value / scale) * scale;
    // With one exponent less, the largest mantissa may come closer than the truncation.
    const fullMantissa = scale === 1n ? 0n : this.maxMantissa * (scale / 10n);
    return truncated > fullMantissa ? truncated : fullMantissa;
  }

  /** Whether `value` has an exact encoding. */
  isExact(value: bigint): boolean {
    return value >= 0n && value <= this.max && this.closest(value) === value;
  }

  /** `value` if exactly representable, else an `InputError` on `field` naming the closest value. */
  requireExact(value: bigint, field: string): bigint {
    if (!this.isExact(value))
      throw new InputError(
        field,
        `${value} is not exactly representable; the closest is ${this.closest(value)}`,
      );
    return value;
  }
}

export const AMOUNT = new FloatFormat("float40", 5, 35);
export const FEE = new FloatFormat("float8", 5, 3);
