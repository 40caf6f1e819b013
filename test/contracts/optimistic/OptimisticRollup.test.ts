import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { HDNodeWallet, TransactionResponse } from "ethers";
import { ethers } from "hardhat";
import type { Hex } from "../../../operator/lib/sparse-merkle";
import { recordTree } from "../../../operator/optimistic/codec";
import {
  GENESIS_ROOT,
  InboxKind,
  inboxEntryHash,
  RECORD_LENGTH,
  RecordKind,
} from "../../../operator/optimistic/protocol";
import { fundedFixture, load, optimisticFixture, TEST_PARAMS } from "../../helpers/optimistic";
import { expectReentriesRefused, hostileToken } from "../../helpers/reentrancy";
import { pinNextTimestamp } from "../../helpers/time";

const ETH = ethers.parseEther;

describe("OptimisticRollup", function () {
  describe("deployment", function () {
    it("starts from the empty L2 state, final, with its game and executor wired", async function () {
      const f = await load(optimisticFixture);
      expect(await f.rollup.headRoot()).to.equal(GENESIS_ROOT);
      expect(await f.rollup.batchCount()).to.equal(1n);
      expect(await f.rollup.finalizedCount()).to.equal(1n);
      expect(await f.game.rollup()).to.equal(await f.rollup.getAddress());
      expect(await f.game.executor()).to.equal(await f.executor.getAddress());
      expect(await f.rollup.isSequencer(f.owner.address)).to.equal(true);
    });

    it("refuses parameters that cannot work", async function () {
      const f = await load(optimisticFixture);
      const factory = await ethers.getContractFactory("OptimisticRollup");
      for (const bad of [
        { ...TEST_PARAMS, challengeWindow: 0n },
        { ...TEST_PARAMS, batchBond: 0n },
        { ...TEST_PARAMS, challengerBond: 0n },
        { ...TEST_PARAMS, clockBudget: 0n, clockExtension: 0n },
        { ...TEST_PARAMS, clockExtension: TEST_PARAMS.clockBudget + 1n },
        { ...TEST_PARAMS, forceDelay: 0n },
      ]) {
        await expect(
          factory.deploy(f.owner.address, await f.executor.getAddress(), bad),
        ).to.be.revertedWithCustomError(factory, "RollupBadParams");
      }
    });

    it("lets only the owner register sequencers", async function () {
      const f = await load(optimisticFixture);
      await expect(f.rollup.connect(f.stranger).setSequencer(f.stranger.address, true))
        .to.be.revertedWithCustomError(f.rollup, "OwnableUnauthorizedAccount")
        .withArgs(f.stranger.address);
      await expect(f.rollup.setSequencer(f.carol.address, true))
        .to.emit(f.rollup, "SequencerSet")
        .withArgs(f.carol.address, true);
    });

    it("accepts game hooks from the game only", async function () {
      const f = await load(optimisticFixture);
      await expect(f.rollup.onGameStarted(0))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotGame")
        .withArgs(f.owner.address);
      await expect(f.rollup.onDefenderWon(0))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotGame")
        .withArgs(f.owner.address);
      await expect(f.rollup.onChallengerWon(0, f.owner.address))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotGame")
        .withArgs(f.owner.address);
    });
  });

  describe("tokens", function () {
    it("registers a token once, with the next id", async function () {
      const f = await load(optimisticFixture);
      const token = await (await ethers.getContractFactory("NoReturnToken")).deploy();
      const address = await token.getAddress();
      await expect(f.rollup.registerToken(address))
        .to.emit(f.rollup, "TokenRegistered")
        .withArgs(1n, address);
      expect(await f.rollup.tokenIdOf(address)).to.equal(1n);
      await expect(f.rollup.registerToken(address))
        .to.be.revertedWithCustomError(f.rollup, "RollupTokenRegistered")
        .withArgs(address, 1n);
    });

    it("maps ids and addresses both ways, ETH being id 0 at the zero address", async function () {
      const f = await load(optimisticFixture);
      const token = await (await ethers.getContractFactory("NoReturnToken")).deploy();
      const address = await token.getAddress();
      await f.rollup.registerToken(address);
      expect(await f.rollup.tokenCount()).to.equal(2n);
      expect(await f.rollup.tokenAddress(0)).to.equal(ethers.ZeroAddress);
      expect(await f.rollup.tokenAddress(1)).to.equal(address);
      expect(await f.rollup.tokenIdOf(ethers.ZeroAddress)).to.equal(0n);
      expect(await f.rollup.tokenIdOf(address)).to.equal(1n);
      await expect(f.rollup.tokenAddress(2))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownToken")
        .withArgs(2n);
      await expect(f.rollup.tokenIdOf(f.alice.address))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotAToken")
        .withArgs(f.alice.address);
    });

    it("refuses ETH's zero address and accounts without code", async function () {
      const f = await load(optimisticFixture);
      await expect(f.rollup.registerToken(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotAToken")
        .withArgs(ethers.ZeroAddress);
      await expect(f.rollup.registerToken(f.alice.address))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotAToken")
        .withArgs(f.alice.address);
    });
  });

  describe("inbox", function () {
    it("queues a deposit under the hash the one-step executor checks", async function () {
      const f = await load(optimisticFixture);
      const at = await pinNextTimestamp();
      await expect(f.rollup.connect(f.alice).depositETH(f.bob.address, { value: 1234n }))
        .to.emit(f.rollup, "InboxQueued")
        .withArgs(0n, InboxKind.Deposit, f.alice.address, f.bob.address, 0, 1234n, at);
      const stored = await f.rollup.inboxEntry(0);
      expect(stored.hash).to.equal(
        inboxEntryHash({
          kind: InboxKind.Deposit,
          from: f.alice.address,
          to: f.bob.address,
          token: 0,
          amount: 1234n,
        }),
      );
    });

    it("refuses zero and oversized amounts, the zero address and unknown tokens", async function () {
      const f = await load(optimisticFixture);
      await expect(f.rollup.depositETH(f.bob.address))
        .to.be.revertedWithCustomError(f.rollup, "RollupBadAmount")
        .withArgs(0n);
      await expect(
        f.rollup.depositETH(ethers.ZeroAddress, { value: 1n }),
      ).to.be.revertedWithCustomError(f.rollup, "RollupZeroAddress");
      await expect(f.rollup.forceTransfer(f.bob.address, 0, 1n << 128n))
        .to.be.revertedWithCustomError(f.rollup, "RollupBadAmount")
        .withArgs(1n << 128n);
      await expect(f.rollup.forceTransfer(f.bob.address, 7, 1n))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownToken")
        .withArgs(7n);
      await expect(f.rollup.forceWithdraw(0, 1n, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.rollup,
        "RollupZeroAddress",
      );
      await expect(f.rollup.depositERC20(0, f.bob.address, 1n))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownToken")
        .withArgs(0n);
    });

    it("refuses an ERC-20 deposit that delivers nothing", async function () {
      const f = await load(optimisticFixture);
      const token = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
      await f.rollup.registerToken(await token.getAddress());
      await expect(f.rollup.connect(f.alice).depositERC20(1, f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.rollup, "RollupBadAmount")
        .withArgs(0n);
    });

    it("cannot be re-entered from inside a token transfer, to deposit, withdraw bond or claim", async function () {
      const f = await load(optimisticFixture);
      const { token, asset } = await hostileToken(f.alice, await f.rollup.getAddress(), 1000n);
      await f.rollup.registerToken(asset);
      const r = f.rollup.interface;
      await expectReentriesRefused(
        token,
        await f.rollup.getAddress(),
        {
          depositERC20: r.encodeFunctionData("depositERC20", [1n, f.alice.address, 1n]),
          withdrawBond: r.encodeFunctionData("withdrawBond", [0n]),
          claim: r.encodeFunctionData("claim", [0n]),
        },
        () => f.rollup.connect(f.alice).depositERC20(1, f.alice.address, 10n),
      );
      expect(await f.rollup.inboxLength()).to.equal(3n);
    });

    it("credits what a fee-on-transfer token actually delivers", async function () {
      const f = await load(optimisticFixture);
      const token = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
      await f.rollup.registerToken(await token.getAddress());
      await token.mint(f.alice.address, 1000n);
      await token.connect(f.alice).approve(await f.rollup.getAddress(), 1000n);
      const at = await pinNextTimestamp();
      await expect(f.rollup.connect(f.alice).depositERC20(1, f.alice.address, 1000n))
        .to.emit(f.rollup, "InboxQueued")
        .withArgs(0n, InboxKind.Deposit, f.alice.address, f.alice.address, 1, 990n, at);
    });
  });

  describe("postBatch", function () {
    it("stores the batch, its record root as the operator computes it, and locks the bond", async function () {
      const f = await load(fundedFixture);
      const records = [
        await f.sim.transfer(f.alice, f.bob.address, ETH("1")),
        await f.sim.transfer(f.bob, f.carol.address, ETH("1")),
        await f.sim.withdraw(f.alice, ETH("0.5")),
      ];
      const free = await f.rollup.freeBond(f.owner.address);
      const batch = await f.sim.post(records);
      const stored = await f.rollup.batchById(batch.id);
      expect(stored.recordRoot).to.equal(recordTree(records).root);
      expect(stored.recordCount).to.equal(3n);
      expect(stored.stateRoot).to.equal(f.sim.state.root);
      expect(stored.bond).to.equal(TEST_PARAMS.batchBond);
      expect(await f.rollup.freeBond(f.owner.address)).to.equal(free - TEST_PARAMS.batchBond);
      expect(await f.rollup.headRoot()).to.equal(f.sim.state.root);
    });

    it("takes the bond from msg.value", async function () {
      const f = await load(optimisticFixture);
      await expect(
        f.rollup.postBatch(GENESIS_ROOT, GENESIS_ROOT, 0, 0, "0x", {
          value: TEST_PARAMS.batchBond,
        }),
      ).to.emit(f.rollup, "BatchPosted");
      expect(await f.rollup.freeBond(f.owner.address)).to.equal(0n);
    });

    it("refuses a poster without bond, a stranger, a stale head and an inbox overrun", async function () {
      const f = await load(optimisticFixture);
      await expect(f.rollup.postBatch(GENESIS_ROOT, GENESIS_ROOT, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupInsufficientBond")
        .withArgs(0n, TEST_PARAMS.batchBond);
      await f.rollup.connect(f.stranger).addBond({ value: ETH("1") });
      await expect(f.rollup.connect(f.stranger).postBatch(GENESIS_ROOT, GENESIS_ROOT, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotSequencer")
        .withArgs(f.stranger.address);
      await f.rollup.addBond({ value: ETH("1") });
      const stale = ethers.id("stale");
      await expect(f.rollup.postBatch(stale, GENESIS_ROOT, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupStaleRoot")
        .withArgs(stale, GENESIS_ROOT);
      await f.rollup.depositETH(f.alice.address, { value: 1n });
      await expect(f.rollup.postBatch(GENESIS_ROOT, GENESIS_ROOT, 2, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupInboxOverrun")
        .withArgs(2n, 1n);
    });

    it("refuses records of unknown kind, a truncated record and an empty batch that moves the root", async function () {
      const f = await load(optimisticFixture);
      await f.rollup.addBond({ value: ETH("1") });
      const transferLength = RECORD_LENGTH[RecordKind.Transfer];
      const whole = `01${"00".repeat(transferLength - 1)}`;
      await expect(f.rollup.postBatch(GENESIS_ROOT, GENESIS_ROOT, 0, 0, `0x${whole}09`))
        .to.be.revertedWithCustomError(f.rollup, "RollupBadRecord")
        .withArgs(transferLength, 9n);
      await expect(
        f.rollup.postBatch(GENESIS_ROOT, GENESIS_ROOT, 0, 0, `0x${whole}${whole.slice(0, -2)}`),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupTruncatedRecord")
        .withArgs(transferLength);
      const other = ethers.id("other");
      await expect(f.rollup.postBatch(GENESIS_ROOT, other, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupEmptyBatchChangesRoot")
        .withArgs(GENESIS_ROOT, other);
    });
  });

  describe("forced inclusion", function () {
    async function ignoredFixture() {
      const f = await fundedFixture();
      await f.sim.forceTransfer(f.alice, f.carol.address, ETH("2"));
      return f;
    }

    it("lets a stranger post only once an entry is overdue", async function () {
      const f = await load(ignoredFixture);
      await f.rollup.connect(f.stranger).addBond({ value: ETH("1") });
      const head = await f.rollup.headRoot();
      await expect(f.rollup.connect(f.stranger).postBatch(head, head, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotSequencer")
        .withArgs(f.stranger.address);
      await time.increase(TEST_PARAMS.forceDelay);
      await f.sim.post([], { signer: f.stranger });
      const carol = f.sim.state.accountByAddress(f.carol.address)!;
      expect(carol.amounts.get(0)).to.equal(ETH("2"));
      expect(await f.rollup.headRoot()).to.equal(f.sim.state.root);
    });

    it("gives the sequencer forceDelay after a discard before anyone else may post (no discard-and-repost loop)", async function () {
      // Found by the threat-model review of issue 21: a discard returns the batch's entries to the
      // inbox already overdue, so the poster of an invalid batch could post the next invalid
      // batch in the block of the discard, ahead of the sequencer, and freeze finality.
      const f = await load(ignoredFixture);
      await time.increase(TEST_PARAMS.forceDelay);
      await f.rollup.connect(f.stranger).addBond({ value: ETH("3") });
      const fraud = await f.sim.post([], { signer: f.stranger, fraudAt: 0 });
      const { gameId, proof } = await f.sim.dispute(fraud, f.stranger, f.challenger);
      await (await f.game.step(gameId, proof)).wait();
      f.sim.discardFrom(fraud);
      const discardedAt = BigInt(await time.latest());
      expect(await f.rollup.lastDiscardAt()).to.equal(discardedAt);
      // The entry was queued more than forceDelay ago, and still no stranger may post.
      const head = await f.rollup.headRoot();
      await expect(f.rollup.connect(f.stranger).postBatch(head, head, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotSequencer")
        .withArgs(f.stranger.address);
      // The sequencer may, and need not include the entry yet.
      await f.sim.post([], { inboxCount: 0 });
      // forceDelay after the discard, the escape hatch opens again.
      await time.increaseTo(discardedAt + TEST_PARAMS.forceDelay);
      await f.sim.post([], { signer: f.stranger, inboxCount: 1 });
      expect(f.sim.state.accountByAddress(f.carol.address)!.amounts.get(0)).to.equal(ETH("2"));
    });

    it("stops the sequencer from leaving an overdue entry out", async function () {
      const f = await load(ignoredFixture);
      const queuedAt = (await f.rollup.inboxEntry(3)).queuedAt;
      await time.increase(TEST_PARAMS.forceDelay);
      const head = await f.rollup.headRoot();
      await expect(f.rollup.postBatch(head, head, 0, 0, "0x"))
        .to.be.revertedWithCustomError(f.rollup, "RollupInboxEntryOverdue")
        .withArgs(3n, queuedAt);
    });
  });

  describe("data availability: every batch readable from L1 alone", function () {
    // Issue 21: the challenger reads a batch's records from its posting transaction's calldata.
    // An independent run posted batches from inside a 7702-delegated sequencer and, once the inbox
    // was overdue, through a stranger's contract: the records appeared in no calldata, the
    // challenger could not dispute them, and a forged withdrawal took other users' deposits.
    async function forwarderFixture() {
      const f = await fundedFixture();
      const forwarder = await (await ethers.getContractFactory("CallForwarder")).deploy();
      return { ...f, forwarder };
    }

    /** A fresh key funded with 10 ETH of which `bond` is bonded on the rollup. */
    async function fundedKey(f: Awaited<ReturnType<typeof forwarderFixture>>, bond = ETH("2")) {
      const w = ethers.Wallet.createRandom().connect(ethers.provider);
      await (await f.owner.sendTransaction({ to: w.address, value: ETH("10") })).wait();
      await (await f.rollup.connect(w).addBond({ value: bond })).wait();
      return w;
    }

    /** `w`'s type-4 transaction delegating to `target` and calling it as itself. */
    async function delegatedCall(
      w: HDNodeWallet,
      target: string,
      data: string,
    ): Promise<TransactionResponse> {
      const { chainId } = await ethers.provider.getNetwork();
      const auth = await w.authorize({ address: target, nonce: (await w.getNonce()) + 1, chainId });
      return w.sendTransaction({
        type: 4,
        to: w.address,
        data,
        authorizationList: [auth],
        gasLimit: 3_000_000,
      });
    }

    it("refuses a batch posted by a registered sequencer that is a contract", async function () {
      const f = await load(forwarderFixture);
      const forwarderAddress = await f.forwarder.getAddress();
      await (await f.rollup.setSequencer(forwarderAddress, true)).wait();
      const head = await f.rollup.headRoot();
      const post = f.rollup.interface.encodeFunctionData("postBatch", [head, head, 0, 0, "0x"]);
      await expect(f.forwarder.forward(await f.rollup.getAddress(), post, { value: ETH("1") }))
        .to.be.revertedWithCustomError(f.rollup, "RollupPosterNotEoa")
        .withArgs(forwarderAddress);
    });

    it("refuses a batch posted from inside a registered sequencer's EIP-7702 delegation (route a)", async function () {
      const f = await load(forwarderFixture);
      const seq = await fundedKey(f);
      await (await f.rollup.setSequencer(seq.address, true)).wait();
      const head = await f.rollup.headRoot();
      const post = f.rollup.interface.encodeFunctionData("postBatch", [head, head, 0, 0, "0x"]);
      const forward = f.forwarder.interface.encodeFunctionData("forward", [
        await f.rollup.getAddress(),
        post,
      ]);
      // msg.sender is the sequencer and so is tx.origin, but the account has code.
      await expect(delegatedCall(seq, await f.forwarder.getAddress(), forward))
        .to.be.revertedWithCustomError(f.rollup, "RollupPosterNotEoa")
        .withArgs(seq.address);
      expect(await ethers.provider.getCode(seq.address)).to.match(/^0xef0100/);
      // Blob batches go through the same check (one rule for every poster).
      const blobPost = f.rollup.interface.encodeFunctionData("postBlobBatch", [
        head,
        head,
        0,
        0,
        1,
      ]);
      await (await f.rollup.setSequencer(await f.forwarder.getAddress(), true)).wait();
      await expect(f.forwarder.forward(await f.rollup.getAddress(), blobPost))
        .to.be.revertedWithCustomError(f.rollup, "RollupPosterNotEoa")
        .withArgs(await f.forwarder.getAddress());
    });

    it("holds forced posters to the same rule once the inbox is overdue (route b)", async function () {
      const f = await load(forwarderFixture);
      await f.sim.forceTransfer(f.alice, f.carol.address, ETH("2"));
      await time.increase(TEST_PARAMS.forceDelay);
      const rollupAddress = await f.rollup.getAddress();
      const head = await f.rollup.headRoot();
      const post = f.rollup.interface.encodeFunctionData("postBatch", [head, head, 1, 0, "0x"]);
      // An unregistered contract, bonded through msg.value.
      await expect(f.forwarder.forward(rollupAddress, post, { value: ETH("1") }))
        .to.be.revertedWithCustomError(f.rollup, "RollupPosterNotEoa")
        .withArgs(await f.forwarder.getAddress());
      // An unregistered, bonded EOA delegating to the forwarder.
      const poster = await fundedKey(f);
      const forward = f.forwarder.interface.encodeFunctionData("forward", [rollupAddress, post]);
      await expect(delegatedCall(poster, await f.forwarder.getAddress(), forward))
        .to.be.revertedWithCustomError(f.rollup, "RollupPosterNotEoa")
        .withArgs(poster.address);
      // The same poster without code posts the forced batch directly.
      const { chainId } = await ethers.provider.getNetwork();
      const undo = await poster.authorize({
        address: ethers.ZeroAddress,
        nonce: (await poster.getNonce()) + 1,
        chainId,
      });
      await (
        await poster.sendTransaction({ type: 4, to: poster.address, authorizationList: [undo] })
      ).wait();
      await f.sim.post([], { signer: poster });
      expect((await f.rollup.batchAt((await f.rollup.batchCount()) - 1n)).sequencer).to.equal(
        poster.address,
      );
    });

    it("takes only the canonical encoding of postBatch, which every decoder reads the same", async function () {
      const f = await load(forwarderFixture);
      const head = await f.rollup.headRoot();
      const record = "0x" + "00".repeat(RECORD_LENGTH[RecordKind.Withdraw] - 1);
      const records = `0x${RecordKind.Withdraw.toString(16).padStart(2, "0")}${record.slice(2)}`;
      const canonical = f.rollup.interface.encodeFunctionData("postBatch", [
        head,
        ethers.ZeroHash,
        0,
        0,
        records,
      ]);
      const word = (i: number) => 10 + i * 64; // hex offset of head word i
      const offsetAt = word(4);
      // (1) records moved one word later, a junk word before them: Solidity follows the offset,
      // a strict decoder too, but the bytes between are unread: refused.
      const moved =
        canonical.slice(0, offsetAt) +
        (0xc0).toString(16).padStart(64, "0") +
        "ff".repeat(32) +
        canonical.slice(offsetAt + 64);
      // (2) bytes after the padding.
      const trailing = canonical + "00".repeat(32);
      // (3) padding that is not zero.
      const dirty = canonical.slice(0, -2) + "01";
      const [owner] = await ethers.getSigners();
      const to = await f.rollup.getAddress();
      for (const data of [moved, trailing, dirty]) {
        await expect(owner.sendTransaction({ to, data })).to.be.revertedWithCustomError(
          f.rollup,
          "RollupNonCanonicalCalldata",
        );
      }
      await expect(owner.sendTransaction({ to, data: canonical })).to.emit(f.rollup, "BatchPosted");
    });

    it("refuses blob batches on a deployment that takes none (the default)", async function () {
      const [owner] = await ethers.getSigners();
      const executor = await (await ethers.getContractFactory("OneStepExecutor")).deploy();
      const rollup = await (
        await ethers.getContractFactory("OptimisticRollup")
      ).deploy(owner.address, await executor.getAddress(), {
        ...TEST_PARAMS,
        blobBatches: false,
      });
      await (await rollup.setSequencer(owner.address, true)).wait();
      expect(await rollup.blobBatches()).to.equal(false);
      const head = await rollup.headRoot();
      await expect(
        rollup.postBlobBatch(head, head, 0, 0, 1, { value: ETH("1") }),
      ).to.be.revertedWithCustomError(rollup, "RollupBlobsDisabled");
    });
  });

  describe("finalize", function () {
    it("waits for the window, then finalises in order and frees the bond", async function () {
      const f = await load(fundedFixture);
      const position = f.genesisBatch.position;
      const endsAt =
        (await f.rollup.batchById(f.genesisBatch.id)).postedAt + TEST_PARAMS.challengeWindow;
      await expect(f.rollup.finalize(5))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotFinalizable")
        .withArgs(position, endsAt, 0n);
      const before = await f.rollup.freeBond(f.owner.address);
      await time.increaseTo(endsAt);
      await expect(f.rollup.finalize(5))
        .to.emit(f.rollup, "BatchFinalized")
        .withArgs(position, f.genesisBatch.id, f.sim.state.root);
      expect(await f.rollup.freeBond(f.owner.address)).to.equal(before + TEST_PARAMS.batchBond);
      await expect(f.rollup.finalize(5)).to.be.revertedWithCustomError(
        f.rollup,
        "RollupNothingToFinalize",
      );
    });

    it("waits for every open game on the batch", async function () {
      const f = await load(fundedFixture);
      await f.sim.challenge(
        f.genesisBatch,
        f.challenger,
        f.genesisBatch.honest.map(() => ethers.id("x") as Hex),
      );
      await time.increase(TEST_PARAMS.challengeWindow);
      const endsAt =
        (await f.rollup.batchById(f.genesisBatch.id)).postedAt + TEST_PARAMS.challengeWindow;
      await expect(f.rollup.finalize(1))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotFinalizable")
        .withArgs(f.genesisBatch.position, endsAt, 1n);
    });
  });

  describe("chain views", function () {
    it("count the genesis batch (id 0) alive, and know no position past the head", async function () {
      const f = await load(fundedFixture);
      expect(await f.rollup.isAlive(0)).to.equal(true);
      expect(await f.rollup.isAlive(f.genesisBatch.id)).to.equal(true);
      expect(await f.rollup.isAlive(f.genesisBatch.id + 1n)).to.equal(false);
      const count = await f.rollup.batchCount();
      expect((await f.rollup.batchAt(count - 1n)).id).to.equal(f.genesisBatch.id);
      await expect(f.rollup.batchAt(count))
        .to.be.revertedWithCustomError(f.rollup, "RollupUnknownBatch")
        .withArgs(count);
    });
  });

  describe("bonds", function () {
    it("release no bond of a batch that was never posted or is still in the chain", async function () {
      const f = await load(fundedFixture);
      for (const id of [f.genesisBatch.id, 999n]) {
        await expect(f.rollup.releaseBond(id))
          .to.be.revertedWithCustomError(f.rollup, "RollupBondNotReleasable")
          .withArgs(id);
      }
    });

    it("returns free bond and keeps locked bond", async function () {
      const f = await load(fundedFixture);
      const free = await f.rollup.freeBond(f.owner.address);
      await expect(f.rollup.withdrawBond(free + 1n))
        .to.be.revertedWithCustomError(f.rollup, "RollupBondTooSmall")
        .withArgs(free, free + 1n);
      await expect(f.rollup.withdrawBond(free)).to.changeEtherBalance(f.owner, free);
      expect(await f.rollup.freeBond(f.owner.address)).to.equal(0n);
    });
  });

  describe("withdrawals", function () {
    async function withdrawalFixture() {
      const f = await fundedFixture();
      await f.sim.forceWithdraw(f.bob, ETH("1"), f.carol.address);
      const batch = await f.sim.post([await f.sim.withdraw(f.alice, ETH("2"))]);
      const header = f.sim.state.header;
      const proofOf = (id: bigint) => {
        const w = f.sim.state.withdrawals[Number(id)];
        const p = f.sim.state.withdrawalProof(id);
        return [w.id, w.recipient, w.token, w.amount, p.bitmap, p.siblings] as const;
      };
      return { ...f, batch, header, proofOf };
    }

    it("are proven against a final batch only", async function () {
      const f = await load(withdrawalFixture);
      await expect(f.rollup.proveWithdrawal(f.batch.position, f.header, ...f.proofOf(0n)))
        .to.be.revertedWithCustomError(f.rollup, "RollupNotFinal")
        .withArgs(f.batch.position, 1n);
    });

    it("credit the recipient once, then pay on claim", async function () {
      const f = await load(withdrawalFixture);
      await time.increase(TEST_PARAMS.challengeWindow);
      await f.rollup.finalize(10);
      await expect(f.rollup.proveWithdrawal(f.batch.position, f.header, ...f.proofOf(0n)))
        .to.emit(f.rollup, "WithdrawalProven")
        .withArgs(0n, f.carol.address, 0, ETH("1"));
      await f.rollup.proveWithdrawal(f.batch.position, f.header, ...f.proofOf(1n));
      await expect(f.rollup.proveWithdrawal(f.batch.position, f.header, ...f.proofOf(1n)))
        .to.be.revertedWithCustomError(f.rollup, "RollupWithdrawalProven")
        .withArgs(1n);
      expect(await f.rollup.withdrawalProven(1n)).to.equal(true);
      await expect(f.rollup.connect(f.alice).claim(0)).to.changeEtherBalance(f.alice, ETH("2"));
      await expect(f.rollup.connect(f.alice).claim(0))
        .to.be.revertedWithCustomError(f.rollup, "RollupNothingToClaim")
        .withArgs(f.alice.address, 0n);
    });

    it("refuse a wrong header, amount or id", async function () {
      const f = await load(withdrawalFixture);
      await time.increase(TEST_PARAMS.challengeWindow);
      await f.rollup.finalize(10);
      const [id, recipient, token, amount, bitmap, siblings] = f.proofOf(0n);
      const root = (await f.rollup.batchAt(f.batch.position)).stateRoot;
      const badHeader = { ...f.header, withdrawalCount: 9n };
      await expect(
        f.rollup.proveWithdrawal(
          f.batch.position,
          badHeader,
          id,
          recipient,
          token,
          amount,
          bitmap,
          siblings,
        ),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupBadHeader")
        .withArgs(root, await f.rollup.stateRootOf(badHeader));
      await expect(
        f.rollup.proveWithdrawal(
          f.batch.position,
          f.header,
          id,
          recipient,
          token,
          amount + 1n,
          bitmap,
          siblings,
        ),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupBadWithdrawalProof")
        .withArgs(0n);
      await expect(
        f.rollup.proveWithdrawal(
          f.batch.position,
          f.header,
          2n,
          recipient,
          token,
          amount,
          bitmap,
          siblings,
        ),
      )
        .to.be.revertedWithCustomError(f.rollup, "RollupBadWithdrawalProof")
        .withArgs(2n);
    });

    it("pay ERC-20 tokens, including one whose transfer returns nothing", async function () {
      const f = await load(fundedFixture);
      const token = await (await ethers.getContractFactory("NoReturnToken")).deploy();
      await f.rollup.registerToken(await token.getAddress());
      await token.mint(f.alice.address, 5000n);
      await token.connect(f.alice).approve(await f.rollup.getAddress(), 5000n);
      await f.sim.depositERC20(f.alice, 1, f.alice.address, 5000n);
      await f.sim.forceWithdraw(f.alice, 3000n, f.bob.address, 1);
      const batch = await f.sim.post([]);
      const alice = f.sim.state.accountByAddress(f.alice.address)!;
      expect(alice.amounts.get(1)).to.equal(2000n);
      await time.increase(TEST_PARAMS.challengeWindow);
      await f.rollup.finalize(10);
      const w = f.sim.state.withdrawals[0];
      const p = f.sim.state.withdrawalProof(w.id);
      await f.rollup.proveWithdrawal(
        batch.position,
        f.sim.state.header,
        w.id,
        w.recipient,
        w.token,
        w.amount,
        p.bitmap,
        p.siblings,
      );
      await f.rollup.connect(f.bob).claim(1);
      expect(await token.balanceOf(f.bob.address)).to.equal(3000n);
      expect(await token.balanceOf(await f.rollup.getAddress())).to.equal(2000n);
    });

    it("leave a receiver that refuses ETH or burns gas failing only its own claim", async function () {
      const f = await load(fundedFixture);
      const receiver = await (await ethers.getContractFactory("RejectingReceiver")).deploy();
      const address = await receiver.getAddress();
      await f.sim.forceWithdraw(f.bob, ETH("1"), address);
      await f.sim.forceWithdraw(f.alice, ETH("1"), f.alice.address);
      const batch = await f.sim.post([]);
      await time.increase(TEST_PARAMS.challengeWindow);
      await f.rollup.finalize(10);
      for (const id of [0n, 1n]) {
        const w = f.sim.state.withdrawals[Number(id)];
        const p = f.sim.state.withdrawalProof(id);
        await f.rollup.proveWithdrawal(
          batch.position,
          f.sim.state.header,
          id,
          w.recipient,
          w.token,
          w.amount,
          p.bitmap,
          p.siblings,
        );
      }
      await expect(receiver.claimFrom(await f.rollup.getAddress(), 0))
        .to.be.revertedWithCustomError(f.rollup, "RollupPaymentFailed")
        .withArgs(address, ETH("1"));
      await receiver.setBurn(true);
      await expect(receiver.claimFrom(await f.rollup.getAddress(), 0, { gasLimit: 1_000_000 })).to
        .be.reverted;
      expect(await f.rollup.claimable(address, 0)).to.equal(ETH("1"));
      await expect(f.rollup.connect(f.alice).claim(0)).to.changeEtherBalance(f.alice, ETH("1"));
    });
  });

  it("slashes a sequencer the owner already removed, without removing it again", async function () {
    const f = await load(fundedFixture);
    await f.sim.depositETH(f.carol, f.carol.address, ETH("3"));
    const fraud = await f.sim.post([], { fraudAt: 0 });
    const { gameId, proof } = await f.sim.dispute(fraud, f.owner, f.challenger);
    await (await f.rollup.setSequencer(f.owner.address, false)).wait();
    const stepped = f.game.step(gameId, proof);
    await expect(stepped)
      .to.emit(f.rollup, "SequencerSlashed")
      .withArgs(
        f.owner.address,
        fraud.id,
        f.challenger.address,
        TEST_PARAMS.batchBond / 2n,
        TEST_PARAMS.batchBond / 2n,
      );
    await expect(stepped).to.not.emit(f.rollup, "SequencerSet");
    expect(await f.rollup.isSequencer(f.owner.address)).to.equal(false);
  });

  it("ignores a second win reported on a batch that already left the chain", async function () {
    const f = await load(fundedFixture);
    await f.sim.depositETH(f.carol, f.carol.address, ETH("3"));
    const fraud = await f.sim.post([], { fraudAt: 0 });
    const { gameId, proof } = await f.sim.dispute(fraud, f.owner, f.challenger);
    await (await f.game.step(gameId, proof)).wait();
    const burned = await f.rollup.burnedBonds();
    const count = await f.rollup.batchCount();
    // The game never reports twice (it checks isAlive first); the hook holds on its own.
    const game = await f.game.getAddress();
    await ethers.provider.send("hardhat_impersonateAccount", [game]);
    await ethers.provider.send("hardhat_setBalance", [game, ethers.toBeHex(ETH("1"))]);
    const asGame = f.rollup.connect(await ethers.getSigner(game));
    expect(await asGame.onChallengerWon.staticCall(fraud.id, f.challenger2.address)).to.equal(
      false,
    );
    await expect(asGame.onChallengerWon(fraud.id, f.challenger2.address)).to.not.emit(
      f.rollup,
      "SequencerSlashed",
    );
    await ethers.provider.send("hardhat_stopImpersonatingAccount", [game]);
    expect(await f.rollup.claimable(f.challenger2.address, 0)).to.equal(0n);
    expect(await f.rollup.burnedBonds()).to.equal(burned);
    expect(await f.rollup.batchCount()).to.equal(count);
  });

  it("never finalises a discarded batch nor pays a withdrawal it made", async function () {
    const f = await load(fundedFixture);
    const fraud = await f.sim.post([await f.sim.withdraw(f.alice, ETH("1"))], { fraudAt: 0 });
    const ghost = f.sim.state.withdrawals[0];
    const ghostProof = f.sim.state.withdrawalProof(0n);
    const ghostHeader = f.sim.state.header;
    const { gameId, proof } = await f.sim.dispute(fraud, f.owner, f.challenger);
    await f.game.step(gameId, proof);
    f.sim.discardFrom(fraud);
    await time.increase(TEST_PARAMS.challengeWindow);
    await f.rollup.finalize(10);
    expect(await f.rollup.finalizedCount()).to.equal(fraud.position);
    const args = [
      ghost.id,
      ghost.recipient,
      ghost.token,
      ghost.amount,
      ghostProof.bitmap,
      ghostProof.siblings,
    ] as const;
    await expect(f.rollup.proveWithdrawal(fraud.position, ghostHeader, ...args))
      .to.be.revertedWithCustomError(f.rollup, "RollupNotFinal")
      .withArgs(fraud.position, fraud.position);
    const finalRoot = (await f.rollup.batchAt(fraud.position - 1n)).stateRoot;
    await expect(f.rollup.proveWithdrawal(fraud.position - 1n, ghostHeader, ...args))
      .to.be.revertedWithCustomError(f.rollup, "RollupBadHeader")
      .withArgs(finalRoot, await f.rollup.stateRootOf(ghostHeader));
  });

  it("credits a deposit once even when the batch that first took it is discarded", async function () {
    const f = await load(fundedFixture);
    await f.sim.depositETH(f.carol, f.carol.address, ETH("3"));
    const fraud = await f.sim.post([], { fraudAt: 0 });
    const { gameId, proof } = await f.sim.dispute(fraud, f.owner, f.challenger);
    await f.game.step(gameId, proof);
    f.sim.discardFrom(fraud);
    expect(await f.rollup.inboxConsumed()).to.equal(3n);
    await f.rollup.setSequencer(f.carol.address, true);
    await f.rollup.connect(f.carol).addBond({ value: ETH("1") });
    await f.sim.post([], { signer: f.carol });
    expect(await f.rollup.inboxConsumed()).to.equal(await f.rollup.inboxLength());
    const carol = f.sim.state.accountByAddress(f.carol.address)!;
    expect(carol.amounts.get(0)).to.equal(ETH("3"));
    expect(await f.rollup.headRoot()).to.equal(f.sim.state.root);
  });
});
