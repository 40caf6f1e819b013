import path from "node:path";
import { config as loadDotenv } from "dotenv";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig, NetworksUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import { loadNetworkConfig } from "./operator/core/settings";

/** The compiler version, pinned to the `solc` npm package so builds never download anything. */
const SOLC_VERSION = "0.8.28";

// Hardhat downloads solc from the internet, which these machines cannot reach. The `solc`
// package ships the same compiler as soljson.js; hand it to Hardhat instead.
subtask(
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  async (args: { solcVersion: string }, _hre, runSuper) => {
    const solc = require("solc") as { version(): string };
    const longVersion = solc.version();
    if (args.solcVersion !== SOLC_VERSION || !longVersion.startsWith(`${SOLC_VERSION}+`)) {
      return runSuper(args);
    }
    return {
      compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
      isSolcJs: true,
      version: SOLC_VERSION,
      longVersion,
    };
  },
);

loadDotenv({ quiet: true });
const net = loadNetworkConfig();

const networks: NetworksUserConfig = {
  hardhat: {},
  localhost: { url: net.localhostUrl },
};
if (net.rpcUrl !== undefined) {
  networks.remote = {
    url: net.rpcUrl,
    accounts: net.privateKey === undefined ? [] : [net.privateKey],
    ...(net.chainId === undefined ? {} : { chainId: net.chainId }),
  };
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
    },
  },
  defaultNetwork: "hardhat",
  networks,
  paths: {
    sources: "./contracts",
    tests: "./test",
    cache: "./cache",
    artifacts: "./artifacts",
    ignition: "./deploy",
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "1",
    offline: true,
    currency: "USD",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
