import { time } from "@nomicfoundation/hardhat-network-helpers";

/**
 * Pins the next block's timestamp to one second after the latest block's and returns it, so a
 * test knows the time its next transaction runs at before sending it. Reading `time.latest()`
 * inside `withArgs(...)` races with the transaction: under load the transaction is mined first
 * and the expectation is off by a second.
 */
export async function pinNextTimestamp(): Promise<bigint> {
  const at = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(at);
  return at;
}
