import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import { TypedDataEncoder, Wallet, ZeroAddress } from "ethers";
import { ethers } from "hardhat";
import {
  channelId,
  channelsDomain,
  fingerprint,
  lockResolved,
  paidOut,
  sigStruct as sigOf,
  stateDigest,
  stateStructHash,
  STATE_TYPES,
  typedValue,
  type Channel,
  type State,
} from "../../../operator/channels/state";
import {
  DURATION,
  ETH,
  ONE,
  board,
  ethAllocation,
  fundETH,
  hashOfSecret,
  idOf,
  load,
  paymentChannel,
  paymentState,
  proof,
  sign,
  type Fixture,
} from "../../helpers/channels";
import { makeHostile } from "../../helpers/hostile";
import { expectReentriesRefused, hostileToken } from "../../helpers/reentrancy";
import { pinNextTimestamp } from "../../helpers/time";

const MAX_UINT48 = (1n << 48n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** A funded two-party ETH channel (alice 3, bob 2) with its id. */
async function funded(f: Fixture, overrides: Partial<Channel> = {}) {
  const channel = await paymentChannel(f, overrides);
  await fundETH(f, channel, [3n * ONE, 2n * ONE]);
  return { channel, id: idOf(f, channel) };
}

describe("Adjudicator", function () {
  describe("channel ids and state digests", function () {
    it("binds the id to chain, adjudicator, participants, nonce, app and duration", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const id = await f.adjudicator.channelId(channel);
      expect(id).to.equal(channelId(f.domain, channel));
      const variants: Channel[] = [
        { ...channel, nonce: 2n },
        { ...channel, participants: [...channel.participants].reverse() },
        { ...channel, app: await f.ticTacToeApp.getAddress() },
        { ...channel, challengeDuration: DURATION + 1n },
      ];
      for (const v of variants) expect(await f.adjudicator.channelId(v)).to.not.equal(id);
      const otherChain = channelsDomain(f.chainId + 1n, f.domain.verifyingContract);
      expect(channelId(otherChain, channel)).to.not.equal(id);
    });

    it("refuses channels with fewer than 2 or more than 32 participants, or no challenge period", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      await expect(f.adjudicator.channelId({ ...channel, participants: [f.alice.address] }))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadParticipantCount")
        .withArgs(1);
      const many = Array.from({ length: 33 }, () => Wallet.createRandom().address);
      await expect(f.adjudicator.channelId({ ...channel, participants: many }))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadParticipantCount")
        .withArgs(33);
      await expect(
        f.adjudicator.channelId({ ...channel, challengeDuration: 0n }),
      ).to.be.revertedWithCustomError(f.adjudicator, "ChannelZeroChallengeDuration");
    });

    it("hashes states as EIP-712 typed data, exactly as the client and ethers do", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const id = idOf(f, channel);
      const state: State = {
        version: 7n,
        isFinal: true,
        appData: "0xdeadbeef",
        outcome: [
          ethAllocation(
            [ONE, 2n],
            [
              {
                amount: 5n,
                hashlock: hashOfSecret(ethers.ZeroHash),
                expiry: 99n,
                payer: 0,
                payee: 1,
              },
            ],
          ),
          { asset: await f.token.getAddress(), amounts: [0n, 9n], locks: [] },
        ],
      };
      const ethersHash = TypedDataEncoder.from(STATE_TYPES).hash(typedValue(id, state));
      expect(stateStructHash(id, state)).to.equal(ethersHash);
      const digest = TypedDataEncoder.hash(f.domain, STATE_TYPES, typedValue(id, state));
      expect(stateDigest(f.domain, id, state)).to.equal(digest);
      expect(await f.adjudicator.stateDigest(id, state)).to.equal(digest);
      expect(await f.adjudicator.fingerprintOf(id, state)).to.equal(fingerprint(id, state));
      // A wallet signing through signTypedData produces a signature the adjudicator accepts.
      const viaWallet = await f.keys[0].signTypedData(f.domain, STATE_TYPES, typedValue(id, state));
      expect(viaWallet).to.equal(sign(f, channel, state, [0]).sigs[0]);
    });
  });

  describe("deposit", function () {
    it("credits ETH in the agreed order and refuses a deposit on top of an unexpected one", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const id = idOf(f, channel);
      await expect(f.adjudicator.connect(f.alice).deposit(id, ETH, 0n, ONE, { value: ONE }))
        .to.emit(f.adjudicator, "Deposited")
        .withArgs(id, ETH, ONE, ONE);
      await expect(f.adjudicator.connect(f.bob).deposit(id, ETH, 0n, ONE, { value: ONE }))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelHoldingsChanged")
        .withArgs(0n, ONE);
      await expect(f.adjudicator.connect(f.bob).deposit(id, ETH, ONE, ONE, { value: ONE - 1n }))
        .to.be.revertedWithCustomError(f.adjudicator, "BadDeposit")
        .withArgs(ONE - 1n, ONE);
      const token = await f.token.getAddress();
      await expect(f.adjudicator.connect(f.bob).deposit(id, token, 0n, ONE, { value: 1n }))
        .to.be.revertedWithCustomError(f.adjudicator, "BadDeposit")
        .withArgs(1n, 0n);
      expect(await f.adjudicator.holdings(id, ETH)).to.equal(ONE);
    });

    it("credits what a fee-taking token delivers, and works with a token that returns nothing", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const id = idOf(f, channel);
      const fee = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
      const bare = await (await ethers.getContractFactory("NoReturnToken")).deploy();
      for (const t of [fee, bare]) {
        await (await t.mint(f.alice.address, 1000n)).wait();
        await (await t.connect(f.alice).approve(f.domain.verifyingContract, 1000n)).wait();
      }
      await expect(f.adjudicator.connect(f.alice).deposit(id, await fee.getAddress(), 0n, 1000n))
        .to.emit(f.adjudicator, "Deposited")
        .withArgs(id, await fee.getAddress(), 990n, 990n);
      await expect(
        f.adjudicator.connect(f.alice).deposit(id, await bare.getAddress(), 0n, 1000n),
      ).to.emit(f.adjudicator, "Deposited");
      expect(await f.adjudicator.holdings(id, await bare.getAddress())).to.equal(1000n);
      await expect(f.adjudicator.connect(f.alice).deposit(id, await bare.getAddress(), 1000n, 1n))
        .to.be.reverted; // the token's own revert: alice has nothing left
    });

    it("refuses deposits into a finalised channel", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const last = paymentState(1n, [3n * ONE, 2n * ONE], { isFinal: true });
      await (await f.adjudicator.conclude(channel, proof(sign(f, channel, last)))).wait();
      await expect(f.adjudicator.connect(f.alice).deposit(id, ETH, 0n, ONE, { value: ONE }))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelFinalized")
        .withArgs(id);
    });
  });

  describe("conclude", function () {
    it("pays a final state signed by everyone at once", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const last = paymentState(9n, [ONE, 4n * ONE], { isFinal: true });
      const tx = f.adjudicator.conclude(channel, proof(sign(f, channel, last)));
      await expect(tx).to.emit(f.adjudicator, "Concluded").withArgs(id, 9n);
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [ONE, 4n * ONE]);
      expect(await f.adjudicator.holdings(id, ETH)).to.equal(0n);
      const [version, finalizesAt, fp] = await f.adjudicator.status(id);
      expect(version).to.equal(9n);
      expect(finalizesAt).to.equal(BigInt(await time.latest()));
      expect(fp).to.equal(fingerprint(id, paidOut(last)));
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, last))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelFinalized")
        .withArgs(id);
      await expect(f.adjudicator.payout(channel, last))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnknownState")
        .withArgs(id);
    });

    it("refuses a non-final state, a missing or foreign signature and an empty proof", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const open = paymentState(4n, [ONE, 4n * ONE]);
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, open))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNotFinal")
        .withArgs(4n);
      const last = paymentState(4n, [ONE, 4n * ONE], { isFinal: true });
      // Only alice signed, and version 4's mover is alice: not every participant signed.
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, last, [0]))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnsupported")
        .withArgs(1n);
      // Bob alone is not version 4's mover.
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, last, [1]))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignature")
        .withArgs(4n, 0n);
      const swapped = sign(f, channel, last);
      swapped.sigs.reverse();
      await expect(f.adjudicator.conclude(channel, proof(swapped)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignature")
        .withArgs(4n, 0n);
      const three = sign(f, channel, last);
      three.sigs.push(three.sigs[0]);
      await expect(f.adjudicator.conclude(channel, proof(three)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignatureCount")
        .withArgs(4n, 3n);
      await expect(f.adjudicator.conclude(channel, [])).to.be.revertedWithCustomError(
        f.adjudicator,
        "ChannelEmptyProof",
      );
    });

    it("refuses a final state older than the one a challenge registered", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      await (
        await f.adjudicator.challenge(
          channel,
          proof(sign(f, channel, paymentState(5n, [2n * ONE, 3n * ONE]))),
        )
      ).wait();
      const older = paymentState(3n, [ONE, 4n * ONE], { isFinal: true });
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, older))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStaleVersion")
        .withArgs(3n, 5n);
      // The same version, final, does end it.
      const last = paymentState(5n, [2n * ONE, 3n * ONE], { isFinal: true });
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, last))))
        .to.emit(f.adjudicator, "Concluded")
        .withArgs(id, 5n);
    });

    it("refuses the malleable twin of a valid signature (s in the upper half, v flipped)", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const last = paymentState(9n, [ONE, 4n * ONE], { isFinal: true });
      const [signed] = proof(sign(f, channel, last));
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const { v, r, s: lowS } = signed.sigs[0];
      const twin = { v: v === 27 ? 28 : 27, r, s: ethers.toBeHex(N - BigInt(lowS), 32) };
      // The twin recovers the same address with the bare ecrecover precompile; the adjudicator
      // (OpenZeppelin's ECDSA) refuses it.
      const digest = stateDigest(f.domain, idOf(f, channel), last);
      const ecrecover = await ethers.provider.call({
        to: "0x0000000000000000000000000000000000000001",
        data: ethers.concat([digest, ethers.toBeHex(twin.v, 32), r, twin.s]),
      });
      expect(ethers.getAddress(ethers.dataSlice(ecrecover, 12))).to.equal(f.alice.address);
      await expect(f.adjudicator.conclude(channel, [{ ...signed, sigs: [twin, signed.sigs[1]] }]))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignature")
        .withArgs(9n, 0n);
    });

    it("refuses an outcome that does not list every participant", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const last = paymentState(1n, [5n * ONE], { isFinal: true });
      await expect(f.adjudicator.conclude(channel, proof(sign(f, channel, last))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadAllocation")
        .withArgs(0n, 1n);
    });
  });

  describe("signature replay", function () {
    it("a state signed for one channel is worthless in another channel of the same parties", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const other = await paymentChannel(f, { nonce: 2n });
      await fundETH(f, other, [ONE, ONE]);
      const last = paymentState(1n, [0n, 2n * ONE], { isFinal: true });
      const signed = sign(f, channel, last);
      await expect(f.adjudicator.conclude(other, proof(signed)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignature")
        .withArgs(1n, 0n);
    });

    it("is worthless on another chain and on another adjudicator", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const last = paymentState(1n, [0n, 5n * ONE], { isFinal: true });
      const otherChain = channelsDomain(f.chainId + 1n, f.domain.verifyingContract);
      await expect(
        f.adjudicator.conclude(channel, proof(sign(f, channel, last, [0, 1], otherChain))),
      )
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignature")
        .withArgs(1n, 0n);

      // A second adjudicator, the same channel funded there: the first one's signatures fail.
      const second = await (
        await ethers.getContractFactory("Adjudicator")
      ).deploy(await f.secretRegistry.getAddress());
      const secondDomain = channelsDomain(f.chainId, await second.getAddress());
      const secondId = channelId(secondDomain, channel);
      await (await second.connect(f.alice).deposit(secondId, ETH, 0n, ONE, { value: ONE })).wait();
      await expect(second.conclude(channel, proof(sign(f, channel, last))))
        .to.be.revertedWithCustomError(second, "ChannelBadSignature")
        .withArgs(1n, 0n);
      await expect(second.conclude(channel, proof(sign(f, channel, last, [0, 1], secondDomain))))
        .to.emit(second, "Concluded")
        .withArgs(secondId, 1n);
    });
  });

  describe("challenge, checkpoint and payout", function () {
    it("answers a stale close: the newer state replaces it, keeps the deadline, and is what pays", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const stale = paymentState(3n, [4n * ONE, ONE]);
      const latest = paymentState(8n, [ONE, 4n * ONE]);
      const challengeTx = await f.adjudicator
        .connect(f.alice)
        .challenge(channel, proof(sign(f, channel, stale)));
      const deadline = BigInt(await time.latest()) + DURATION;
      await expect(challengeTx).to.emit(f.adjudicator, "Challenged");
      await time.increase(50);
      await expect(
        f.adjudicator.connect(f.bob).checkpoint(channel, proof(sign(f, channel, latest))),
      )
        .to.emit(f.adjudicator, "Checkpointed")
        .withArgs(id, deadline, anyValue);
      const [version, finalizesAt, fp] = await f.adjudicator.status(id);
      expect([version, finalizesAt, fp]).to.deep.equal([8n, deadline, fingerprint(id, latest)]);
      await expect(f.adjudicator.payout(channel, latest))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNotFinalized")
        .withArgs(id, deadline);
      await time.increaseTo(deadline);
      await expect(
        f.adjudicator.connect(f.bob).checkpoint(channel, proof(sign(f, channel, latest))),
      )
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelFinalized")
        .withArgs(id);
      await expect(f.adjudicator.payout(channel, stale))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnknownState")
        .withArgs(id);
      await expect(f.adjudicator.payout(channel, latest)).to.changeEtherBalances(
        [f.alice, f.bob],
        [ONE, 4n * ONE],
      );
      // No double payout: the registered state now has its amounts paid.
      await expect(f.adjudicator.payout(channel, latest))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnknownState")
        .withArgs(id);
      await expect(f.adjudicator.payout(channel, paidOut(latest))).to.changeEtherBalances(
        [f.alice, f.bob],
        [0n, 0n],
      );
    });

    it("never restarts a running challenge at the same version; a higher one restarts it", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const s5 = sign(f, channel, paymentState(5n, [2n * ONE, 3n * ONE]));
      await (await f.adjudicator.challenge(channel, proof(s5))).wait();
      const [, firstDeadline] = await f.adjudicator.status(id);
      await time.increase(30);
      await expect(f.adjudicator.challenge(channel, proof(s5)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStaleVersion")
        .withArgs(5n, 5n);
      const s4 = sign(f, channel, paymentState(4n, [ONE, 4n * ONE]));
      await expect(f.adjudicator.challenge(channel, proof(s4)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStaleVersion")
        .withArgs(4n, 5n);
      await expect(f.adjudicator.checkpoint(channel, proof(s5)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStaleVersion")
        .withArgs(5n, 5n);
      expect((await f.adjudicator.status(id))[1]).to.equal(firstDeadline);
      const s6 = sign(f, channel, paymentState(6n, [ONE, 4n * ONE]));
      await (await f.adjudicator.challenge(channel, proof(s6))).wait();
      expect((await f.adjudicator.status(id))[1]).to.equal(BigInt(await time.latest()) + DURATION);
    });

    it("takes an answer mined in the last second before the deadline, and none at the deadline", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const stale = sign(f, channel, paymentState(1n, [5n * ONE, 0n]));
      await (await f.adjudicator.challenge(channel, proof(stale))).wait();
      const [, deadline] = await f.adjudicator.status(id);
      const s2 = sign(f, channel, paymentState(2n, [4n * ONE, ONE]));
      const s3 = sign(f, channel, paymentState(3n, [3n * ONE, 2n * ONE]));
      await time.setNextBlockTimestamp(deadline - 1n);
      await expect(f.adjudicator.checkpoint(channel, proof(s2))).to.emit(
        f.adjudicator,
        "Checkpointed",
      );
      await time.setNextBlockTimestamp(deadline);
      await expect(f.adjudicator.checkpoint(channel, proof(s3)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelFinalized")
        .withArgs(id);
      expect((await f.adjudicator.status(id))[0]).to.equal(2n);
    });

    it("a checkpoint before any challenge registers the state without starting a clock", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const s2 = paymentState(2n, [ONE, 4n * ONE]);
      await (await f.adjudicator.checkpoint(channel, proof(sign(f, channel, s2)))).wait();
      expect(await f.adjudicator.status(id)).to.deep.equal([2n, 0n, fingerprint(id, s2)]);
      // A challenge may start from the checkpointed version itself, but not from an older one.
      const s1 = sign(f, channel, paymentState(1n, [5n * ONE, 0n]));
      await expect(f.adjudicator.challenge(channel, proof(s1)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStaleVersion")
        .withArgs(1n, 2n);
      await (await f.adjudicator.challenge(channel, proof(sign(f, channel, s2)))).wait();
    });

    it("refuses final states in challenge and checkpoint (they conclude)", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const last = sign(f, channel, paymentState(2n, [ONE, 4n * ONE], { isFinal: true }));
      await expect(f.adjudicator.challenge(channel, proof(last)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStateIsFinal")
        .withArgs(2n);
      await expect(f.adjudicator.checkpoint(channel, proof(last)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelStateIsFinal")
        .withArgs(2n);
    });

    it("refuses a challenge whose deadline does not fit the 48-bit clock", async function () {
      const f = await load();
      const { channel } = await funded(f, { challengeDuration: MAX_UINT48 });
      const s = sign(f, channel, paymentState(1n, [ONE, 4n * ONE]));
      const next = await pinNextTimestamp();
      await expect(f.adjudicator.challenge(channel, proof(s)))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelTimeoutOverflow")
        .withArgs(next + MAX_UINT48);
      // The channel still closes cooperatively.
      const last = sign(f, channel, paymentState(2n, [ONE, 4n * ONE], { isFinal: true }));
      await expect(f.adjudicator.conclude(channel, proof(last))).to.emit(
        f.adjudicator,
        "Concluded",
      );
    });

    it("pays what the channel holds, in participant order, when it is underfunded", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const id = idOf(f, channel);
      await fundETH(f, channel, [2n * ONE, 0n]); // bob never funded his 2
      const s0 = paymentState(0n, [2n * ONE, 2n * ONE]);
      await (await f.adjudicator.challenge(channel, proof(sign(f, channel, s0)))).wait();
      await time.increase(DURATION);
      await expect(f.adjudicator.payout(channel, s0)).to.changeEtherBalances(
        [f.alice, f.bob],
        [2n * ONE, 0n],
      );
      expect(await f.adjudicator.holdings(id, ETH)).to.equal(0n);
    });

    it("pays out only a registered state whose challenge period is over", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const s0 = paymentState(0n, [3n * ONE, 2n * ONE]);
      // Never challenged: nothing is final.
      await expect(f.adjudicator.payout(channel, s0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNotFinalized")
        .withArgs(id, 0n);
    });

    it("pays ERC-20 outcomes", async function () {
      const f = await load();
      const channel = await paymentChannel(f);
      const id = idOf(f, channel);
      const token = await f.token.getAddress();
      await (await f.adjudicator.connect(f.alice).deposit(id, token, 0n, 10n)).wait();
      const last = paymentState(1n, [3n, 7n], { isFinal: true, asset: token });
      await expect(
        f.adjudicator.conclude(channel, proof(sign(f, channel, last))),
      ).to.changeTokenBalances(f.token, [f.alice, f.bob], [3n, 7n]);
    });
  });

  describe("hostile receivers", function () {
    let restore: (() => Promise<void>) | undefined;
    afterEach(async function () {
      await restore?.();
      restore = undefined;
    });

    for (const burn of [false, true]) {
      it(`a receiver that ${burn ? "burns all gas" : "reverts"} is owed its payout; the other is paid`, async function () {
        const f = await load();
        const { channel, id } = await funded(f);
        restore = await makeHostile(f.bob.address, burn);
        const last = paymentState(1n, [ONE, 4n * ONE], { isFinal: true });
        const tx = await f.adjudicator.conclude(channel, proof(sign(f, channel, last)));
        const receipt = await tx.wait();
        await expect(tx).to.changeEtherBalances([f.alice, f.bob], [ONE, 0n]);
        await expect(tx)
          .to.emit(f.adjudicator, "PayoutDeferred")
          .withArgs(id, ETH, f.bob.address, 4n * ONE);
        expect(receipt!.gasUsed).to.be.lessThan(200_000n);
        expect(await f.adjudicator.owed(f.bob.address, ETH)).to.equal(4n * ONE);
        if (!burn) {
          await expect(f.adjudicator.connect(f.bob).withdraw(ETH, f.bob.address))
            .to.be.revertedWithCustomError(f.adjudicator, "TransferFailed")
            .withArgs(ETH, f.bob.address, 4n * ONE);
        }
        await expect(
          f.adjudicator.connect(f.bob).withdraw(ETH, f.carol.address),
        ).to.changeEtherBalance(f.carol, 4n * ONE);
        await expect(f.adjudicator.connect(f.bob).withdraw(ETH, f.carol.address))
          .to.be.revertedWithCustomError(f.adjudicator, "NothingOwed")
          .withArgs(f.bob.address, ETH);
      });
    }

    it("a receiver that re-enters during its payout cannot take anything twice", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      // A token whose transfer calls back into `payout` during the payout: the call must fail.
      const last = paymentState(1n, [ONE, 4n * ONE], { isFinal: true });
      const attacker = await (await ethers.getContractFactory("HostileToken")).deploy();
      const token = await attacker.getAddress();
      await (await attacker.mint(f.alice.address, 10n)).wait();
      await (await attacker.connect(f.alice).approve(f.domain.verifyingContract, 10n)).wait();
      await (await f.adjudicator.connect(f.alice).deposit(id, token, 0n, 10n)).wait();
      const tokenLast: State = {
        ...last,
        outcome: [...last.outcome, { asset: token, amounts: [4n, 6n], locks: [] }],
      };
      const reenter = f.adjudicator.interface.encodeFunctionData("payout", [channel, tokenLast]);
      await (await attacker.arm(f.domain.verifyingContract, reenter)).wait();
      await (await f.adjudicator.conclude(channel, proof(sign(f, channel, tokenLast)))).wait();
      expect(await attacker.lastCallSucceeded()).to.equal(false);
      // Each got its share exactly once: pushed, or owed when the token's callback outspent the
      // push's gas cap.
      for (const [who, share] of [
        [f.alice.address, 4n],
        [f.bob.address, 6n],
      ] as const) {
        const received = await attacker.balanceOf(who);
        expect(received + (await f.adjudicator.owed(who, token))).to.equal(share);
      }
      expect(await f.adjudicator.holdings(id, token)).to.equal(0n);
      expect(await f.adjudicator.holdings(id, ETH)).to.equal(0n);
    });
  });

  describe("hash-time locks", function () {
    const secret = ethers.id("the secret");
    const hashlock = hashOfSecret(secret);

    async function lockedChannel(f: Fixture, expiry: bigint) {
      const { channel, id } = await funded(f);
      // alice has locked 1 ETH for bob: balances 2 + 2, lock 1.
      const lock = { amount: ONE, hashlock, expiry, payer: 0, payee: 1 };
      const last = paymentState(4n, [2n * ONE, 2n * ONE], { locks: [lock] });
      await (await f.adjudicator.challenge(channel, proof(sign(f, channel, last)))).wait();
      await time.increase(DURATION);
      await (await f.adjudicator.payout(channel, last)).wait();
      return { channel, id, state: paidOut(last) };
    }

    it("pays the payee when the secret was revealed by expiry, even after the dispute", async function () {
      const f = await load();
      const expiry = BigInt(await time.latest()) + 1000n;
      const { channel, id, state } = await lockedChannel(f, expiry);
      await expect(f.adjudicator.unlock(channel, state, 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelLockPending")
        .withArgs(hashlock, expiry);
      await time.setNextBlockTimestamp(expiry);
      await (await f.secretRegistry.reveal(secret)).wait();
      await time.increase(5000); // long after expiry: the reveal time is what counts
      const tx = f.adjudicator.unlock(channel, state, 0, 0);
      await expect(tx)
        .to.emit(f.adjudicator, "LockResolved")
        .withArgs(id, hashlock, f.bob.address, ONE);
      await expect(tx).to.changeEtherBalance(f.bob, ONE);
      await expect(f.adjudicator.unlock(channel, state, 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnknownState")
        .withArgs(id);
      await expect(f.adjudicator.unlock(channel, lockResolved(state, 0, 0), 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelLockSettled")
        .withArgs(0, 0);
    });

    it("returns the lock to the payer when the secret is revealed after expiry", async function () {
      const f = await load();
      const expiry = BigInt(await time.latest()) + 1000n;
      const { channel, id, state } = await lockedChannel(f, expiry);
      await time.setNextBlockTimestamp(expiry + 1n);
      await (await f.secretRegistry.reveal(secret)).wait();
      await expect(f.adjudicator.unlock(channel, state, 0, 0))
        .to.emit(f.adjudicator, "LockResolved")
        .withArgs(id, hashlock, f.alice.address, ONE);
    });

    it("keeps a lock that expires near the end of time pending until its secret is revealed", async function () {
      const f = await load();
      const { channel, state } = await lockedChannel(f, MAX_UINT64);
      await expect(f.adjudicator.unlock(channel, state, 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelLockPending")
        .withArgs(hashlock, MAX_UINT64);
      await (await f.secretRegistry.reveal(secret)).wait();
      await expect(f.adjudicator.unlock(channel, state, 0, 0)).to.changeEtherBalance(f.bob, ONE);
    });

    it("refuses unknown locks, locks naming non-participants, and channels not yet final", async function () {
      const f = await load();
      const { channel, id } = await funded(f);
      const expiry = BigInt(await time.latest()) + 10n;
      const bad = { amount: ONE, hashlock, expiry, payer: 0, payee: 7 };
      const last = paymentState(1n, [2n * ONE, 2n * ONE], { locks: [bad] });
      await (await f.adjudicator.challenge(channel, proof(sign(f, channel, last)))).wait();
      await expect(f.adjudicator.unlock(channel, last, 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNotFinalized")
        .withArgs(id, (await f.adjudicator.status(id))[1]);
      await time.increase(DURATION);
      await expect(f.adjudicator.unlock(channel, last, 1, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNoSuchLock")
        .withArgs(1, 0);
      await expect(f.adjudicator.unlock(channel, last, 0, 1))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNoSuchLock")
        .withArgs(0, 1);
      await expect(f.adjudicator.unlock(channel, last, 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadLockParty")
        .withArgs(7);
    });
  });

  describe("locks against what the channel holds", function () {
    const secret = ethers.id("another secret");
    const hashlock = hashOfSecret(secret);

    it("resolves a lock for at most what the channel still holds after the balances", async function () {
      const f = await load();
      const expiry = BigInt(await time.latest()) + 1000n;
      const lock = { amount: ONE, hashlock, expiry, payer: 0, payee: 1 };
      // Overfunded (6 held for 2 + 2 + a lock of 1): the lock is paid in full, 1 stays.
      const over = await paymentChannel(f);
      await fundETH(f, over, [4n * ONE, 2n * ONE]);
      // Underfunded (5 held for 3 + 2 + a lock of 1): nothing is left for the lock.
      const under = await paymentChannel(f, { nonce: 2n });
      await fundETH(f, under, [3n * ONE, 2n * ONE]);
      const overState = paymentState(4n, [2n * ONE, 2n * ONE], { locks: [lock] });
      const underState = paymentState(4n, [3n * ONE, 2n * ONE], { locks: [lock] });
      for (const [channel, state] of [
        [over, overState],
        [under, underState],
      ] as const) {
        await (await f.adjudicator.challenge(channel, proof(sign(f, channel, state)))).wait();
      }
      await time.increase(DURATION);
      await (await f.adjudicator.payout(over, overState)).wait();
      await (await f.adjudicator.payout(under, underState)).wait();
      await (await f.secretRegistry.reveal(secret)).wait();

      const overTx = f.adjudicator.unlock(over, paidOut(overState), 0, 0);
      await expect(overTx)
        .to.emit(f.adjudicator, "LockResolved")
        .withArgs(idOf(f, over), hashlock, f.bob.address, ONE);
      await expect(overTx).to.changeEtherBalance(f.bob, ONE);
      expect(await f.adjudicator.holdings(idOf(f, over), ETH)).to.equal(ONE);

      const underTx = f.adjudicator.unlock(under, paidOut(underState), 0, 0);
      await expect(underTx)
        .to.emit(f.adjudicator, "LockResolved")
        .withArgs(idOf(f, under), hashlock, f.bob.address, 0n);
      await expect(underTx).to.changeEtherBalance(f.bob, 0n);
      // Resolved all the same: it cannot be taken again.
      await expect(f.adjudicator.unlock(under, paidOut(underState), 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnknownState")
        .withArgs(idOf(f, under));
    });

    it("refuses a lock whose payer is not a participant", async function () {
      const f = await load();
      const { channel } = await funded(f);
      const expiry = BigInt(await time.latest()) + 10n;
      const bad = { amount: ONE, hashlock, expiry, payer: 2, payee: 1 };
      const last = paymentState(1n, [2n * ONE, 2n * ONE], { locks: [bad] });
      await (await f.adjudicator.challenge(channel, proof(sign(f, channel, last)))).wait();
      await time.increase(DURATION);
      await expect(f.adjudicator.unlock(channel, last, 0, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadLockParty")
        .withArgs(2);
    });
  });

  describe("hostile tokens", function () {
    it("cannot re-enter any entry point that moves money, from inside a token transfer", async function () {
      const f = await load();
      const { token, asset } = await hostileToken(f.alice, f.domain.verifyingContract, 1000n);
      const channel = await paymentChannel(f);
      const id = idOf(f, channel);
      const last = paymentState(1n, [3n, 7n], { isFinal: true, asset });
      const a = f.adjudicator.interface;
      await expectReentriesRefused(
        token,
        f.domain.verifyingContract,
        {
          deposit: a.encodeFunctionData("deposit", [id, asset, 0n, 1n]),
          conclude: a.encodeFunctionData("conclude", [channel, proof(sign(f, channel, last))]),
          payout: a.encodeFunctionData("payout", [channel, last]),
          unlock: a.encodeFunctionData("unlock", [channel, last, 0n, 0n]),
          withdraw: a.encodeFunctionData("withdraw", [asset, f.alice.address]),
        },
        async () =>
          f.adjudicator
            .connect(f.alice)
            .deposit(id, asset, await f.adjudicator.holdings(id, asset), 10n),
      );
      expect(await f.adjudicator.holdings(id, asset)).to.equal(50n);
    });
  });

  describe("progress and turn-taking proofs (tic-tac-toe)", function () {
    const X = 1; // bob plays X and moves at odd versions
    /** `to`, signed by participant `who`, moved on-chain from `from`. */
    const move = (f: Fixture, g: { channel: Channel }, from: State, to: State, who: number) =>
      f.adjudicator.progress(g.channel, from, to, sigOf(sign(f, g.channel, to, [who]).sigs[0]));
    const pot = (a: bigint, b: bigint) => [ethAllocation([a, b])];

    async function game(f: Fixture) {
      const channel = await paymentChannel(f, { app: await f.ticTacToeApp.getAddress() });
      await fundETH(f, channel, [ONE, ONE]);
      const setup: State = {
        version: 0n,
        isFinal: false,
        appData: board(X, 0, 0),
        outcome: pot(ONE, ONE),
      };
      // bob (X) takes the centre, alice (O) an edge, bob a corner (threatening 0-4-8).
      const s1: State = {
        version: 1n,
        isFinal: false,
        appData: board(X, 0x010, 0),
        outcome: pot(0n, 2n * ONE),
      };
      const s2: State = {
        version: 2n,
        isFinal: false,
        appData: board(X, 0x010, 0x002),
        outcome: pot(2n * ONE, 0n),
      };
      const s3: State = {
        version: 3n,
        isFinal: false,
        appData: board(X, 0x011, 0x002),
        outcome: pot(0n, 2n * ONE),
      };
      return { channel, id: idOf(f, channel), setup, s1, s2, s3 };
    }

    /** bob challenges with a turn-taking proof: s2 signed by alice (its mover), s3 by bob. */
    async function challengeAtS3(f: Fixture, g: Awaited<ReturnType<typeof game>>): Promise<void> {
      const twoMoves = proof(sign(f, g.channel, g.s2, [0]), sign(f, g.channel, g.s3, [1]));
      await (await f.adjudicator.connect(f.bob).challenge(g.channel, twoMoves)).wait();
    }

    it("a player who stops answering is forced on-chain and forfeits the pot", async function () {
      const f = await load();
      const g = await game(f);
      await challengeAtS3(f, g);
      expect((await f.adjudicator.status(g.id))[0]).to.equal(3n);
      await time.increase(DURATION);
      await expect(f.adjudicator.payout(g.channel, g.s3)).to.changeEtherBalances(
        [f.alice, f.bob],
        [0n, 2n * ONE],
      );
    });

    it("the challenged player answers by moving; a winning move is final at once", async function () {
      const f = await load();
      const g = await game(f);
      await challengeAtS3(f, g);
      // alice blocks 0-4-8 at 8.
      const s4: State = {
        version: 4n,
        isFinal: false,
        appData: board(X, 0x011, 0x102),
        outcome: pot(2n * ONE, 0n),
      };
      const moved = move(f, g, g.s3, s4, 0);
      await expect(moved).to.emit(f.adjudicator, "Progressed");
      const [, deadline] = await f.adjudicator.status(g.id);
      expect(deadline).to.equal(BigInt(await time.latest()) + DURATION);
      // bob forks at 6 (0-3-6 and 2-4-6); alice blocks 3; bob wins with 2-4-6.
      const s5: State = {
        version: 5n,
        isFinal: false,
        appData: board(X, 0x051, 0x102),
        outcome: pot(0n, 2n * ONE),
      };
      await (await move(f, g, s4, s5, 1)).wait();
      const s6: State = {
        version: 6n,
        isFinal: false,
        appData: board(X, 0x051, 0x10a),
        outcome: pot(2n * ONE, 0n),
      };
      await (await move(f, g, s5, s6, 0)).wait();
      const s7: State = {
        version: 7n,
        isFinal: true,
        appData: board(X, 0x055, 0x10a),
        outcome: pot(0n, 2n * ONE),
      };
      await expect(move(f, g, s6, s7, 1)).to.emit(f.adjudicator, "Progressed");
      expect((await f.adjudicator.status(g.id))[1]).to.equal(BigInt(await time.latest()));
      await expect(f.adjudicator.payout(g.channel, s7)).to.changeEtherBalance(f.bob, 2n * ONE);
    });

    it("refuses out-of-turn moves, unknown starting states and signatures by the wrong player", async function () {
      const f = await load();
      const g = await game(f);
      await (await f.adjudicator.challenge(g.channel, proof(sign(f, g.channel, g.setup)))).wait();
      // Alice signs version 1, which is bob's (the adjudicator wants bob's signature).
      await expect(move(f, g, g.setup, g.s1, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelBadSignature")
        .withArgs(1n, 1n);
      // Version 2 straight from 0.
      await expect(move(f, g, g.setup, g.s2, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelNotConsecutive")
        .withArgs(2n, 1n);
      await expect(move(f, g, g.s1, g.s2, 0))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnknownState")
        .withArgs(g.id);
      // An O placed at version 1 (bob's turn as X): the app refuses.
      const wrong: State = { ...g.s1, appData: board(X, 0, 0x010) };
      await expect(move(f, g, g.setup, wrong, 1)).to.be.revertedWithCustomError(
        f.ticTacToeApp,
        "TicTacToeBadMove",
      );
    });

    it("refuses a proof that moves on from a final state, or whose last state not everyone backs", async function () {
      const f = await load();
      const g = await game(f);
      const finalS2 = { ...g.s2, isFinal: true };
      await expect(
        f.adjudicator.challenge(
          g.channel,
          proof(sign(f, g.channel, finalS2, [0]), sign(f, g.channel, g.s3, [1])),
        ),
      )
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelMoveFromFinal")
        .withArgs(2n);
      await expect(f.adjudicator.challenge(g.channel, proof(sign(f, g.channel, g.s3, [1]))))
        .to.be.revertedWithCustomError(f.adjudicator, "ChannelUnsupported")
        .withArgs(2n);
    });

    it("needs an app with code for on-chain moves, and an app that says yes", async function () {
      const f = await load();
      for (const [app, error] of [
        [f.stranger.address, "ChannelNoApp"],
        [
          await (await (await ethers.getContractFactory("RejectingApp")).deploy()).getAddress(),
          "ChannelInvalidTransition",
        ],
      ] as const) {
        const channel = await paymentChannel(f, { app });
        const s1 = paymentState(1n, [ONE, ONE]);
        const s2 = paymentState(2n, [2n * ONE, 0n]);
        const tx = f.adjudicator.challenge(
          channel,
          proof(sign(f, channel, s1, [1]), sign(f, channel, s2, [0])),
        );
        if (error === "ChannelNoApp") {
          await expect(tx).to.be.revertedWithCustomError(f.adjudicator, error);
        } else {
          await expect(tx).to.be.revertedWithCustomError(f.adjudicator, error).withArgs(2n);
        }
      }
    });
  });

  describe("three participants", function () {
    it("concludes with three signatures and pays all three", async function () {
      const f = await load();
      const channel = await paymentChannel(f, {
        participants: [f.alice.address, f.bob.address, f.carol.address],
      });
      await fundETH(f, channel, [ONE, ONE, ONE]);
      const last = paymentState(12n, [ONE / 2n, ONE, (3n * ONE) / 2n], { isFinal: true });
      await expect(
        f.adjudicator.conclude(channel, proof(sign(f, channel, last))),
      ).to.changeEtherBalances([f.alice, f.bob, f.carol], [ONE / 2n, ONE, (3n * ONE) / 2n]);
    });
  });

  describe("withdraw", function () {
    it("refuses when nothing is owed", async function () {
      const f = await load();
      await expect(f.adjudicator.withdraw(ETH, f.alice.address))
        .to.be.revertedWithCustomError(f.adjudicator, "NothingOwed")
        .withArgs(f.deployer.address, ETH);
      expect(ETH).to.equal(ZeroAddress);
    });
  });
});
