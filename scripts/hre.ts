/**
 * Loads the Hardhat runtime for a CLI command on the network the configuration names, after
 * checking that configuration, and compiles the contracts (a no-op when nothing changed).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ConfigError, L2kitError } from "../operator/core/errors";
import type { NetworkConfig } from "../operator/core/settings";

export async function loadHre(
  net: NetworkConfig,
  options: { needsSigner: boolean },
): Promise<HardhatRuntimeEnvironment> {
  if (net.network === "remote") {
    if (net.rpcUrl === undefined)
      throw new ConfigError("L2KIT_RPC_URL", "required with --network remote");
    if (options.needsSigner && net.privateKey === undefined) {
      throw new ConfigError(
        "L2KIT_PRIVATE_KEY",
        "required with --network remote to send transactions",
      );
    }
  }
  process.env.HARDHAT_NETWORK = net.network;
  const hre = require("hardhat") as HardhatRuntimeEnvironment;
  await hre.run("compile", { quiet: true });
  if (net.network !== "hardhat") {
    let chainId: bigint;
    try {
      chainId = (await hre.ethers.provider.getNetwork()).chainId;
    } catch (error) {
      const url = net.network === "localhost" ? net.localhostUrl : net.rpcUrl;
      throw new L2kitError(
        "RPC_UNREACHABLE",
        `cannot reach the ${net.network} network at ${url}: ${(error as Error).message}`,
        {
          network: net.network,
          url,
        },
      );
    }
    if (net.chainId !== undefined && net.network === "remote" && chainId !== BigInt(net.chainId)) {
      throw new ConfigError(
        "L2KIT_CHAIN_ID",
        `the RPC reports chain id ${chainId}`,
        String(net.chainId),
      );
    }
  }
  return hre;
}
