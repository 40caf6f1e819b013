/**
 * Deployment tasks, one per system, each a thin layer over its Ignition module. The CLI
 * (`npx l2kit deploy <system>`), the demo, the bench and the test fixtures all call these, so
 * what the tests exercise is exactly what a user deploys.
 *
 * On the embedded `hardhat` network Ignition keeps nothing on disk. Elsewhere it journals each
 * deployment under `deploy/deployments/chain-<id>/` and resumes or reuses it on the next run.
 * A local development chain (id 31337) forgets everything when its node restarts, so a journal
 * that points at contracts that no longer exist there is discarded instead of failing the run.
 */
import fs from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaselineToken } from "../typechain-types";
import BaselineModule from "./modules/Baseline";

export const LOCAL_CHAIN_ID = 31337n;

export interface DeployOptions {
  /** Forget this chain's Ignition journal first and deploy afresh. */
  reset?: boolean;
  /** Receives notes worth telling the user (a discarded journal). */
  note?: (line: string) => void;
}

export interface BaselineDeployment {
  token: BaselineToken;
}

/** The Ignition journal directory of the current network, or undefined on the embedded one. */
export async function deploymentDir(hre: HardhatRuntimeEnvironment): Promise<string | undefined> {
  if (hre.network.name === "hardhat") return undefined;
  const { chainId } = await hre.ethers.provider.getNetwork();
  return path.join(hre.config.paths.ignition, "deployments", `chain-${chainId}`);
}

async function prepareJournal(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions,
): Promise<void> {
  const dir = await deploymentDir(hre);
  if (dir === undefined || !fs.existsSync(dir)) return;
  if (options.reset === true) {
    fs.rmSync(dir, { recursive: true, force: true });
    options.note?.(`reset: removed ${path.relative(process.cwd(), dir)}`);
    return;
  }
  const { chainId } = await hre.ethers.provider.getNetwork();
  const addressesFile = path.join(dir, "deployed_addresses.json");
  if (chainId !== LOCAL_CHAIN_ID || !fs.existsSync(addressesFile)) return;
  const addresses = Object.values(
    JSON.parse(fs.readFileSync(addressesFile, "utf8")) as Record<string, string>,
  );
  for (const address of addresses) {
    if ((await hre.ethers.provider.getCode(address)) === "0x") {
      fs.rmSync(dir, { recursive: true, force: true });
      options.note?.(
        `the local chain was restarted since the last deployment; discarded ${path.relative(process.cwd(), dir)}`,
      );
      return;
    }
  }
}

export async function deployBaseline(
  hre: HardhatRuntimeEnvironment,
  parameters: { name?: string; symbol?: string } = {},
  options: DeployOptions = {},
): Promise<BaselineDeployment> {
  await prepareJournal(hre, options);
  const { token } = await hre.ignition.deploy(BaselineModule, {
    parameters: { Baseline: parameters },
    displayUi: false,
  });
  return { token: token as unknown as BaselineToken };
}

type Deployable = {
  description: string;
  deploy: (
    hre: HardhatRuntimeEnvironment,
    options: DeployOptions,
  ) => Promise<Record<string, string>>;
};

/** Systems `npx l2kit deploy` knows, with what each deploys. */
export const DEPLOYABLE = {
  baseline: {
    description: "the L1 baseline ERC-20 (BaselineToken)",
    deploy: async (hre, options) => {
      const { token } = await deployBaseline(hre, {}, options);
      return { BaselineToken: await token.getAddress() };
    },
  },
} as const satisfies Record<string, Deployable>;

export type DeployableSystem = keyof typeof DEPLOYABLE;
