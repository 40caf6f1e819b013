/**
 * Deployment tasks, one per system, each a thin layer over its Ignition module. The CLI
 * (`npx l2kit deploy <system>`), the demo, the bench and the test fixtures all call these, so
 * what the tests exercise is exactly what a user deploys.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaselineToken } from "../typechain-types";
import BaselineModule from "./modules/Baseline";

export interface BaselineDeployment {
  token: BaselineToken;
}

export async function deployBaseline(
  hre: HardhatRuntimeEnvironment,
  parameters: { name?: string; symbol?: string } = {},
): Promise<BaselineDeployment> {
  const { token } = await hre.ignition.deploy(BaselineModule, {
    parameters: { Baseline: parameters },
    displayUi: false,
  });
  return { token: token as unknown as BaselineToken };
}

/** Systems `npx l2kit deploy` knows, with what each deploys. */
export const DEPLOYABLE = {
  baseline: {
    description: "the L1 baseline ERC-20 (BaselineToken)",
    deploy: async (hre: HardhatRuntimeEnvironment) => {
      const { token } = await deployBaseline(hre);
      return { BaselineToken: await token.getAddress() };
    },
  },
} as const satisfies Record<
  string,
  { description: string; deploy: (hre: HardhatRuntimeEnvironment) => Promise<Record<string, string>> }
>;

export type DeployableSystem = keyof typeof DEPLOYABLE;
