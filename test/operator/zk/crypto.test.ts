import * as zkCurve from "@zk-kit/baby-jubjub";
import * as zk from "@zk-kit/eddsa-poseidon";
import { expect } from "chai";
import fc from "fast-check";
import * as lite from "poseidon-lite";
import {
  BABYJUB_A,
  BABYJUB_D,
  BASE8,
  IDENTITY,
  SUBGROUP_ORDER,
  addPoints,
  doublePoint,
  fromAffine,
  inCurve,
  isIdentity,
  linearCombination,
  mulBase8,
  mulPoint,
  multiplyByCofactor,
  negatePoint,
  pointsEqual,
  preparePoint,
  toAffine,
  toAffineMany,
  type AffinePoint,
  type ExtendedPoint,
} from "../../../operator/zk/crypto/babyjub";
import {
  derivePublicKeyFast,
  preparePublicKey,
  signEdDSAPoseidon,
  verifyEdDSAPoseidon,
  verifyEdDSAPoseidonPrepared,
  verifyManyEdDSAPoseidon,
  type EdDSAPoseidonItem,
  type EdDSAPoseidonSignature,
} from "../../../operator/zk/crypto/eddsa";
import {
  FIELD_MODULUS,
  poseidon,
  poseidon3,
  poseidon4,
  poseidon5,
  poseidon6,
} from "../../../operator/zk/crypto/poseidon";

const P = FIELD_MODULUS;
const L = SUBGROUP_ORDER;
const field = fc.bigInt({ min: 0n, max: P - 1n });
const scalar = fc.bigInt({ min: 0n, max: (1n << 253n) - 1n });
const liteByArity = [
  lite.poseidon1,
  lite.poseidon2,
  lite.poseidon3,
  lite.poseidon4,
  lite.poseidon5,
  lite.poseidon6,
];
/** zk-kit is the oracle in many properties, at about 30 operations a second. */
const SLOW_RUNS = 20;

function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

const affine = (p: ExtendedPoint): AffinePoint => toAffine(p);
const zkPoint = (p: readonly bigint[]): AffinePoint => [BigInt(p[0]), BigInt(p[1])];
const B8 = fromAffine(BASE8);

/** The 8 points of order dividing 8, k T for a point T of order 8, k = 0..7. */
function torsionPoints(): AffinePoint[] {
  for (let y = 2n; ; y++) {
    const q = zkCurve.unpackPoint(y);
    if (q === null) continue;
    const t = mulPoint(fromAffine(zkPoint(q)), L); // kills the prime-order part
    if (isIdentity(mulPoint(t, 4n))) continue; // order 1, 2 or 4: try another point
    return Array.from({ length: 8 }, (_, k) => affine(mulPoint(t, BigInt(k))));
  }
}
const TORSION = torsionPoints();

describe("operator/zk/crypto: Poseidon", function () {
  it("hashes 1 to 6 random field elements exactly like poseidon-lite", function () {
    const inputs = fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.array(field, { minLength: n, maxLength: n }));
    fc.assert(
      fc.property(inputs, (xs) => {
        expect(poseidon(xs)).to.equal(liteByArity[xs.length - 1](xs));
      }),
      { numRuns: 300 },
    );
  });

  it("hashes the edge values 0, 1 and p - 1 in every position like poseidon-lite", function () {
    const edge = fc.constantFrom(0n, 1n, P - 1n);
    for (let n = 1; n <= 6; n++) {
      for (const e of [0n, 1n, P - 1n]) {
        const xs = new Array<bigint>(n).fill(e);
        expect(poseidon(xs), `${n} x ${e}`).to.equal(liteByArity[n - 1](xs));
      }
      fc.assert(
        fc.property(fc.array(edge, { minLength: n, maxLength: n }), (xs) => {
          expect(poseidon(xs)).to.equal(liteByArity[n - 1](xs));
        }),
        { numRuns: 40 },
      );
    }
  });

  it("offers poseidon3..6 wrappers that insist on their arity", function () {
    const xs = [3n, 1n, 4n, 1n, 5n, 9n];
    expect(poseidon3(xs.slice(0, 3))).to.equal(lite.poseidon3(xs.slice(0, 3)));
    expect(poseidon4(xs.slice(0, 4))).to.equal(lite.poseidon4(xs.slice(0, 4)));
    expect(poseidon5(xs.slice(0, 5))).to.equal(lite.poseidon5(xs.slice(0, 5)));
    expect(poseidon6(xs)).to.equal(lite.poseidon6(xs));
    expect(() => poseidon3(xs.slice(0, 4))).to.throw(RangeError, /3 inputs/);
    expect(() => poseidon5(xs)).to.throw(RangeError, /5 inputs/);
  });

  it("refuses non-canonical inputs that poseidon-lite silently reduces", function () {
    // poseidon-lite hashes p like 0; two encodings of one value must not hash alike here.
    expect(lite.poseidon2([P, 1n])).to.equal(lite.poseidon2([0n, 1n]));
    expect(() => poseidon([P, 1n])).to.throw(RangeError, /input 0/);
    expect(() => poseidon([1n, -1n])).to.throw(RangeError, /input 1/);
    expect(() => poseidon([1 as unknown as bigint])).to.throw(RangeError);
    expect(() => poseidon([])).to.throw(RangeError, /1 to 6/);
    expect(() => poseidon(new Array<bigint>(7).fill(0n))).to.throw(RangeError, /1 to 6/);
  });
});

describe("operator/zk/crypto: BabyJubJub", function () {
  // A point anywhere on the curve (prime-order part plus any small-order part).
  const anyPoint = fc
    .tuple(scalar, fc.integer({ min: 0, max: 7 }))
    .map(([k, t]) => affine(addPoints(mulBase8(k), fromAffine(TORSION[t]))));

  it("has complete formulas (a square, d not) and Base8 of order l", function () {
    expect(powMod(BABYJUB_A, (P - 1n) / 2n)).to.equal(1n);
    expect(powMod(BABYJUB_D, (P - 1n) / 2n)).to.equal(P - 1n);
    expect(inCurve(BASE8)).to.equal(true);
    expect(isIdentity(mulBase8(L))).to.equal(true);
    expect(isIdentity(mulPoint(B8, L))).to.equal(true);
    expect(isIdentity(mulPoint(B8, L - 1n))).to.equal(false);
    for (const t of TORSION) {
      expect(inCurve(t)).to.equal(true);
      expect(isIdentity(multiplyByCofactor(fromAffine(t)))).to.equal(true);
    }
    expect(TORSION[0]).to.deep.equal([0n, 1n]);
    expect(TORSION[4]).to.deep.equal([0n, P - 1n]);
    expect(TORSION[2][1]).to.equal(0n); // order 4
  });

  it("adds and doubles like zk-kit's addPoint, across the whole group", function () {
    fc.assert(
      fc.property(anyPoint, anyPoint, (p, q) => {
        expect(affine(addPoints(fromAffine(p), fromAffine(q)))).to.deep.equal(
          zkPoint(zkCurve.addPoint(p, q)),
        );
        expect(affine(doublePoint(fromAffine(p)))).to.deep.equal(zkPoint(zkCurve.addPoint(p, p)));
        expect(affine(addPoints(fromAffine(p), fromAffine(p)))).to.deep.equal(
          affine(doublePoint(fromAffine(p))),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("multiplies like zk-kit's mulPointEscalar, by Base8 and by any point", function () {
    fc.assert(
      fc.property(scalar, anyPoint, (k, q) => {
        const expected = zkPoint(zkCurve.mulPointEscalar(zkCurve.Base8, k));
        expect(affine(mulBase8(k))).to.deep.equal(expected);
        expect(affine(mulPoint(B8, k))).to.deep.equal(expected);
        expect(affine(linearCombination(k, []))).to.deep.equal(expected);
        expect(affine(mulPoint(fromAffine(q), k))).to.deep.equal(
          zkPoint(zkCurve.mulPointEscalar(q, k)),
        );
      }),
      { numRuns: SLOW_RUNS },
    );
  });

  it("keeps the group laws: identity, scalars 0, l and negative, opposites", function () {
    fc.assert(
      fc.property(scalar, anyPoint, (k, q) => {
        const p = fromAffine(q);
        expect(pointsEqual(addPoints(p, IDENTITY), p)).to.equal(true);
        expect(isIdentity(addPoints(p, negatePoint(p)))).to.equal(true);
        expect(isIdentity(mulPoint(p, 0n))).to.equal(true);
        expect(isIdentity(mulPoint(p, 8n * L))).to.equal(true);
        expect(pointsEqual(mulPoint(p, -k), negatePoint(mulPoint(p, k)))).to.equal(true);
        expect(pointsEqual(mulBase8(k + L), mulBase8(k))).to.equal(true);
        expect(pointsEqual(mulBase8(-k), negatePoint(mulBase8(k)))).to.equal(true);
      }),
      { numRuns: 30 },
    );
    expect(isIdentity(mulBase8(0n))).to.equal(true);
    expect(isIdentity(doublePoint(IDENTITY))).to.equal(true);
  });

  it("sums several multiples in one chain, with or without prepared points", function () {
    const signed = fc.bigInt({ min: -(1n << 253n), max: 1n << 253n });
    fc.assert(
      fc.property(signed, signed, signed, anyPoint, scalar, (k0, k1, k2, q, r) => {
        const p1 = fromAffine(q);
        const p2 = mulBase8(r); // in the prime-order subgroup, so it can be prepared
        const expected = addPoints(addPoints(mulBase8(k0), mulPoint(p1, k1)), mulPoint(p2, k2));
        expect(
          pointsEqual(
            linearCombination(k0, [
              [p1, k1],
              [p2, k2],
            ]),
            expected,
          ),
        ).to.equal(true);
        const prepared = linearCombination(k0, [[p1, k1]], [[preparePoint(p2), k2]]);
        expect(pointsEqual(prepared, expected)).to.equal(true);
      }),
      { numRuns: 25 },
    );
  });

  it("compares points without inversion and converts them in batches", function () {
    fc.assert(
      fc.property(anyPoint, fc.bigInt({ min: 1n, max: P - 1n }), (q, z) => {
        const p = fromAffine(q);
        const scaled = { X: (p.X * z) % P, Y: (p.Y * z) % P, Z: z, T: (p.T * z) % P };
        expect(pointsEqual(scaled, p)).to.equal(true);
        expect(affine(scaled)).to.deep.equal(q);
        expect(toAffineMany([scaled, doublePoint(scaled)])).to.deep.equal([
          q,
          affine(doublePoint(p)),
        ]);
        expect(pointsEqual(scaled, addPoints(p, fromAffine(TORSION[4])))).to.equal(false);
      }),
      { numRuns: 50 },
    );
  });

  it("accepts only canonical coordinates, where zk-kit's inCurve reduces them", function () {
    const [x, y] = affine(mulBase8(12345n));
    expect(inCurve([x, y])).to.equal(true);
    expect(zkCurve.inCurve([x + P, y])).to.equal(true);
    expect(inCurve([x + P, y])).to.equal(false);
    expect(inCurve([x - P, y])).to.equal(false);
    expect(inCurve([x, y + 1n])).to.equal(false);
    expect(inCurve([x] as unknown as [bigint, bigint])).to.equal(false);
    expect(inCurve([Number(1), 0n] as unknown as [bigint, bigint])).to.equal(false);
  });
});

describe("operator/zk/crypto: EdDSA-Poseidon", function () {
  const privateKey = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 80 }));

  it("derives public keys and signs exactly like zk-kit", function () {
    fc.assert(
      fc.property(privateKey, field, (key, message) => {
        expect(derivePublicKeyFast(key)).to.deep.equal(zkPoint(zk.derivePublicKey(key)));
        expect(signEdDSAPoseidon(key, message)).to.deep.equal(zk.signMessage(key, message));
      }),
      { numRuns: SLOW_RUNS },
    );
    // BLAKE-512 padding edges: the last block's length byte, and a block of padding only.
    for (const length of [0, 1, 110, 111, 112, 127, 128, 129, 239, 240, 256]) {
      const key = new Uint8Array(length).map((_, i) => (i * 37 + length) & 0xff);
      expect(derivePublicKeyFast(key), `${length} bytes`).to.deep.equal(
        zkPoint(zk.derivePublicKey(key)),
      );
    }
    expect(signEdDSAPoseidon("a passphrase", 7n)).to.deep.equal(zk.signMessage("a passphrase", 7n));
  });

  it("refuses to sign what is not a field element, or with a key of the wrong type", function () {
    expect(() => signEdDSAPoseidon("k", P)).to.throw(RangeError);
    expect(() => signEdDSAPoseidon("k", -1n)).to.throw(RangeError);
    expect(() => signEdDSAPoseidon(5 as unknown as string, 1n)).to.throw(TypeError);
  });

  it("verifies exactly like zk-kit on valid and tampered signatures", function () {
    fc.assert(
      fc.property(privateKey, privateKey, field, field, (key, other, message, other2) => {
        fc.pre(message !== other2);
        const A = derivePublicKeyFast(key);
        const B = derivePublicKeyFast(other);
        const sig = signEdDSAPoseidon(key, message);
        const sig2 = signEdDSAPoseidon(key, other2);
        const cases: [string, bigint, EdDSAPoseidonSignature, [bigint, bigint]][] = [
          ["valid", message, sig, A],
          ["other message", other2, sig, A],
          ["S + 1", message, { ...sig, S: (sig.S + 1n) % L }, A],
          ["S + l", message, { ...sig, S: sig.S + L }, A],
          ["S = l", message, { ...sig, S: L }, A],
          ["R8 of another signature", message, { ...sig, R8: sig2.R8 }, A],
          ["R8 off the curve", message, { ...sig, R8: [sig.R8[0], (sig.R8[1] + 1n) % P] }, A],
          ["key off the curve", message, sig, [A[0], (A[1] + 1n) % P]],
          ["another key", message, sig, B],
        ];
        for (const [name, m, s, a] of cases)
          expect(verifyEdDSAPoseidon(m, s, a), name).to.equal(zk.verifySignature(m, s, a));
        expect(verifyEdDSAPoseidon(message, sig, A)).to.equal(true);
      }),
      { numRuns: SLOW_RUNS },
    );
  });

  it("refuses non-canonical numbers, which zk-kit reduces or loops forever on", function () {
    const A = derivePublicKeyFast("non-canonical");
    const message = 42n;
    const sig = signEdDSAPoseidon("non-canonical", message);
    const [rx, ry] = sig.R8;
    // zk-kit accepts coordinates and messages shifted by p ...
    expect(zk.verifySignature(message + P, sig, A)).to.equal(true);
    expect(zk.verifySignature(message, { ...sig, R8: [rx + P, ry] }, A)).to.equal(true);
    expect(zk.verifySignature(message, sig, [A[0], A[1] + P])).to.equal(true);
    // ... and may never return for a negative S or negative coordinates; none passes here.
    const refused: [bigint, EdDSAPoseidonSignature, [bigint, bigint]][] = [
      [message + P, sig, A],
      [-message, sig, A],
      [message, { ...sig, R8: [rx + P, ry] }, A],
      [message, { ...sig, R8: [rx, ry - P] }, A],
      [message, sig, [A[0], A[1] + P]],
      [message, sig, [A[0] - P, A[1]]],
      [message, { ...sig, S: sig.S - L }, A],
      [message, { ...sig, S: -1n }, A],
    ];
    for (const [m, s, a] of refused) expect(verifyEdDSAPoseidon(m, s, a)).to.equal(false);
    expect(verifyEdDSAPoseidon(message, sig, A)).to.equal(true);
  });

  it("refuses public keys of small order, under which zk-kit accepts anything", function () {
    // With 8 A = identity the equation is S B8 = R8 for every message: anyone can sign.
    TORSION.forEach((A, k) => {
      const S = (BigInt(k) * 0x1234567890abcdefn) % L;
      const sig = { R8: affine(mulBase8(S)), S };
      const message = BigInt(k) + 1000n;
      expect(zk.verifySignature(message, sig, A), `k = ${k}`).to.equal(true);
      expect(verifyEdDSAPoseidon(message, sig, A), `k = ${k}`).to.equal(false);
      expect(preparePublicKey(A)).to.equal(undefined);
    });
  });

  it("agrees with zk-kit on small-order components: in A they vanish, in R8 they fail", function () {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: L - 1n }),
        fc.bigInt({ min: 1n, max: L - 1n }),
        field,
        fc.integer({ min: 1, max: 7 }),
        (secret, nonce, message, t) => {
          // A signature for A' = secret B8 + T, made by hand: S = r + 8 h secret.
          const A = affine(addPoints(mulBase8(secret), fromAffine(TORSION[t])));
          const R8 = affine(mulBase8(nonce));
          const h = poseidon5([R8[0], R8[1], A[0], A[1], message]);
          const sig = { R8, S: (nonce + 8n * h * secret) % L };
          expect(zk.verifySignature(message, sig, A)).to.equal(true);
          expect(verifyEdDSAPoseidon(message, sig, A)).to.equal(true);
          // R8 + T: the equation only holds up to T, which an odd multiplier cannot hide.
          const bad = { ...sig, R8: affine(addPoints(fromAffine(R8), fromAffine(TORSION[t]))) };
          expect(zk.verifySignature(message, bad, A)).to.equal(false);
          expect(verifyEdDSAPoseidon(message, bad, A)).to.equal(false);
        },
      ),
      { numRuns: SLOW_RUNS },
    );
  });

  it("never throws, whatever it is given", function () {
    const hostile = {
      get R8(): never {
        throw new Error("hostile");
      },
      S: 1n,
    };
    const A = derivePublicKeyFast("k");
    expect(verifyEdDSAPoseidon(1n, hostile as unknown as EdDSAPoseidonSignature, A)).to.equal(
      false,
    );
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (m, s, a) => {
        const result = verifyEdDSAPoseidon(
          m as bigint,
          s as EdDSAPoseidonSignature,
          a as [bigint, bigint],
        );
        expect(result).to.equal(false);
        expect(
          verifyManyEdDSAPoseidon([
            { message: m, signature: s, publicKey: a },
          ] as EdDSAPoseidonItem[]),
        ).to.deep.equal([false]);
      }),
      { numRuns: 300 },
    );
  });

  it("answers exactly like verifyEdDSAPoseidon with prepared keys and in lists", function () {
    const keys = ["alice", "bob", "carol"].map((k) => ({ k, A: derivePublicKeyFast(k) }));
    const items: EdDSAPoseidonItem[] = [];
    for (let i = 0; i < 24; i++) {
      const { k, A } = keys[i % 3];
      const message = BigInt(i) * 0x9e3779b97f4a7c15n;
      const sig = signEdDSAPoseidon(k, message);
      const variants: EdDSAPoseidonItem[] = [
        { message, signature: sig, publicKey: A },
        { message: message + 1n, signature: sig, publicKey: A },
        { message, signature: { ...sig, S: (sig.S + 1n) % L }, publicKey: A },
        { message, signature: sig, publicKey: keys[(i + 1) % 3].A },
        { message, signature: sig, publicKey: TORSION[i % 8] },
        { message, signature: { ...sig, R8: [sig.R8[0] + P, sig.R8[1]] }, publicKey: A },
      ];
      items.push(variants[i % variants.length]);
      if (i % 4 === 0) items.push(variants[0]);
    }
    const one = items.map((it) => verifyEdDSAPoseidon(it.message, it.signature, it.publicKey));
    expect(one.filter((x) => x).length).to.be.greaterThan(5);
    expect(one.filter((x) => !x).length).to.be.greaterThan(5);
    expect(verifyManyEdDSAPoseidon(items)).to.deep.equal(one);
    items.forEach((it, i) => {
      const key = preparePublicKey(it.publicKey);
      const prepared =
        key !== undefined && verifyEdDSAPoseidonPrepared(it.message, it.signature, key);
      expect(prepared, `item ${i}`).to.equal(one[i]);
    });
  });
});
