/**
 * Plasma clients with the operator and the watcher on a `npx hardhat node`: deposits, transfers
 * across several blocks, a fraudulent exit challenged by the watcher, then the operator withholds
 * a block, the watcher raises the alarm and every honest user exits from its own store (the
 * operator is gone) and is paid all its funds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseEther, type Contract } from "ethers";
import { advanceChain, pollUntil } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import { plasmaAt } from "../../../operator/plasma/abi";
import { PlasmaClient } from "../../../operator/plasma/client";
import { ETH } from "../../../operator/plasma/tx";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { startPlasma } from "../../helpers/plasma";

const MEP = 100n;

describe("plasma clients with the operator and the watcher: transfers, a fraudulent exit, a mass exit", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let dir: string;
  const stops: (() => Promise<void>)[] = [];

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-plasma-clients-"));
  });

  after(async function () {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("pays every honest user all its funds after the operator withholds a block", async function () {
    const p = await startPlasma(node, dir, MEP);
    stops.push(p.stop);
    const { d, domain, operator, operatorUrl, watcher } = p;
    const [alice, bob, carol] = [1, 2, 3].map(
      (i) =>
        new PlasmaClient({
          wallet: node.wallet(i),
          plasma: plasmaAt(d.plasma, node.wallet(i)),
          domain,
          operatorUrl,
          store: Store.open({ memory: true }),
        }),
    );
    const committed = async (client: PlasmaClient, balance: bigint) =>
      pollUntil(
        `${client.address}'s balance ${balance}`,
        async () => {
          await client.sync();
          return (
            client.balance() === balance && client.outputs().every((o) => o.status !== "spending")
          );
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );

    const aliceDeposit = await alice.deposit(parseEther("2"));
    await bob.deposit(parseEther("1"));
    await pollUntil(
      "the deposits at the operator",
      async () => operator.ledger.output(aliceDeposit) !== undefined,
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );
    await alice.transfer(bob.address, parseEther("0.5"));
    await committed(alice, parseEther("1.5"));
    await committed(bob, parseEther("1.5"));
    await bob.transfer(carol.address, parseEther("1.2"));
    await committed(carol, parseEther("1.2"));
    await committed(bob, parseEther("0.3"));
    await alice.transfer(carol.address, parseEther("0.1"));
    await committed(carol, parseEther("1.3"));
    await committed(alice, parseEther("1.4"));

    // alice tries to exit her spent deposit: the watcher challenges it.
    const plasma = plasmaAt(d.plasma, node.provider);
    const bond = (await plasma.exitBond()) as bigint;
    await (
      await (plasma.connect(node.wallet(1)) as Contract).startExit(
        aliceDeposit,
        { inputs: [], outputs: [{ owner: alice.address, token: ETH, amount: parseEther("2") }] },
        [],
        { value: bond },
      )
    ).wait();
    await pollUntil(
      "the challenge",
      async () => ((await plasma.exitOf(aliceDeposit)) as bigint[])[4] === 2n,
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );

    // The operator commits a block and withholds it: the alarm, then everyone exits from its own store.
    await p.stopOperator();
    await (
      await (plasma.connect(node.wallet(0)) as Contract).submitBlock(
        (await plasma.nextChildBlock()) as bigint,
        `0x${"cd".repeat(32)}`,
      )
    ).wait();
    await pollUntil("the alarm", async () => watcher.alarm() !== undefined, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const held = new Map<string, bigint>();
    for (const c of [alice, bob, carol]) {
      held.set(c.address, c.balance());
      await c.exitAll();
    }
    await advanceChain(node.provider, 3n * MEP);
    const receipt = await (
      await (plasma.connect(node.wallet(4)) as Contract).processExits(ETH, 100n)
    ).wait();
    const paid = new Map<string, bigint>();
    for (const log of receipt!.logs) {
      const e = plasma.interface.parseLog(log);
      if (e?.name !== "ExitProcessed") continue;
      const owner = e.args.owner as string;
      paid.set(owner, (paid.get(owner) ?? 0n) + (e.args.amount as bigint));
    }
    expect(paid).to.deep.equal(held);
    expect(held.get(carol.address)).to.equal(parseEther("1.3"));
    // The contract keeps only what nobody holds any more: the operator's bond.
    expect(await node.provider.getBalance(d.plasma)).to.equal(d.params.operatorBond);
  });
});
