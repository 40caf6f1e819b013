import { expect } from "chai";
import { Signature, SigningKey, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { DigestSigner, NATIVE_SECP256K1, recoverDigest } from "../../../operator/lib/secp256k1";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("lib/secp256k1", function () {
  const wallet = Wallet.createRandom();
  const digests = Array.from({ length: 20 }, (_, i) => keccak256(toUtf8Bytes(`digest ${i}`)));

  it("loads the native binding on this machine", function () {
    expect(NATIVE_SECP256K1).to.not.equal(null);
  });

  for (const [name, native] of [
    ["native libsecp256k1", NATIVE_SECP256K1],
    ["pure JavaScript", null],
  ] as const) {
    it(`${name}: signs exactly as ethers does and recovers the signer`, function () {
      const signer = new DigestSigner(wallet.privateKey, native);
      expect(signer.address).to.equal(wallet.address);
      for (const d of digests) {
        const sig = signer.sign(d);
        expect(sig).to.equal(new SigningKey(wallet.privateKey).sign(d).serialized);
        expect(recoverDigest(d, sig, native)).to.equal(wallet.address);
      }
    });

    it(`${name}: refuses what OpenZeppelin refuses (high s, bad v, malformed, out of range)`, function () {
      const d = digests[0];
      const sig = Signature.from(new SigningKey(wallet.privateKey).sign(d).serialized);
      const highS = `0x${sig.r.slice(2)}${(N - BigInt(sig.s)).toString(16).padStart(64, "0")}${sig.v === 27 ? "1c" : "1b"}`;
      expect(recoverDigest(d, highS, native)).to.equal(null);
      expect(recoverDigest(d, `${sig.serialized.slice(0, 130)}1d`, native)).to.equal(null);
      expect(recoverDigest(d, sig.serialized.slice(0, 100), native)).to.equal(null);
      expect(recoverDigest(d, `0x${"00".repeat(32)}${sig.s.slice(2)}1b`, native)).to.equal(null);
      expect(recoverDigest(d, `0x${"ff".repeat(32)}${sig.s.slice(2)}1b`, native)).to.equal(null);
      // Another digest: a valid signature of someone else.
      expect(recoverDigest(digests[1], sig.serialized, native)).to.not.equal(wallet.address);
    });
  }
});
