/** What the demo's scenarios share: gas figures as they print them, and the chain's clock. */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { L1Baseline } from "../baseline/l1";
import { advanceChain } from "../core/rpc";

export const gas = (g: bigint): string => g.toLocaleString("en-US");

/** `g` against an L1 ERC-20 transfer, when the baseline ran: " (0.42x an L1 ERC-20 transfer)". */
export function vsL1(g: bigint, baseline: L1Baseline | undefined): string {
  if (baseline === undefined) return "";
  const ratio = Number(g) / Number(baseline.erc20ToHolderGas);
  const x = ratio >= 0.1 ? `${ratio.toFixed(2)}x` : `1/${Math.round(1 / ratio)} of`;
  return ` (${x} an L1 ERC-20 transfer)`;
}

/** Moves a local chain's clock forward, or waits on a real one. */
export function advance(hre: HardhatRuntimeEnvironment, seconds: bigint): Promise<void> {
  return advanceChain(hre.ethers.provider, seconds);
}
