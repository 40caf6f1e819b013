/**
 * The optimistic rollup end to end with real processes on a `npx hardhat node`: a sequencer that
 * posts a fraudulent batch (--fault-at-batch), users talking to its API, and a challenger that
 * detects the fraud from L1 calldata alone, disputes it, is killed with SIGKILL mid-game, resumes
 * from its database and wins; the batch and its successors leave the chain, the sequencer is
 * slashed, and once registered again it seals the users' transactions again. Then a user drives
 * the CLI (deposit, transfer, withdraw, force-withdraw, prove, claim), and the sequencer is killed
 * with SIGKILL while it seals and posts: nothing accepted is lost, nothing is posted twice.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Contract, ContractFactory, parseEther, Wallet, ZeroAddress } from "ethers";
import hre from "hardhat";
import { deployOptimisticRollupWithSigner } from "../../deploy";
import { hardhatDevKey } from "../../operator/core/l1";
import type { ServiceProcess } from "../../operator/core/process";
import { pollUntil } from "../../operator/core/rpc";
import { challengeGameAt, optimisticRollupAt } from "../../operator/optimistic/abi";
import { signL2Tx, txRequestBody } from "../../operator/optimistic/client";
import { spawnChallenger, spawnSequencer } from "../../operator/optimistic/processes";
import { RECORD_LENGTH, RecordKind, rollupDomain } from "../../operator/optimistic/protocol";
import { startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";
import { gameOver, mine } from "../helpers/optimistic-node";

const PARAMS = {
  challengeWindow: 3600n,
  forceDelay: 600n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 300n,
  clockExtension: 60n,
};

describe("optimistic rollup end to end with real processes: sequencer, challenger, user CLI, SIGKILLs", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let dir: string;
  let rollupAddress: string;
  let rollup: Contract;
  let game: Contract;
  let sequencer: ServiceProcess | undefined;
  let challenger: ServiceProcess | undefined;
  const nonces = new Map<string, bigint>();

  const target = () => ({ nodeUrl: node.url, rollup: rollupAddress, dataDir: dir });
  const startSequencer = () =>
    spawnSequencer(target(), [
      "--max-batch-wait-ms",
      "300",
      "--verify-workers",
      "1",
      "--fault-at-batch",
      "3",
    ]);
  const startChallenger = () => spawnChallenger(target(), 5);

  const api = async (
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${sequencer!.announced.url as string}${p}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const transfer = async (from: Wallet, to: string, amount: bigint): Promise<string> => {
    const key = from.address.toLowerCase();
    const nonce = nonces.get(key) ?? 0n;
    nonces.set(key, nonce + 1n);
    const tx = await signL2Tx(from, rollupDomain(31337n, rollupAddress), {
      type: "transfer",
      to,
      amount,
      nonce,
    });
    const r = await api("/v1/transactions", txRequestBody(tx));
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    return r.body.hash as string;
  };
  const balance = async (w: Wallet): Promise<bigint> =>
    BigInt(
      ((await api(`/v1/accounts/${w.address}`)).body.balances as Record<string, string>)["0"] ??
        "0",
    );

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-optimistic-e2e-"));
    const d = await deployOptimisticRollupWithSigner(hre, node.wallet(0), PARAMS);
    rollupAddress = d.rollup;
    rollup = optimisticRollupAt(d.rollup, node.wallet(0));
    game = challengeGameAt(d.game, node.provider);
  });

  after(async function () {
    await challenger?.kill();
    await sequencer?.kill();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("detects the fraud, wins the game across a SIGKILL, slashes the sequencer, and the chain goes on with users' funds intact", async function () {
    sequencer = await startSequencer();
    const [alice, bob, carol] = [1, 2, 3].map((i) => node.wallet(i));
    for (const w of [alice, bob, carol])
      await (
        await (rollup.connect(w) as Contract).depositETH(w.address, { value: parseEther("10") })
      ).wait();
    await pollUntil(
      "the deposits on L2",
      async () => (await api(`/v1/accounts/${carol.address}`)).status === 200,
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    challenger = await startChallenger();
    await transfer(alice, bob.address, parseEther("1"));
    await pollUntil("batch 2", async () => Number(await rollup.batchCount()) >= 3, {
      timeoutMs: 60_000,
    });
    // Batch 3 (the sequencer's third) claims a wrong root.
    const fraudHashes = [
      await transfer(bob, carol.address, parseEther("2")),
      await transfer(carol, alice.address, parseEther("3")),
    ];
    const fraud = await pollUntil(
      "the fraudulent batch",
      async () => (Number(await rollup.batchCount()) >= 4 ? await rollup.batchAt(3) : undefined),
      { timeoutMs: 60_000 },
    );
    const postedAt = Date.now();
    await pollUntil("the challenge", async () => (await game.gameCount()) === 1n, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const firstMoveMs = Date.now() - postedAt;
    expect(firstMoveMs).to.be.greaterThan(0);

    // SIGKILL mid-game: the sequencer does not defend, so the game waits on its clock.
    await challenger.kill();
    challenger = undefined;
    await mine(node, PARAMS.clockBudget + 1n);
    challenger = await startChallenger();
    const over = await gameOver(game, 1n, 120_000);
    expect(over.status).to.equal(3n); // ChallengerWon
    expect(await rollup.isAlive(fraud.id)).to.equal(false);
    const slashed = await rollup.queryFilter(rollup.filters.SequencerSlashed());
    expect(slashed).to.have.length(1);
    await pollUntil(
      "the reward claimed",
      async () =>
        (await rollup.claimable(node.wallet(5).address, 0)) === 0n &&
        (await game.balanceOf(node.wallet(5).address)) === 0n,
      { timeoutMs: 60_000 },
    );

    // Registered again, the sequencer seals the discarded transactions again, honestly this time.
    await (await rollup.setSequencer(node.wallet(0).address, true)).wait();
    for (const hash of fraudHashes) {
      await pollUntil(
        `transaction ${hash} posted again`,
        async () => {
          const t = (await api(`/v1/transactions/${hash}`)).body;
          return t.status === "posted" && t.requeuedAfterDiscard === 1 ? t : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    }
    await transfer(alice, carol.address, parseEther("0.5"));
    await pollUntil("later batches", async () => Number(await rollup.batchCount()) >= 5, {
      timeoutMs: 60_000,
    });
    expect(await balance(alice)).to.equal(
      parseEther("10") - parseEther("1") + parseEther("3") - parseEther("0.5"),
    );
    expect(await balance(bob)).to.equal(parseEther("10") + parseEther("1") - parseEther("2"));
    expect(await balance(carol)).to.equal(
      parseEther("10") + parseEther("2") - parseEther("3") + parseEther("0.5"),
    );
    // The challenger found nothing wrong with the new batches.
    await pollUntil("no second game", async () => (await game.gameCount()) === 1n);
  });

  it("serves users through the CLI: deposit, transfer, withdraw, force a withdrawal through L1, prove after the window, claim", async function () {
    const dave = node.wallet(4);
    const cli = (...args: string[]): Record<string, unknown> => {
      const r = spawnSync(
        process.execPath,
        [
          path.join(__dirname, "..", "..", "bin", "l2kit.js"),
          "optimistic",
          ...args,
          "--network",
          "localhost",
          "--localhost-url",
          node.url,
          "--rollup",
          rollupAddress,
          "--sequencer-url",
          sequencer!.announced.url as string,
          "--private-key",
          hardhatDevKey(4),
          // The client's nonce journal, in this run's directory.
          "--data-dir",
          path.join(dir, "dave"),
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    cli("deposit", "--amount", parseEther("3").toString());
    await pollUntil(
      "dave's account",
      async () => (await api(`/v1/accounts/${dave.address}`)).status === 200,
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    const sent = cli(
      "transfer",
      "--to",
      node.wallet(1).address,
      "--amount",
      parseEther("1").toString(),
      "--wait",
    );
    expect(sent).to.deep.include({ status: "posted", from: dave.address });
    const out = cli("withdraw", "--amount", parseEther("0.5").toString(), "--wait");
    expect(out.status).to.equal("posted");
    cli("force-withdraw", "--amount", parseEther("0.25").toString());
    const mine2 = await pollUntil(
      "both withdrawals on L2",
      async () => {
        const list = cli("withdrawals").withdrawals as { id: string; amount: string }[];
        return list.length === 2 ? list : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(mine2.map((w) => w.amount)).to.deep.equal([
      parseEther("0.5").toString(),
      parseEther("0.25").toString(),
    ]);
    await mine(node, PARAMS.challengeWindow + 1n);
    await pollUntil(
      "the withdrawals final",
      async () => (cli("withdrawals").withdrawals as { final: boolean }[]).every((w) => w.final),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    for (const w of mine2) cli("prove", "--id", w.id);
    const before = await node.provider.getBalance(dave.address);
    const claimed = cli("claim");
    expect(claimed.amount).to.equal(parseEther("0.75").toString());
    expect((await node.provider.getBalance(dave.address)) > before).to.equal(true);
    expect((cli("account").balances as Record<string, string>)["0"]).to.equal(
      (parseEther("3") - parseEther("1") - parseEther("0.5") - parseEther("0.25")).toString(),
    );
  });

  it("loses nothing and posts nothing twice when the sequencer is killed with SIGKILL while it seals and posts", async function () {
    const [alice, bob] = [1, 2].map((i) => node.wallet(i));
    const hashes: string[] = [];
    for (let k = 0; k < 30; k++)
      hashes.push(
        await transfer(
          k % 2 === 0 ? alice : bob,
          node.wallet(k % 2 === 0 ? 2 : 1).address,
          1000n + BigInt(k),
        ),
      );
    // Every one of them was answered 202, so it is on disk: kill at once, mid-batch.
    await sequencer!.kill();
    sequencer = await startSequencer();
    for (const hash of hashes) {
      await pollUntil(
        `transaction ${hash} posted`,
        async () => {
          const t = (await api(`/v1/transactions/${hash}`)).body;
          return t.status === "posted" || t.status === "final" ? t : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
    }
    const status = (await api("/v1/status")).body;
    expect(status.headRoot).to.equal(await rollup.headRoot());
    // No batch twice: every live L1 batch is one the sequencer sealed, once, at its position.
    const count = Number(await rollup.batchCount());
    const seen = new Set<string>();
    for (let p = 1; p < count; p++) {
      const b = (await api(`/v1/batches/${p}`)).body;
      expect(b.stateRoot, `batch ${p}`).to.equal((await rollup.batchAt(p)).stateRoot);
      for (const h of b.txs as string[]) {
        expect(seen.has(h), `${h} in two batches`).to.equal(false);
        seen.add(h);
      }
    }
    for (const h of hashes) expect(seen.has(h), h).to.equal(true);
  });

  it("drill: every route an attacker can post a batch by is refused on chain or disputed and won, while the real services run", async function () {
    // Issue 21. The attacker calls the contracts directly; the sequencer and the challenger are
    // the real processes. Routes: through a contract, through EIP-7702 code, and (with the
    // sequencer offline past forceDelay) a forced batch posted directly with a forged root.
    const attacker = Wallet.createRandom().connect(node.provider);
    await (
      await node.wallet(0).sendTransaction({ to: attacker.address, value: parseEther("20") })
    ).wait();
    const forwarder = await (
      await new ContractFactory(
        (await hre.artifacts.readArtifact("CallForwarder")).abi,
        (await hre.artifacts.readArtifact("CallForwarder")).bytecode,
        attacker,
      ).deploy()
    ).waitForDeployment();
    const forwarderAddress = await forwarder.getAddress();
    const forged = `0x${"66".repeat(32)}`;
    // Eight well-framed records with no valid signature (no-op steps): a game of several moves,
    // so the sequencer's restart meets the batch while it is still in the chain.
    const junk = `0x${(RecordKind.Withdraw.toString(16).padStart(2, "0") + "00".repeat(RECORD_LENGTH[RecordKind.Withdraw] - 1)).repeat(8)}`;
    const postData = async (inboxCount: number) =>
      rollup.interface.encodeFunctionData("postBatch", [
        await rollup.headRoot(),
        forged,
        inboxCount,
        0,
        junk,
      ]);
    const refusedAs = async (sent: Promise<unknown>, error: string) => {
      try {
        await (await (sent as Promise<{ wait(): Promise<unknown> }>)).wait();
      } catch (e) {
        expect(String(e)).to.contain(`custom error '${error}(`);
        return;
      }
      expect.fail(`${error} expected`);
    };

    // The sequencer goes offline; a deposit waits past forceDelay: anyone bonded may now post.
    await sequencer!.kill();
    sequencer = undefined;
    const dave = node.wallet(4);
    await (
      await (rollup.connect(dave) as Contract).depositETH(dave.address, { value: parseEther("3") })
    ).wait();
    const waiting = Number((await rollup.inboxLength()) - (await rollup.inboxConsumed()));
    expect(waiting).to.be.greaterThan(0);
    await mine(node, PARAMS.forceDelay + 1n);

    // (1) Through an ordinary contract.
    await refusedAs(
      (forwarder.connect(attacker) as Contract).forward(rollupAddress, await postData(waiting), {
        value: PARAMS.batchBond,
        gasLimit: 1_000_000,
      }),
      "RollupPosterNotEoa",
    );
    // (2) Through the attacker's own EIP-7702 delegation to the forwarder.
    const auth = await attacker.authorize({
      address: forwarderAddress,
      nonce: (await attacker.getNonce()) + 1,
      chainId: 31337n,
    });
    await refusedAs(
      attacker.sendTransaction({
        type: 4,
        to: attacker.address,
        data: forwarder.interface.encodeFunctionData("forward", [
          rollupAddress,
          await postData(waiting),
        ]),
        authorizationList: [auth],
        value: PARAMS.batchBond,
        gasLimit: 1_000_000,
      }),
      "RollupPosterNotEoa",
    );
    // (3) Undelegated, directly: accepted, readable by everyone, and disputed.
    const games = await game.gameCount();
    const undo = await attacker.authorize({
      address: ZeroAddress,
      nonce: (await attacker.getNonce()) + 1,
      chainId: 31337n,
    });
    await (
      await attacker.sendTransaction({ type: 4, to: attacker.address, authorizationList: [undo] })
    ).wait();
    await (
      await attacker.sendTransaction({
        to: rollupAddress,
        data: await postData(waiting),
        value: PARAMS.batchBond,
        gasLimit: 1_000_000,
      })
    ).wait();
    const position = (await rollup.batchCount()) - 1n;
    const fraud = await rollup.batchAt(position);
    expect(fraud.sequencer).to.equal(attacker.address);

    // The sequencer comes back: it follows L1, finds the batch invalid and says it waits.
    sequencer = await startSequencer();
    const seqHealth = await pollUntil(
      "the sequencer waiting on the forced batch",
      async () => {
        const res = await fetch(`${sequencer!.announced.url as string}/health`);
        const body = JSON.stringify(await res.json());
        return res.status === 503 && body.includes("is invalid") ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(seqHealth)
      .to.contain(`batch ${fraud.id} at position ${position}`)
      .and.to.contain("is invalid");
    // The challenger disputes it; the attacker does not answer and runs out of time.
    const gameId = await pollUntil(
      "the challenger's dispute",
      async () => {
        const n = await game.gameCount();
        if (n === games) return undefined;
        const g = await game.gameOf(n);
        return g.batchId === fraud.id ? n : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const status = (await (
      await fetch(`${challenger!.announced.url as string}/v1/status`)
    ).json()) as { invalid: number[]; games: { gameId: number; status: string }[] };
    expect(status.invalid).to.include(Number(fraud.id));
    await mine(node, PARAMS.clockBudget + 1n);
    expect((await gameOver(game, gameId, 120_000)).status).to.equal(3n); // ChallengerWon
    expect(await rollup.isAlive(fraud.id)).to.equal(false);

    // Without a restart, the sequencer resumes: the deposit is posted in its own batch.
    await pollUntil(
      "dave's deposit on L2, in a batch of the sequencer's",
      async () => {
        const head = await rollup.batchAt((await rollup.batchCount()) - 1n);
        return head.sequencer === node.wallet(0).address &&
          (await api(`/v1/accounts/${dave.address}`)).status === 200
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const res = await fetch(`${sequencer.announced.url as string}/health`);
    expect(res.status).to.equal(200);
    const chalHealth = await pollUntil(
      "the challenger healthy again",
      async () => {
        const r = await fetch(`${challenger!.announced.url as string}/health`);
        return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(chalHealth.status).to.equal("ok");
  });
});
