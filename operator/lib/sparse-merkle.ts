/**
 * Fixed-depth keccak sparse Merkle tree, the off-chain twin of `contracts/libraries/SparseMerkle.sol`.
 *
 * Layout (identical on both sides): depth d in 1..256; leaf i (0 <= i < 2^d) at the bottom;
 * bit k of i says whether the node at height k on its path is a right child; an empty leaf is
 * 32 zero bytes and an empty subtree of height k+1 is keccak256(empty_k ++ empty_k); an inner node
 * is keccak256(left ++ right). Leaves are opaque 32-byte values: hash your data into them with a
 * domain tag. Only non-empty nodes are stored, so a depth-160 tree keyed by address is cheap.
 */
import { InputError } from "../core/errors";
import { keccak } from "./keccak";

export type Hex = `0x${string}`;

/** An inclusion proof: `siblings[k]` is the sibling at height k (bottom-up). */
export interface MerkleProof {
  index: bigint;
  leaf: Hex;
  siblings: Hex[];
}

/** A proof without the siblings that are empty subtrees; bit k of `bitmap` marks a given sibling. */
export interface CompressedMerkleProof {
  index: bigint;
  leaf: Hex;
  depth: number;
  bitmap: bigint;
  siblings: Hex[];
}

const ZERO = new Uint8Array(32);
const emptyCache: Uint8Array[] = [ZERO];

/** Empty subtree of height `height` (0 = empty leaf). */
export function emptyNode(height: number): Uint8Array {
  for (let h = emptyCache.length; h <= height; h++) {
    emptyCache.push(hashPair(emptyCache[h - 1], emptyCache[h - 1]));
  }
  return emptyCache[height];
}

/** keccak256(left ‖ right): every inner node (a deposit rehashes a 160-level path). */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(left, 0);
  buf.set(right, 32);
  return keccak(buf);
}

export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

export function fromHex32(value: string, field = "value"): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new InputError(field, "must be 32 bytes of hex (0x + 64 digits)");
  return Uint8Array.from(Buffer.from(value.slice(2), "hex"));
}

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > 256) {
    throw new InputError("depth", `must be an integer from 1 to 256, got ${depth}`);
  }
}

function checkIndex(index: bigint, depth: number): void {
  if (index < 0n || index >> BigInt(depth) !== 0n) {
    throw new InputError("index", `${index} does not fit in a tree of depth ${depth}`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SparseMerkleTree {
  /** levels[h] maps a node's index at height h to its hash; empty nodes are absent. */
  private readonly levels: Map<bigint, Uint8Array>[];

  constructor(readonly depth: number) {
    checkDepth(depth);
    this.levels = Array.from({ length: depth + 1 }, () => new Map<bigint, Uint8Array>());
  }

  /** A copy that shares no mutable state with this tree (node hashes are never mutated). */
  clone(): SparseMerkleTree {
    const copy = new SparseMerkleTree(this.depth);
    this.levels.forEach((level, h) => {
      copy.levels[h] = new Map(level);
    });
    return copy;
  }

  /** Root of the empty tree of this depth. */
  static emptyRoot(depth: number): Hex {
    checkDepth(depth);
    return toHex(emptyNode(depth));
  }

  get root(): Hex {
    return toHex(this.rootBytes);
  }

  get rootBytes(): Uint8Array {
    return this.levels[this.depth].get(0n) ?? emptyNode(this.depth);
  }

  /** Number of non-empty leaves. */
  get size(): number {
    return this.levels[0].size;
  }

  get(index: bigint): Hex {
    checkIndex(index, this.depth);
    return toHex(this.levels[0].get(index) ?? ZERO);
  }

  /** Non-empty leaves in no particular order. */
  *entries(): IterableIterator<[bigint, Hex]> {
    for (const [i, v] of this.levels[0]) yield [i, toHex(v)];
  }

  /** Sets leaf `index`; setting it to zero empties it. Returns the new root. */
  set(index: bigint, leaf: Hex | Uint8Array): Hex {
    checkIndex(index, this.depth);
    let node = typeof leaf === "string" ? fromHex32(leaf, "leaf") : Uint8Array.from(leaf);
    if (node.length !== 32) throw new InputError("leaf", "must be 32 bytes");
    let i = index;
    for (let h = 0; h <= this.depth; h++) {
      const level = this.levels[h];
      if (bytesEqual(node, emptyNode(h))) level.delete(i);
      else level.set(i, node);
      if (h === this.depth) break;
      const sibling = level.get(i ^ 1n) ?? emptyNode(h);
      node = (i & 1n) === 0n ? hashPair(node, sibling) : hashPair(sibling, node);
      i >>= 1n;
    }
    return this.root;
  }

  proof(index: bigint): MerkleProof {
    checkIndex(index, this.depth);
    const siblings: Hex[] = [];
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      siblings.push(toHex(this.levels[h].get(i ^ 1n) ?? emptyNode(h)));
      i >>= 1n;
    }
    return { index, leaf: this.get(index), siblings };
  }

  compressedProof(index: bigint): CompressedMerkleProof {
    checkIndex(index, this.depth);
    const siblings: Hex[] = [];
    let bitmap = 0n;
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      const sibling = this.levels[h].get(i ^ 1n);
      if (sibling !== undefined) {
        siblings.push(toHex(sibling));
        bitmap |= 1n << BigInt(h);
      }
      i >>= 1n;
    }
    return { index, leaf: this.get(index), depth: this.depth, bitmap, siblings };
  }
}

/** Root of the tree in which `leaf` sits at `index`, given every sibling bottom-up. */
export function computeRoot(leaf: Hex, index: bigint, siblings: readonly Hex[]): Hex {
  const depth = siblings.length;
  checkDepth(depth);
  checkIndex(index, depth);
  let node = fromHex32(leaf, "leaf");
  for (let h = 0; h < depth; h++) {
    const s = fromHex32(siblings[h], `siblings[${h}]`);
    node = ((index >> BigInt(h)) & 1n) === 0n ? hashPair(node, s) : hashPair(s, node);
  }
  return toHex(node);
}

export function verifyProof(root: Hex, proof: MerkleProof): boolean {
  return computeRoot(proof.leaf, proof.index, proof.siblings).toLowerCase() === root.toLowerCase();
}

/** Root from a compressed proof; rejects a bitmap that disagrees with the sibling list. */
export function computeRootCompressed(proof: Omit<CompressedMerkleProof, never>): Hex {
  const { leaf, index, depth, bitmap, siblings } = proof;
  checkDepth(depth);
  checkIndex(index, depth);
  if (bitmap < 0n || (depth < 256 && bitmap >> BigInt(depth) !== 0n)) {
    throw new InputError("bitmap", "has bits above the tree depth");
  }
  let node = fromHex32(leaf, "leaf");
  let used = 0;
  for (let h = 0; h < depth; h++) {
    let sibling: Uint8Array;
    if (((bitmap >> BigInt(h)) & 1n) === 1n) {
      if (used === siblings.length)
        throw new InputError("siblings", "fewer siblings than the bitmap marks");
      sibling = fromHex32(siblings[used], `siblings[${used}]`);
      used++;
    } else {
      sibling = emptyNode(h);
    }
    node = ((index >> BigInt(h)) & 1n) === 0n ? hashPair(node, sibling) : hashPair(sibling, node);
  }
  if (used !== siblings.length)
    throw new InputError("siblings", "more siblings than the bitmap marks");
  return toHex(node);
}
