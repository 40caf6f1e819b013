import { Wallet, parseEther, type ContractTransactionReceipt } from "ethers";
import { deployOptimisticRollup } from "../../../deploy";
import { hardhatDevKey, LOCAL_CHAIN_ID } from "../../core/l1";
import { RollupDriver } from "../../optimistic/driver";
import { maxMoves } from "../../optimistic/game";
import { rollupDomain } from "../../optimistic/protocol";
import type { BenchSuite, SuiteRecord } from "../harness";

const SYSTEM = "optimistic-rollup";
/** EIP-4844 / EIP-7918 constants. */
const GAS_PER_BLOB = 131_072;
const BLOB_BASE_COST = 8_192;

/** Short windows so that nothing waits; gas does not depend on them. */
const BENCH_PARAMS = {
  challengeWindow: 3600n,
  forceDelay: 1800n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 1200n,
  clockExtension: 60n,
  blobBatches: true,
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
    // Blob transactions are sent raw, so blob figures need the poster's key: a local chain's.
    const blobPoster =
      chainId === LOCAL_CHAIN_ID ? new Wallet(hardhatDevKey(0), ethers.provider) : undefined;
    if (!blobPoster)
      ctx.progress("  not a local chain: blob figures skipped (they need the poster's key)");

    /** The same n transfers with their records in EIP-4844 blobs instead of calldata. */
    const blobFigures = async (n: number, poster: Wallet): Promise<SuiteRecord[]> => {
      const batch = await driver.postBlob(await sign(n), { signer: poster });
      const execution = Number(batch.receipt.gasUsed);
      const blobGas = (batch.content.blobs?.blobs.length ?? 0) * GAS_PER_BLOB;
      // EIP-7918 keeps the blob base fee at or above base fee * BLOB_BASE_COST / GAS_PER_BLOB, so a
      // blob never costs less than BLOB_BASE_COST gas at the execution base fee.
      const reserveEquivalent = (blobGas * BLOB_BASE_COST) / GAS_PER_BLOB;
      const perTransfer = Math.round(((execution + reserveEquivalent) / n) * 10) / 10;
      const params = { network, transfers: n, pricing: "EIP-4844 blobs" };
      const out: SuiteRecord[] = [
        {
          system: SYSTEM,
          metric: "blob-batch-execution-gas-per-transfer",
          value: Math.round((execution / n) * 10) / 10,
          unit: "gas",
          params,
        },
        {
          system: SYSTEM,
          metric: "blob-gas-per-transfer",
          value: Math.round((blobGas / n) * 10) / 10,
          unit: "blob gas",
          params: { ...params, blobs: blobGas / GAS_PER_BLOB },
        },
        {
          system: SYSTEM,
          metric: "blob-gas-equivalent-per-transfer",
          value: perTransfer,
          unit: "gas",
          params: { ...params, blobPrice: "EIP-7918 reserve (base fee / 16 per blob gas)" },
          compareTo: "erc20-transfer",
        },
      ];
      if (ctx.baseline) {
        const baseline = Number(ctx.baseline.erc20ToHolderGas);
        out.push({
          system: SYSTEM,
          metric: "l1-cost-reduction-blobs",
          value: Math.round((baseline / perTransfer) * 10) / 10,
          unit: "x",
          params: { ...params, blobPrice: "EIP-7918 reserve", goal: "150x at 1,000 transfers" },
        });
        // How far above its reserve the blob price may rise before the reduction falls to 150x.
        const budget = (baseline / 150) * n - execution;
        out.push({
          system: SYSTEM,
          metric: "blob-price-headroom-at-150x",
          value: Math.round((budget / reserveEquivalent) * 10) / 10,
          unit: "x reserve",
          params,
        });
      }
      ctx.progress(`  ${n} transfers in blobs: ${execution} execution gas + ${blobGas} blob gas`);
      return out;
    };
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
      if (blobPoster) records.push(...(await blobFigures(n, blobPoster)));
    }

    // An honest challenger against a batch whose claimed root goes wrong at its last step (the
    // longest path through the bisection).
    const n = ctx.quick ? 128 : 1024;
    const fraud = await driver.post(await sign(n), { fraudAt: n - 1 });
    const { gameId, opened, moves, proof } = await driver.dispute(fraud, owner, challenger);
    const stepped = (await (
      await d.game.connect(challenger).step(gameId, proof)
    ).wait()) as ContractTransactionReceipt;
    const challengerAddress = challenger.address.toLowerCase();
    const challengerMoves = moves.filter((r) => r.from.toLowerCase() === challengerAddress);
    const moveGas = moves.map((r) => Number(r.gasUsed));
    const challengerTotal =
      Number(opened.gasUsed) +
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
        value: Number(opened.gasUsed),
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

    if (blobPoster) {
      // The same one-step proof when the disputed record is read out of a blob (after the slash
      // above, the owner re-registers its sequencer and the chain continues from the last root).
      driver.discardFrom(fraud);
      await (await d.rollup.setSequencer(owner.address, true)).wait();
      const blobFraud = await driver.postBlob(await sign(8), { signer: blobPoster, fraudAt: 7 });
      const blobGame = await driver.dispute(blobFraud, owner, challenger);
      const blobProof = blobGame.proof;
      const blobStep = (await (
        await d.game.connect(challenger).step(blobGame.gameId, blobProof)
      ).wait()) as ContractTransactionReceipt;
      records.push({
        system: SYSTEM,
        metric: "one-step-proof-gas",
        value: Number(blobStep.gasUsed),
        unit: "gas",
        params: {
          network,
          step: "signed transfer read from a blob",
          fieldElements: blobProof.chunks.length,
        },
      });
    }
    return records;
  },
};
