/**
 * Helpers for tests that run the optimistic rollup's services against a `npx hardhat node`:
 * publisher settings that poll fast, time travel, and waiting for a game's end.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
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

/**
 * A consensus client's beacon API as far as blobs go, for a hardhat node (which has no consensus
 * layer): `GET /eth/v1/beacon/blob_sidecars/{root}` serves the blobs a test registered for the
 * beacon block of an execution block (named, as on mainnet, by the next block's
 * `parentBeaconBlockRoot`); the Fulu route `/eth/v1/beacon/blobs/{root}` answers 404, so readers
 * exercise their fallback. With `lie`, it serves other blobs (readers must refuse them).
 */
export async function startBeaconApi(node: HardhatNode): Promise<{
  url: string;
  lie: boolean;
  serve(block: number, blobs: readonly Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}> {
  const byRoot = new Map<string, readonly Uint8Array[]>();
  const api = {
    url: "",
    lie: false,
    async serve(block: number, blobs: readonly Uint8Array[]) {
      if ((await node.provider.getBlockNumber()) <= block) await node.provider.send("evm_mine", []);
      const next = await node.provider.getBlock(block + 1);
      byRoot.set((next!.parentBeaconBlockRoot as string).toLowerCase(), blobs);
    },
    close: async () => undefined as void,
  };
  const server = http.createServer((req, res) => {
    const m = /^\/eth\/v1\/beacon\/blob_sidecars\/(0x[0-9a-fA-F]{64})$/.exec(req.url ?? "");
    const blobs = m === null ? undefined : byRoot.get(m[1].toLowerCase());
    if (blobs === undefined) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 404, message: "NOT_FOUND" }));
      return;
    }
    const served = api.lie ? blobs.map((b) => b.map((x, i) => (i % 32 === 1 ? x ^ 1 : x))) : blobs;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        data: served.map((b, index) => ({
          index: String(index),
          blob: `0x${Buffer.from(b).toString("hex")}`,
        })),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return api;
}
