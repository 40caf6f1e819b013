import hre from "hardhat";
import { Wallet } from "ethers";
import { deployBaseline } from "../../deploy";
import { measureL1Baseline, type L1Baseline } from "../../operator/baseline/l1";
import type { CompareContext } from "../../operator/compare/types";
import { makeWorkload, type WorkloadParams } from "../../operator/compare/workload";

let baseline: L1Baseline | undefined;

/** A comparison context on the embedded network for a small workload; the baseline measured once. */
export async function compareContext(
  params: Partial<WorkloadParams> = {},
  lines: string[] = [],
): Promise<CompareContext> {
  if (baseline === undefined) {
    const [minter, holder, existing] = await hre.ethers.getSigners();
    const { token } = await deployBaseline(hre);
    baseline = await measureL1Baseline({
      token,
      minter,
      holder,
      existing,
      provider: hre.ethers.provider,
      fresh: async () => Wallet.createRandom().address,
      samples: 1,
    });
  }
  return {
    hre,
    workload: makeWorkload({
      users: 3,
      tokens: 1,
      transfers: 4,
      withdrawals: 1,
      seed: 7,
      ...params,
    }),
    baseline,
    quick: true,
    progress: (line) => lines.push(line),
  };
}
