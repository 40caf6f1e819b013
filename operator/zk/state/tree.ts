/**
 * The ZK rollup's account tree: a sparse 4-ary Merkle tree hashed with Poseidon(4), the twin of
 * `circuits/src/quadtree.circom` (and of the exodus verifier on L1).
 *
 * Why 4-ary: a Poseidon(4) costs ~300 constraints against ~240 for a Poseidon(2), but a 4-ary tree
 * is half as deep, so a path costs ~38% fewer constraints (16 x 300 against 32 x 240 for 2^32
 * accounts). A batch proves four paths per transfer, so this is the largest single saving.
 *
 * Layout: `levels` 4-ary levels (capacity 4^levels leaves). Leaf i's position at level k is digit
 * k of i in base 4 (its bits 2k and 2k+1). An empty leaf is 0; an empty node one level up is
 * Poseidon(e, e, e, e). A proof gives, per level from the bottom, the four children of the node
 * on the path, with the path's own slot set to 0 (it is recomputed, never read).
 */
import { poseidon4 } from "../crypto/poseidon";
import { InputError } from "../../core/errors";

export interface QuadProof {
  index: bigint;
  leaf: bigint;
  /** siblings[k][j]: child j of the level-k node on the path; the path's own slot is 0. */
  siblings: bigint[][];
}

const emptyCache: bigint[] = [0n];

/** Root of an empty subtree of `height` levels. */
export function emptyQuadNode(height: number): bigint {
  for (let h = emptyCache.length; h <= height; h++) {
    const e = emptyCache[h - 1];
    emptyCache.push(poseidon4([e, e, e, e]));
  }
  return emptyCache[height];
}

function checkLevels(levels: number): void {
  if (!Number.isInteger(levels) || levels < 1 || levels > 32) {
    throw new InputError("levels", `must be an integer from 1 to 32, got ${levels}`);
  }
}

function checkIndex(index: bigint, levels: number): void {
  if (index < 0n || index >> BigInt(2 * levels) !== 0n) {
    throw new InputError("index", `${index} does not fit in a tree of ${levels} 4-ary levels`);
  }
}

export class QuadMerkleTree {
  /** nodes[h] maps a node's index at height h to its hash; empty nodes are absent. */
  private readonly nodes: Map<bigint, bigint>[];

  constructor(readonly levels: number) {
    checkLevels(levels);
    this.nodes = Array.from({ length: levels + 1 }, () => new Map<bigint, bigint>());
  }

  get capacity(): bigint {
    return 1n << BigInt(2 * this.levels);
  }

  get root(): bigint {
    return this.nodes[this.levels].get(0n) ?? emptyQuadNode(this.levels);
  }

  get(index: bigint): bigint {
    checkIndex(index, this.levels);
    return this.nodes[0].get(index) ?? 0n;
  }

  /** Sets leaf `index` (0 empties it); returns the new root. */
  set(index: bigint, leaf: bigint): bigint {
    checkIndex(index, this.levels);
    let node = leaf;
    let i = index;
    for (let h = 0; h <= this.levels; h++) {
      if (node === emptyQuadNode(h)) this.nodes[h].delete(i);
      else this.nodes[h].set(i, node);
      if (h === this.levels) break;
      const first = i & ~3n;
      const children = [0n, 1n, 2n, 3n].map(
        (j) => this.nodes[h].get(first + j) ?? emptyQuadNode(h),
      );
      node = poseidon4(children);
      i >>= 2n;
    }
    return this.root;
  }

  proof(index: bigint): QuadProof {
    checkIndex(index, this.levels);
    const siblings: bigint[][] = [];
    let i = index;
    for (let h = 0; h < this.levels; h++) {
      const first = i & ~3n;
      siblings.push(
        [0n, 1n, 2n, 3n].map((j) =>
          first + j === i ? 0n : (this.nodes[h].get(first + j) ?? emptyQuadNode(h)),
        ),
      );
      i >>= 2n;
    }
    return { index, leaf: this.get(index), siblings };
  }

  /** A deep copy, for building a batch without touching the committed state. */
  clone(): QuadMerkleTree {
    const t = new QuadMerkleTree(this.levels);
    this.nodes.forEach((m, h) => m.forEach((v, k) => t.nodes[h].set(k, v)));
    return t;
  }
}

/** The root a proof implies for `leaf` at `index`. */
export function quadRoot(
  leaf: bigint,
  index: bigint,
  siblings: readonly (readonly bigint[])[],
): bigint {
  const levels = siblings.length;
  checkLevels(levels);
  checkIndex(index, levels);
  let node = leaf;
  let i = index;
  for (let h = 0; h < levels; h++) {
    if (siblings[h].length !== 4) throw new InputError(`siblings[${h}]`, "must have 4 entries");
    const slot = Number(i & 3n);
    const children = siblings[h].map((s, j) => (j === slot ? node : s));
    node = poseidon4(children);
    i >>= 2n;
  }
  return node;
}
