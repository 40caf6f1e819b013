import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import { ethers } from "hardhat";
import type { Hex } from "../../../operator/lib/sparse-merkle";
import { hardhatDevKey } from "../../../operator/core/l1";
import { encodeBlobs, ethersKzg, versionedHash } from "../../../operator/optimistic/blob";
import { answer, maxMoves, NO_CLAIM } from "../../../operator/optimistic/game";
import { makeHostile } from "../../helpers/hostile";
import { doctored, fundedFixture, load, position, TEST_PARAMS } from "../../helpers/optimistic";

const ETH = ethers.parseEther;
const DEFENDER = 1n;
const CHALLENGER = 2n;
const STATUS = { Active: 1n, DefenderWon: 2n, ChallengerWon: 3n, Closed: 4n };

/** A batch of 2 deposits and 4 transfers (6 steps), optionally fraudulent from step `fraudAt`. */
async function sixStepBatch(f: Awaited<ReturnType<typeof fundedFixture>>, fraudAt?: number) {
  await f.sim.depositETH(f.carol, f.carol.address, ETH("1"));
  await f.sim.depositETH(f.alice, f.bob.address, ETH("0.25"));
  const records = [
    await f.sim.transfer(f.alice, f.bob.address, ETH("1")),
    await f.sim.transfer(f.bob, f.alice.address, ETH("0.5"), { fee: 1n }),
    await f.sim.transfer(f.carol, f.alice.address, ETH("0.1")),
    await f.sim.transfer(f.alice, f.stranger.address, ETH("0.2")),
  ];
  return f.sim.post(records, { fraudAt });
}

async function fraudFixture() {
  const f = await fundedFixture();
  const batch = await sixStepBatch(f, 3);
  return { ...f, batch };
}

describe("ChallengeGame", function () {
  describe("challenge", function () {
    it("opens a game against the batch's sequencer with the challenger's midpoint claim", async function () {
      const f = await load(fraudFixture);
      const claim = f.batch.honest[3];
      await expect(
        f.game
          .connect(f.challenger)
          .challenge(f.batch.id, claim, { value: TEST_PARAMS.challengerBond }),
      )
        .to.emit(f.game, "GameStarted")
        .withArgs(1n, f.batch.id, f.challenger.address, f.owner.address, 6n, claim);
      const g = await f.game.gameOf(1n);
      expect(position(g.position)).to.deep.equal({ lo: 0, hi: 6 });
      expect(g.turn).to.equal(DEFENDER);
      expect(g.hiRoot).to.equal(f.batch.claimed[6]);
      expect(g.loRoot).to.equal(f.batch.honest[0]);
      expect((await f.rollup.batchById(f.batch.id)).openGames).to.equal(1n);
    });

    it("knows no game it did not start", async function () {
      const f = await load(fraudFixture);
      await expect(f.game.gameOf(7n))
        .to.be.revertedWithCustomError(f.game, "GameUnknown")
        .withArgs(7n);
      await expect(f.game.connect(f.owner).move(7n, true, NO_CLAIM))
        .to.be.revertedWithCustomError(f.game, "GameUnknown")
        .withArgs(7n);
    });

    it("refuses a wrong bond", async function () {
      const f = await load(fraudFixture);
      await expect(
        f.game.connect(f.challenger).challenge(f.batch.id, f.batch.honest[3], { value: 1n }),
      )
        .to.be.revertedWithCustomError(f.game, "GameWrongBond")
        .withArgs(1n, TEST_PARAMS.challengerBond);
    });

    it("refuses a missing midpoint claim on a batch of several steps", async function () {
      const f = await load(fraudFixture);
      await expect(
        f.game
          .connect(f.challenger)
          .challenge(f.batch.id, NO_CLAIM, { value: TEST_PARAMS.challengerBond }),
      )
        .to.be.revertedWithCustomError(f.game, "GameBadClaim")
        .withArgs(1n, NO_CLAIM);
    });

    it("refuses an unknown batch, an empty batch and a closed window", async function () {
      const f = await load(fraudFixture);
      const bond = { value: TEST_PARAMS.challengerBond };
      await expect(f.game.challenge(99n, f.batch.honest[3], bond))
        .to.be.revertedWithCustomError(f.rollup, "RollupBatchNotAlive")
        .withArgs(99n);
      const head = await f.rollup.headRoot();
      await f.rollup.postBatch(head, head, 0, 0, "0x");
      const emptyId = (await f.rollup.nextBatchId()) - 1n;
      await expect(f.game.challenge(emptyId, NO_CLAIM, bond))
        .to.be.revertedWithCustomError(f.game, "GameNothingToDispute")
        .withArgs(emptyId);
      await time.increase(TEST_PARAMS.challengeWindow);
      const closesAt =
        (await f.rollup.batchById(f.batch.id)).postedAt + TEST_PARAMS.challengeWindow;
      await expect(f.game.challenge(f.batch.id, f.batch.honest[3], bond))
        .to.be.revertedWithCustomError(f.rollup, "RollupWindowClosed")
        .withArgs(f.batch.id, closesAt);
    });
  });

  describe("a dishonest claim is proven wrong wherever it starts", function () {
    for (const [label, fraudAt] of [
      ["first", 0],
      ["middle", 3],
      ["last", 5],
    ] as const) {
      it(`at the ${label} step`, async function () {
        const f = await load(fundedFixture);
        const batch = await sixStepBatch(f, fraudAt);
        const { gameId, moves, proof } = await f.sim.dispute(batch, f.owner, f.challenger);
        expect(moves.length + 1).to.be.at.most(maxMoves(6));
        const g = await f.game.gameOf(gameId);
        expect(position(g.position)).to.deep.equal({ lo: fraudAt, hi: fraudAt + 1 });
        await expect(f.game.connect(f.stranger).step(gameId, proof))
          .to.emit(f.game, "StepProven")
          .withArgs(gameId, fraudAt, batch.honest[fraudAt + 1], CHALLENGER)
          .and.to.emit(f.rollup, "SequencerSlashed")
          .withArgs(f.owner.address, batch.id, f.challenger.address, ETH("0.5"), ETH("0.5"));
        expect((await f.game.gameOf(gameId)).status).to.equal(STATUS.ChallengerWon);
        expect(await f.rollup.isAlive(batch.id)).to.equal(false);
      });
    }
  });

  describe("outcome of a won challenge", function () {
    async function wonFixture() {
      const f = await fraudFixture();
      // A later batch by another sequencer, built on the fraudulent one.
      await f.rollup.setSequencer(f.carol.address, true);
      await f.rollup.connect(f.carol).addBond({ value: ETH("1") });
      await f.sim.depositETH(f.bob, f.bob.address, ETH("0.3"));
      const later = await f.sim.post([], { signer: f.carol });
      const { gameId, proof } = await f.sim.dispute(f.batch, f.owner, f.challenger);
      await f.game.step(gameId, proof);
      return { ...f, later, gameId };
    }

    it("discards the batch and every later one, and returns their inbox entries", async function () {
      const f = await load(wonFixture);
      expect(await f.rollup.batchCount()).to.equal(f.batch.position);
      expect(await f.rollup.isAlive(f.later.id)).to.equal(false);
      expect(await f.rollup.inboxConsumed()).to.equal(
        (await f.rollup.batchById(f.batch.id)).inboxStart,
      );
      expect(await f.rollup.headRoot()).to.equal(f.batch.honest[0]);
    });

    it("slashes the sequencer: half to the challenger, half burned, and it may no longer post", async function () {
      const f = await load(wonFixture);
      expect(await f.rollup.claimable(f.challenger.address, 0)).to.equal(ETH("0.5"));
      expect(await f.rollup.burnedBonds()).to.equal(ETH("0.5"));
      expect(await f.rollup.isSequencer(f.owner.address)).to.equal(false);
      expect(await f.game.balanceOf(f.challenger.address)).to.equal(TEST_PARAMS.challengerBond);
      await expect(
        f.rollup.postBatch(await f.rollup.headRoot(), await f.rollup.headRoot(), 0, 0, "0x"),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupNotSequencer")
        .withArgs(f.owner.address);
    });

    it("pays the challenger its reward and its bond", async function () {
      const f = await load(wonFixture);
      await expect(f.rollup.connect(f.challenger).claim(0)).to.changeEtherBalance(
        f.challenger,
        ETH("0.5"),
      );
      await expect(f.game.connect(f.challenger).withdraw()).to.changeEtherBalance(
        f.challenger,
        TEST_PARAMS.challengerBond,
      );
      await expect(f.game.connect(f.challenger).withdraw())
        .to.be.revertedWithCustomError(f.game, "GameNothingToWithdraw")
        .withArgs(f.challenger.address);
    });

    it("releases the bond of a discarded successor to its sequencer, once", async function () {
      const f = await load(wonFixture);
      await expect(f.rollup.releaseBond(f.later.id))
        .to.emit(f.rollup, "BatchBondReleased")
        .withArgs(f.later.id, f.carol.address, TEST_PARAMS.batchBond);
      expect(await f.rollup.freeBond(f.carol.address)).to.equal(ETH("1"));
      await expect(f.rollup.releaseBond(f.later.id))
        .to.be.revertedWithCustomError(f.rollup, "RollupBondNotReleasable")
        .withArgs(f.later.id);
      await expect(f.rollup.releaseBond(f.batch.id))
        .to.be.revertedWithCustomError(f.rollup, "RollupBondNotReleasable")
        .withArgs(f.batch.id);
    });

    it("lets an honest batch replace them, with every user's funds intact", async function () {
      const f = await load(wonFixture);
      f.sim.discardFrom(f.batch);
      await f.rollup.releaseBond(f.later.id);
      const honest = await f.sim.post([], { signer: f.carol });
      expect(honest.position).to.equal(f.batch.position);
      expect(await f.rollup.headRoot()).to.equal(f.sim.state.root);
      expect(f.sim.state.balance(f.sim.state.indexOf(f.carol.address)!, 0)).to.equal(ETH("1"));
      expect(f.sim.state.balance(f.sim.state.indexOf(f.bob.address)!, 0)).to.equal(ETH("5.55"));
    });

    it("keeps the challenger's winnings when its account refuses ETH, until it takes them", async function () {
      const f = await load(wonFixture);
      const restore = await makeHostile(f.challenger.address, false);
      try {
        await expect(f.game.connect(f.challenger).withdraw())
          .to.be.revertedWithCustomError(f.game, "GamePaymentFailed")
          .withArgs(f.challenger.address, TEST_PARAMS.challengerBond);
      } finally {
        await restore();
      }
      expect(await f.game.balanceOf(f.challenger.address)).to.equal(TEST_PARAMS.challengerBond);
      await expect(f.game.connect(f.challenger).withdraw()).to.changeEtherBalance(
        f.challenger,
        TEST_PARAMS.challengerBond,
      );
    });

    it("ends the game: no move, step or timeout afterwards", async function () {
      const f = await load(wonFixture);
      await expect(f.game.connect(f.owner).move(f.gameId, true, NO_CLAIM))
        .to.be.revertedWithCustomError(f.game, "GameOver")
        .withArgs(f.gameId, STATUS.ChallengerWon);
      await expect(f.game.timeout(f.gameId))
        .to.be.revertedWithCustomError(f.game, "GameOver")
        .withArgs(f.gameId, STATUS.ChallengerWon);
    });
  });

  describe("a dishonest challenger", function () {
    async function honestBatchFixture() {
      const f = await fundedFixture();
      const batch = await sixStepBatch(f);
      const lies = doctored(batch.honest, 2, "lie");
      const { gameId, proof } = await f.sim.dispute(batch, f.owner, f.challenger, lies);
      return { ...f, batch, lies, gameId, proof };
    }

    it("loses its bond to the defender, and the batch finalises", async function () {
      const f = await load(honestBatchFixture);
      const { proof } = f;
      await expect(f.game.step(f.gameId, proof))
        .to.emit(f.game, "GameResolved")
        .withArgs(f.gameId, STATUS.DefenderWon, f.owner.address);
      expect(await f.game.balanceOf(f.owner.address)).to.equal(TEST_PARAMS.challengerBond);
      expect((await f.rollup.batchById(f.batch.id)).openGames).to.equal(0n);
      await time.increase(TEST_PARAMS.challengeWindow);
      await expect(f.rollup.finalize(10)).to.emit(f.rollup, "BatchFinalized");
      expect(await f.rollup.finalizedCount()).to.equal(f.batch.position + 1n);
    });

    it("loses at the last step when it disputes only the batch's final root, the defender's own claim", async function () {
      const f = await load(fundedFixture);
      const batch = await sixStepBatch(f);
      const lies = doctored(batch.honest, 5, "lie");
      const { gameId, proof } = await f.sim.dispute(batch, f.owner, f.challenger, lies);
      const g = await f.game.gameOf(gameId);
      expect(position(g.position)).to.deep.equal({ lo: 5, hi: 6 });
      // The disputed step's end is still the root the defender posted with the batch.
      expect(g.hiOwner).to.equal(DEFENDER);
      expect(g.hiRoot).to.equal(batch.claimed[6]);
      await expect(f.game.step(gameId, proof))
        .to.emit(f.game, "StepProven")
        .withArgs(gameId, 5n, batch.honest[6], DEFENDER)
        .and.to.emit(f.game, "GameResolved")
        .withArgs(gameId, STATUS.DefenderWon, f.owner.address);
    });

    it("cannot bend the one-step proof: a forged record or entry is refused", async function () {
      const f = await load(honestBatchFixture);
      const { proof } = f;
      const { lo } = position((await f.game.gameOf(f.gameId)).position);
      if (lo < 2) {
        const forged = { ...proof, entry: { ...proof.entry, amount: proof.entry.amount + 1n } };
        await expect(f.game.step(f.gameId, forged))
          .to.be.revertedWithCustomError(f.game, "GameBadInboxEntry")
          .withArgs(lo);
      } else {
        const forged = { ...proof, record: `${proof.record.slice(0, -2)}00` };
        await expect(f.game.step(f.gameId, forged))
          .to.be.revertedWithCustomError(f.game, "GameBadRecordProof")
          .withArgs(lo - 2);
      }
    });
  });

  describe("the one-step proof", function () {
    it("must carry the inbox entry the batch consumed at that step", async function () {
      const f = await load(fundedFixture);
      const batch = await sixStepBatch(f, 0);
      const { gameId, proof } = await f.sim.dispute(batch, f.owner, f.challenger);
      expect(position((await f.game.gameOf(gameId)).position).lo).to.equal(0);
      const inboxIndex = (await f.rollup.batchById(batch.id)).inboxStart;
      const forged = { ...proof, entry: { ...proof.entry, amount: proof.entry.amount + 1n } };
      await expect(f.game.step(gameId, forged))
        .to.be.revertedWithCustomError(f.game, "GameBadInboxEntry")
        .withArgs(inboxIndex);
      await expect(f.game.step(gameId, proof)).to.emit(f.game, "StepProven");
    });

    it("must prove the record with a path of the record tree's full depth", async function () {
      const f = await load(fraudFixture);
      const { gameId, proof } = await f.sim.dispute(f.batch, f.owner, f.challenger);
      // Step 3 of the batch is record 1 (after its 2 inbox entries).
      expect(position((await f.game.gameOf(gameId)).position).lo).to.equal(3);
      for (const recordSiblings of [
        proof.recordSiblings.slice(1),
        [...proof.recordSiblings, ethers.ZeroHash],
      ]) {
        await expect(f.game.step(gameId, { ...proof, recordSiblings }))
          .to.be.revertedWithCustomError(f.game, "GameBadRecordProof")
          .withArgs(1n);
      }
      await expect(f.game.step(gameId, proof)).to.emit(f.game, "StepProven");
    });
  });

  describe("turns and clocks", function () {
    async function openFixture() {
      const f = await fraudFixture();
      const { gameId } = await f.sim.challenge(f.batch, f.challenger);
      return { ...f, gameId };
    }

    it("refuses out-of-turn, duplicate and strangers' moves", async function () {
      const f = await load(openFixture);
      const claim = f.batch.claimed[1];
      await expect(f.game.connect(f.challenger).move(f.gameId, true, claim))
        .to.be.revertedWithCustomError(f.game, "GameNotYourTurn")
        .withArgs(f.gameId, f.challenger.address, f.owner.address);
      await expect(f.game.connect(f.stranger).move(f.gameId, true, claim))
        .to.be.revertedWithCustomError(f.game, "GameNotYourTurn")
        .withArgs(f.gameId, f.stranger.address, f.owner.address);
      await f.game.connect(f.owner).move(f.gameId, false, f.batch.claimed[1]);
      await expect(f.game.connect(f.owner).move(f.gameId, false, f.batch.claimed[1]))
        .to.be.revertedWithCustomError(f.game, "GameNotYourTurn")
        .withArgs(f.gameId, f.owner.address, f.challenger.address);
    });

    it("refuses a step before one step is left, and a move once it is", async function () {
      const f = await load(openFixture);
      const proof = await f.sim.stepProof(f.gameId, f.batch);
      await expect(f.game.step(f.gameId, proof))
        .to.be.revertedWithCustomError(f.game, "GameNotAtOneStep")
        .withArgs(f.gameId, 0n, 6n);
      await f.sim.bisect(
        f.gameId,
        { signer: f.owner, roots: f.batch.claimed },
        { signer: f.challenger, roots: f.batch.honest },
      );
      const g = await f.game.gameOf(f.gameId);
      const mover = g.turn === DEFENDER ? f.owner : f.challenger;
      await expect(f.game.connect(mover).move(f.gameId, true, NO_CLAIM))
        .to.be.revertedWithCustomError(f.game, "GameAwaitingStep")
        .withArgs(f.gameId);
    });

    it("lets the challenger win when the defender's clock runs out, never a second early", async function () {
      const f = await load(openFixture);
      const g = await f.game.gameOf(f.gameId);
      const deadline = (g.defenderClock & ((1n << 64n) - 1n)) + TEST_PARAMS.clockBudget;
      await time.setNextBlockTimestamp(deadline);
      await expect(f.game.timeout(f.gameId))
        .to.be.revertedWithCustomError(f.game, "GameClockRunning")
        .withArgs(f.gameId, 1n);
      // At the deadline itself a move is still in time.
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.game.timeout(f.gameId))
        .to.emit(f.game, "GameResolved")
        .withArgs(f.gameId, STATUS.ChallengerWon, f.challenger.address);
      expect(await f.rollup.isAlive(f.batch.id)).to.equal(false);
    });

    async function defenderDeadline(f: Awaited<ReturnType<typeof openFixture>>) {
      const g = await f.game.gameOf(f.gameId);
      return (g.defenderClock & ((1n << 64n) - 1n)) + TEST_PARAMS.clockBudget;
    }

    it("counts the mover's time left down to 0 at its deadline, and never below", async function () {
      const f = await load(openFixture);
      const deadline = await defenderDeadline(f);
      expect(await f.game.timeLeft(f.gameId)).to.equal(deadline - BigInt(await time.latest()));
      await time.increaseTo(deadline - 10n);
      expect(await f.game.timeLeft(f.gameId)).to.equal(10n);
      await time.increaseTo(deadline);
      expect(await f.game.timeLeft(f.gameId)).to.equal(0n);
      await time.increase(1000);
      expect(await f.game.timeLeft(f.gameId)).to.equal(0n);
    });

    it("accepts a move at the deadline itself", async function () {
      const f = await load(openFixture);
      await time.setNextBlockTimestamp(await defenderDeadline(f));
      await expect(f.game.connect(f.owner).move(f.gameId, false, f.batch.claimed[1])).to.emit(
        f.game,
        "Moved",
      );
    });

    it("refuses a move after the deadline", async function () {
      const f = await load(openFixture);
      await time.setNextBlockTimestamp((await defenderDeadline(f)) + 1n);
      await expect(f.game.connect(f.owner).move(f.gameId, false, f.batch.claimed[1]))
        .to.be.revertedWithCustomError(f.game, "GameClockExpired")
        .withArgs(f.gameId, DEFENDER);
    });

    it("lets the defender win when the challenger's clock runs out", async function () {
      const f = await load(openFixture);
      await f.game.connect(f.owner).move(f.gameId, false, f.batch.claimed[1]);
      await time.increase(TEST_PARAMS.clockBudget + 1n);
      await expect(f.game.timeout(f.gameId))
        .to.emit(f.game, "GameResolved")
        .withArgs(f.gameId, STATUS.DefenderWon, f.owner.address);
      expect(await f.game.balanceOf(f.owner.address)).to.equal(TEST_PARAMS.challengerBond);
    });

    it("gives the next side at least the clock extension after a last-second move", async function () {
      const f = await load(openFixture);
      // The defender leaves itself 10 s; the challenger answers at once.
      await time.setNextBlockTimestamp((await defenderDeadline(f)) - 10n);
      await f.game.connect(f.owner).move(f.gameId, false, f.batch.claimed[1]);
      let g = await f.game.gameOf(f.gameId);
      expect(g.defenderClock >> 64n).to.equal(10n);
      const { lo, hi } = position(g.position);
      const reply = answer(f.batch.honest, lo, hi, g.midRoot as Hex);
      await f.game.connect(f.challenger).move(f.gameId, reply.agree, reply.midRoot);
      g = await f.game.gameOf(f.gameId);
      expect(g.turn).to.equal(DEFENDER);
      expect(g.defenderClock >> 64n).to.equal(TEST_PARAMS.clockExtension);
      expect(await f.game.timeLeft(f.gameId)).to.equal(TEST_PARAMS.clockExtension);
    });
  });

  describe("several challengers", function () {
    it("reward the first to prove the fraud; the other game closes with its bond refunded", async function () {
      const f = await load(fraudFixture);
      const first = await f.sim.challenge(f.batch, f.challenger);
      const second = await f.sim.challenge(f.batch, f.challenger2);
      expect((await f.rollup.batchById(f.batch.id)).openGames).to.equal(2n);
      for (const { gameId } of [first, second]) {
        await f.sim.bisect(
          gameId,
          { signer: f.owner, roots: f.batch.claimed },
          { signer: gameId === first.gameId ? f.challenger : f.challenger2, roots: f.batch.honest },
        );
      }
      await f.game.step(second.gameId, await f.sim.stepProof(second.gameId, f.batch));
      expect(await f.rollup.claimable(f.challenger2.address, 0)).to.equal(ETH("0.5"));
      await expect(f.game.step(first.gameId, await f.sim.stepProof(first.gameId, f.batch)))
        .to.emit(f.game, "GameClosed")
        .withArgs(first.gameId);
      expect(await f.rollup.claimable(f.challenger.address, 0)).to.equal(0n);
      expect(await f.game.balanceOf(f.challenger.address)).to.equal(TEST_PARAMS.challengerBond);
    });

    it("close a game on a discarded batch, but never one on a live batch", async function () {
      const f = await load(fraudFixture);
      const first = await f.sim.challenge(f.batch, f.challenger);
      const second = await f.sim.challenge(f.batch, f.challenger2);
      await expect(f.game.close(second.gameId))
        .to.be.revertedWithCustomError(f.game, "GameBatchAlive")
        .withArgs(f.batch.id);
      await time.increase(TEST_PARAMS.clockBudget + 1n);
      await f.game.timeout(first.gameId);
      await expect(f.game.close(second.gameId))
        .to.emit(f.game, "GameClosed")
        .withArgs(second.gameId);
      expect(await f.game.balanceOf(f.challenger2.address)).to.equal(TEST_PARAMS.challengerBond);
    });
  });

  it("makes proving one's own fraud a loss: a self-challenge recovers only half the bond", async function () {
    const f = await load(fraudFixture);
    // The sequencer's own second address challenges, wins, and collects everything it can.
    const { gameId, proof } = await f.sim.dispute(f.batch, f.owner, f.stranger);
    await f.game.step(gameId, proof);
    const recovered =
      (await f.rollup.claimable(f.stranger.address, 0)) +
      (await f.game.balanceOf(f.stranger.address));
    const spent = TEST_PARAMS.batchBond + TEST_PARAMS.challengerBond;
    expect(spent - recovered).to.equal(TEST_PARAMS.batchBond / 2n);
  });

  describe("blob batches", function () {
    // Hardhat's account #0 (the sequencer): blob transactions are sent raw, so it needs its key.
    const SEQUENCER_KEY = hardhatDevKey(0);

    async function blobFixture(fraudAt = 2) {
      const f = await fundedFixture();
      const sequencer = new Wallet(SEQUENCER_KEY, ethers.provider);
      const records = [
        await f.sim.transfer(f.alice, f.bob.address, ETH("1")),
        await f.sim.transfer(f.bob, f.carol.address, ETH("0.5")),
        Uint8Array.from([9, ...new Uint8Array(40)]), // a malformed slot: a no-op step
        await f.sim.withdraw(f.alice, ETH("0.25")),
      ];
      const batch = await f.sim.postBlob(records, { signer: sequencer, fraudAt });
      return { ...f, sequencer, batch };
    }

    const blobTransferFraudFixture = () => blobFixture(0);

    it("keep the records out of calldata and the blobs' versioned hashes on chain", async function () {
      const f = await load(blobFixture);
      const stored = await f.rollup.batchById(f.batch.id);
      expect(stored.blobCount).to.equal(1n);
      expect(stored.recordCount).to.equal(4n);
      const [commitment] = f.batch.content.blobs!.commitments;
      expect(stored.recordRoot).to.equal(
        ethers.solidityPackedKeccak256(["bytes32"], [versionedHash(commitment)]),
      );
      await expect(f.batch.receipt.hash)
        .to.emit(f.rollup, "BlobsPosted")
        .withArgs(f.batch.id, [versionedHash(commitment)]);
      const tx = await ethers.provider.getTransaction(f.batch.receipt.hash);
      expect(tx!.type).to.equal(3);
      expect(ethers.dataLength(tx!.data)).to.equal(4 + 5 * 32);
      expect(f.batch.valid).to.deep.equal([true, true, false, true]);
    });

    it("prove a fraud at a malformed slot read out of the blob, one field element at a time", async function () {
      const f = await load(blobFixture);
      const { gameId, proof } = await f.sim.dispute(f.batch, f.owner, f.challenger);
      expect(proof.chunks.length).to.be.within(4, 5);
      await expect(f.game.step(gameId, proof))
        .to.emit(f.game, "StepProven")
        .withArgs(gameId, 2n, f.batch.honest[2], CHALLENGER);
    });

    it("prove a fraud at a signed transfer read out of the blob", async function () {
      const f = await load(blobTransferFraudFixture);
      const { gameId, proof } = await f.sim.dispute(f.batch, f.owner, f.challenger);
      await expect(f.game.step(gameId, proof))
        .to.emit(f.game, "StepProven")
        .withArgs(gameId, 0n, f.batch.honest[1], CHALLENGER);
    });

    it("refuse a chunk that is not the blob's value, and a wrong number of chunks", async function () {
      const f = await load(blobFixture);
      const { gameId, proof } = await f.sim.dispute(f.batch, f.owner, f.challenger);
      const forged = proof.chunks.map((c, i) =>
        i === 1 ? { ...c, value: ethers.toBeHex(1n, 32) } : c,
      );
      const reader = await ethers.getContractAt("BlobReaderErrors", await f.game.getAddress());
      await expect(f.game.step(gameId, { ...proof, chunks: forged }))
        .to.be.revertedWithCustomError(reader, "BlobReaderBadChunk")
        .withArgs(1n);
      await expect(f.game.step(gameId, { ...proof, chunks: proof.chunks.slice(1) }))
        .to.be.revertedWithCustomError(reader, "BlobReaderChunkCount")
        .withArgs(BigInt(proof.chunks.length - 1), BigInt(proof.chunks.length));
      await expect(f.game.step(gameId, { ...proof, blobHashes: [ethers.ZeroHash] }))
        .to.be.revertedWithCustomError(f.game, "GameBadBlobHashes")
        .withArgs(f.batch.id);
    });

    it("are refused without a blob or with more records than the blobs hold", async function () {
      const f = await load(fundedFixture);
      const head = await f.rollup.headRoot();
      await expect(f.rollup.postBlobBatch(head, head, 0, 0, 1)).to.be.revertedWithCustomError(
        f.rollup,
        "RollupNoBlobs",
      );
      const sequencer = new Wallet(SEQUENCER_KEY, ethers.provider);
      const blobs = encodeBlobs([]);
      await expect(
        f.rollup.connect(sequencer).postBlobBatch(head, head, 0, 0, 1310, {
          type: 3,
          blobs: blobs.map((b) => ethers.hexlify(b)),
          kzg: ethersKzg,
          maxFeePerBlobGas: 10n ** 10n,
          gasLimit: 1_000_000n,
        } as never),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupTooManyRecords")
        .withArgs(1310n, 1309n);
    });
  });

  describe("bounded cost", function () {
    this.timeout(600_000);

    it("plays out a fraud at the last of 2,048 transfers (far more than a block could re-execute) in bounded gas", async function () {
      const f = await load(fundedFixture);
      const wallets = Array.from(
        { length: 4 },
        (_, i) => new Wallet(ethers.id(`bounded ${i}`), ethers.provider),
      );
      for (const w of wallets) await f.sim.depositETH(f.owner, w.address, ETH("1"));
      await f.sim.post([]);
      const records: Uint8Array[] = [];
      for (let i = 0; i < 2048; i++) {
        records.push(
          await f.sim.transfer(wallets[i % 4], wallets[(i + 1) % 4].address, 1000n + BigInt(i)),
        );
      }
      const batch = await f.sim.post(records, { fraudAt: 2047 });
      const { gameId, opened, moves, proof } = await f.sim.dispute(batch, f.owner, f.challenger);
      expect(moves.length + 1).to.equal(maxMoves(2048));
      const stepped = await (await f.game.step(gameId, proof)).wait();
      const moveGas = moves.map((r) => r!.gasUsed);
      // Re-executing the whole batch would take ~2,048 one-step proofs' worth of gas.
      expect(stepped!.gasUsed * 2048n).to.be.greaterThan(60_000_000n);
      expect(stepped!.gasUsed).to.be.lessThan(600_000n);
      expect(opened.gasUsed).to.be.lessThan(300_000n);
      for (const gas of moveGas) expect(gas).to.be.lessThan(100_000n);
      expect(await f.rollup.isAlive(batch.id)).to.equal(false);
    });
  });
});
