import { expect } from "chai";
import { recoverAddress, Signature, Wallet, id } from "ethers";
import fc from "fast-check";
import { parseStrictSignature } from "../../../operator/lib/eip712";
import {
  NATIVE_SECP256K1,
  recoverSigner,
  SignatureChecker,
} from "../../../operator/optimistic/ecdsa";
import type { CompactSignature } from "../../../operator/optimistic/protocol";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const WALLETS = Array.from({ length: 3 }, (_, i) => new Wallet(id(`ecdsa test ${i}`)));
const hex32 = (v: bigint): string => `0x${v.toString(16).padStart(64, "0")}`;

/** What OpenZeppelin's tryRecover returns, computed independently with ethers (null: error). */
function reference(digest: string, sig: CompactSignature): string | null {
  const vs = BigInt(sig.yParityAndS);
  const s = vs & ((1n << 255n) - 1n);
  const v = 27 + Number(vs >> 255n);
  try {
    const full = parseStrictSignature(`${sig.r}${hex32(s).slice(2)}${v.toString(16)}`);
    return recoverAddress(digest, full);
  } catch {
    return null;
  }
}

/** A signature by wallet `w` over `digest`, then damaged in one of several ways. */
function variant(w: Wallet, digest: string, flaw: number, noise: bigint): CompactSignature {
  const sig = Signature.from(w.signingKey.sign(digest));
  let r = BigInt(sig.r);
  let s = BigInt(sig.s);
  let parity = sig.yParity;
  switch (flaw) {
    case 1: // the high-s twin: valid ECDSA, refused by OpenZeppelin
      s = N - s;
      parity ^= 1;
      break;
    case 2:
      parity ^= 1;
      break;
    case 3:
      r = noise % (1n << 256n);
      break;
    case 4:
      r = 0n;
      break;
    case 5:
      s = 0n;
      break;
    case 6:
      r = N + (noise % 100n);
      break;
    default:
      break;
  }
  return {
    r: hex32(r) as `0x${string}`,
    yParityAndS: hex32(s | (BigInt(parity) << 255n)) as `0x${string}`,
  };
}

describe("operator/optimistic/ecdsa", function () {
  this.timeout(120_000);

  it("has the native libsecp256k1 binding on this machine (the fast path)", function () {
    expect(NATIVE_SECP256K1).to.not.equal(null);
  });

  for (const [name, native] of [
    ["native libsecp256k1", NATIVE_SECP256K1],
    ["JavaScript (noble)", null],
  ] as const)
    it(`accepts exactly what OpenZeppelin's tryRecover accepts, first time and with a prepared key (${name})`, function () {
      const checker = new SignatureChecker(8, 4, native);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: WALLETS.length - 1 }),
          fc.integer({ min: 0, max: WALLETS.length - 1 }),
          fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
          fc.integer({ min: 0, max: 9 }),
          fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
          (signer, claimed, digestValue, flaw, noise) => {
            const digest = hex32(digestValue);
            const sig = variant(WALLETS[signer], digest, flaw, noise);
            const expected = reference(digest, sig);
            expect(recoverSigner(digest, sig, native)).to.equal(expected);
            const owner = WALLETS[claimed].address;
            // Twice: the second check of a known sender may take the prepared path.
            for (let i = 0; i < 2; i++)
              expect(checker.check(digest, sig, owner)).to.equal(expected === owner);
          },
        ),
        { numRuns: 300, seed: 4242 },
      );
      if (native === null) expect(checker.preparedCount).to.be.greaterThan(0);
    });

  it("keeps at most maxPrepared tables, evicting the least recently used", function () {
    const checker = new SignatureChecker(2, 4, null);
    const digest = id("message");
    for (const w of WALLETS) {
      const sig = variant(w, digest, 0, 0n);
      for (let i = 0; i < 3; i++) expect(checker.check(digest, sig, w.address)).to.equal(true);
    }
    expect(checker.preparedCount).to.equal(2);
  });
});
