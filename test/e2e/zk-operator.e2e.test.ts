/**
 * End to end with real processes: a `npx hardhat node`, the operator process
 * (`npx l2kit zk operator`), and three users driving it over HTTP. The operator is killed with
 * SIGKILL mid-run and restarted; final balances on L2 and L1 must be exact. Then the operator
 * stops for good, a deposit times out, and a user exits with the CLI client alone.
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

  it("exodus: the operator stops, a deposit times out, a user exits with the CLI client alone", async function () {
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
    expect(await operator.stop()).to.equal(0);
    // Carol's deposit is never processed.
    await users[2].deposit({ amount: E18, accountIndex: index[2] });
    await node.rpc("evm_increaseTime", [3601]);
    await node.rpc("evm_mine");
    const common = [...l1Flags, "--private-key", node.wallet(1).privateKey, "--key-seed", seeds[0]];
    const exit = await runCli(["zk", "exit", "--account", index[0].toString(), ...common]);
    expect(exit.code, exit.stderr).to.equal(0);
    expect(JSON.parse(exit.stdout).amount).to.equal(aliceFinal.toString());
    expect(await zk.exodusMode()).to.equal(true);
    const claim = await runCli(["zk", "claim", ...common]);
    expect(claim.code, claim.stderr).to.equal(0);
    expect(JSON.parse(claim.stdout).amount).to.equal(aliceFinal.toString());
    const again = await runCli(["zk", "exit", "--account", index[0].toString(), ...common]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/exodusWithdraw reverted: ZkRollupAlreadyExited\(2\)/);
  });
});
