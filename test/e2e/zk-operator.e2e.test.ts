/**
 * End to end with real processes: a `npx hardhat node`, the operator process
 * (`npx l2kit zk operator`), and three users driving it over HTTP. The operator is killed with
 * SIGKILL mid-run and restarted; final balances on L2 and L1 must be exact. A user leaves with a
 * forced exit requested on L1 with the CLI, which the running operator must process. Then the
 * operator stops for good (to L1, indistinguishable from an operator censoring everyone): a
 * forced exit and a deposit time out, and every user leaves with the CLI client alone, exact to
 * the wei, until the rollup holds nothing.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { zkRollupAt } from "../../operator/zk/abi";
import { registeredShapes, ZkClient } from "../../operator/zk/client";
import { ZkKey } from "../../operator/zk/keys";
import { rebuildFromL1 } from "../../operator/zk/reconstruct";
import { spawnZkOperator, type ZkOperatorProcess } from "../../operator/zk/service/process";
import { REPO_ROOT } from "../../operator/zk/setup/compile";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";
import { deployZkRollupOnNode } from "../helpers/zk-node";
import { pollUntil } from "../../operator/core/rpc";

const CLI = path.join(REPO_ROOT, "bin", "l2kit.js");
const E18 = 10n ** 18n;
const E15 = 10n ** 15n;

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("ZK rollup end to end: operator process, three users, kill -9, exodus", function () {
  this.timeout(1_200_000);
  let node: HardhatNode;
  let tmpRoot: string;
  /** The operator's data directory. */
  let dir: string;
  let rollup: string;
  let operator: ZkOperatorProcess | undefined;

  const seeds = [
    "alice's seed for the e2e test",
    "bob's seed for the e2e test...",
    "carol's seed for the e2e test.",
  ];
  const users: ZkClient[] = [];
  const index = [2n, 3n, 4n];
  const FEE = 1000n;

  async function startOperator(): Promise<ZkOperatorProcess> {
    const op = await spawnZkOperator({
      nodeUrl: node.url,
      rollup,
      dataDir: dir,
      args: [
        "--max-batch-wait-ms",
        "500",
        "--fee-accounts",
        "0:1",
        "--poll-interval-ms",
        "100",
        "--verify-workers",
        "1",
      ],
    });
    for (const u of users) u.operatorUrl = op.url;
    return op;
  }

  async function status(): Promise<Record<string, unknown>> {
    const res = await fetch(`${operator!.url}/v1/status`);
    return (await res.json()) as Record<string, unknown>;
  }

  before(async function () {
    node = await startHardhatNode();
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-zk-e2e-"));
    dir = tmpRoot;
    ({ rollup } = await deployZkRollupOnNode(node, { depositDeadline: 3600 }));
    const feeOwner = new ZkClient({
      rollup,
      signer: node.wallet(0),
      key: ZkKey.fromSeed("fee account seed, e2e"),
    });
    expect((await feeOwner.deposit({ amount: 1n })).accountIndex).to.equal(1n);
    for (const [i, seed] of seeds.entries()) {
      users.push(new ZkClient({ rollup, signer: node.wallet(i + 1), key: ZkKey.fromSeed(seed) }));
      expect((await users[i].deposit({ amount: 10n * E18 })).accountIndex).to.equal(index[i]);
    }
  });

  after(async function () {
    await operator?.kill();
    await node?.stop();
    if (tmpRoot !== undefined) fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  it("runs deposits, 50 transfers, withdrawals and claims across a SIGKILL, with exact balances", async function () {
    operator = await startOperator();
    await pollUntil(
      "the deposits to be final",
      async () => ((await status()).finalBatch as number) >= 2,
      { timeoutMs: 300_000, intervalMs: 200, retryErrors: true },
    );
    const l2 = new Map<bigint, bigint>(index.map((i) => [i, 10n * E18]));
    let fees = 1n;
    const hashes: string[] = [];
    for (let t = 0; t < 50; t++) {
      const s = t % 3;
      const r = (s + 1 + (t % 2)) % 3;
      const amount = BigInt(t + 1) * E15;
      if (t === 25) {
        // Mid-run, while batches are being proven and submitted: no goodbye.
        await operator.kill();
        operator = await startOperator();
      }
      const { hash } = await users[s].transfer({ from: index[s], to: index[r], amount, fee: FEE });
      hashes.push(hash);
      l2.set(index[s], (l2.get(index[s]) as bigint) - amount - FEE);
      l2.set(index[r], (l2.get(index[r]) as bigint) + amount);
      fees += FEE;
    }
    const withdrawals = [E18, 2n * E18, 3n * E18];
    for (const [i, amount] of withdrawals.entries()) {
      const { hash } = await users[i].withdraw({ from: index[i], amount, fee: FEE });
      hashes.push(hash);
      l2.set(index[i], (l2.get(index[i]) as bigint) - amount - FEE);
      fees += FEE;
    }
    for (const h of hashes) {
      const t = await users[0].waitFor(h, "final", { timeoutMs: 600_000 });
      expect(t.status, h).to.equal("final");
    }
    // L2: every balance exact, as the operator reports it and as L1 data alone rebuilds it.
    for (const [i, u] of users.entries())
      expect((await u.account(index[i])).balance).to.equal(l2.get(index[i]));
    expect((await users[0].account(1n)).balance).to.equal(fees);
    const zk = zkRollupAt(rollup, node.provider);
    const rebuilt = await rebuildFromL1({
      provider: node.provider,
      rollup,
      levels: Number(await zk.levels()),
      domain: BigInt(await zk.domain()),
      shapes: await registeredShapes(zk),
    });
    expect(rebuilt.state.root).to.equal(await zk.stateRoot());
    for (const i of index) expect(rebuilt.state.account(i)?.balance).to.equal(l2.get(i));
    // L1: each withdrawal claimable exactly once, paid exactly.
    for (const [i, u] of users.entries()) {
      expect(await u.claimable(0)).to.equal(withdrawals[i]);
      const before = await node.provider.getBalance(node.wallet(i + 1).address);
      const { amount, l1Tx } = await u.claim(0);
      const receipt = await node.provider.getTransactionReceipt(l1Tx);
      const after = await node.provider.getBalance(node.wallet(i + 1).address);
      expect(amount).to.equal(withdrawals[i]);
      expect(after - before).to.equal(withdrawals[i] - receipt!.gasUsed * receipt!.gasPrice);
      expect(await u.claimable(0)).to.equal(0n);
    }
    // No batch was submitted twice: L1 has exactly the operator's batches.
    expect(Number(await zk.batchCount())).to.equal((await status()).finalBatch);
  });

  it("kill -9 with a batch's L1 transaction in flight: the restarted operator follows it and never sends a second", async function () {
    const zk = zkRollupAt(rollup, node.provider);
    const operatorAddress = node.wallet(0).address;
    const finalBefore = Number(await zk.batchCount());
    const minedBefore = await node.provider.getTransactionCount(operatorAddress, "latest");
    // Blocks are mined only on request from here: the batch's transaction stays in flight.
    await node.rpc("evm_setAutomine", [false]);
    try {
      const { hash } = await users[0].transfer({
        from: index[0],
        to: index[1],
        amount: E15,
        fee: FEE,
      });
      const inFlight = await pollUntil(
        "the batch to be sent to L1",
        async () => {
          const t = await users[0].status(hash);
          return t.status === "submitted" ? t : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 50, retryErrors: true },
      );
      // "submitted" is visible once the signed transaction is stored, just before its broadcast.
      await pollUntil(
        "the batch's transaction to reach the node",
        async () =>
          (await node.provider.getTransactionCount(operatorAddress, "pending")) === minedBefore + 1,
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      await operator!.kill();
      operator = await startOperator();
      expect((await users[0].status(hash)).status).to.equal("submitted");
      await node.rpc("evm_setAutomine", [true]);
      await node.rpc("evm_mine");
      const final = await users[0].waitFor(hash, "final", { timeoutMs: 120_000 });
      expect(final.batch).to.equal(inFlight.batch);
    } finally {
      await node.rpc("evm_setAutomine", [true]);
    }
    // Exactly one L1 transaction for that batch: the operator's nonce moved by the batches it
    // submitted, no more, and every one of them succeeded.
    const finalAfter = Number(await zk.batchCount());
    expect(finalAfter).to.be.greaterThan(finalBefore);
    expect(await node.provider.getTransactionCount(operatorAddress, "latest")).to.equal(
      minedBefore + (finalAfter - finalBefore),
    );
  });

  it("forced exit: a user asks on L1 with the CLI; the running operator pays the whole balance", async function () {
    const zk = zkRollupAt(rollup, node.provider);
    const l1Flags = ["--network", "localhost", "--localhost-url", node.url, "--rollup", rollup];
    const carol = [...l1Flags, "--private-key", node.wallet(3).privateKey, "--key-seed", seeds[2]];
    const balance = (await users[2].account(index[2])).balance;
    expect(balance).to.be.greaterThan(0n);
    // Someone else cannot ask for Carol's account.
    const stranger = [...l1Flags, "--private-key", node.wallet(1).privateKey];
    const refused = await runCli([
      "zk",
      "force-exit",
      "--account",
      index[2].toString(),
      ...stranger,
    ]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/forceExit reverted: ZkRollupNotAccountOwner\(4, 0x/);
    const claimableBefore = await users[2].claimable(0);
    const run = await runCli([
      "zk",
      "force-exit",
      "--account",
      index[2].toString(),
      "--wait",
      ...carol,
    ]);
    expect(run.code, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout) as { status: string; amount: string; token: number };
    expect(out.status).to.equal("processed");
    expect(BigInt(out.amount)).to.equal(balance);
    expect(await zk.pendingForcedExit(index[2])).to.equal(0n);
    // L2: the account is empty; L1: exactly its balance is claimable, and is paid.
    await pollUntil(
      "the operator to show the exit",
      async () => (await users[2].account(index[2])).balance === 0n,
      { timeoutMs: 60_000, intervalMs: 200, retryErrors: true },
    );
    expect(await users[2].claimable(0)).to.equal(claimableBefore + balance);
    const claim = await runCli(["zk", "claim", ...carol]);
    expect(claim.code, claim.stderr).to.equal(0);
    expect(BigInt(JSON.parse(claim.stdout).amount as string)).to.equal(claimableBefore + balance);
    expect((await status()).lastError).to.equal(null);
  });

  it("exodus: the operator stops, a forced exit and a deposit time out, every user leaves with the CLI client alone, exact to the wei", async function () {
    const zk = zkRollupAt(rollup, node.provider);
    const aliceBalance = (await users[0].account(index[0])).balance;
    expect(await operator!.stop()).to.equal(0);
    // The operator's database is lost: `zk rebuild` recreates it from L1 alone, and an operator
    // started on it serves the same state and proves new transactions.
    const rebuiltDir = path.join(dir, "rebuilt");
    const l1Flags = ["--network", "localhost", "--localhost-url", node.url, "--rollup", rollup];
    const rebuild = await runCli(["zk", "rebuild", ...l1Flags, "--data-dir", rebuiltDir]);
    expect(rebuild.code, rebuild.stderr).to.equal(0);
    const summary = JSON.parse(rebuild.stdout) as { batches: number; root: string };
    expect(summary.batches).to.equal(Number(await zk.batchCount()));
    expect(BigInt(summary.root)).to.equal(await zk.stateRoot());
    dir = rebuiltDir;
    operator = await startOperator();
    expect((await users[0].account(index[0])).balance).to.equal(aliceBalance);
    const { hash } = await users[1].transfer({
      from: index[1],
      to: index[0],
      amount: E15,
      fee: FEE,
    });
    expect((await users[1].waitFor(hash, "final", { timeoutMs: 120_000 })).status).to.equal(
      "final",
    );
    const aliceFinal = aliceBalance + E15;
    expect((await users[0].account(index[0])).balance).to.equal(aliceFinal);
    const bobFinal = (await users[1].account(index[1])).balance;
    const fees = (await users[0].account(1n)).balance;
    expect(await operator.stop()).to.equal(0);
    const cli = (wallet: number, seed?: string): string[] => [
      ...l1Flags,
      "--private-key",
      node.wallet(wallet).privateKey,
      ...(seed === undefined ? [] : ["--key-seed", seed]),
    ];
    const [alice, bob, carol, feeOwner] = [
      cli(1, seeds[0]),
      cli(2, seeds[1]),
      cli(3, seeds[2]),
      cli(0),
    ];
    // Carol's deposit into her (empty) account is never processed.
    await users[2].deposit({ amount: E18, accountIndex: index[2] });
    // Bob is censored: his forced exit is never processed either.
    const forced = await runCli(["zk", "force-exit", "--account", index[1].toString(), ...bob]);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(JSON.parse(forced.stdout).status).to.equal("queued");
    const again0 = await runCli(["zk", "force-exit", "--account", index[1].toString(), ...bob]);
    expect(again0.stderr).to.match(/ZkRollupExitPending\(3, \d+\)/);
    await node.rpc("evm_increaseTime", [3600 + 600]);
    await node.rpc("evm_mine");
    const exit = async (who: string[], extra: string[] = []): Promise<Record<string, unknown>> => {
      const r = await runCli(["zk", "exit", ...extra, ...who]);
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const claim = async (who: string[]): Promise<bigint> => {
      const r = await runCli(["zk", "claim", ...who]);
      expect(r.code, r.stderr).to.equal(0);
      return BigInt(JSON.parse(r.stdout).amount as string);
    };
    const held = async (): Promise<bigint> => node.provider.getBalance(rollup);
    const heldBefore = await held();
    // Alice: by account; exodus starts on the way.
    expect(await exit(alice, ["--account", index[0].toString()])).to.deep.equal({
      exits: [{ account: index[0].toString(), token: 0, amount: aliceFinal.toString() }],
      refunds: [],
    });
    expect(await zk.exodusMode()).to.equal(true);
    expect(await claim(alice)).to.equal(aliceFinal);
    const again = await runCli(["zk", "exit", "--account", index[0].toString(), ...alice]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/exodusWithdraw reverted: ZkRollupAlreadyExited\(2\)/);
    // Bob, whose forced exit was ignored: every account he owns, found from L1 alone.
    expect(await exit(bob)).to.deep.equal({
      exits: [{ account: index[1].toString(), token: 0, amount: bobFinal.toString() }],
      refunds: [],
    });
    expect(await claim(bob)).to.equal(bobFinal);
    // Carol: her emptied account exits with 0, and her unprocessed deposit is refunded.
    const carolOut = await exit(carol);
    expect(carolOut.refunds).to.deep.equal([{ deposit: 6, token: 0, amount: E18.toString() }]);
    expect(carolOut.exits).to.deep.equal([{ account: index[2].toString(), token: 0, amount: "0" }]);
    expect(await claim(carol)).to.equal(E18);
    const nothing = await runCli(["zk", "exit", ...carol]);
    expect(nothing.code).to.equal(1);
    expect(nothing.stderr).to.match(/ZK_EXODUS_NOTHING/);
    // The fee account's owner last: then the rollup holds exactly nothing.
    await exit(feeOwner);
    expect(await claim(feeOwner)).to.equal(fees);
    expect(heldBefore).to.equal(aliceFinal + bobFinal + E18 + fees);
    expect(await held()).to.equal(0n);
  });
});
