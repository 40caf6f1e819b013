/**
 * Helpers for tests that run the optimistic rollup's services against a `npx hardhat node`:
 * publisher settings that poll fast, time travel, and waiting for a game's end.
 */
import type { Contract } from "ethers";
import type { PublisherConfig } from "../../operator/core/publisher";
import { pollUntil } from "../../operator/core/rpc";
import type { Eip712Domain } from "../../operator/lib/eip712";
import type { Hex } from "../../operator/lib/sparse-merkle";
import { executeBatch } from "../../operator/optimistic/batch";
import type { SequencerDb } from "../../operator/optimistic/sequencer/db";
import { L2State } from "../../operator/optimistic/state";
import type { HardhatNode } from "./hardhat-node";

export const FAST_PUBLISHER: PublisherConfig = {
  confirmations: 1,
  pollIntervalMs: 50,
  txStuckAfterMs: 60_000,
  feeBumpPercent: 20,
  maxFeePerGas: 500_000_000_000n,
  gasLimitMarginPercent: 20,
  rpcRetries: 2,
  rpcRetryDelayMs: 50,
};

/** Moves the node's clock `seconds` ahead and mines a block. */
export async function mine(node: HardhatNode, seconds: bigint | number): Promise<void> {
  await node.provider.send("evm_increaseTime", [Number(seconds)]);
  await node.provider.send("evm_mine", []);
}

/** Waits until game `gameId` is over and returns its final state. */
export function gameOver(
  game: Contract,
  gameId: bigint,
  timeoutMs = 60_000,
): Promise<{ status: bigint }> {
  return pollUntil(
    `game ${gameId}'s end`,
    async () => {
      const g = (await game.gameOf(gameId)) as { status: bigint };
      return g.status === 1n ? undefined : g;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Every root of the live batch at `position`, replayed from a sequencer's stored chain. */
export function storedRoots(db: SequencerDb, domain: Eip712Domain, position: number): Hex[] {
  const state = new L2State();
  let roots: Hex[] = [];
  for (const b of db.liveBatches()) {
    if (b.position > position) break;
    roots = executeBatch(state, db.content(b), domain).roots;
  }
  return roots;
}
