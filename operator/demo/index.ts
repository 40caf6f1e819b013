/**
 * `npm run demo`: deploys what exists on the chosen network and plays each system's scenario,
 * saying what happens. Each system issue adds its scenario to `SCENARIOS`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatEther, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  deployBaseline,
  deployOptimisticRollup,
  deployOptimisticRollupWithSigner,
  deployZkRollup,
  deployZkRollupWithSigner,
} from "../../deploy";
import { measureL1Baseline, type L1Baseline } from "../baseline/l1";
import { loadConfig } from "../core/config";
import { startHardhatNode } from "../core/devnode";
import type { ServiceProcess } from "../core/process";
import { pollUntil } from "../core/rpc";
import { challengeGameAt, optimisticRollupAt } from "../optimistic/abi";
import { OptimisticClient } from "../optimistic/client";
import { spawnChallenger, spawnSequencer } from "../optimistic/processes";
import { RollupDriver } from "../optimistic/driver";
import { rollupDomain } from "../optimistic/protocol";
import { ZkClient } from "../zk/client";
import { ZkKey } from "../zk/keys";
import { spawnZkOperator, type ZkOperatorProcess } from "../zk/service/process";
import { setupCircuit } from "../zk/setup/pipeline";
import { zkSettings } from "../zk/settings";
import { BatchSubmitter } from "../zk/submitter";
import { channelsScenario } from "./channels";
import { compareScenario } from "./compare";
import { plasmaScenario } from "./plasma";
import { advance, gas } from "./helpers";

export interface DemoContext {
  hre: HardhatRuntimeEnvironment;
  /** Prints one line of the story. */
  say(line: string): void;
  /** Results earlier scenarios left for later ones (the L1 baseline, for ratios). */
  results: { baseline?: L1Baseline };
}

export interface DemoScenario {
  system: string;
  title: string;
  run(ctx: DemoContext): Promise<void>;
}

const l1Scenario: DemoScenario = {
  system: "l1",
  title: "Layer 1 baseline: a plain ERC-20 and ETH",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const [deployer, alice, bob] = await ethers.getSigners();
    ctx.say(`deployer ${deployer.address}, alice ${alice.address}, bob ${bob.address}`);
    const { token } = await deployBaseline(ctx.hre);
    ctx.say(`BaselineToken (OpenZeppelin ERC-20) deployed at ${await token.getAddress()}`);
    const carol = Wallet.createRandom().address;
    const baseline = await measureL1Baseline({
      token,
      minter: deployer,
      holder: alice,
      existing: bob,
      provider: ethers.provider,
      fresh: async () => carol,
      samples: 1,
      onStep: (s) =>
        ctx.say(
          `${s.what}: ${s.gasUsed.toLocaleString("en-US")} gas (tx ${s.txHash.slice(0, 10)}…)`,
        ),
    });
    ctx.results.baseline = baseline;
    ctx.say(
      `every L2 figure is compared with these: ${baseline.erc20ToHolderGas.toLocaleString("en-US")} gas per ERC-20 transfer, ` +
        `${baseline.erc20ToNewHolderGas.toLocaleString("en-US")} to a new holder, ${baseline.ethTransferGas.toLocaleString("en-US")} per ETH transfer`,
    );
    const perBlock = baseline.blockGasLimit / baseline.erc20ToHolderGas;
    ctx.say(
      `at a ${baseline.blockGasLimit.toLocaleString("en-US")}-gas block limit, L1 fits ${perBlock} ERC-20 transfers per block`,
    );
  },
};

const zkScenario: DemoScenario = {
  system: "zk",
  title: "ZK rollup: deposits, a transfer and a withdrawal, proven with Groth16",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const cfg = loadConfig(zkSettings);
    const setup = await setupCircuit("test", {
      buildDir: cfg.zkBuildDir,
      ptau: cfg.ptau,
      onStage: (_s, d) => ctx.say(d),
    });
    ctx.say(
      `circuit "test": ${setup.constraints.toLocaleString("en-US")} constraints, ${setup.shape.txSlots} transfers + ${setup.shape.withdrawSlots} withdrawal + ${setup.shape.depositSlots} deposits per batch` +
        (setup.insecure ? " (development setup: INSECURE keys, fine for a demo)" : ""),
    );
    const { rollup, shapeIds } = await deployZkRollup(ctx.hre, {
      circuits: ["test"],
      zkBuildDir: cfg.zkBuildDir,
    });
    ctx.say(`ZkRollup deployed at ${await rollup.getAddress()} with its generated verifier`);
    const [operator, alice, bob] = await ethers.getSigners();
    // Each user derives a rollup key from a signature of their Ethereum wallet.
    const [aliceKey, bobKey, opKey] = await Promise.all(
      [alice, bob, operator].map((s) => ZkKey.fromEthereumSigner(s)),
    );
    const submitter = await new BatchSubmitter(rollup, setup.shape, shapeIds.test, {
      wasm: setup.build.wasm,
      zkey: setup.zkey,
    }).init();
    const e18 = 10n ** 18n;
    await (
      await rollup.connect(alice).depositETH(0, aliceKey.ax, aliceKey.ay, { value: e18 })
    ).wait();
    await (
      await rollup.connect(bob).depositETH(0, bobKey.ax, bobKey.ay, { value: e18 / 2n })
    ).wait();
    ctx.say("alice deposits 1 ETH and bob 0.5 ETH on L1: accounts 1 and 2 are queued");
    const first = await submitter.submit([]);
    ctx.say(
      `batch 1 (the two deposits) proven in ${first.proof.seconds.toFixed(1)} s, verified on L1 for ${gas(first.receipt.gasUsed)} gas`,
    );

    await (await rollup.connect(operator).depositETH(0, opKey.ax, opKey.ay)).wait();
    await submitter.submit([]);
    const d = submitter.domain;
    const pay = aliceKey.sign(d, {
      from: 1n,
      to: 2n,
      token: 0,
      nonce: 0n,
      amount: e18 / 10n,
      fee: 10n ** 15n,
    });
    const exit = bobKey.sign(d, {
      from: 2n,
      to: 0n,
      token: 0,
      nonce: 0n,
      amount: e18 / 5n,
      fee: 10n ** 15n,
    });
    const second = await submitter.submit([pay, exit], [3n]);
    ctx.say(
      `batch 3: alice pays bob 0.1 ETH, bob withdraws 0.2 ETH (fees 0.001 ETH each to the operator): proven in ${second.proof.seconds.toFixed(1)} s, ${gas(second.receipt.gasUsed)} gas on L1`,
    );
    const s = submitter.state;
    ctx.say(
      `L2 balances: alice ${formatEther(s.account(1n)!.balance)}, bob ${formatEther(s.account(2n)!.balance)}, operator ${formatEther(s.account(3n)!.balance)} ETH; root ${s.root.toString(16).slice(0, 12)}… = on-chain root: ${s.root === (await rollup.stateRoot())}`,
    );
    const before = await ethers.provider.getBalance(bob.address);
    const claim = await (await rollup.connect(bob).withdraw(0)).wait();
    const after = await ethers.provider.getBalance(bob.address);
    ctx.say(
      `bob claims on L1 at once (no challenge period): +${formatEther(after - before + claim!.gasUsed * claim!.gasPrice)} ETH`,
    );
    if (ctx.results.baseline !== undefined) {
      const perTx = second.receipt.gasUsed / 2n;
      const ratio = Number(perTx) / Number(ctx.results.baseline.erc20ToHolderGas);
      ctx.say(
        `this small test batch costs ${gas(perTx)} gas per transaction (${ratio.toFixed(2)}x an L1 ERC-20 transfer); the fixed proof cost is shared by larger batches (npm run bench)`,
      );
    }
  },
};

const zkOperatorScenario: DemoScenario = {
  system: "zk-operator",
  title: "ZK rollup operator: the operator process, and users over its HTTP API",
  async run(ctx) {
    const node = await startHardhatNode();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-demo-zk-operator-"));
    let op: ZkOperatorProcess | undefined;
    try {
      ctx.say(
        `an operator needs a node other processes reach: started npx hardhat node at ${node.url}`,
      );
      const { rollup } = await deployZkRollupWithSigner(ctx.hre, node.wallet(0));
      const user = async (i: number): Promise<ZkClient> =>
        new ZkClient({
          rollup,
          signer: node.wallet(i),
          key: await ZkKey.fromEthereumSigner(node.wallet(i)),
        });
      const [fee, alice, bob] = await Promise.all([0, 1, 2].map(user));
      const e18 = 10n ** 18n;
      await fee.deposit({ amount: 1n });
      const a = (await alice.deposit({ amount: e18 })).accountIndex;
      const b = (await bob.deposit({ amount: e18 / 2n })).accountIndex;
      ctx.say(
        `ZkRollup at ${rollup}; on L1 the operator opens fee account 1, alice deposits 1 ETH (account ${a}), bob 0.5 ETH (account ${b})`,
      );
      op = await spawnZkOperator({
        nodeUrl: node.url,
        rollup,
        dataDir: dir,
        args: ["--max-batch-wait-ms", "300", "--fee-accounts", "0:1", "--log-level", "warn"],
      });
      for (const c of [fee, alice, bob]) c.operatorUrl = op.url;
      ctx.say(`npx l2kit zk operator is listening at ${op.url} (routes at ${op.url}/openapi.json)`);
      // Deposits become spendable once a batch has taken them.
      for (;;) {
        const accounts = await Promise.all([alice.account(a), bob.account(b)]).catch(() => []);
        if (accounts.length === 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      ctx.say(
        "the operator picked up the deposits, proved them in batches and the rollup verified them",
      );
      const started = Date.now();
      const pay = await alice.transfer({ from: a, to: b, amount: e18 / 10n, fee: 10n ** 15n });
      const exit = await bob.withdraw({ from: b, amount: e18 / 5n, fee: 10n ** 15n });
      ctx.say(
        `alice POSTs a signed transfer of 0.1 ETH to bob (${pay.hash.slice(0, 12)}…) and bob a withdrawal of 0.2 ETH: both accepted, pending`,
      );
      const done = await alice.waitFor(pay.hash, "final", { timeoutMs: 300_000 });
      await bob.waitFor(exit.hash, "final", { timeoutMs: 300_000 });
      ctx.say(
        `both are final on L1 in batch ${done.batch} (tx ${String(done.l1Tx).slice(0, 12)}…), ${((Date.now() - started) / 1000).toFixed(1)} s after submission, proof included`,
      );
      const [av, bv, fv] = await Promise.all([alice.account(a), bob.account(b), fee.account(1n)]);
      ctx.say(
        `L2 balances from the API: alice ${formatEther(av.balance)}, bob ${formatEther(bv.balance)}, operator fees ${formatEther(fv.balance - 1n)} ETH`,
      );
      const claimed = await bob.claim(0);
      ctx.say(`bob claims ${formatEther(claimed.amount)} ETH on L1 at once`);
    } finally {
      await op?.stop(10_000);
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

const optimisticScenario: DemoScenario = {
  system: "optimistic",
  title:
    "Optimistic rollup: batches as calldata, a fraudulent batch, the bisection game, the slash",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const [sequencer, alice, bob, watcher, backup] = await ethers.getSigners();
    const params = {
      challengeWindow: 600n,
      forceDelay: 300n,
      clockBudget: 120n,
      clockExtension: 30n,
    };
    const d = await deployOptimisticRollup(ctx.hre, params);
    const { chainId } = await ethers.provider.getNetwork();
    const driver = new RollupDriver(d, rollupDomain(chainId, await d.rollup.getAddress()));
    ctx.say(
      `OptimisticRollup at ${await d.rollup.getAddress()} (challenge window ${params.challengeWindow} s for the demo; 7 days in production), game at ${await d.game.getAddress()}`,
    );
    await (await d.rollup.addBond({ value: 3n * d.params.batchBond })).wait();
    const e18 = 10n ** 18n;
    await driver.depositETH(alice, alice.address, e18);
    await driver.depositETH(bob, bob.address, e18);
    await driver.depositETH(sequencer, sequencer.address, e18 / 100n);
    const deposits = await driver.post([]);
    ctx.say(
      `batch ${deposits.position}: 3 deposits taken from the L1 inbox, ${gas(deposits.receipt.gasUsed)} gas`,
    );
    const records = [
      await driver.transfer(alice, bob.address, e18 / 4n, { fee: 10n ** 14n }),
      await driver.transfer(bob, alice.address, e18 / 10n, { fee: 10n ** 14n }),
      await driver.withdraw(bob, e18 / 5n),
    ];
    const first = await driver.post(records);
    const bytes = records.reduce((n, r) => n + r.length, 0);
    ctx.say(
      `batch ${first.position}: 2 signed transfers and a withdrawal (${first.valid.filter(Boolean).length} valid) as ${bytes} bytes of calldata, ${gas(first.receipt.gasUsed)} gas; per transfer it falls to ~3,000 at 1,000 per batch (npm run bench)`,
    );
    const fraud = await driver.post(
      [
        await driver.transfer(alice, bob.address, e18 / 10n),
        await driver.transfer(bob, alice.address, 1n),
      ],
      { fraudAt: 0 },
    );
    ctx.say(
      `batch ${fraud.position}: the sequencer claims state root ${fraud.claimed[2].slice(0, 12)}… after 2 transfers; re-executed from L1 data the right root is ${fraud.honest[2].slice(0, 12)}…`,
    );
    const { gameId, opened, moves, proof } = await driver.dispute(fraud, sequencer, watcher);
    ctx.say(
      `a watcher disputes it with a ${formatEther(d.params.challengerBond)} ETH bond (${gas(opened.gasUsed)} gas)`,
    );
    ctx.say(
      `bisection: ${moves.length + 1} moves narrow the dispute to one step (${moves.map((m) => gas(m.gasUsed)).join(", ")} gas)`,
    );
    const stepped = await (await d.game.connect(watcher).step(gameId, proof)).wait();
    ctx.say(
      `one-step proof: L1 executes the disputed transfer itself (${gas(stepped!.gasUsed)} gas); the claim was wrong: batch ${fraud.position} discarded, the sequencer slashed ${formatEther(d.params.batchBond)} ETH (half to the watcher, half burned) and deregistered`,
    );
    driver.discardFrom(fraud);
    await (await d.rollup.setSequencer(backup.address, true)).wait();
    await (await d.rollup.connect(backup).addBond({ value: d.params.batchBond })).wait();
    const honest = await driver.post([], { signer: backup });
    ctx.say(
      `a second sequencer continues from the last valid root with batch ${honest.position}; users' balances are intact`,
    );
    await advance(ctx.hre, params.challengeWindow);
    await (await d.rollup.finalize(10)).wait();
    const w = driver.state.withdrawals[0];
    const inclusion = driver.state.withdrawalProof(w.id);
    ctx.say(
      `after the ${params.challengeWindow} s window the batches are final; bob proves his withdrawal and claims it on L1:`,
    );
    const header = driver.state.header;
    await (
      await d.rollup.proveWithdrawal(
        honest.position,
        header,
        w.id,
        w.recipient,
        w.token,
        w.amount,
        inclusion.bitmap,
        inclusion.siblings,
      )
    ).wait();
    const claimed = await (await d.rollup.connect(bob).claim(0)).wait();
    await (await d.rollup.connect(watcher).claim(0)).wait();
    await (await d.game.connect(watcher).withdraw()).wait();
    ctx.say(
      `bob receives ${formatEther(w.amount)} ETH (claim tx ${claimed!.hash.slice(0, 12)}…); the watcher claims its ${formatEther(d.params.batchBond / 2n)} ETH reward and its bond back`,
    );
  },
};

const optimisticServicesScenario: DemoScenario = {
  system: "optimistic-services",
  title:
    "Optimistic rollup services: a faulty sequencer process, a challenger process, users over the API",
  async run(ctx) {
    const node = await startHardhatNode();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-demo-optimistic-"));
    const processes: ServiceProcess[] = [];
    try {
      const params = {
        challengeWindow: 3600n,
        forceDelay: 600n,
        clockBudget: 300n,
        clockExtension: 60n,
      };
      const d = await deployOptimisticRollupWithSigner(ctx.hre, node.wallet(0), params);
      const rollup = optimisticRollupAt(d.rollup, node.wallet(0));
      const game = challengeGameAt(d.game, node.provider);
      ctx.say(
        `npx hardhat node at ${node.url}; OptimisticRollup at ${d.rollup} (window ${params.challengeWindow} s for the demo)`,
      );
      const target = { nodeUrl: node.url, rollup: d.rollup, dataDir: dir };
      const sequencer = await spawnSequencer(target, [
        "--max-batch-wait-ms",
        "300",
        "--fault-at-batch",
        "3",
      ]);
      processes.push(sequencer);
      const url = sequencer.announced.url as string;
      const challenger = await spawnChallenger(target, 5);
      processes.push(challenger);
      ctx.say(
        `npx l2kit optimistic sequencer at ${url}, told to lie in its 3rd batch (--fault-at-batch 3, local chains only)`,
      );
      ctx.say(`npx l2kit optimistic challenger watches L1 as ${node.wallet(5).address}`);
      const [alice, bob, carol] = [1, 2, 3].map(
        (i) =>
          new OptimisticClient({ rollup: d.rollup, signer: node.wallet(i), sequencerUrl: url }),
      );
      const e18 = 10n ** 18n;
      for (const c of [alice, bob, carol]) await c.deposit({ amount: 2n * e18 });
      await pollUntil(
        "the deposits on L2",
        async () => (await carol.account().catch(() => undefined)) !== undefined,
        {
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      ctx.say(
        "alice, bob and carol deposit 2 ETH each on L1; the sequencer's first batch credits them on L2",
      );
      const t1 = await alice.transfer({ to: bob.address, amount: e18 / 2n });
      await alice.waitFor(t1.hash);
      ctx.say("alice pays bob 0.5 ETH over the API: batch 2, honest");
      const t2 = await bob.transfer({ to: carol.address, amount: e18 });
      const t3 = await carol.withdraw({ amount: e18 / 2n });
      const fraud = await pollUntil(
        "the faulty batch",
        async () => (Number(await rollup.batchCount()) >= 4 ? await rollup.batchAt(3) : undefined),
        { timeoutMs: 60_000 },
      );
      const seenAt = Date.now();
      ctx.say(
        `bob pays carol 1 ETH and carol withdraws 0.5 ETH: batch 3 claims root ${String(fraud.stateRoot).slice(0, 12)}…, which is wrong`,
      );
      await pollUntil("the challenge", async () => (await game.gameCount()) >= 1n, {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      ctx.say(
        `the challenger re-executed batch 3 from its calldata and disputed it ${((Date.now() - seenAt) / 1000).toFixed(2)} s after it appeared on L1`,
      );
      ctx.say(
        "the lying sequencer does not defend; its clock runs out (time travel on the local chain)",
      );
      await node.provider.send("evm_increaseTime", [Number(params.clockBudget) + 1]);
      await node.provider.send("evm_mine", []);
      const over = await pollUntil(
        "the game's end",
        async () => {
          const g = await game.gameOf(1n);
          return g.status === 1n ? undefined : g;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      const slashed = (await rollup.queryFilter(rollup.filters.SequencerSlashed())).length;
      ctx.say(
        `the challenger wins (status ${over.status}): batch 3 leaves the chain, the sequencer is slashed (${slashed} slash) and deregistered; the challenger collects its bond and half the sequencer's`,
      );
      await (await rollup.setSequencer(node.wallet(0).address, true)).wait();
      for (const h of [t2.hash, t3.hash]) {
        await pollUntil(
          "the transaction sealed again and posted",
          async () => {
            const t = await bob.status(h);
            return t.status === "posted" && t.requeuedAfterDiscard === 1 ? t : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 100 },
        );
      }
      ctx.say(
        "registered again by the owner, the sequencer seals bob's and carol's transactions again, honestly: the chain goes on",
      );
      const [a, b, c] = await Promise.all([alice.account(), bob.account(), carol.account()]);
      ctx.say(
        `L2 balances: alice ${formatEther(BigInt(a.balances["0"]))}, bob ${formatEther(BigInt(b.balances["0"]))}, carol ${formatEther(BigInt(c.balances["0"]))} ETH`,
      );
      await node.provider.send("evm_increaseTime", [Number(params.challengeWindow) + 1]);
      await node.provider.send("evm_mine", []);
      const [w] = await pollUntil(
        "carol's withdrawal final",
        async () => {
          const list = await carol.withdrawals();
          return list.length > 0 && list[0].final ? list : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      await carol.proveWithdrawal(BigInt(w.id));
      const paid = await carol.claimable(0);
      await carol.claim(0);
      ctx.say(
        `after the window the sequencer finalises; carol proves her withdrawal with the sequencer's proof and claims ${formatEther(paid)} ETH on L1`,
      );
    } finally {
      for (const p of processes.reverse()) await p.stop(10_000).catch(() => undefined);
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const SCENARIOS: readonly DemoScenario[] = [
  l1Scenario,
  zkScenario,
  zkOperatorScenario,
  optimisticScenario,
  optimisticServicesScenario,
  channelsScenario,
  plasmaScenario,
  compareScenario,
];

export async function runDemo(
  hre: HardhatRuntimeEnvironment,
  print: (line: string) => void,
  only?: readonly string[],
): Promise<DemoContext["results"]> {
  const results: DemoContext["results"] = {};
  const selected = SCENARIOS.filter(
    (s) => only === undefined || only.length === 0 || only.includes(s.system),
  );
  for (const [i, scenario] of selected.entries()) {
    print(`\n== ${i + 1}/${selected.length} ${scenario.title} (network ${hre.network.name}) ==`);
    await scenario.run({ hre, say: (line) => print(`  ${line}`), results });
  }
  return results;
}
