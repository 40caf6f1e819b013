/** Where operators find the contracts they serve: what `npx l2kit deploy` recorded, and when. */
import fs from "node:fs";
import path from "node:path";
import type { Provider } from "ethers";
import { ConfigError } from "./errors";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The address Ignition recorded for `futureId` (e.g. "ZkRollup#ZkRollup") when
 * `npx l2kit deploy` ran on chain `chainId`, if any.
 */
export function recordedAddress(chainId: bigint, futureId: string): string | undefined {
  const file = path.join(
    REPO_ROOT,
    "deploy",
    "deployments",
    `chain-${chainId}`,
    "deployed_addresses.json",
  );
  if (!fs.existsSync(file)) return undefined;
  const addresses = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  return addresses[futureId];
}

/** The first block at which `address` has code (binary search; 0 if the node cannot tell). */
export async function findDeploymentBlock(provider: Provider, address: string): Promise<number> {
  let hi = await provider.getBlockNumber();
  let lo = 0;
  try {
    if ((await provider.getCode(address, hi)) === "0x") return hi;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await provider.getCode(address, mid)) === "0x") lo = mid + 1;
      else hi = mid;
    }
    return lo;
  } catch {
    // Nodes without history (no archive state) cannot answer for old blocks.
    return 0;
  }
}

/**
 * A deployed contract's address: `given`, or the one `npx l2kit deploy <system>` recorded as
 * `futureId` on this chain; either must hold code. Errors name `setting`, the variable to set.
 */
export async function resolveDeployed(
  l1: { chainId: bigint; provider: Provider },
  p: { given: string | undefined; futureId: string; setting: string; system: string },
): Promise<string> {
  const address = p.given ?? recordedAddress(l1.chainId, p.futureId);
  const what = p.futureId.split("#")[1] ?? p.futureId;
  if (address === undefined) {
    throw new ConfigError(
      p.setting,
      `no ${what} given and none deployed on chain ${l1.chainId}: run npx l2kit deploy ${p.system} or set ${p.setting}`,
    );
  }
  if ((await l1.provider.getCode(address)) === "0x") {
    throw new ConfigError(p.setting, `no contract at ${address} on chain ${l1.chainId}`);
  }
  return address;
}
