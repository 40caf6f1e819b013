import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { AMOUNT, FEE } from "../../../operator/lib/float";
import { floatVectors } from "../../helpers/vectors";

async function fixture() {
  return { codec: await (await ethers.getContractFactory("FloatCodecMock")).deploy() };
}

const vectors = floatVectors();

describe("FloatCodec (Solidity)", function () {
  const cases = [
    { name: "float40", v: vectors.float40, fn: "decodeAmount" as const, format: AMOUNT },
    { name: "float8", v: vectors.float8, fn: "decodeFee" as const, format: FEE },
  ];
  for (const { name, v, fn, format } of cases) {
    it(`${name}: decodes every canonical vector`, async function () {
      const { codec } = await loadFixture(fixture);
      for (const { packed, value } of v.canonical)
        expect(await codec[fn](packed), packed).to.equal(BigInt(value));
    });

    it(`${name}: reverts on non-canonical encodings with the packing`, async function () {
      const { codec } = await loadFixture(fixture);
      for (const { packed } of v.nonCanonical) {
        await expect(codec[fn](packed))
          .to.be.revertedWithCustomError(codec, "FloatNotCanonical")
          .withArgs(BigInt(packed), v.mantissaBits);
      }
    });

    it(`${name}: reverts on packings wider than the format`, async function () {
      const { codec } = await loadFixture(fixture);
      for (const packed of v.badWidth) {
        await expect(codec[fn](packed))
          .to.be.revertedWithCustomError(codec, "FloatTooWide")
          .withArgs(BigInt(packed), v.exponentBits + v.mantissaBits);
      }
    });

    it(`${name}: tryDecode reports too-wide and non-canonical packings as not ok, without reverting`, async function () {
      const { codec } = await loadFixture(fixture);
      const tryFn = fn === "decodeAmount" ? "tryDecodeAmount" : "tryDecodeFee";
      for (const packed of v.badWidth)
        expect(await codec[tryFn](packed)).to.deep.equal([false, 0n]);
      for (const { packed } of v.nonCanonical)
        expect(await codec[tryFn](packed)).to.deep.equal([false, 0n]);
      for (const { packed, value } of v.canonical.slice(0, 20))
        expect(await codec[tryFn](packed)).to.deep.equal([true, BigInt(value)]);
    });

    it(`${name}: agrees with the TypeScript codec on random packings`, async function () {
      const { codec } = await loadFixture(fixture);
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 0n, max: (1n << BigInt(format.bits)) - 1n }),
          async (packed) => {
            if (format.isCanonical(packed))
              expect(await codec[fn](packed)).to.equal(format.decode(packed));
            else
              await expect(codec[fn](packed)).to.be.revertedWithCustomError(
                codec,
                "FloatNotCanonical",
              );
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});
