/**
 * `npm run demo`: deploys what exists on the chosen network and plays each system's scenario,
 * saying what happens. Each system issue adds its scenario to `SCENARIOS`.
 */
import { Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deployBaseline } from "../../deploy";
import { measureL1Baseline, type L1Baseline } from "../baseline/l1";

export interface DemoContext {
  hre: HardhatRuntimeEnvironment;
  /** Prints one line of the story. */
  say(line: string): void;
  /** Results earlier scenarios left for later ones (the L1 baseline, for ratios). */
  results: { baseline?: L1Baseline };
}

export interface DemoScenario {
  system: string;
  title: string;
  run(ctx: DemoContext): Promise<void>;
}

const l1Scenario: DemoScenario = {
  system: "l1",
  title: "Layer 1 baseline: a plain ERC-20 and ETH",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const [deployer, alice, bob] = await ethers.getSigners();
    ctx.say(`deployer ${deployer.address}, alice ${alice.address}, bob ${bob.address}`);
    const { token } = await deployBaseline(ctx.hre);
    ctx.say(`BaselineToken (OpenZeppelin ERC-20) deployed at ${await token.getAddress()}`);
    const carol = Wallet.createRandom().address;
    const baseline = await measureL1Baseline({
      token,
      minter: deployer,
      holder: alice,
      existing: bob,
      provider: ethers.provider,
      fresh: async () => carol,
      samples: 1,
      onStep: (s) =>
        ctx.say(
          `${s.what}: ${s.gasUsed.toLocaleString("en-US")} gas (tx ${s.txHash.slice(0, 10)}…)`,
        ),
    });
    ctx.results.baseline = baseline;
    ctx.say(
      `every L2 figure is compared with these: ${baseline.erc20ToHolderGas.toLocaleString("en-US")} gas per ERC-20 transfer, ` +
        `${baseline.erc20ToNewHolderGas.toLocaleString("en-US")} to a new holder, ${baseline.ethTransferGas.toLocaleString("en-US")} per ETH transfer`,
    );
    const perBlock = baseline.blockGasLimit / baseline.erc20ToHolderGas;
    ctx.say(
      `at a ${baseline.blockGasLimit.toLocaleString("en-US")}-gas block limit, L1 fits ${perBlock} ERC-20 transfers per block`,
    );
  },
};

export const SCENARIOS: readonly DemoScenario[] = [l1Scenario];

export async function runDemo(
  hre: HardhatRuntimeEnvironment,
  print: (line: string) => void,
  only?: readonly string[],
): Promise<DemoContext["results"]> {
  const results: DemoContext["results"] = {};
  const selected = SCENARIOS.filter(
    (s) => only === undefined || only.length === 0 || only.includes(s.system),
  );
  for (const [i, scenario] of selected.entries()) {
    print(`\n== ${i + 1}/${selected.length} ${scenario.title} (network ${hre.network.name}) ==`);
    await scenario.run({ hre, say: (line) => print(`  ${line}`), results });
  }
  return results;
}
