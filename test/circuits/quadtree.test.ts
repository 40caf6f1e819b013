import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { compileCircuit, LoadedCircuit, REPO_ROOT } from "../../operator/zk/setup/compile";
import { emptyQuadNode, QuadMerkleTree, quadRoot } from "../../operator/zk/state/tree";

const BUILD = path.join(REPO_ROOT, "circuits", "build", "test");
const LEVELS = 3;

function bits(index: bigint, n: number): bigint[] {
  return Array.from({ length: n }, (_, i) => (index >> BigInt(i)) & 1n);
}

const treeArb = fc.uniqueArray(
  fc.tuple(
    fc.bigInt({ min: 0n, max: 4n ** BigInt(LEVELS) - 1n }),
    fc.bigInt({ min: 1n, max: 2n ** 250n }),
  ),
  {
    minLength: 1,
    maxLength: 20,
    selector: ([i]) => i,
  },
);

describe("4-ary Poseidon tree: operator/zk/state/tree.ts and circuits/src/quadtree.circom", function () {
  let circuit: LoadedCircuit;
  before(async function () {
    circuit = await LoadedCircuit.load(
      await compileCircuit(
        {
          name: "quad-merkle-root-3",
          source: "quadtree.circom",
          template: "QuadMerkleRoot",
          params: [LEVELS],
        },
        BUILD,
      ),
    );
  });

  it("TypeScript: proofs reproduce the root; clearing every leaf restores the empty root", function () {
    fc.assert(
      fc.property(treeArb, (leaves) => {
        const tree = new QuadMerkleTree(LEVELS);
        for (const [i, v] of leaves) tree.set(i, v);
        for (const [i, v] of leaves) {
          const p = tree.proof(i);
          expect(p.leaf).to.equal(v);
          expect(quadRoot(v, i, p.siblings)).to.equal(tree.root);
          expect(quadRoot(v + 1n, i, p.siblings)).to.not.equal(tree.root);
        }
        for (const [i] of leaves) tree.set(i, 0n);
        expect(tree.root).to.equal(emptyQuadNode(LEVELS));
      }),
      { numRuns: 50 },
    );
  });

  it("the circuit computes the same roots (expectPass)", async function () {
    await fc.assert(
      fc.asyncProperty(treeArb, async (leaves) => {
        const tree = new QuadMerkleTree(LEVELS);
        for (const [i, v] of leaves) tree.set(i, v);
        const [i, v] = leaves[leaves.length - 1];
        const p = tree.proof(i);
        const w = await circuit.witness({
          leaf: v,
          pathBits: bits(i, 2 * LEVELS),
          siblings: p.siblings,
        });
        expect(circuit.signal(w, "main.root")).to.equal(tree.root);
      }),
      { numRuns: 15 },
    );
  });

  it("ignores whatever sits in the path's own slot, and a wrong sibling or index changes the root (expectFail)", async function () {
    const tree = new QuadMerkleTree(LEVELS);
    tree.set(5n, 11n);
    tree.set(6n, 12n);
    tree.set(40n, 13n);
    const p = tree.proof(6n);
    const noisy = p.siblings.map((s, k) =>
      s.map((x, j) => (j === Number((6n >> BigInt(2 * k)) & 3n) ? 999n : x)),
    );
    const w = await circuit.witness({ leaf: 12n, pathBits: bits(6n, 6), siblings: noisy });
    expect(circuit.signal(w, "main.root")).to.equal(tree.root);
    const wrongIndex = await circuit.witness({
      leaf: 12n,
      pathBits: bits(7n, 6),
      siblings: p.siblings,
    });
    expect(circuit.signal(wrongIndex, "main.root")).to.not.equal(tree.root);
    const tampered = p.siblings.map((s) => [...s]);
    tampered[0][1] += 1n;
    const wrongSibling = await circuit.witness({
      leaf: 12n,
      pathBits: bits(6n, 6),
      siblings: tampered,
    });
    expect(circuit.signal(wrongSibling, "main.root")).to.not.equal(tree.root);
  });

  it("TypeScript refuses indices and proofs that do not fit", function () {
    const tree = new QuadMerkleTree(2);
    expect(() => tree.set(16n, 1n)).to.throw(/does not fit/);
    expect(() => tree.get(-1n)).to.throw(/does not fit/);
    expect(() => new QuadMerkleTree(0)).to.throw(/levels/);
    expect(() => quadRoot(1n, 0n, [[0n, 0n, 0n]])).to.throw(/4 entries/);
  });
});
