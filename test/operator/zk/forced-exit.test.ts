/**
 * The ZK operator with forced exits (issue 20): a forced exit empties its account before any
 * transaction of the batch that takes it, so the operator must neither accept nor try to seal a
 * spend from that account. The independent attack on issue 20 halted the operator for good this
 * way (a withdrawal accepted after a forced exit made every seal fail, and the failing slot was
 * looked up in the wrong list), pushing the rollup into exodus for the price of two transactions.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { txRequestBody, ZkApiError, ZkClient } from "../../../operator/zk/client";
import { ZkKey } from "../../../operator/zk/keys";
import { zkRollupAt } from "../../../operator/zk/abi";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { deployZkRollupOnNode, startZkOperator, zkOperatorTestConfig } from "../../helpers/zk-node";
import { pollUntil } from "../../../operator/core/rpc";

const E18 = 10n ** 18n;
const DEADLINE = 600;

describe("ZK operator and forced exits (regression: issue 20's independent attack)", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let dir: string;
  let stopAll: (() => Promise<void>) | undefined;

  after(async function () {
    await stopAll?.();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses spends from an account whose forced exit waits, drops those accepted before it, and keeps sealing", async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-zk-forced-exit-"));
    const d = await deployZkRollupOnNode(node, { depositDeadline: DEADLINE });
    const rollup = zkRollupAt(d.rollup, node.provider);
    // Deposits wait up to 10 s for company, so a transfer can be pending when the exit arrives.
    const config = await zkOperatorTestConfig(node, d, { maxBatchWaitMs: 10_000 });
    const client = (i: number, seed: string): ZkClient =>
      new ZkClient({ rollup: d.rollup, signer: node.wallet(i), key: ZkKey.fromSeed(seed) });
    const victim = client(1, "an honest user's key, forced exit test");
    const mallory = client(2, "mallory's key for the forced exit test");
    // Two creations fill the two deposit slots: sealed at once.
    expect((await victim.deposit({ amount: E18 })).accountIndex).to.equal(1n);
    expect((await mallory.deposit({ amount: 1000n })).accountIndex).to.equal(2n);
    const bob = client(3, "bob, an honest receiver, forced exit test");
    expect((await bob.deposit({ amount: 1n })).accountIndex).to.equal(3n);

    const start = async () => {
      const r = await startZkOperator(node, config, dir);
      for (const c of [victim, mallory, bob]) c.operatorUrl = r.url;
      return r;
    };
    let running = await start();
    stopAll = () => running.stop();
    const status = async () =>
      (await (await fetch(`${running.url}/v1/status`)).json()) as Record<string, unknown>;
    await pollUntil(
      "the deposits' batches to be final",
      async () => Number((await status()).finalBatch) >= 2,
      {
        timeoutMs: 180_000,
        intervalMs: 200,
        retryErrors: true,
      },
    );

    // Mallory's transfer waits for company (maxBatchWaitMs); meanwhile her forced exit arrives.
    const early = await mallory.transfer({ from: 2n, to: 3n, amount: 500n });
    expect((await mallory.status(early.hash)).status).to.equal("pending");
    const { entryNumber } = await mallory.forceExit(2n);
    expect(entryNumber).to.equal(4n);
    await pollUntil(
      "the operator to see the forced exit",
      async () => Number((await status()).depositsSeen) >= 4,
      { timeoutMs: 30_000, intervalMs: 50, retryErrors: true },
    );
    // From now on nothing may spend from her account: the exit empties it first.
    const refused = await fetch(`${running.url}/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        txRequestBody(
          ZkKey.fromSeed("mallory's key for the forced exit test").sign(
            BigInt(await rollup.domain()),
            { from: 2n, to: 0n, token: 0, nonce: 1n, amount: 500n, fee: 0n },
          ),
        ),
      ),
    });
    expect(refused.status).to.equal(409);
    expect(((await refused.json()) as { error: string }).error).to.equal("FORCED_EXIT_PENDING");
    // An honest user's transfer lands; the transfer accepted before the exit is dropped (it
    // could never execute), and the batch carries the exit: her whole balance, 1,000 wei.
    const honest = await victim.transfer({ from: 1n, to: 3n, amount: 10n ** 15n });
    const final = await victim.waitFor(honest.hash, "final", { timeoutMs: 180_000 });
    expect(final.status).to.equal("final");
    expect(await rollup.pendingForcedExit(2n)).to.equal(0n);
    expect(await mallory.claimable(0)).to.equal(1000n);
    expect((await mallory.account(2n)).balance).to.equal(0n);
    expect((await bob.account(3n)).balance).to.equal(1n + 10n ** 15n);
    const dropped = await fetch(`${running.url}/v1/transactions/${early.hash}`);
    expect(dropped.status).to.equal(404);
    expect((await status()).lastError).to.equal(null);
    // Once the exit is processed the account may be used again.
    await running.stop();
    running = await start();
    expect(running.operator.account(2n)?.pending.balance).to.equal(0n);
  });
  it("keeps sealing when an L1 credit fills its fee account: the fees that no longer fit are dropped", async function () {
    // The second independent attack on issue 20: the mempool checks the fee account against the
    // head state, which does not hold credits still queued on L1; a credit that filled the fee
    // account made every seal fail with BATCH_FEE_OVERFLOW, for good.
    await stopAll?.();
    node ??= await startHardhatNode();
    const d = await deployZkRollupOnNode(node, { depositDeadline: DEADLINE });
    const rollup = zkRollupAt(d.rollup, node.provider);
    const config = await zkOperatorTestConfig(node, d, {
      maxBatchWaitMs: 10_000,
      feeAccounts: new Map([[0, 1n]]),
    });
    const client = (i: number, seed: string): ZkClient =>
      new ZkClient({ rollup: d.rollup, signer: node.wallet(i), key: ZkKey.fromSeed(seed) });
    const feeOwner = client(0, "the fee account's key, fee overflow test");
    const alice = client(1, "alice's key for the fee overflow test");
    const bob = client(2, "bob's key for the fee overflow test..");
    expect((await feeOwner.deposit({ amount: 1n })).accountIndex).to.equal(1n);
    expect((await alice.deposit({ amount: E18 })).accountIndex).to.equal(2n);
    expect((await bob.deposit({ amount: 1n })).accountIndex).to.equal(3n);
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-zk-fee-overflow-"));
    const running = await startZkOperator(node, config, dir2);
    stopAll = async () => {
      await running.stop();
      fs.rmSync(dir2, { recursive: true, force: true });
    };
    for (const c of [feeOwner, alice, bob]) c.operatorUrl = running.url;
    const status = async () =>
      (await (await fetch(`${running.url}/v1/status`)).json()) as Record<string, unknown>;
    await pollUntil(
      "the deposits to be final",
      async () => Number((await status()).finalBatch) >= 2,
      {
        timeoutMs: 180_000,
        intervalMs: 200,
        retryErrors: true,
      },
    );
    // Alice pays a fee; it waits for company. Then an L1 credit fills the fee account exactly.
    const paying = await alice.transfer({ from: 2n, to: 3n, amount: 1000n, fee: 10n });
    const max = (1n << 128n) - 1n;
    await node.provider.send("hardhat_setBalance", [
      node.wallet(0).address,
      `0x${(max + E18).toString(16)}`,
    ]);
    await feeOwner.deposit({ amount: max - 1n, accountIndex: 1n });
    await pollUntil(
      "the credit to be final",
      async () => (await rollup.depositsProcessed()) === 4n,
      { timeoutMs: 180_000, intervalMs: 200, retryErrors: true },
    );
    expect((await feeOwner.account(1n)).balance).to.equal(max);
    // The fee that no longer fits was dropped; the operator is healthy and goes on.
    expect((await fetch(`${running.url}/v1/transactions/${paying.hash}`)).status).to.equal(404);
    expect((await status()).lastError).to.equal(null);
    const free = await alice.transfer({ from: 2n, to: 3n, amount: 1000n });
    expect((await alice.waitFor(free.hash, "final", { timeoutMs: 180_000 })).status).to.equal(
      "final",
    );
    // New fees into the full account are refused at the door.
    const refused = await alice
      .transfer({ from: 2n, to: 3n, amount: 1000n, fee: 10n })
      .catch((e: unknown) => e);
    expect((refused as ZkApiError).code).to.equal("BALANCE_OVERFLOW");
    expect((refused as ZkApiError).httpStatus).to.equal(422);
  });
});
