/**
 * Plasma transactions off-chain, exactly as `PlasmaChain` reads them: outputs, UTXO
 * transactions (up to 2 inputs and 2 outputs), their EIP-712 hash (a block's leaf, and what each
 * input's owner signs), output positions (blockNumber·10^9 + txIndex·10^4 + outputIndex) and the
 * depth-16 block trees whose roots the operator commits.
 */
import { eip712Domain, TypedMessage, type Eip712Domain } from "../lib/eip712";
import type { DigestSigner } from "../lib/secp256k1";
import { SparseMerkleTree, type Hex } from "../lib/sparse-merkle";

export const ETH = "0x0000000000000000000000000000000000000000";
export const CHILD_BLOCK_INTERVAL = 1000n;
export const TREE_DEPTH = 16;
export const MAX_TXS_PER_BLOCK = 2 ** TREE_DEPTH;
const BLOCK_OFFSET = 1_000_000_000n;
const TX_OFFSET = 10_000n;

export interface Output {
  owner: string;
  token: string;
  amount: bigint;
}

export interface Transaction {
  /** Output positions spent (0 to 2). */
  inputs: bigint[];
  /** 1 or 2 outputs. */
  outputs: Output[];
}

export const TRANSACTION = new TypedMessage<{ inputs: bigint[]; outputs: Output[] }>(
  "Transaction",
  [
    { name: "inputs", type: "uint256[]" },
    { name: "outputs", type: "Output[]" },
  ],
  {
    Output: [
      { name: "owner", type: "address" },
      { name: "token", type: "address" },
      { name: "amount", type: "uint256" },
    ],
  },
);

export function plasmaDomain(chainId: bigint | number, contract: string): Eip712Domain {
  return eip712Domain("l2kit plasma", "1", chainId, contract);
}

/** The transaction's EIP-712 digest: its leaf in a block and what its input owners sign. */
export function txHash(domain: Eip712Domain, tx: Transaction): Hex {
  return TRANSACTION.digest(domain, { inputs: tx.inputs, outputs: tx.outputs }) as Hex;
}

export function signTx(signer: DigestSigner, domain: Eip712Domain, tx: Transaction): string {
  return signer.sign(txHash(domain, tx));
}

/** blockNumber·10^9 + txIndex·10^4 + outputIndex. */
export function utxoPos(blockNumber: bigint, txIndex: number, outputIndex: number): bigint {
  return blockNumber * BLOCK_OFFSET + BigInt(txIndex) * TX_OFFSET + BigInt(outputIndex);
}

export function decodePos(pos: bigint): {
  blockNumber: bigint;
  txIndex: number;
  outputIndex: number;
} {
  return {
    blockNumber: pos / BLOCK_OFFSET,
    txIndex: Number((pos % BLOCK_OFFSET) / TX_OFFSET),
    outputIndex: Number(pos % TX_OFFSET),
  };
}

/** A child block's tree: transaction hashes at their indices; `root` is what the operator commits. */
export class BlockTree {
  private readonly tree = new SparseMerkleTree(TREE_DEPTH);

  constructor(readonly leaves: readonly Hex[]) {
    if (leaves.length === 0 || leaves.length > MAX_TXS_PER_BLOCK) {
      throw new RangeError(`a block holds 1 to ${MAX_TXS_PER_BLOCK} transactions`);
    }
    leaves.forEach((leaf, i) => this.tree.set(BigInt(i), leaf));
  }

  get root(): Hex {
    return this.tree.root;
  }

  /** The 16 siblings `startExit` takes for the transaction at `txIndex`. */
  proof(txIndex: number): Hex[] {
    return this.tree.proof(BigInt(txIndex)).siblings;
  }
}
