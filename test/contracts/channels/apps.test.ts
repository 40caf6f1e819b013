import { expect } from "chai";
import { ethers } from "hardhat";
import type { State } from "../../../operator/channels/state";
import {
  ETH,
  ONE,
  board,
  hashOfSecret,
  load,
  paymentChannel,
  paymentState,
} from "../../helpers/channels";

const X = 1; // participant 1 plays X

describe("channel apps", function () {
  describe("PaymentApp", function () {
    it("accepts a payment by the mover alone and nothing that takes from others", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const from = paymentState(4n, [3n * ONE, 2n * ONE]);
      const app = f.paymentApp;
      // Version 5 is bob's move (5 % 2): he may pay alice.
      expect(
        await app.validTransition(channel, from, paymentState(5n, [4n * ONE, ONE]), 1),
      ).to.equal(true);
      await expect(app.validTransition(channel, from, paymentState(5n, [2n * ONE, 3n * ONE]), 1))
        .to.be.revertedWithCustomError(app, "PaymentAppTookFrom")
        .withArgs(0, 0);
      await expect(app.validTransition(channel, from, paymentState(5n, [3n * ONE, 3n * ONE]), 1))
        .to.be.revertedWithCustomError(app, "PaymentAppNotConserved")
        .withArgs(0, 5n * ONE, 6n * ONE);
      await expect(
        app.validTransition(
          channel,
          from,
          { ...paymentState(5n, [4n * ONE, ONE]), appData: "0x01" },
          1,
        ),
      ).to.be.revertedWithCustomError(app, "PaymentAppDataChanged");
      const token = await f.token.getAddress();
      await expect(
        app.validTransition(channel, from, paymentState(5n, [4n * ONE, ONE], { asset: token }), 1),
      )
        .to.be.revertedWithCustomError(app, "PaymentAppAssetsChanged")
        .withArgs(0);
      await expect(app.validTransition(channel, from, { ...from, version: 5n, outcome: [] }, 1))
        .to.be.revertedWithCustomError(app, "PaymentAppAssetsChanged")
        .withArgs(1);
      const lock = {
        amount: 1n,
        hashlock: hashOfSecret(ethers.ZeroHash),
        expiry: 1n,
        payer: 1,
        payee: 0,
      };
      await expect(
        app.validTransition(
          channel,
          from,
          paymentState(5n, [4n * ONE, ONE - 1n], { locks: [lock] }),
          1,
        ),
      )
        .to.be.revertedWithCustomError(app, "PaymentAppLocksChanged")
        .withArgs(0);
      // A participant dropped from (or added to) an asset's amounts.
      await expect(app.validTransition(channel, from, paymentState(5n, [5n * ONE]), 1))
        .to.be.revertedWithCustomError(app, "PaymentAppAssetsChanged")
        .withArgs(0);
    });
  });

  describe("TicTacToeApp", function () {
    const pot = (a: bigint, b: bigint) => [{ asset: ETH, amounts: [a, b], locks: [] }];
    const state = (
      version: bigint,
      xs: number,
      os: number,
      outcome = pot(ONE, ONE),
      isFinal = false,
    ): State => ({
      version,
      isFinal,
      appData: board(X, xs, os),
      outcome,
    });

    async function setup() {
      const f = await load();
      const channel = await paymentChannel(f, { app: await f.ticTacToeApp.getAddress() });
      return { f, app: f.ticTacToeApp, channel };
    }

    it("plays a game: X opens, O answers, the mover takes the pot if the other stalls", async function () {
      const { app, channel } = await setup();
      const s0 = state(0n, 0, 0);
      const s1 = state(1n, 0x010, 0, pot(0n, 2n * ONE));
      expect(await app.validTransition(channel, s0, s1, 1)).to.equal(true);
      const s2 = state(2n, 0x010, 0x001, pot(2n * ONE, 0n));
      expect(await app.validTransition(channel, s1, s2, 0)).to.equal(true);
    });

    it("rejects moving out of turn, twice, onto a taken cell, or changing the other's cells", async function () {
      const { app, channel } = await setup();
      const s1 = state(1n, 0x010, 0, pot(0n, 2n * ONE));
      await expect(app.validTransition(channel, state(0n, 0, 0), s1, 0))
        .to.be.revertedWithCustomError(app, "TicTacToeNotYourTurn")
        .withArgs(0, 1);
      // O onto X's centre.
      await expect(app.validTransition(channel, s1, state(2n, 0x010, 0x010, pot(2n * ONE, 0n)), 0))
        .to.be.revertedWithCustomError(app, "TicTacToeCellTaken")
        .withArgs(4);
      await expect(
        app.validTransition(channel, s1, state(2n, 0x010, 0x003, pot(2n * ONE, 0n)), 0),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadMove");
      await expect(
        app.validTransition(channel, s1, state(2n, 0x011, 0x001, pot(2n * ONE, 0n)), 0),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadMove");
      await expect(
        app.validTransition(channel, s1, state(2n, 0x010, 0, pot(2n * ONE, 0n)), 0),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadMove");
    });

    it("reports a taken cell", async function () {
      const { app, channel } = await setup();
      // O (alice, version 4) onto X's cell 0, X's board unchanged.
      const from = state(3n, 0x011, 0x002, pot(0n, 2n * ONE));
      await expect(
        app.validTransition(channel, from, state(4n, 0x011, 0x003, pot(2n * ONE, 0n)), 0),
      )
        .to.be.revertedWithCustomError(app, "TicTacToeCellTaken")
        .withArgs(0);
      // A board that already overlaps is not a position at all.
      await expect(
        app.validTransition(channel, state(3n, 0x011, 0x003), state(4n, 0x011, 0x007), 0),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadData");
    });

    it("pays a win to the winner only in a final state, and rejects a false win claim", async function () {
      const { app, channel } = await setup();
      const from = state(4n, 0x014, 0x101, pot(2n * ONE, 0n)); // X: 2,4  O: 0,8
      const win = state(5n, 0x054, 0x101, pot(0n, 2n * ONE), true); // X takes 6: 2-4-6
      expect(await app.validTransition(channel, from, win, 1)).to.equal(true);
      await expect(
        app.validTransition(channel, from, { ...win, isFinal: false }, 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeUnclaimedEnd");
      await expect(app.validTransition(channel, from, { ...win, outcome: pot(ONE, ONE) }, 1))
        .to.be.revertedWithCustomError(app, "TicTacToeBadOutcome")
        .withArgs(0, ONE, 0n);
      const falseWin = state(5n, 0x034, 0x101, pot(0n, 2n * ONE), true); // X takes 5: no line
      await expect(app.validTransition(channel, from, falseWin, 1)).to.be.revertedWithCustomError(
        app,
        "TicTacToeFalseWin",
      );
      // Nothing moves after a win.
      await expect(
        app.validTransition(channel, win, state(6n, 0x054, 0x103, pot(2n * ONE, 0n)), 0),
      ).to.be.revertedWithCustomError(app, "TicTacToeGameOver");
    });

    it("refuses any move once O has won or the board is full", async function () {
      const { app, channel } = await setup();
      // O holds the top row (0, 1, 2); X has 3, 4, 8.
      const oWon = state(6n, 0x118, 0x007, pot(0n, 2n * ONE), true);
      await expect(
        app.validTransition(channel, oWon, state(7n, 0x138, 0x007, pot(0n, 2n * ONE)), 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeGameOver");
      // X O X / X O O / O X X: full, nobody won.
      const xs = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 7) | (1 << 8);
      const os = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6);
      const full = state(9n, xs, os, pot(ONE, ONE), true);
      await expect(
        app.validTransition(channel, full, state(10n, xs, os, pot(ONE, ONE), true), 0),
      ).to.be.revertedWithCustomError(app, "TicTacToeGameOver");
    });

    it("refuses a mover who takes back one of its own cells while placing another", async function () {
      const { app, channel } = await setup();
      // X (participant 1) holds 0 and 4, O holds 1 and 2; X's turn: X moves its 0 to 3.
      const from = state(4n, 0x011, 0x006, pot(2n * ONE, 0n));
      await expect(
        app.validTransition(channel, from, state(5n, 0x018, 0x006, pot(0n, 2n * ONE)), 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadMove");
    });

    it("refuses board data that is no position: an X player other than 0 or 1, cells past the ninth", async function () {
      const { app, channel } = await setup();
      const raw = (xPlayer: bigint, xs: bigint, os: bigint) =>
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["uint256", "uint256", "uint256"],
          [xPlayer, xs, os],
        );
      const s0 = state(0n, 0, 0);
      const s1 = state(1n, 0x010, 0, pot(0n, 2n * ONE));
      for (const appData of [raw(2n, 0n, 0n), raw(1n, 0x200n, 0n), raw(1n, 0n, 0x400n)]) {
        await expect(
          app.validTransition(channel, { ...s0, appData }, s1, 1),
          appData,
        ).to.be.revertedWithCustomError(app, "TicTacToeBadData");
      }
    });

    it("splits the pot on a full board without a win", async function () {
      const { app, channel } = await setup();
      // X O X / X O O / O X X: X at 0,2,3,7,8 and O at 1,4,5,6; X's last move is 8.
      const xsFull = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 7) | (1 << 8);
      const os = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6);
      const before = state(8n, xsFull & ~(1 << 8), os, pot(2n * ONE, 0n));
      const draw = state(9n, xsFull, os, pot(ONE, ONE), true);
      expect(await app.validTransition(channel, before, draw, 1)).to.equal(true);
      await expect(
        app.validTransition(channel, before, { ...draw, isFinal: false }, 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeUnclaimedEnd");
      await expect(app.validTransition(channel, before, { ...draw, outcome: pot(0n, 2n * ONE) }, 1))
        .to.be.revertedWithCustomError(app, "TicTacToeBadOutcome")
        .withArgs(0, 0n, ONE);
    });

    it("rejects a pot that changes asset, gains locks or is not two-way, and a changed X player", async function () {
      const { f, app, channel } = await setup();
      const s0 = state(0n, 0, 0);
      const s1 = state(1n, 0x010, 0, pot(0n, 2n * ONE));
      const token = await f.token.getAddress();
      await expect(
        app.validTransition(
          channel,
          s0,
          { ...s1, outcome: [{ asset: token, amounts: [0n, 2n * ONE], locks: [] }] },
          1,
        ),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadPot");
      await expect(
        app.validTransition(channel, s0, { ...s1, outcome: [...s1.outcome, ...s1.outcome] }, 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadPot");
      await expect(
        app.validTransition(
          channel,
          s0,
          { ...s1, outcome: [{ asset: ETH, amounts: [0n, 2n * ONE, 0n], locks: [] }] },
          1,
        ),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadPot");
      const lock = {
        amount: 1n,
        hashlock: hashOfSecret(ethers.ZeroHash),
        expiry: 1n,
        payer: 0,
        payee: 1,
      };
      await expect(
        app.validTransition(
          channel,
          s0,
          { ...s1, outcome: [{ asset: ETH, amounts: [0n, 2n * ONE - 1n], locks: [lock] }] },
          1,
        ),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadPot");
      await expect(
        app.validTransition(channel, s0, { ...s1, appData: board(0, 0x010, 0) }, 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeXPlayerChanged");
      await expect(
        app.validTransition(channel, s0, { ...s1, appData: "0x1234" }, 1),
      ).to.be.revertedWithCustomError(app, "TicTacToeBadData");
      const three = { ...channel, participants: [f.alice.address, f.bob.address, f.carol.address] };
      await expect(app.validTransition(three, s0, s1, 1))
        .to.be.revertedWithCustomError(app, "TicTacToeNotTwoPlayers")
        .withArgs(3);
    });
  });

  describe("SecretRegistry", function () {
    it("records when a secret was first revealed, and only the first time", async function () {
      const f = await load();
      const secret = ethers.id("s");
      const hashlock = hashOfSecret(secret);
      expect(await f.secretRegistry.revealedAt(hashlock)).to.equal(0n);
      await expect(f.secretRegistry.reveal(secret))
        .to.emit(f.secretRegistry, "SecretRevealed")
        .withArgs(hashlock, secret);
      const first = await f.secretRegistry.revealedAt(hashlock);
      expect(first).to.be.greaterThan(0n);
      await expect(f.secretRegistry.reveal(secret)).to.not.emit(f.secretRegistry, "SecretRevealed");
      expect(await f.secretRegistry.revealedAt(hashlock)).to.equal(first);
      const other = ethers.id("t");
      expect(await f.secretRegistry.revealBatch.staticCall([secret, other, other])).to.equal(1n);
    });
  });
});
