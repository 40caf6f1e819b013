import { Wallet, parseEther, type ContractTransactionReceipt } from "ethers";
import { deployOptimisticRollup } from "../../../deploy";
import { RollupDriver } from "../../optimistic/driver";
import { maxMoves } from "../../optimistic/game";
import { rollupDomain } from "../../optimistic/protocol";
import type { BenchSuite, SuiteRecord } from "../harness";

const SYSTEM = "optimistic-rollup";

/** Short windows so that nothing waits; gas does not depend on them. */
const BENCH_PARAMS = {
  challengeWindow: 3600n,
  forceDelay: 1800n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 1200n,
  clockExtension: 60n,
};

/**
 * The optimistic rollup on the embedded EVM: a batch of n signed transfers posted as calldata
 * (L1 gas per transfer against the L1 ERC-20 baseline), then a game against a fraudulent batch
 * played to the end by an honest challenger (moves, gas per move, the one-step proof, and the
 * challenger's total).
 */
export const optimisticRollupSuite: BenchSuite = {
  system: SYSTEM,
  description:
    "Optimistic rollup: L1 gas per transfer, bisection moves and gas, one-step proof, challenger's total gas",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const [owner, challenger] = await ethers.getSigners();
    const d = await deployOptimisticRollup(ctx.hre, BENCH_PARAMS);
    const { chainId } = await ethers.provider.getNetwork();
    const driver = new RollupDriver(d, rollupDomain(chainId, await d.rollup.getAddress()));
    await (await d.rollup.addBond({ value: parseEther("20") })).wait();
    const wallets = Array.from({ length: 16 }, (_, i) => new Wallet(ethers.id(`l2kit bench ${i}`)));
    for (const w of wallets) await driver.depositETH(owner, w.address, parseEther("1"));
    await driver.post([]);

    const sign = async (n: number): Promise<Uint8Array[]> => {
      const records: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const from = wallets[i % wallets.length];
        const to = wallets[(i + 1 + (i >> 4)) % wallets.length];
        records.push(await driver.transfer(from, to.address, 1_000_000n + BigInt(i)));
        if ((i + 1) % 500 === 0) ctx.progress(`  signed ${i + 1}/${n} transfers`);
      }
      return records;
    };

    const records: SuiteRecord[] = [];
    const network = ctx.hre.network.name;
    const pricing = "calldata, EIP-7623 floor (Osaka rules of the embedded EVM)";
    for (const n of ctx.quick ? [100] : [100, 1000]) {
      const batch = await driver.post(await sign(n));
      const gas = Number(batch.receipt.gasUsed);
      const bytes = batch.content.records.reduce((sum, r) => sum + r.length, 0);
      const params = { network, transfers: n, pricing };
      const perTransfer = Math.round(gas / n);
      records.push(
        { system: SYSTEM, metric: "batch-gas", value: gas, unit: "gas", params },
        {
          system: SYSTEM,
          metric: "gas-per-transfer",
          value: perTransfer,
          unit: "gas",
          params,
          compareTo: "erc20-transfer",
        },
        {
          system: SYSTEM,
          metric: "calldata-per-transfer",
          value: Math.round((bytes / n) * 10) / 10,
          unit: "bytes",
          params,
        },
      );
      if (ctx.baseline) {
        records.push({
          system: SYSTEM,
          metric: "l1-cost-reduction",
          value: Math.round((Number(ctx.baseline.erc20ToHolderGas) / perTransfer) * 10) / 10,
          unit: "x",
          params: { ...params, goal: "150x at 1,000 transfers" },
        });
      }
      ctx.progress(`  ${n} transfers: ${gas} gas (${perTransfer} per transfer)`);
    }

    // An honest challenger against a batch whose claimed root goes wrong at its last step (the
    // longest path through the bisection).
    const n = ctx.quick ? 128 : 1024;
    const fraud = await driver.post(await sign(n), { fraudAt: n - 1 });
    const opened = await driver.challenge(fraud, challenger);
    const moves = await driver.bisect(
      opened.gameId,
      { signer: owner, roots: fraud.claimed },
      { signer: challenger, roots: fraud.honest },
    );
    const proof = await driver.stepProof(opened.gameId, fraud);
    const stepped = (await (
      await d.game.connect(challenger).step(opened.gameId, proof)
    ).wait()) as ContractTransactionReceipt;
    const challengerAddress = challenger.address.toLowerCase();
    const challengerMoves = moves.filter((r) => r.from.toLowerCase() === challengerAddress);
    const moveGas = moves.map((r) => Number(r.gasUsed));
    const challengerTotal =
      Number(opened.receipt.gasUsed) +
      challengerMoves.reduce((sum, r) => sum + Number(r.gasUsed), 0) +
      Number(stepped.gasUsed);
    const params = { network, transfers: n, fraudAt: "last transfer" };
    records.push(
      {
        system: SYSTEM,
        metric: "moves-to-one-step",
        value: moves.length + 1,
        unit: "moves",
        params: { ...params, goal: maxMoves(n), note: "challenge + answers" },
      },
      {
        system: SYSTEM,
        metric: "challenge-gas",
        value: Number(opened.receipt.gasUsed),
        unit: "gas",
        params,
      },
      {
        system: SYSTEM,
        metric: "max-gas-per-move",
        value: Math.max(...moveGas),
        unit: "gas",
        params,
      },
      {
        system: SYSTEM,
        metric: "one-step-proof-gas",
        value: Number(stepped.gasUsed),
        unit: "gas",
        params: { ...params, step: "signed transfer" },
      },
      {
        system: SYSTEM,
        metric: "challenger-total-gas",
        value: challengerTotal,
        unit: "gas",
        params: { ...params, includes: "challenge, its moves, one-step proof" },
      },
    );
    ctx.progress(
      `  game on ${n} transfers: ${moves.length + 1} moves, step ${stepped.gasUsed} gas`,
    );
    return records;
  },
};
