/**
 * Plasma end to end with real processes on a `npx hardhat node`: the operator
 * (`npx l2kit plasma operator`), the watcher (`npx l2kit plasma watcher`) and three users driving
 * the CLI (`npx l2kit plasma deposit | transfer | sync | balance | exit-all | process`).
 * Transfers across several blocks; a fraudulent exit challenged by the watcher process; then the
 * operator is killed after committing a block it never serves, the watcher raises the alarm, and
 * every honest user exits from its own store and is paid all its funds.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseEther, type Contract } from "ethers";
import hre from "hardhat";
import { deployPlasmaWithSigner } from "../../deploy";
import { hardhatDevKey } from "../../operator/core/l1";
import type { ServiceProcess } from "../../operator/core/process";
import { advanceChain, pollUntil } from "../../operator/core/rpc";
import { plasmaAt } from "../../operator/plasma/abi";
import { spawnPlasmaOperator, spawnPlasmaWatcher } from "../../operator/plasma/processes";
import { ETH } from "../../operator/plasma/tx";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";

const CLI = path.join(__dirname, "..", "..", "bin", "l2kit.js");
const MEP = 100n;
type Json = Record<string, unknown>;

describe("plasma end to end with real processes: operator, watcher, three users' CLI, a mass exit", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let dir: string;
  let operator: ServiceProcess | undefined;
  let watcher: ServiceProcess | undefined;

  after(async function () {
    await watcher?.kill();
    await operator?.kill();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("moves funds across blocks, challenges a fraudulent exit, and pays every honest user after the operator withholds a block", async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-plasma-e2e-"));
    const d = await deployPlasmaWithSigner(hre, node.wallet(0), { minExitPeriod: MEP });
    const target = { nodeUrl: node.url, dataDir: dir, plasma: d.plasma };
    operator = await spawnPlasmaOperator(target, ["--block-interval-ms", "200"]);
    const operatorUrl = operator.announced.url as string;
    watcher = await spawnPlasmaWatcher(target, 5, operatorUrl, ["--withholding-seconds", "2"]);
    const watcherUrl = watcher.announced.url as string;

    const cli = (account: number, args: string[]): Json => {
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          "plasma",
          ...args,
          "--network",
          "localhost",
          "--localhost-url",
          node.url,
          "--plasma",
          d.plasma,
          "--operator-url",
          operatorUrl,
          "--private-key",
          hardhatDevKey(account),
          "--data-dir",
          path.join(dir, `user-${account}`),
        ],
        { encoding: "utf8" },
      );
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
      return JSON.parse(r.stdout) as Json;
    };
    const [alice, bob, carol] = [1, 2, 3];
    const address = (a: number) => node.wallet(a).address;
    const settled = (account: number, balance: bigint) =>
      pollUntil(
        `user ${account}'s balance ${balance}`,
        async () => {
          const s = cli(account, ["sync"]);
          const outputs = s.outputs as { status: string }[];
          return (
            BigInt(s.balance as string) === balance && outputs.every((o) => o.status !== "spending")
          );
        },
        { timeoutMs: 60_000, intervalMs: 300 },
      );

    const aliceDeposit = BigInt(
      cli(alice, ["deposit", "--amount", parseEther("2").toString()]).pos as string,
    );
    cli(bob, ["deposit", "--amount", parseEther("1").toString()]);
    await pollUntil(
      "the deposits at the operator",
      async () => (await fetch(`${operatorUrl}/v1/outputs/${aliceDeposit}`)).status === 200,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    cli(alice, ["transfer", "--to", address(bob), "--amount", parseEther("0.5").toString()]);
    await settled(alice, parseEther("1.5"));
    await settled(bob, parseEther("1.5"));
    cli(bob, ["transfer", "--to", address(carol), "--amount", parseEther("1.2").toString()]);
    await settled(carol, parseEther("1.2"));
    await settled(bob, parseEther("0.3"));
    cli(alice, ["transfer", "--to", address(carol), "--amount", parseEther("0.1").toString()]);
    await settled(carol, parseEther("1.3"));
    await settled(alice, parseEther("1.4"));

    // alice tries to exit the deposit she spent: the watcher process challenges it.
    const plasma = plasmaAt(d.plasma, node.provider);
    const bond = (await plasma.exitBond()) as bigint;
    await (
      await (plasma.connect(node.wallet(alice)) as Contract).startExit(
        aliceDeposit,
        { inputs: [], outputs: [{ owner: address(alice), token: ETH, amount: parseEther("2") }] },
        [],
        { value: bond },
      )
    ).wait();
    await pollUntil(
      "the watcher's challenge",
      async () => ((await plasma.exitOf(aliceDeposit)) as bigint[])[4] === 2n,
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    // The operator commits a block it never serves and disappears: the watcher raises the alarm.
    await operator.kill();
    await (
      await (plasma.connect(node.wallet(0)) as Contract).submitBlock(
        (await plasma.nextChildBlock()) as bigint,
        `0x${"cd".repeat(32)}`,
      )
    ).wait();
    const alarm = await pollUntil(
      "the alarm",
      async () =>
        ((await (await fetch(`${watcherUrl}/v1/status`)).json()) as { alarm: Json | null }).alarm ??
        undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(alarm.kind).to.equal("withheld-block");

    // Every user exits from its own store, oldest outputs first, with the operator gone.
    const held = new Map<string, bigint>();
    for (const a of [alice, bob, carol]) {
      held.set(address(a), BigInt(cli(a, ["balance"]).balance as string));
      cli(a, ["exit-all"]);
    }
    await advanceChain(node.provider, 3n * MEP);
    cli(carol, ["process", "--max", "50"]);
    const paid = new Map<string, bigint>();
    for (const e of await plasma.queryFilter(plasma.filters.ExitProcessed())) {
      const { owner, amount } = (e as unknown as { args: { owner: string; amount: bigint } }).args;
      paid.set(owner, (paid.get(owner) ?? 0n) + amount);
    }
    expect(paid).to.deep.equal(held);
    expect([...held.values()].reduce((s, v) => s + v, 0n)).to.equal(parseEther("3"));
    expect(await node.provider.getBalance(d.plasma)).to.equal(d.params.operatorBond);
  });
});
