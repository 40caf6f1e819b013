import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import {
  computeRoot,
  computeRootCompressed,
  SparseMerkleTree,
  verifyProof,
  type Hex,
} from "../../../operator/lib/sparse-merkle";

async function deployFixture() {
  const mock = await (await ethers.getContractFactory("SparseMerkleMock")).deploy();
  return { mock };
}

const leafArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);

/** A random tree: depth, then up to 12 distinct leaves that fit in it. */
const treeArb = fc
  .oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(160, 256))
  .chain((depth) =>
    fc.tuple(
      fc.constant(depth),
      fc.uniqueArray(fc.tuple(fc.bigInt({ min: 0n, max: (1n << BigInt(depth)) - 1n }), leafArb), {
        minLength: 1,
        maxLength: 12,
        selector: ([i]) => i,
      }),
    ),
  );

describe("SparseMerkle (Solidity) and operator/lib/sparse-merkle (TypeScript)", function () {
  it("agree on roots and proofs for random trees (full and compressed)", async function () {
    const { mock } = await loadFixture(deployFixture);
    await fc.assert(
      fc.asyncProperty(treeArb, async ([depth, leaves]) => {
        const tree = new SparseMerkleTree(depth);
        for (const [i, leaf] of leaves) tree.set(i, leaf);
        for (const [i] of leaves.slice(0, 3)) {
          const proof = tree.proof(i);
          expect(verifyProof(tree.root, proof)).to.equal(true);
          expect(await mock.computeRoot(proof.leaf, i, proof.siblings)).to.equal(tree.root);
          expect(await mock.verify(tree.root, proof.leaf, i, proof.siblings)).to.equal(true);
          const c = tree.compressedProof(i);
          expect(computeRootCompressed(c)).to.equal(tree.root);
          expect(await mock.computeRootCompressed(c.leaf, i, depth, c.bitmap, c.siblings)).to.equal(
            tree.root,
          );
          expect(
            await mock.verifyCompressed(tree.root, c.leaf, i, depth, c.bitmap, c.siblings),
          ).to.equal(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("agree on the root of a tree filled from leaf 0 (rootOfLeaves)", async function () {
    const { mock } = await loadFixture(deployFixture);
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 12 })
          .chain((depth) =>
            fc.tuple(
              fc.constant(depth),
              fc.array(leafArb, { maxLength: Math.min(2 ** depth, 40) }),
            ),
          ),
        async ([depth, leaves]) => {
          const tree = new SparseMerkleTree(depth);
          leaves.forEach((leaf, i) => tree.set(BigInt(i), leaf));
          expect(await mock.rootOfLeaves(leaves, depth)).to.equal(tree.root);
        },
      ),
      { numRuns: 40 },
    );
    await expect(mock.rootOfLeaves(Array(5).fill(`0x${"11".repeat(32)}`), 2))
      .to.be.revertedWithCustomError(mock, "SparseMerkleIndexOutOfRange")
      .withArgs(4n, 2n);
  });

  it("rejects a proof of a different leaf, index or sibling", async function () {
    const { mock } = await loadFixture(deployFixture);
    await fc.assert(
      fc.asyncProperty(treeArb, leafArb, async ([depth, leaves], other) => {
        const tree = new SparseMerkleTree(depth);
        for (const [i, leaf] of leaves) tree.set(i, leaf);
        const [i, leaf] = leaves[0];
        const proof = tree.proof(i);
        fc.pre(other !== leaf);
        expect(await mock.verify(tree.root, other, i, proof.siblings)).to.equal(false);
        expect(verifyProof(tree.root, { ...proof, leaf: other })).to.equal(false);
        const flipped = i ^ 1n;
        if (tree.get(flipped) !== leaf)
          expect(await mock.verify(tree.root, leaf, flipped, proof.siblings)).to.equal(false);
        const siblings = [...proof.siblings];
        siblings[depth - 1] = other;
        expect(await mock.verify(tree.root, leaf, i, siblings)).to.equal(false);
      }),
      { numRuns: 15 },
    );
  });

  it("proves that an index is empty (non-membership)", async function () {
    const { mock } = await loadFixture(deployFixture);
    const tree = new SparseMerkleTree(20);
    tree.set(5n, `0x${"ab".repeat(32)}`);
    const proof = tree.proof(6n);
    expect(proof.leaf).to.equal(ethers.ZeroHash);
    expect(await mock.verify(tree.root, ethers.ZeroHash, 6n, proof.siblings)).to.equal(true);
  });

  it("computes the same empty roots, and clearing a leaf restores the empty root", async function () {
    const { mock } = await loadFixture(deployFixture);
    for (const depth of [1, 2, 16, 32, 160, 256]) {
      expect(await mock.emptyRoot(depth)).to.equal(SparseMerkleTree.emptyRoot(depth));
    }
    const tree = new SparseMerkleTree(32);
    tree.set(7n, `0x${"01".repeat(32)}`);
    expect(tree.root).to.not.equal(SparseMerkleTree.emptyRoot(32));
    tree.set(7n, ethers.ZeroHash as Hex);
    expect(tree.root).to.equal(SparseMerkleTree.emptyRoot(32));
    expect(tree.size).to.equal(0);
  });

  it("reverts on an index that does not fit, with the index and depth", async function () {
    const { mock } = await loadFixture(deployFixture);
    const siblings = Array<string>(8).fill(ethers.ZeroHash);
    await expect(mock.computeRoot(ethers.ZeroHash, 256n, siblings))
      .to.be.revertedWithCustomError(mock, "SparseMerkleIndexOutOfRange")
      .withArgs(256n, 8n);
    expect(() => computeRoot(ethers.ZeroHash as Hex, 256n, siblings as Hex[])).to.throw(
      /does not fit/,
    );
    expect(() => new SparseMerkleTree(8).set(256n, ethers.ZeroHash as Hex)).to.throw(
      /does not fit/,
    );
  });

  it("reverts on a depth of 0 or above 256", async function () {
    const { mock } = await loadFixture(deployFixture);
    await expect(mock.computeRoot(ethers.ZeroHash, 0n, []))
      .to.be.revertedWithCustomError(mock, "SparseMerkleBadDepth")
      .withArgs(0n);
    await expect(mock.emptyRoot(257))
      .to.be.revertedWithCustomError(mock, "SparseMerkleBadDepth")
      .withArgs(257n);
    await expect(mock.computeRootCompressed(ethers.ZeroHash, 0n, 257n, 0n, []))
      .to.be.revertedWithCustomError(mock, "SparseMerkleBadDepth")
      .withArgs(257n);
    // With no leaves there is no index to check the depth against: it is checked on its own.
    for (const depth of [0n, 257n]) {
      await expect(mock.rootOfLeaves([], depth))
        .to.be.revertedWithCustomError(mock, "SparseMerkleBadDepth")
        .withArgs(depth);
    }
    expect(await mock.rootOfLeaves([], 20)).to.equal(SparseMerkleTree.emptyRoot(20));
    expect(() => new SparseMerkleTree(0)).to.throw(/depth/);
    expect(() => new SparseMerkleTree(257)).to.throw(/depth/);
  });

  it("reverts on a compressed proof whose bitmap and siblings disagree", async function () {
    const { mock } = await loadFixture(deployFixture);
    const s = `0x${"cd".repeat(32)}`;
    // Bitmap marks two siblings, one given.
    await expect(mock.computeRootCompressed(ethers.ZeroHash, 0n, 8n, 0b11n, [s]))
      .to.be.revertedWithCustomError(mock, "SparseMerkleBadCompressedProof")
      .withArgs(0b11n, 1n);
    // Bitmap marks one sibling, two given.
    await expect(mock.computeRootCompressed(ethers.ZeroHash, 0n, 8n, 0b1n, [s, s]))
      .to.be.revertedWithCustomError(mock, "SparseMerkleBadCompressedProof")
      .withArgs(0b1n, 2n);
    // Bitmap has a bit above the depth.
    await expect(mock.computeRootCompressed(ethers.ZeroHash, 0n, 8n, 1n << 8n, []))
      .to.be.revertedWithCustomError(mock, "SparseMerkleBadCompressedProof")
      .withArgs(1n << 8n, 0n);
    const base = { leaf: ethers.ZeroHash as Hex, index: 0n, depth: 8 };
    expect(() => computeRootCompressed({ ...base, bitmap: 0b11n, siblings: [s as Hex] })).to.throw(
      /fewer siblings/,
    );
    expect(() =>
      computeRootCompressed({ ...base, bitmap: 0b1n, siblings: [s as Hex, s as Hex] }),
    ).to.throw(/more siblings/);
    expect(() => computeRootCompressed({ ...base, bitmap: 1n << 8n, siblings: [] })).to.throw(
      /above the tree depth/,
    );
  });

  it("rejects malformed hex in TypeScript", function () {
    const tree = new SparseMerkleTree(4);
    expect(() => tree.set(1n, "0x1234" as Hex)).to.throw(/32 bytes/);
    expect(() => computeRoot("0xzz" as Hex, 0n, [ethers.ZeroHash as Hex])).to.throw(/leaf/);
  });
});
