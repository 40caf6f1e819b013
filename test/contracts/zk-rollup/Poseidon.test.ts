import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { poseidon4, poseidon5, poseidon6 } from "poseidon-lite";
import {
  POSEIDON_DIR,
  POSEIDON_WIDTHS,
  writePoseidonContracts,
} from "../../../scripts/gen/poseidon";

const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

async function fixture() {
  return {
    t5: await (await ethers.getContractFactory("PoseidonT5")).deploy(),
    t6: await (await ethers.getContractFactory("PoseidonT6")).deploy(),
    t7: await (await ethers.getContractFactory("PoseidonT7")).deploy(),
  };
}

const field = fc.bigInt({ min: 0n, max: P - 1n });

describe("PoseidonT5/T6/T7 (generated Solidity) against poseidon-lite (= circomlib)", function () {
  it("hashes like poseidon-lite on random field elements and edge values", async function () {
    const { t5, t6, t7 } = await loadFixture(fixture);
    const edges = [0n, 1n, P - 1n];
    for (const e of edges) {
      expect(await t5.hash([e, e, e, e])).to.equal(poseidon4([e, e, e, e]));
      expect(await t7.hash([e, 0n, e, 0n, e, 0n])).to.equal(poseidon6([e, 0n, e, 0n, e, 0n]));
    }
    await fc.assert(
      fc.asyncProperty(fc.array(field, { minLength: 6, maxLength: 6 }), async (xs) => {
        expect(await t5.hash([xs[0], xs[1], xs[2], xs[3]])).to.equal(poseidon4(xs.slice(0, 4)));
        expect(await t6.hash([xs[0], xs[1], xs[2], xs[3], xs[4]])).to.equal(
          poseidon5(xs.slice(0, 5)),
        );
        expect(await t7.hash([xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]])).to.equal(poseidon6(xs));
      }),
      { numRuns: 20 },
    );
  });

  it("rejects an input that is not a field element, naming it", async function () {
    const { t5, t6, t7 } = await loadFixture(fixture);
    await expect(t5.hash([1n, P, 2n, 3n]))
      .to.be.revertedWithCustomError(t5, "PoseidonInputOutOfField")
      .withArgs(1n, P);
    await expect(t6.hash([0n, 0n, 0n, 0n, 2n ** 256n - 1n]))
      .to.be.revertedWithCustomError(t6, "PoseidonInputOutOfField")
      .withArgs(4n, 2n ** 256n - 1n);
    await expect(t7.hash([P - 1n, 0n, P + 1n, 0n, 0n, 0n]))
      .to.be.revertedWithCustomError(t7, "PoseidonInputOutOfField")
      .withArgs(2n, P + 1n);
  });

  it("is committed exactly as scripts/gen/poseidon.ts generates it", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-poseidon-"));
    writePoseidonContracts(dir);
    for (const t of POSEIDON_WIDTHS) {
      const name = `PoseidonT${t}.sol`;
      expect(
        fs.readFileSync(path.join(dir, name), "utf8"),
        `${name} is stale: run npx l2kit zk gen-poseidon`,
      ).to.equal(fs.readFileSync(path.join(POSEIDON_DIR, name), "utf8"));
    }
  });
});
