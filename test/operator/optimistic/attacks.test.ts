/**
 * The independent attack on issue 21's services, as regressions: each test runs an attack the
 * reviewer made succeed against the real sequencer and challenger (in process, on a spawned
 * hardhat node, the attacker a registered co-sequencer) and asserts that it now fails.
 *
 * 1. A valid foreign batch holding a copy of a record with a garbage signature (a no-op step):
 *    the sequencer replayed adopted batches trusting every signature, missed the root, and sealed
 *    the next batch on a stale head; it was slashed.
 * 2. A foreign batch carrying a pending transaction under a second valid signature of its owner:
 *    an r-only comparison made the sequencer judge the valid batch invalid and wait forever.
 * 3. A fraudulent foreign batch whose record holds the right r and a wrong s: the same comparison
 *    made the sequencer adopt the fraud and post on it; its watchdog then lost that batch's game.
 * 4. A challenger that lost its game (down while its clock ran) never disputed again, and a forged
 *    withdrawal finalised.
 *
 * And from the second independent attack:
 * 5. A valid foreign batch paying fees to the account it names: the sequencer ran it with its own
 *    fee account, judged it invalid and waited for good.
 * 6. A fraudulent one claiming the root the sequencer's fee account gives: adopted, the replay
 *    failed, and the sequencer stayed halted after the discard.
 * 7. More overdue inbox entries than `maxBatchInbox`: every batch was refused and sealed again,
 *    forever, with /health green.
 *
 * And from the third:
 * 8. A foreign batch discarded by L1 while the sequencer was reading it: its stale verdict was
 *    written over the discard, and the sequencer waited on (or built on) a batch L1 no longer had.
 */
import { expect } from "chai";
import { Contract, parseEther, type Provider } from "ethers";
import { pollUntil } from "../../../operator/core/rpc";
import type { Hex } from "../../../operator/lib/sparse-merkle";
import { executeBatch, recordsCalldata } from "../../../operator/optimistic/batch";
import { signL2Tx } from "../../../operator/optimistic/client";
import { createSequencerApi } from "../../../operator/optimistic/sequencer/api";
import { Sequencer } from "../../../operator/optimistic/sequencer/sequencer";
import type { L2State } from "../../../operator/optimistic/state";
import { Challenger } from "../../../operator/optimistic/challenger/challenger";
import { compactSignature } from "../../../operator/optimistic/codec";
import { answer, position as positionOf } from "../../../operator/optimistic/game";
import { RECORD_LENGTH, RecordKind, stateRoot } from "../../../operator/optimistic/protocol";
import { gameOver, mine } from "../../helpers/optimistic-node";
import {
  PARAMS,
  log,
  postForeign,
  resign,
  startWorld,
  transferRecord,
  type World,
} from "../../helpers/optimistic-world";

describe("optimistic rollup: the independent attack on issue 21's services, refused", function () {
  this.timeout(600_000);
  let w: World;
  /** The challenger running now (test 4 restarts it). */
  let challenger: Challenger;

  before(async function () {
    w = await startWorld({ maxBatchWaitMs: 1_500 });
    challenger = w.chal;
  });

  after(async function () {
    if (challenger !== w?.chal) await challenger?.stop();
    await w?.stop();
  });

  const slashedSequencers = async () =>
    (await w.rollup.queryFilter(w.rollup.filters.SequencerSlashed())).map(
      (e) => (e as unknown as { args: { sequencer: string } }).args.sequencer,
    );
  const reRegister = async () => {
    if (!(await w.rollup.isSequencer(w.co.address)))
      await (await w.rollup.setSequencer(w.co.address, true)).wait();
  };
  /** Submits a transfer and waits until the sequencer posted it on L1. */
  const transferPosted = async (from: number, to: number, amount: bigint) => {
    const { hash } = await w.seq.submit(
      await w.sign(w.node.wallet(from), w.node.wallet(to).address, amount),
    );
    await pollUntil(
      "the transfer posted",
      () => (w.seq.tx(hash)?.view === "posted" ? true : undefined),
      { timeoutMs: 60_000 },
    );
    return hash;
  };

  it("(1) replays an adopted batch with its signatures checked, so a no-op record cannot push the sequencer onto a stale head", async function () {
    const genuine = await w.sign(w.node.wallet(1), w.node.wallet(2).address, parseEther("1"));
    const state = w.chainState();
    const garbage = {
      r: `0x${"00".repeat(31)}01` as Hex,
      yParityAndS: `0x${"00".repeat(31)}01` as Hex,
    };
    const foreign = await postForeign(w, [
      transferRecord(state, genuine),
      transferRecord(state, genuine, garbage),
    ]);
    await pollUntil("adoption", () => (w.seq.db.foreignCounts().adopted === 1 ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(w.seq.headRoot).to.equal(foreign.honest);
    await transferPosted(3, 2, parseEther("0.5"));
    expect(await w.rollup.headRoot()).to.equal(w.seq.headRoot);
    await pollUntil("the challenger verified every batch", async () =>
      w.chal.status().verifiedPosition === Number(await w.rollup.batchCount()) - 1
        ? true
        : undefined,
    );
    expect(w.chal.db.games()).to.deep.equal([]);
    expect(w.seq.status()).to.deep.include({ halted: null, lastError: null, waiting: null });
  });

  it("(2) binds a pending transaction a foreign batch carried under a second signature of its owner, and adopts the batch", async function () {
    const tx = await w.sign(w.node.wallet(1), w.node.wallet(2).address, parseEther("1"));
    const { hash } = await w.seq.submit(tx);
    const sig2 = resign(w, w.node.wallet(1), tx);
    expect(sig2.r).to.not.equal(compactSignature(tx.signature).r);
    const foreign = await postForeign(w, [transferRecord(w.chainState(), tx, sig2)]);
    await pollUntil("adoption", () => (w.seq.db.foreignCounts().adopted === 2 ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(w.seq.tx(hash)).to.deep.include({ view: "posted", batchId: Number(foreign.id) });
    expect(w.seq.status().waiting).to.equal(null);
    await transferPosted(2, 3, parseEther("0.25"));
  });

  it("(3) refuses to adopt a record with its owner's r and another s, and loses nothing while the fraud is disputed", async function () {
    await reRegister();
    const t = await w.sign(w.node.wallet(1), w.node.wallet(2).address, parseEther("5"));
    const { hash } = await w.seq.submit(t);
    const pre = w.chainState();
    const bogus = {
      r: compactSignature(t.signature).r,
      yParityAndS: `0x${"00".repeat(31)}01` as Hex,
    };
    const v = await w.sign(w.node.wallet(2), w.node.wallet(3).address, parseEther("1"));
    const records = [transferRecord(pre, t, bogus), transferRecord(pre, v)];
    // It claims the root in which t ran (what an r-only check would believe).
    const believed = executeBatch(pre.clone(), { inbox: [], records, feeAccount: 0n }, w.domain, {
      checkSignature: () => true,
    }).roots.at(-1)!;
    const fraud = await postForeign(w, records, () => believed);
    await pollUntil(
      "the sequencer waiting on the fraud",
      () => (String(w.seq.status().waiting ?? "").includes("is invalid") ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const gameId = await pollUntil(
      "the dispute",
      () => w.chal.db.games().find((g) => g.batchId === Number(fraud.id))?.gameId,
      { timeoutMs: 60_000 },
    );
    await mine(w.node, PARAMS.clockBudget + 1n); // the co-sequencer does not answer
    expect((await gameOver(w.game, BigInt(gameId))).status).to.equal(3n); // ChallengerWon
    // The sequencer posts t itself, on the last valid state; it was never slashed.
    await pollUntil(
      "t posted by the sequencer",
      () => (w.seq.tx(hash)?.view === "posted" ? true : undefined),
      { timeoutMs: 60_000 },
    );
    expect(await w.rollup.headRoot()).to.equal(w.seq.headRoot);
    expect(await slashedSequencers()).to.deep.equal([w.co.address]);
    expect(await w.rollup.isSequencer(w.node.wallet(0).address)).to.equal(true);
  });

  it("(4) disputes again after losing a game while the window is open, and the forged withdrawal never finalises", async function () {
    await reRegister();
    const thief = w.node.wallet(9);
    const pre = w.chainState();
    const forged = pre.clone();
    forged.appendWithdrawal(thief.address, 0, parseEther("25"));
    const claimed = stateRoot(forged.header);
    const junk = `0x${(RecordKind.Withdraw.toString(16).padStart(2, "0") + "00".repeat(RECORD_LENGTH[RecordKind.Withdraw] - 1)).repeat(4)}`;
    const co = w.rollup.connect(w.co) as Contract;
    await (await co.postBatch(pre.root, claimed, 0, 0, junk, { value: PARAMS.batchBond })).wait();
    const f = await w.rollup.batchAt((await w.rollup.batchCount()) - 1n);
    const first = await pollUntil(
      "the dispute",
      () => w.chal.db.games().find((g) => g.batchId === Number(f.id)),
      { timeoutMs: 60_000 },
    );
    // The challenger goes down; the thief answers once and times it out.
    await w.chal.stop();
    const g = await w.game.gameOf(first.gameId);
    const { lo, hi } = positionOf(g.position as bigint);
    const m = answer([pre.root, ...Array(4).fill(claimed)] as Hex[], lo, hi, g.midRoot as Hex);
    await (await (w.game.connect(w.co) as Contract).move(first.gameId, m.agree, m.midRoot)).wait();
    await mine(w.node, PARAMS.clockBudget + 1n);
    await (await (w.game.connect(thief) as Contract).timeout(first.gameId)).wait();
    expect((await gameOver(w.game, BigInt(first.gameId))).status).to.equal(2n); // DefenderWon
    // Back, with most of the window left: it opens a second game and wins it.
    const back = new Challenger(w.chal.config, {
      provider: w.node.provider,
      signer: w.node.wallet(5),
      store: w.store("challenger"),
      log: log(),
    });
    await back.start();
    challenger = back;
    {
      const second = await pollUntil(
        "a second dispute",
        () =>
          back.db.games().find((x) => x.batchId === Number(f.id) && x.gameId !== first.gameId)
            ?.gameId,
        { timeoutMs: 60_000 },
      );
      expect(back.db.game(first.gameId)?.status).to.equal("lost");
      await mine(w.node, PARAMS.clockBudget + 1n);
      expect((await gameOver(w.game, BigInt(second))).status).to.equal(3n); // ChallengerWon
      expect(await w.rollup.isAlive(f.id)).to.equal(false);
    }
  });

  /** The co-sequencer posts a transfer from wallet 3 paying `fee` to wallet 3's own account. */
  async function feeBatch(claimWithSequencersAccount: boolean) {
    await reRegister();
    const pre: L2State = w.chainState();
    const payer = w.node.wallet(3);
    const feeAccount = pre.indexOf(payer.address)!;
    const tx = await signL2Tx(payer, w.domain, {
      type: "transfer",
      to: w.node.wallet(2).address,
      amount: parseEther("0.1"),
      fee: parseEther("0.001"),
      nonce: pre.accountByAddress(payer.address)!.nonce,
    });
    const records = [transferRecord(pre, tx)];
    const rootWith = (fee: bigint) =>
      executeBatch(pre.clone(), { inbox: [], records, feeAccount: fee }, w.domain).roots.at(-1)!;
    const truth = rootWith(feeAccount);
    const claimed = claimWithSequencersAccount ? rootWith(0n) : truth;
    expect(rootWith(0n)).to.not.equal(truth);
    const co = w.rollup.connect(w.co) as Contract;
    const receipt = await (
      await co.postBatch(
        pre.root,
        claimed,
        0,
        feeAccount,
        recordsCalldata({ inbox: [], records, feeAccount }),
        { value: PARAMS.batchBond },
      )
    ).wait();
    const posted = receipt.logs
      .map((l: { topics: string[]; data: string }) => w.rollup.interface.parseLog(l))
      .find((l: { name: string } | null) => l?.name === "BatchPosted");
    return { id: posted.args.id as bigint, truth };
  }

  it("(5) runs a foreign batch with the fee account it names, and adopts a valid one that pays its poster", async function () {
    const adopted = w.seq.db.foreignCounts().adopted;
    const batch = await feeBatch(false);
    await pollUntil(
      "adoption",
      () => (w.seq.db.foreignCounts().adopted === adopted + 1 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    expect(w.seq.headRoot).to.equal(batch.truth);
    await transferPosted(1, 2, parseEther("0.1"));
  });

  it("(6) judges invalid a fraud claiming the root its own fee account would give, and resumes after the discard", async function () {
    // A fraud claiming the root of the sequencer's own fee account: the sequencer now judges it
    // invalid and waits; the challenger has it discarded; the sequencer goes on.
    const fraud = await feeBatch(true);
    await pollUntil(
      "the sequencer waiting on it",
      () => (String(w.seq.status().waiting ?? "").includes(`batch ${fraud.id}`) ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const gameId = await pollUntil(
      "the dispute",
      () =>
        challenger.db.games().find((g) => g.batchId === Number(fraud.id) && g.status === "active")
          ?.gameId,
      { timeoutMs: 60_000 },
    );
    await mine(w.node, PARAMS.clockBudget + 1n);
    expect((await gameOver(w.game, BigInt(gameId))).status).to.equal(3n);
    await transferPosted(1, 3, parseEther("0.1"));
    expect(w.seq.status()).to.deep.include({ halted: null, waiting: null });
  });

  it("(7) takes every overdue inbox entry, however many, and says so while L1 refuses a batch", async function () {
    const maxInbox = w.seqConfig.maxBatchInbox; // 3 in the test world
    await w.seq.stop();
    const depositor = w.rollup.connect(w.node.wallet(9)) as Contract;
    for (let i = 0; i <= 2 * maxInbox; i++)
      await (await depositor.depositETH(w.node.wallet(9).address, { value: 1n })).wait();
    await mine(w.node, PARAMS.forceDelay + 1n);
    const back = new Sequencer(w.seqConfig, {
      provider: w.node.provider,
      signer: w.node.wallet(0),
      store: w.store("sequencer"),
      log: log(),
    });
    await back.start();
    try {
      await pollUntil(
        "every overdue entry consumed",
        async () =>
          (await w.rollup.inboxConsumed()) === (await w.rollup.inboxLength()) ? true : undefined,
        { timeoutMs: 60_000 },
      );
      expect(await w.rollup.headRoot()).to.equal(back.headRoot);
      const api = createSequencerApi(back, {});
      const health = await pollUntil("healthy again", async () => {
        const h = await api.inject({ url: "/health" });
        return h.statusCode === 200 ? h : undefined;
      });
      expect(health.statusCode).to.equal(200);
      await api.close();
    } finally {
      await back.stop();
    }
  });

  /** A provider whose `getTransaction` waits while `hold` is on (a slow RPC endpoint). */
  function slowReads(inner: Provider) {
    const ctl = { hold: false, reads: 0, release: () => {}, gate: Promise.resolve() };
    const arm = () => {
      ctl.gate = new Promise<void>((r) => (ctl.release = r));
      ctl.hold = true;
      ctl.reads = 0;
    };
    const provider = new Proxy(inner, {
      get(target, prop) {
        if (prop === "getTransaction")
          return async (hash: string) => {
            if (ctl.hold) {
              ctl.reads++;
              await ctl.gate;
            }
            return target.getTransaction(hash);
          };
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    return { provider, ctl, arm };
  }

  it("(8) writes no verdict over a discard that came while it read the batch", async function () {
    const { provider, ctl, arm } = slowReads(w.node.provider);
    const seq = new Sequencer(w.seqConfig, {
      provider,
      signer: w.node.wallet(0),
      store: w.store("sequencer"),
      log: log(),
    });
    await seq.start();
    const status = (id: bigint) =>
      (
        seq.db.store.db.prepare("SELECT status FROM opt_foreign WHERE id = ?").get(Number(id)) as
          { status: string } | undefined
      )?.status;
    const noOp = (): Uint8Array[] => {
      // A record whose signature is garbage: a no-op step (the batch still has a step to dispute).
      const state = w.chainState();
      return [
        transferRecord(
          state,
          {
            type: "transfer",
            sender: w.node.wallet(2).address,
            recipient: w.node.wallet(1).address,
            token: 0,
            nonce: 0n,
            amount: 1n,
            fee: 0n,
            signature: `0x${"00".repeat(65)}`,
          },
          { r: `0x${"00".repeat(31)}01` as Hex, yParityAndS: `0x${"00".repeat(31)}01` as Hex },
        ),
      ];
    };
    try {
      await reRegister();
      // (A) An invalid batch, disputed and discarded while the sequencer's read is held.
      arm();
      const fraud = await postForeign(w, noOp(), () => `0x${"ab".repeat(32)}` as Hex);
      await pollUntil("the read in flight", () => (ctl.reads > 0 ? true : undefined));
      await pollUntil(
        "the discard seen",
        () => (status(fraud.id) === "discarded" ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      ctl.hold = false;
      ctl.release();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(status(fraud.id)).to.equal("discarded");
      expect(seq.status().waiting).to.equal(null);
      // (B) A valid batch its poster lets a second address discard while the read is held.
      await reRegister();
      arm();
      const valid = await postForeign(w, noOp());
      await pollUntil("the read in flight", () => (ctl.reads > 0 ? true : undefined));
      const a2 = w.game.connect(w.node.wallet(7)) as Contract;
      const rc = await (
        await a2.challenge(valid.id, `0x${"00".repeat(32)}`, { value: PARAMS.challengerBond })
      ).wait();
      const gameId = rc.logs
        .map((l: { topics: string[]; data: string }) => w.game.interface.parseLog(l))
        .find((l: { name: string } | null) => l?.name === "GameStarted").args.gameId as bigint;
      await mine(w.node, PARAMS.clockBudget + 1n);
      await (await a2.timeout(gameId)).wait();
      await pollUntil(
        "the discard seen",
        () => (status(valid.id) === "discarded" ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      ctl.hold = false;
      ctl.release();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(status(valid.id)).to.equal("discarded");
      // The sequencer builds on L1's head and posts.
      const { hash } = await seq.submit(
        await w.sign(w.node.wallet(1), w.node.wallet(3).address, parseEther("0.01")),
      );
      await pollUntil("posted", () => (seq.tx(hash)?.view === "posted" ? true : undefined), {
        timeoutMs: 60_000,
      });
      expect(await w.rollup.headRoot()).to.equal(seq.headRoot);
    } finally {
      ctl.release();
      await seq.stop();
    }
  });
});
