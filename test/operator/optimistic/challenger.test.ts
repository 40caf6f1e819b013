import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Contract, parseEther, type Wallet } from "ethers";
import hre from "hardhat";
import { deployOptimisticRollupWithSigner } from "../../../deploy";
import { createLogger } from "../../../operator/core/log";
import { pollUntil, sleep } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import { challengeGameAt, optimisticRollupAt } from "../../../operator/optimistic/abi";
import {
  Challenger,
  type ChallengerConfig,
} from "../../../operator/optimistic/challenger/challenger";
import { signL2Tx } from "../../../operator/optimistic/client";
import { doctored } from "../../../operator/optimistic/driver";
import { answer, openingClaim, position } from "../../../operator/optimistic/game";
import { rollupDomain } from "../../../operator/optimistic/protocol";
import { Sequencer, type SequencerConfig } from "../../../operator/optimistic/sequencer/sequencer";
import type { Eip712Domain } from "../../../operator/lib/eip712";
import type { Hex } from "../../../operator/lib/sparse-merkle";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { FAST_PUBLISHER, gameOver, storedRoots } from "../../helpers/optimistic-node";

const PARAMS = {
  challengeWindow: 1000n,
  forceDelay: 600n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 300n,
  clockExtension: 60n,
};

const log = () => (process.env.L2KIT_TEST_LOG ? createLogger({ level: "debug" }) : undefined);

describe("optimistic challenger (in process, on a hardhat node)", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  let dir: string;
  let domain: Eip712Domain;
  let rollup: Contract;
  let game: Contract;
  let seqConfig: SequencerConfig;
  let chalConfig: ChallengerConfig;
  let sequencer: { seq: Sequencer; stop(): Promise<void> };
  const stores: Store[] = [];
  const nonces = new Map<string, bigint>();

  function store(name: string): Store {
    const s = Store.open({ dataDir: dir, file: `${name}.sqlite` });
    stores.push(s);
    return s;
  }

  async function startSequencer(overrides: Partial<SequencerConfig> = {}) {
    const s = store("sequencer");
    const seq = new Sequencer(
      { ...seqConfig, ...overrides },
      { provider: node.provider, signer: node.wallet(0), store: s, log: log() },
    );
    await seq.start();
    return {
      seq,
      stop: async () => {
        await seq.stop();
        s.close();
      },
    };
  }

  async function startChallenger(
    wallet: Wallet,
    name: string,
    overrides: Partial<ChallengerConfig> = {},
  ) {
    const s = store(name);
    const c = new Challenger(
      { ...chalConfig, ...overrides },
      { provider: node.provider, signer: wallet, store: s, log: log() },
    );
    await c.start();
    return {
      c,
      stop: async () => {
        await c.stop();
        s.close();
      },
    };
  }

  const submit = async (from: Wallet, to: string, amount: bigint) => {
    const key = from.address.toLowerCase();
    const nonce = nonces.get(key) ?? 0n;
    nonces.set(key, nonce + 1n);
    return sequencer.seq.submit(
      await signL2Tx(from, domain, { type: "transfer", to, amount, nonce }),
    );
  };

  /** Plays `side` of game `gameId` from `roots` until one step is left or the game ends. */
  async function playScripted(
    gameId: bigint,
    signer: Wallet,
    side: 1n | 2n,
    roots: readonly Hex[],
  ) {
    const g = game.connect(signer) as Contract;
    for (;;) {
      const state = await g.gameOf(gameId);
      if (state.status !== 1n) return;
      const { lo, hi } = position(state.position);
      if (hi - lo < 2) return;
      if (state.turn === side) {
        const m = answer(roots, lo, hi, state.midRoot);
        await (await g.move(gameId, m.agree, m.midRoot)).wait();
      } else await sleep(30);
    }
  }

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-challenger-"));
    const d = await deployOptimisticRollupWithSigner(hre, node.wallet(0), PARAMS);
    rollup = optimisticRollupAt(d.rollup, node.wallet(0));
    game = challengeGameAt(d.game, node.wallet(0));
    domain = rollupDomain(31337n, d.rollup);
    seqConfig = {
      rollup: d.rollup,
      chainId: 31337n,
      domain,
      fromBlock: d.deployBlock,
      batchBond: PARAMS.batchBond,
      bondTopUp: PARAMS.batchBond * 4n,
      challengeWindowSeconds: Number(PARAMS.challengeWindow),
      maxBatchWaitMs: 200,
      maxBatchRecords: 100,
      maxBatchInbox: 16,
      minFee: 0n,
      maxPendingTxs: 1000,
      verifyWorkers: 1,
      confirmations: 1,
      pollIntervalMs: 50,
      rpcRetries: 2,
      rpcRetryDelayMs: 50,
      publisher: FAST_PUBLISHER,
    };
    chalConfig = {
      rollup: d.rollup,
      game: d.game,
      chainId: 31337n,
      domain,
      fromBlock: d.deployBlock,
      challengerBond: PARAMS.challengerBond,
      challengeWindowSeconds: Number(PARAMS.challengeWindow),
      blobBatches: false,
      challenge: true,
      defend: false,
      confirmations: 1,
      pollIntervalMs: 50,
      rpcRetries: 2,
      rpcRetryDelayMs: 50,
      publisher: FAST_PUBLISHER,
    };
    sequencer = await startSequencer({ faultAtBatch: 3 });
    for (const i of [1, 2, 3]) {
      const w = node.wallet(i);
      await (
        await (rollup.connect(w) as Contract).depositETH(w.address, { value: parseEther("10") })
      ).wait();
    }
    await pollUntil("the deposits' batch", async () => Number(await rollup.batchCount()) >= 2);
  });

  after(async function () {
    await sequencer?.stop().catch(() => undefined);
    for (const s of stores) if (s.db.open) s.close();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("verifies honest batches from calldata alone and leaves them alone", async function () {
    await submit(node.wallet(1), node.wallet(2).address, parseEther("1"));
    await pollUntil("batch 2", async () => Number(await rollup.batchCount()) === 3);
    const watcher = await startChallenger(node.wallet(5), "challenger");
    await pollUntil("both batches verified", () => watcher.c.status().verifiedPosition === 2);
    expect(watcher.c.db.chain().map((b) => b.verdict)).to.deep.equal(["valid", "valid"]);
    expect(watcher.c.db.games()).to.deep.equal([]);
    await watcher.stop();
  });

  it("disputes a fraudulent batch, wins the bisection game against its defender with a one-step proof, survives a crash mid-game, and collects", async function () {
    // The faulty sequencer's third batch claims a wrong root after its last step.
    await submit(node.wallet(2), node.wallet(3).address, parseEther("2"));
    await submit(node.wallet(3), node.wallet(1).address, parseEther("3"));
    await submit(node.wallet(1), node.wallet(3).address, parseEther("0.5"));
    const fraud = await pollUntil("the faulty batch", async () => {
      const count = Number(await rollup.batchCount());
      return count >= 4 ? await rollup.batchAt(3) : undefined;
    });
    const honest = storedRoots(sequencer.seq.db, domain, 3);
    expect(fraud.stateRoot).to.not.equal(honest.at(-1));
    const defenderRoots = doctored(honest, honest.length - 2);
    defenderRoots[defenderRoots.length - 1] = fraud.stateRoot;
    const balanceBefore = await node.provider.getBalance(node.wallet(5).address);

    let chal = await startChallenger(node.wallet(5), "challenger");
    const gameId = BigInt(
      await pollUntil("the challenge", () => chal.c.db.games()[0]?.gameId, { timeoutMs: 30_000 }),
    );
    // The sequencer's key defends its claimed roots, move for move.
    const defending = playScripted(gameId, node.wallet(0), 1n, defenderRoots);
    // Crash mid-game: the challenger stops between two moves and a new one resumes from its database.
    await pollUntil("a few moves", async () => (await game.gameOf(gameId)).moves >= 3n);
    await chal.stop();
    chal = await startChallenger(node.wallet(5), "challenger");
    await defending;
    const over = await gameOver(game, gameId);
    expect(over.status).to.equal(3n); // ChallengerWon
    expect(await rollup.isAlive(fraud.id)).to.equal(false);
    await pollUntil(
      "the bond and reward collected",
      async () => {
        const bonds = await game.balanceOf(node.wallet(5).address);
        const reward = await rollup.claimable(node.wallet(5).address, 0);
        return bonds === 0n && reward === 0n;
      },
      { timeoutMs: 30_000 },
    );
    const row = chal.c.db.game(Number(gameId));
    expect(row).to.deep.include({ role: "challenger", status: "won" });
    expect(row!.gasUsed > 0n).to.equal(true);
    expect(row!.moves).to.be.at.least(3); // the challenge, at least one answer, the one-step proof
    // Paid back the bond and half the sequencer's: up by the reward less the gas spent.
    const balanceAfter = await node.provider.getBalance(node.wallet(5).address);
    expect(balanceAfter > balanceBefore).to.equal(true);
    await chal.stop();

    // The slashed sequencer, registered again, seals the transactions again and the chain goes on.
    await (await rollup.setSequencer(node.wallet(0).address, true)).wait();
    await pollUntil(
      "the chain to catch up",
      async () => (await rollup.headRoot()) === sequencer.seq.headRoot,
      {
        timeoutMs: 30_000,
      },
    );
    expect(sequencer.seq.account(node.wallet(3).address)?.balances.get(0)).to.equal(
      parseEther("10") + parseEther("2") - parseEther("3") + parseEther("0.5"),
    );
  });

  it("as a sequencer's watchdog, defends a valid batch and takes the bond of a dishonest challenger", async function () {
    const pos = Number(await rollup.batchCount());
    for (const [from, to] of [
      [2, 1],
      [1, 3],
      [3, 2],
      [2, 3],
      [1, 2],
    ])
      await submit(node.wallet(from), node.wallet(to).address, parseEther("0.25"));
    await pollUntil("a new batch", async () => Number(await rollup.batchCount()) > pos);
    const target = await rollup.batchAt(pos);
    const honest = storedRoots(sequencer.seq.db, domain, pos);
    expect(target.stateRoot).to.equal(honest.at(-1));
    const watchdog = await startChallenger(node.wallet(0), "watchdog", {
      challenge: false,
      defend: true,
    });
    const liar = node.wallet(6);
    const lies = doctored(honest, 0, "lie");
    lies[0] = honest[0];
    const opened = await (
      await (game.connect(liar) as Contract).challenge(target.id, openingClaim(lies), {
        value: PARAMS.challengerBond,
      })
    ).wait();
    const gameId = game.interface.parseLog(opened.logs.at(-1))!.args.gameId as bigint;
    await playScripted(gameId, liar, 2n, lies);
    const over = await gameOver(game, gameId);
    expect(over.status).to.equal(2n); // DefenderWon
    expect(await rollup.isAlive(target.id)).to.equal(true);
    await pollUntil(
      "the liar's bond collected",
      async () => (await game.balanceOf(node.wallet(0).address)) === 0n,
    );
    const row = watchdog.c.db.game(Number(gameId));
    expect(row).to.deep.include({ role: "defender", status: "won" });
    expect(row!.moves).to.be.at.least(2); // answered the liar's claims, then the one-step proof
    await watchdog.stop();
  });
});
