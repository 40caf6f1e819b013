import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../../deploy";
import {
  paymentChannelId,
  paymentChannelsDomain,
  shares,
  signBalance,
  signWithdrawal,
  type Balance,
  type PaymentChannelParams,
} from "../../../operator/channels/lean";
import { hardhatDevKey } from "../../../operator/core/l1";
import type { Eip712Domain } from "../../../operator/lib/eip712";
import { DigestSigner } from "../../../operator/lib/secp256k1";
import { makeHostile } from "../../helpers/hostile";
import { expectReentriesRefused, hostileToken } from "../../helpers/reentrancy";
import { pinNextTimestamp } from "../../helpers/time";

const ETH = ethers.ZeroAddress;
const ONE = ethers.parseEther("1");
const DURATION = 100n;
const MAX_NET = (1n << 111n) - 1n;

async function fixture() {
  const d = await deployChannels(hre);
  const pc = d.paymentChannels;
  const [, alice, bob, carol] = await ethers.getSigners();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = paymentChannelsDomain(chainId, await pc.getAddress());
  const keys = {
    alice: new DigestSigner(hardhatDevKey(1)),
    bob: new DigestSigner(hardhatDevKey(2)),
  };
  return { pc, alice, bob, carol, domain, keys, chainId };
}

type F = Awaited<ReturnType<typeof fixture>>;

function params(f: F, over: Partial<PaymentChannelParams> = {}): PaymentChannelParams {
  return {
    a: f.alice.address,
    b: f.bob.address,
    asset: ETH,
    nonce: 1n,
    challengeDuration: DURATION,
    ...over,
  };
}

/** Both signatures of `b` in channel `c` (of contract `domain`, default the fixture's). */
function signed(f: F, c: PaymentChannelParams, b: Balance, domain: Eip712Domain = f.domain) {
  const id = paymentChannelId(domain, c);
  return [
    b,
    signBalance(f.keys.alice, domain, id, b),
    signBalance(f.keys.bob, domain, id, b),
  ] as const;
}

const balance = (version: bigint, paidToB: bigint, isFinal = false): Balance => ({
  version,
  paidToB,
  isFinal,
});

/** A token burning 1 % of every transfer: alice holds `amount`, all approved to the contract. */
async function feeToken(f: F, amount: bigint) {
  const token = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
  await (await token.mint(f.alice.address, amount)).wait();
  await (await token.connect(f.alice).approve(f.domain.verifyingContract, amount)).wait();
  return { token, asset: await token.getAddress() };
}

/** A channel funded with 3 ETH by alice and 2 ETH by bob in one transaction. */
async function funded(f: F, over: Partial<PaymentChannelParams> = {}) {
  const c = params(f, over);
  const id = paymentChannelId(f.domain, c);
  await (await f.pc.connect(f.alice).fund(c, 3n * ONE, 2n * ONE, { value: 5n * ONE })).wait();
  return { c, id };
}

describe("PaymentChannels (lean two-party payment channels)", function () {
  const load = (): Promise<F> => loadFixture(fixture);

  it("computes channel ids and digests exactly as the off-chain code", async function () {
    const f = await load();
    const c = params(f);
    const id = paymentChannelId(f.domain, c);
    expect(await f.pc.channelId(c)).to.equal(id);
    const b = balance(7n, -5n, true);
    const [, sigA] = signed(f, c, b);
    const digest = await f.pc.balanceDigest(id, b);
    expect(ethers.recoverAddress(digest, { r: sigA.r, yParityAndS: sigA.vs })).to.equal(
      f.alice.address,
    );
  });

  describe("fund", function () {
    it("funds both sides in one transaction, and tops up later", async function () {
      const f = await load();
      const c = params(f);
      const id = paymentChannelId(f.domain, c);
      await expect(f.pc.connect(f.alice).fund(c, 3n * ONE, 2n * ONE, { value: 5n * ONE }))
        .to.emit(f.pc, "Funded")
        .withArgs(id, 3n * ONE, 2n * ONE);
      await (await f.pc.connect(f.carol).fund(c, 0n, ONE, { value: ONE })).wait();
      expect(await f.pc.fundsOf(id)).to.deep.equal([3n * ONE, 3n * ONE, 0n, false]);
    });

    it("refuses unusable channels, wrong ETH and amounts beyond 2^111", async function () {
      const f = await load();
      for (const over of [
        { b: f.alice.address },
        { a: ETH },
        { b: ETH },
        { challengeDuration: 0n },
      ]) {
        await expect(
          f.pc.fund(params(f, over), 1n, 0n, { value: 1n }),
        ).to.be.revertedWithCustomError(f.pc, "PaymentChannelInvalid");
      }
      await expect(f.pc.fund(params(f), ONE, ONE, { value: ONE }))
        .to.be.revertedWithCustomError(f.pc, "BadDeposit")
        .withArgs(ONE, 2n * ONE);
      await expect(f.pc.fund(params(f), MAX_NET + 1n, 0n))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelAmountOutOfRange")
        .withArgs(MAX_NET + 1n);
      await expect(f.pc.fund(params(f), 0n, MAX_NET + 1n))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelAmountOutOfRange")
        .withArgs(MAX_NET + 1n);
      const token = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
      await expect(f.pc.fund(params(f, { asset: await token.getAddress() }), 1n, 0n, { value: 1n }))
        .to.be.revertedWithCustomError(f.pc, "BadDeposit")
        .withArgs(1n, 0n);
    });

    it("counts a top-up made during a dispute in its payout, and refuses funding a closed channel", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      await (await f.pc.dispute(params(f), ...signed(f, c, balance(1n, ONE)))).wait();
      await (await f.pc.connect(f.bob).fund(c, 0n, ONE, { value: ONE })).wait();
      await time.increase(DURATION);
      // alice: 3 - 1 paid; bob: 2 + 1 topped up + 1 paid.
      await expect(f.pc.payout(c)).to.changeEtherBalances([f.alice, f.bob], [2n * ONE, 4n * ONE]);
      await expect(f.pc.fund(c, 1n, 0n, { value: 1n }))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelClosed")
        .withArgs(id);
    });

    it("credits a fee-taking token with what arrived (a's side first) and pays ERC-20s out", async function () {
      const f = await load();
      const { token, asset } = await feeToken(f, 1000n);
      const c = params(f, { asset });
      const id = paymentChannelId(f.domain, c);
      const before = await token.balanceOf(f.domain.verifyingContract);
      await (await f.pc.connect(f.alice).fund(c, 600n, 400n)).wait();
      const arrived = (await token.balanceOf(f.domain.verifyingContract)) - before;
      expect(arrived).to.be.lessThan(1000n);
      const [netA, netB] = await f.pc.fundsOf(id);
      expect(netA).to.equal(600n);
      expect(netB).to.equal(arrived - 600n);
      // Closed: alice had paid bob 100; everything the channel held leaves it.
      await expect(f.pc.conclude(c, ...signed(f, c, balance(1n, 100n, true))))
        .to.emit(f.pc, "Closed")
        .withArgs(id, 1n, 500n, arrived - 500n);
      expect(await token.balanceOf(f.domain.verifyingContract)).to.equal(before);
    });

    it("credits a's side only what arrived when a fee-taking token delivers less than a's amount", async function () {
      const f = await load();
      const { token, asset } = await feeToken(f, 1000n);
      const c = params(f, { asset });
      const id = paymentChannelId(f.domain, c);
      // 604 sent, 1% (6) burnt on the way: 598 arrived, less than a's 600.
      await expect(f.pc.connect(f.alice).fund(c, 600n, 4n))
        .to.emit(f.pc, "Funded")
        .withArgs(id, 598n, 0n);
      expect(await f.pc.fundsOf(id)).to.deep.equal([598n, 0n, 0n, false]);
    });

    it("refuses a top-up that takes the channel's total past 2^111 - 1", async function () {
      const f = await load();
      const c = params(f);
      const id = paymentChannelId(f.domain, c);
      await ethers.provider.send("hardhat_setBalance", [
        f.alice.address,
        ethers.toBeHex(1n << 112n),
      ]);
      await (await f.pc.connect(f.alice).fund(c, MAX_NET, 0n, { value: MAX_NET })).wait();
      await expect(f.pc.connect(f.alice).fund(c, 0n, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelAmountOutOfRange")
        .withArgs(MAX_NET + 1n);
      expect(await f.pc.fundsOf(id)).to.deep.equal([MAX_NET, 0n, 0n, false]);
    });

    it("refuses a top-up that takes one side's net funding past 2^111 - 1 though the total fits", async function () {
      const f = await load();
      const c = params(f);
      const id = paymentChannelId(f.domain, c);
      await (await f.pc.connect(f.alice).fund(c, 10n, 0n, { value: 10n })).wait();
      // alice paid bob all 10 and bob took them out: a's net is 10, b's is -10, the total 0.
      const deadline = BigInt(await time.latest()) + 600n;
      const w = { channelId: id, nonce: 0n, amountA: 0n, amountB: 10n, deadline };
      await (
        await f.pc.withdrawPart(
          c,
          0n,
          0n,
          10n,
          deadline,
          signWithdrawal(f.keys.alice, f.domain, w),
          signWithdrawal(f.keys.bob, f.domain, w),
        )
      ).wait();
      expect(await f.pc.fundsOf(id)).to.deep.equal([10n, -10n, 1n, false]);
      // The total would be exactly 2^111 - 1, but a's side 2^111 + 9: it cannot be stored.
      await ethers.provider.send("hardhat_setBalance", [
        f.alice.address,
        ethers.toBeHex(1n << 112n),
      ]);
      await expect(f.pc.connect(f.alice).fund(c, MAX_NET, 0n, { value: MAX_NET }))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelAmountOutOfRange")
        .withArgs(MAX_NET + 10n);
    });
  });

  describe("withdrawPart", function () {
    async function withdrawal(f: F, c: PaymentChannelParams, nonce: bigint, a: bigint, b: bigint) {
      const id = paymentChannelId(f.domain, c);
      const deadline = BigInt(await time.latest()) + 600n;
      const w = { channelId: id, nonce, amountA: a, amountB: b, deadline };
      return [
        c,
        nonce,
        a,
        b,
        deadline,
        signWithdrawal(f.keys.alice, f.domain, w),
        signWithdrawal(f.keys.bob, f.domain, w),
      ] as const;
    }

    it("pays a co-signed withdrawal, keeps the channel open, and later balances pay the rest exactly", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      // bob was paid 1 ETH (version 4), then both sign bob taking 2.5 ETH out.
      const tx = f.pc.withdrawPart(...(await withdrawal(f, c, 0n, 0n, (5n * ONE) / 2n)));
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [0n, (5n * ONE) / 2n]);
      await expect(tx)
        .to.emit(f.pc, "PartlyWithdrawn")
        .withArgs(id, 0n, 0n, (5n * ONE) / 2n);
      // Replayed: the nonce moved on.
      await expect(f.pc.withdrawPart(...(await withdrawal(f, c, 0n, 0n, 1n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadWithdrawalNonce")
        .withArgs(0n, 1n);
      // The balance signed before the withdrawal (bob paid 1 ETH) still pays right: 2 + 0.5.
      const close = f.pc.conclude(c, ...signed(f, c, balance(5n, ONE, true)));
      await expect(close).to.changeEtherBalances([f.alice, f.bob], [2n * ONE, ONE / 2n]);
      expect(shares(3n * ONE, -ONE / 2n, ONE)).to.deep.equal({ toA: 2n * ONE, toB: ONE / 2n });
    });

    it("pays a withdrawal to a alone, leaving b's side as it was", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      const tx = f.pc.withdrawPart(...(await withdrawal(f, c, 0n, ONE, 0n)));
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [ONE, 0n]);
      await expect(tx).to.emit(f.pc, "PartlyWithdrawn").withArgs(id, 0n, ONE, 0n);
      expect(await f.pc.fundsOf(id)).to.deep.equal([2n * ONE, 2n * ONE, 1n, false]);
    });

    it("refuses expired, overdrawn, forged, disputed and closed withdrawals", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      const expired = await withdrawal(f, c, 0n, 1n, 0n);
      await time.increaseTo(expired[4] + 1n);
      await expect(f.pc.withdrawPart(...expired))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelWithdrawalExpired")
        .withArgs(expired[4]);
      await expect(f.pc.withdrawPart(...(await withdrawal(f, c, 0n, 4n * ONE, 2n * ONE))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelInsufficientFunds")
        .withArgs(6n * ONE, 5n * ONE);
      const ok = await withdrawal(f, c, 0n, ONE, 0n);
      await expect(f.pc.withdrawPart(ok[0], ok[1], ok[2] + 1n, ok[3], ok[4], ok[5], ok[6]))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(0n);
      await expect(f.pc.withdrawPart(ok[0], ok[1], ok[2], ok[3], ok[4], ok[5], ok[5]))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(1n);
      await (await f.pc.dispute(c, ...signed(f, c, balance(1n, 0n)))).wait();
      const [, finalizesAt] = await f.pc.disputeOf(id);
      await expect(f.pc.withdrawPart(...(await withdrawal(f, c, 0n, ONE, 0n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelDisputed")
        .withArgs(id, finalizesAt);
      await time.increase(DURATION);
      await (await f.pc.payout(c)).wait();
      await expect(f.pc.withdrawPart(...(await withdrawal(f, c, 0n, ONE, 0n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelClosed")
        .withArgs(id);
    });
  });

  describe("conclude", function () {
    it("pays both at once by a final balance (also during a dispute), once", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      await (await f.pc.dispute(c, ...signed(f, c, balance(2n, ONE)))).wait();
      const tx = f.pc.conclude(c, ...signed(f, c, balance(9n, -ONE, true)));
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [4n * ONE, ONE]);
      await expect(tx)
        .to.emit(f.pc, "Closed")
        .withArgs(id, 9n, 4n * ONE, ONE);
      expect(await f.pc.fundsOf(id)).to.deep.equal([0n, 0n, 0n, true]);
      // No double payout: by conclude, dispute or payout.
      await expect(f.pc.conclude(c, ...signed(f, c, balance(9n, -ONE, true))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelClosed")
        .withArgs(id);
      await expect(f.pc.dispute(c, ...signed(f, c, balance(10n, 0n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelClosed")
        .withArgs(id);
      await time.increase(DURATION);
      await expect(f.pc.payout(c))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelClosed")
        .withArgs(id);
    });

    it("caps shares at what the channel holds", async function () {
      const f = await load();
      const { c } = await funded(f);
      // A balance claiming bob was paid more than alice ever put in pays bob everything, no more.
      await expect(
        f.pc.conclude(c, ...signed(f, c, balance(1n, 10n * ONE, true))),
      ).to.changeEtherBalances([f.alice, f.bob], [0n, 5n * ONE]);
      // And the other way: bob paid alice more than he ever put in.
      const other = await funded(f, { nonce: 2n });
      await expect(
        f.pc.conclude(other.c, ...signed(f, other.c, balance(1n, -10n * ONE, true))),
      ).to.changeEtherBalances([f.alice, f.bob], [5n * ONE, 0n]);
    });

    it("refuses a balance not marked final, or not signed by both", async function () {
      const f = await load();
      const { c } = await funded(f);
      await expect(f.pc.conclude(c, ...signed(f, c, balance(3n, 0n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelNotFinal")
        .withArgs(3n);
      const [b, sigA, sigB] = signed(f, c, balance(3n, 0n, true));
      await expect(f.pc.conclude(c, { ...b, paidToB: 1n }, sigA, sigB))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(0n);
      await expect(f.pc.conclude(c, b, sigA, sigA))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(1n);
    });

    it("refuses signatures replayed across channels, chains and deployments", async function () {
      const f = await load();
      const { c } = await funded(f);
      const b = balance(1n, ONE, true);
      const other = params(f, { nonce: 2n });
      await (await f.pc.connect(f.alice).fund(other, ONE, 0n, { value: ONE })).wait();
      // Signed for channel `c`, submitted for `other`.
      const [, sigA, sigB] = signed(f, c, b);
      await expect(f.pc.conclude(other, b, sigA, sigB))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(0n);
      // Signed for another chain, and for another deployment.
      const otherChain = paymentChannelsDomain(f.chainId + 1n, f.domain.verifyingContract);
      await expect(f.pc.conclude(c, ...signed(f, c, b, otherChain)))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(0n);
      const second = await (await ethers.getContractFactory("PaymentChannels")).deploy();
      const secondDomain = paymentChannelsDomain(f.chainId, await second.getAddress());
      await (await second.connect(f.alice).fund(c, ONE, 0n, { value: ONE })).wait();
      await expect(second.conclude(c, ...signed(f, c, b)))
        .to.be.revertedWithCustomError(second, "PaymentChannelBadSignature")
        .withArgs(0n);
      await expect(second.conclude(c, ...signed(f, c, b, secondDomain))).to.changeEtherBalance(
        f.bob,
        ONE,
      );
    });
  });

  describe("dispute and payout", function () {
    it("answers a stale close with a newer balance: the deadline stays, the newer balance is paid", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      // bob closes with version 3 (alice had paid him 1 ETH); alice holds version 8 (2 ETH).
      const at = await pinNextTimestamp();
      await expect(f.pc.connect(f.bob).dispute(c, ...signed(f, c, balance(3n, ONE))))
        .to.emit(f.pc, "Disputed")
        .withArgs(id, 3n, at + DURATION);
      const [, deadline] = await f.pc.disputeOf(id);
      await time.increase(DURATION / 2n);
      await expect(f.pc.connect(f.alice).dispute(c, ...signed(f, c, balance(8n, -2n * ONE))))
        .to.emit(f.pc, "Disputed")
        .withArgs(id, 8n, deadline);
      expect(await f.pc.disputeOf(id)).to.deep.equal([8n, deadline, -2n * ONE]);
      // Not the same version again, nor an older one.
      for (const v of [8n, 5n]) {
        await expect(f.pc.dispute(c, ...signed(f, c, balance(v, 0n))))
          .to.be.revertedWithCustomError(f.pc, "PaymentChannelStaleVersion")
          .withArgs(v, 8n);
      }
      await expect(f.pc.payout(c))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelNotFinalized")
        .withArgs(id, deadline);
      await time.increaseTo(deadline);
      await expect(f.pc.dispute(c, ...signed(f, c, balance(9n, 0n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelFinalized")
        .withArgs(id, deadline);
      const tx = f.pc.payout(c);
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [5n * ONE, 0n]);
      await expect(tx)
        .to.emit(f.pc, "Closed")
        .withArgs(id, 8n, 5n * ONE, 0n);
      expect(await f.pc.disputeOf(id)).to.deep.equal([0n, 0n, 0n]);
      await expect(f.pc.payout(c))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelClosed")
        .withArgs(id);
    });

    it("accepts the answer in the last second before the deadline and none at it", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      await (await f.pc.dispute(c, ...signed(f, c, balance(1n, 0n)))).wait();
      const [, deadline] = await f.pc.disputeOf(id);
      await time.setNextBlockTimestamp(deadline - 1n);
      await (await f.pc.dispute(c, ...signed(f, c, balance(2n, ONE)))).wait();
      await time.setNextBlockTimestamp(deadline);
      await expect(f.pc.dispute(c, ...signed(f, c, balance(3n, 2n * ONE))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelFinalized")
        .withArgs(id, deadline);
    });

    it("refuses final balances, forged signatures, payouts without a dispute and deadlines past the clock", async function () {
      const f = await load();
      const { c, id } = await funded(f);
      await expect(f.pc.dispute(c, ...signed(f, c, balance(4n, 0n, true))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelStateIsFinal")
        .withArgs(4n);
      const [b, sigA] = signed(f, c, balance(4n, 0n));
      await expect(f.pc.dispute(c, b, sigA, sigA))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelBadSignature")
        .withArgs(1n);
      await expect(f.pc.payout(c))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelNotFinalized")
        .withArgs(id, 0n);
      const far = params(f, { challengeDuration: (1n << 48n) - 1n });
      const farId = paymentChannelId(f.domain, far);
      await (await f.pc.connect(f.alice).fund(far, 1n, 0n, { value: 1n })).wait();
      const at = await pinNextTimestamp();
      await expect(f.pc.dispute(far, ...signed(f, far, balance(1n, 0n))))
        .to.be.revertedWithCustomError(f.pc, "PaymentChannelTimeoutOverflow")
        .withArgs(at + (1n << 48n) - 1n);
      // Such a channel still closes cooperatively.
      await expect(f.pc.conclude(far, ...signed(f, far, balance(2n, 0n, true)))).to.emit(
        f.pc,
        "Closed",
      );
      expect((await f.pc.fundsOf(farId))[3]).to.equal(true);
    });
  });

  describe("hostile tokens", function () {
    it("cannot re-enter any entry point that moves money, from inside a token transfer", async function () {
      const f = await load();
      const { token, asset } = await hostileToken(f.alice, f.domain.verifyingContract, 1000n);
      const c = params(f, { asset });
      const [b, sigA, sigB] = signed(f, c, balance(1n, 0n, true));
      const pc = f.pc.interface;
      await expectReentriesRefused(
        token,
        f.domain.verifyingContract,
        {
          fund: pc.encodeFunctionData("fund", [c, 1n, 0n]),
          withdrawPart: pc.encodeFunctionData("withdrawPart", [c, 0n, 1n, 0n, 1n, sigA, sigB]),
          conclude: pc.encodeFunctionData("conclude", [c, b, sigA, sigB]),
          payout: pc.encodeFunctionData("payout", [c]),
          withdraw: pc.encodeFunctionData("withdraw", [asset, f.alice.address]),
        },
        () => f.pc.connect(f.alice).fund(c, 10n, 0n),
      );
      expect((await f.pc.fundsOf(paymentChannelId(f.domain, c)))[0]).to.equal(50n);
    });

    it("owes a payout the token refuses to deliver, and its receiver takes it elsewhere", async function () {
      const f = await load();
      const { token, asset } = await hostileToken(f.alice, f.domain.verifyingContract, 1000n);
      const c = params(f, { asset });
      const id = paymentChannelId(f.domain, c);
      await (await f.pc.connect(f.alice).fund(c, 600n, 400n)).wait();
      // The token blocks bob (a blocklist): his push fails, alice's does not.
      await (await token.setBlocked(f.bob.address, true)).wait();
      const tx = f.pc.conclude(c, ...signed(f, c, balance(1n, 100n, true)));
      await expect(tx).to.emit(f.pc, "PayoutDeferred").withArgs(id, asset, f.bob.address, 500n);
      await expect(tx).to.changeTokenBalances(token, [f.alice, f.bob], [500n, 0n]);
      expect(await f.pc.owed(f.bob.address, asset)).to.equal(500n);
      await expect(f.pc.connect(f.bob).withdraw(asset, f.carol.address))
        .to.emit(f.pc, "Withdrawn")
        .withArgs(f.bob.address, asset, 500n);
      expect(await token.balanceOf(f.carol.address)).to.equal(500n);
      expect(await f.pc.owed(f.bob.address, asset)).to.equal(0n);
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
        const { c, id } = await funded(f);
        restore = await makeHostile(f.bob.address, burn);
        const tx = f.pc.conclude(c, ...signed(f, c, balance(2n, ONE, true)));
        await expect(tx).to.changeEtherBalances([f.alice, f.bob], [2n * ONE, 0n]);
        await expect(tx)
          .to.emit(f.pc, "PayoutDeferred")
          .withArgs(id, ETH, f.bob.address, 3n * ONE);
        await expect(f.pc.connect(f.bob).withdraw(ETH, f.carol.address)).to.changeEtherBalance(
          f.carol,
          3n * ONE,
        );
        await expect(f.pc.connect(f.bob).withdraw(ETH, f.carol.address))
          .to.be.revertedWithCustomError(f.pc, "NothingOwed")
          .withArgs(f.bob.address, ETH);
      });
    }
  });
});
