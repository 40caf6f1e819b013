import { Wallet } from "ethers";
import { deployBaseline } from "../../../deploy";
import { measureL1Baseline } from "../../baseline/l1";
import { BASELINE_SYSTEM, type BenchSuite, type SuiteRecord } from "../harness";

/** The L1 baseline: an OpenZeppelin ERC-20 and ETH on the same EVM as every other figure. */
export const l1Erc20Suite: BenchSuite = {
  system: BASELINE_SYSTEM,
  description: "L1 baseline: OpenZeppelin ERC-20 transfer and ETH transfer",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const [deployer, holder, existing] = await ethers.getSigners();
    const { token } = await deployBaseline(ctx.hre);
    const samples = ctx.quick ? 1 : 5;
    let done = 0;
    const baseline = await measureL1Baseline({
      token,
      minter: deployer,
      holder,
      existing,
      provider: ethers.provider,
      fresh: async () => Wallet.createRandom().address,
      samples,
      onStep: () => {
        done++;
        if (done % 5 === 0) ctx.progress(`  ${done} transactions measured`);
      },
    });
    ctx.baseline = baseline;
    const network = ctx.hre.network.name;
    const params = { network, samples, token: "OpenZeppelin ERC20 5.x" };
    const blockTimeSeconds = 12;
    const perBlock = Number(baseline.blockGasLimit / baseline.erc20ToHolderGas);
    const records: SuiteRecord[] = [
      {
        system: BASELINE_SYSTEM,
        metric: "erc20-transfer-gas",
        value: Number(baseline.erc20ToHolderGas),
        unit: "gas",
        params: { ...params, receiver: "existing holder" },
      },
      {
        system: BASELINE_SYSTEM,
        metric: "erc20-transfer-new-holder-gas",
        value: Number(baseline.erc20ToNewHolderGas),
        unit: "gas",
        params: { ...params, receiver: "new holder" },
        compareTo: "erc20-transfer",
      },
      {
        system: BASELINE_SYSTEM,
        metric: "eth-transfer-gas",
        value: Number(baseline.ethTransferGas),
        unit: "gas",
        params,
        compareTo: "erc20-transfer",
      },
      {
        system: BASELINE_SYSTEM,
        metric: "erc20-transfer-calldata",
        value: baseline.erc20CalldataBytes,
        unit: "bytes",
        params: { network },
      },
      {
        system: BASELINE_SYSTEM,
        metric: "erc20-transfers-per-block",
        value: perBlock,
        unit: "tx/block",
        params: { network, blockGasLimit: Number(baseline.blockGasLimit) },
      },
      {
        system: BASELINE_SYSTEM,
        metric: "erc20-throughput",
        value: Math.round((perBlock / blockTimeSeconds) * 10) / 10,
        unit: "tx/s",
        params: { network, blockGasLimit: Number(baseline.blockGasLimit), blockTimeSeconds },
      },
    ];
    return records;
  },
};
