import { expect } from "chai";
import fc from "fast-check";
import { InputError } from "../../../operator/core/errors";
import { AMOUNT, FEE, type FloatFormat } from "../../../operator/lib/float";
import { floatVectors, type FloatVectors } from "../../helpers/vectors";

const vectors = floatVectors();
const formats: [FloatFormat, FloatVectors][] = [
  [AMOUNT, vectors.float40],
  [FEE, vectors.float8],
];

describe("operator/zk/float (TypeScript codec)", function () {
  for (const [format, v] of formats) {
    describe(format.name, function () {
      it("matches the vectors' layout", function () {
        expect([format.exponentBits, format.mantissaBits]).to.deep.equal([
          v.exponentBits,
          v.mantissaBits,
        ]);
      });

      it("encodes and decodes every canonical vector", function () {
        for (const { packed, value } of v.canonical) {
          expect(format.encode(BigInt(value)), value).to.equal(BigInt(packed));
          expect(format.decode(BigInt(packed)), packed).to.equal(BigInt(value));
          expect(format.isCanonical(BigInt(packed))).to.equal(true);
        }
      });

      it("rejects every non-canonical encoding", function () {
        for (const { packed } of v.nonCanonical) {
          expect(format.isCanonical(BigInt(packed)), packed).to.equal(false);
          expect(() => format.decode(BigInt(packed)), packed).to.throw(
            InputError,
            /not a canonical/,
          );
        }
      });

      it("refuses inexact values and offers the closest one below", function () {
        for (const { value, closest } of v.notRepresentable) {
          expect(() => format.encode(BigInt(value)), value).to.throw(
            InputError,
            new RegExp(`nearest below is ${closest}`),
          );
          expect(format.closest(BigInt(value))).to.equal(BigInt(closest));
          expect(format.isExact(BigInt(closest))).to.equal(true);
        }
      });

      it("refuses values above the maximum and packings wider than the format", function () {
        for (const value of v.tooLarge) {
          expect(() => format.encode(BigInt(value))).to.throw(InputError);
          expect(format.closest(BigInt(value))).to.equal(format.max);
        }
        for (const packed of v.badWidth)
          expect(() => format.decode(BigInt(packed))).to.throw(InputError, /bits/);
        expect(() => format.encode(-1n)).to.throw(InputError, /negative/);
      });

      it("round-trips: decode(encode(closest(x))) = closest(x) <= x, and nothing closer exists", function () {
        fc.assert(
          fc.property(fc.bigInt({ min: 0n, max: format.max * 2n }), (x) => {
            const c = format.closest(x);
            expect(c <= x).to.equal(true);
            expect(format.decode(format.encode(c))).to.equal(c);
            // The next encodable value above c is above x.
            const { mantissa, exponent } = format.split(format.encode(c));
            if (c < format.max) {
              const next =
                mantissa === format.maxMantissa
                  ? (format.maxMantissa / 10n + 1n) * 10n ** BigInt(exponent + 1)
                  : (mantissa + 1n) * 10n ** BigInt(exponent);
              expect(format.isExact(next)).to.equal(true);
              expect(next > x).to.equal(true);
            }
          }),
          { numRuns: 500 },
        );
      });

      it("has exactly one canonical encoding per value (exhaustive over random packings)", function () {
        fc.assert(
          fc.property(fc.bigInt({ min: 0n, max: (1n << BigInt(format.bits)) - 1n }), (packed) => {
            if (format.isCanonical(packed))
              expect(format.encode(format.decode(packed))).to.equal(packed);
          }),
          { numRuns: 1000 },
        );
      });
    });
  }
});
