/**
 * Deploys the ZK rollup to a test's `npx hardhat node` with its account 0 as owner and operator.
 */
import hre from "hardhat";
import { deployZkRollupWithSigner } from "../../deploy";
import type { HardhatNode } from "./hardhat-node";

export function deployZkRollupOnNode(
  node: HardhatNode,
  options: { depositDeadline?: number; circuit?: string } = {},
): Promise<{ rollup: string; shapeId: number; deployBlock: number }> {
  return deployZkRollupWithSigner(hre, node.wallet(0), {
    depositDeadline: 3600,
    ...options,
  });
}
