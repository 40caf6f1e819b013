/**
 * Reentrancy checks through `HostileToken`: the token calls back into the contract under test
 * from inside a transfer that contract makes, and keeps the call's revert data, so a test can
 * show that each entry point is refused by the reentrancy guard itself and not by some later
 * check that happens to fail too.
 */
import { expect } from "chai";
import type { ContractTransactionResponse, Signer } from "ethers";
import { ethers } from "hardhat";
import type { HostileToken } from "../../typechain-types";

/** The revert data of OpenZeppelin's `ReentrancyGuardReentrantCall()` (both guard variants). */
export const REENTRANT_CALL = ethers.id("ReentrancyGuardReentrantCall()").slice(0, 10);

/** A fresh `HostileToken` (unarmed, nobody blocked): `holder` holds `amount`, all approved to `spender`. */
export async function hostileToken(
  holder: Signer,
  spender: string,
  amount: bigint,
): Promise<{ token: HostileToken; asset: string }> {
  const token = await (await ethers.getContractFactory("HostileToken")).deploy();
  await (await token.mint(await holder.getAddress(), amount)).wait();
  await (await token.connect(holder).approve(spender, amount)).wait();
  return { token, asset: await token.getAddress() };
}

/**
 * For each entry point, arms `token` to call `target` with its calldata from inside the next
 * transfer out of an account, runs `transfer` (which must make exactly one such transfer, from
 * inside a guarded function of `target`), and checks the guard refused the call.
 */
export async function expectReentriesRefused(
  token: HostileToken,
  target: string,
  entries: Record<string, string>,
  transfer: () => Promise<ContractTransactionResponse>,
): Promise<void> {
  for (const [entry, data] of Object.entries(entries)) {
    await (await token.arm(target, data)).wait();
    const calls = await token.calls();
    await (await transfer()).wait();
    expect(await token.calls(), `${entry}: the token called back`).to.equal(calls + 1n);
    expect(await token.lastCallSucceeded(), entry).to.equal(false);
    expect(await token.lastCallReturned(), `${entry}: refused by the guard`).to.equal(
      REENTRANT_CALL,
    );
  }
  await (await token.arm(ethers.ZeroAddress, "0x")).wait();
}
