/**
 * The Plasma watcher with the operator on a `npx hardhat node`: it replays the operator's blocks,
 * challenges the exit of a spent output (and only that one), and raises the withheld-block alarm
 * when a committed block's data is not served.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseEther, type Contract } from "ethers";
import { hardhatDevKey } from "../../../operator/core/l1";
import { pollUntil } from "../../../operator/core/rpc";
import { DigestSigner } from "../../../operator/lib/secp256k1";
import { ETH, signTx, utxoPos, type Transaction } from "../../../operator/plasma/tx";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { startPlasma } from "../../helpers/plasma";

const ONE = parseEther("1");

describe("plasma watcher (replica, challenges, withholding alarm) on a hardhat node", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let dir: string;
  const stops: (() => Promise<void>)[] = [];

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-plasma-watcher-"));
  });

  after(async function () {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("challenges the exit of a spent output, leaves an honest exit alone, and raises the alarm on a withheld block", async function () {
    const p = await startPlasma(node, dir, 100n);
    stops.push(p.stop);
    const { plasma, domain, operator, watcherUrl } = p;
    const status = async () =>
      (await (await fetch(`${watcherUrl}/v1/status`)).json()) as {
        alarm: { kind: string; block: string } | null;
        blocks: { verified: number };
        exits: { challenged: number };
      };

    const [alice, bob] = [1, 2].map((i) => node.wallet(i));
    const aliceKey = new DigestSigner(hardhatDevKey(1));
    await (await (plasma.connect(alice) as Contract).deposit(ETH, ONE, { value: ONE })).wait();
    const deposit = utxoPos(1n, 0, 0);
    await pollUntil("the deposit", async () => operator.ledger.output(deposit) !== undefined, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const pay: Transaction = {
      inputs: [deposit],
      outputs: [{ owner: bob.address, token: ETH, amount: ONE }],
    };
    operator.submit({ tx: pay, sigs: [signTx(aliceKey, domain, pay)] });
    await pollUntil(
      "block 1000 verified by the watcher",
      async () => (await status()).blocks.verified === 1,
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );

    // alice exits the deposit she spent: the watcher challenges and takes her bond.
    const bond = (await plasma.exitBond()) as bigint;
    await (
      await (plasma.connect(alice) as Contract).startExit(
        deposit,
        { inputs: [], outputs: [{ owner: alice.address, token: ETH, amount: ONE }] },
        [],
        { value: bond },
      )
    ).wait();
    const watcherBefore = await node.provider.getBalance(node.wallet(5).address);
    await pollUntil(
      "the challenge",
      async () => ((await plasma.exitOf(deposit)) as bigint[])[4] === 2n,
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );
    expect(await node.provider.getBalance(node.wallet(5).address)).to.be.greaterThan(watcherBefore);
    await pollUntil(
      "the watcher's record of it",
      async () => (await status()).exits.challenged === 1,
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );

    // bob's honest exit is left alone.
    const bobPos = utxoPos(1000n, 0, 0);
    const exit = operator.ledger.exitData(bobPos);
    await (
      await (plasma.connect(bob) as Contract).startExit(bobPos, exit.tx, exit.proof, {
        value: bond,
      })
    ).wait();
    await new Promise((r) => setTimeout(r, 500));
    expect(((await plasma.exitOf(bobPos)) as bigint[])[4]).to.equal(1n);
    expect((await status()).alarm).to.equal(null);

    // The operator commits block 2000 and serves nothing: the alarm goes up.
    await p.stopOperator();
    await (
      await (plasma.connect(node.wallet(0)) as Contract).submitBlock(2000n, `0x${"ab".repeat(32)}`)
    ).wait();
    const alarm = await pollUntil("the alarm", async () => (await status()).alarm ?? undefined, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(alarm).to.deep.include({ kind: "withheld-block", block: "2000" });
  });
});
