/**
 * Optimistic-rollup test kit: a deployment with short windows and clocks, driven in-process by
 * `RollupDriver` (operator/optimistic/driver.ts) on a private copy per test.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre, { ethers } from "hardhat";
import { deployOptimisticRollup } from "../../deploy";
import { RollupDriver } from "../../operator/optimistic/driver";
import { rollupDomain } from "../../operator/optimistic/protocol";

export { doctored, type PostedBatch } from "../../operator/optimistic/driver";
export { position } from "../../operator/optimistic/game";

export const TEST_PARAMS = {
  challengeWindow: 1000n,
  forceDelay: 500n,
  batchBond: ethers.parseEther("1"),
  challengerBond: ethers.parseEther("0.5"),
  clockBudget: 300n,
  clockExtension: 60n,
  blobBatches: true,
};

/** `loadFixture`, with a private copy of the fixture's simulation. */
export async function load<T extends { sim: RollupDriver }>(fixture: () => Promise<T>): Promise<T> {
  const f = await loadFixture(fixture);
  return { ...f, sim: f.sim.fork() };
}

export async function optimisticFixture() {
  const [owner, alice, bob, carol, challenger, challenger2, stranger] = await ethers.getSigners();
  const d = await deployOptimisticRollup(hre, TEST_PARAMS);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = rollupDomain(chainId, await d.rollup.getAddress());
  const sim = new RollupDriver(d, domain);
  return { ...d, owner, alice, bob, carol, challenger, challenger2, stranger, domain, sim };
}

/** The fixture with alice, bob and the sequencer funded on L2 by one honest batch. */
export async function fundedFixture() {
  const f = await optimisticFixture();
  await (await f.rollup.addBond({ value: ethers.parseEther("10") })).wait();
  await f.sim.depositETH(f.owner, f.owner.address, ethers.parseEther("1"));
  await f.sim.depositETH(f.alice, f.alice.address, ethers.parseEther("5"));
  await f.sim.depositETH(f.bob, f.bob.address, ethers.parseEther("5"));
  const genesisBatch = await f.sim.post([]);
  return { ...f, genesisBatch };
}
