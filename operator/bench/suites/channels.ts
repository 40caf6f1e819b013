import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, parseEther, verifyTypedData } from "ethers";
import { deployChannels, type ChannelsDeployment } from "../../../deploy";
import { hashOfSecret } from "../../channels/client";
import {
  paymentChannelId,
  paymentChannelsDomain,
  signBalance,
  signWithdrawal,
  type Balance as LeanBalance,
  type PaymentChannelParams,
} from "../../channels/lean";
import { localClients } from "../../channels/local";
import { Store } from "../../core/store";
import { moveState, TicTacToePlayer } from "../../channels/tictactoe";
import { advanceChain, chainTime } from "../../core/rpc";
import {
  channelId,
  channelsDomain,
  ETH,
  paidOut,
  sigStruct,
  signedStateStruct,
  stateDigest,
  STATE_TYPES,
  typedValue,
  type Channel,
  type SignedState,
  type State,
} from "../../channels/state";
import type { Eip712Domain } from "../../lib/eip712";
import { DigestSigner } from "../../lib/secp256k1";
import { gasOf, type BenchContext, type BenchSuite, type SuiteRecord } from "../harness";

const DURATION = 3600n;
/** Nitro's figures (ANCHORS.md) and the goal: at most 60% of each. */
const NITRO = { fundBoth: 75_904, cooperativeExit: 111_514, challengeAndPayout: 195_172 };
const GOAL_SHARE = 0.6;

interface Probe {
  d: ChannelsDeployment;
  domain: Eip712Domain;
  parties: Wallet[];
  network: string;
  nonce: bigint;
}

async function probe(ctx: BenchContext): Promise<Probe> {
  const { ethers } = ctx.hre;
  const [funder] = await ethers.getSigners();
  const d = await deployChannels(ctx.hre);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = channelsDomain(chainId, await d.adjudicator.getAddress());
  const parties = [0, 1].map(
    (i) => new Wallet(ethers.id(`l2kit channel bench ${i}`), ethers.provider),
  );
  for (const p of parties) {
    await (await funder.sendTransaction({ to: p.address, value: parseEther("100") })).wait();
  }
  return { d, domain, parties, network: ctx.hre.network.name, nonce: 0n };
}

/** A gas figure of `system`, compared to the L1 ERC-20 transfer. */
const gasRecord =
  (system: string, params: Record<string, string | number>) =>
  (metric: string, value: number, extra: Record<string, string | number> = {}): SuiteRecord => ({
    system,
    metric,
    value,
    unit: "gas",
    params: { ...params, ...extra },
    compareTo: "erc20-transfer",
  });

function signAll(p: Probe, channel: Channel, state: State, signers = [0, 1]): SignedState {
  const digest = stateDigest(p.domain, channelId(p.domain, channel), state);
  return { state, sigs: signers.map((i) => p.parties[i].signingKey.sign(digest).serialized) };
}

function advance(ctx: BenchContext, seconds: bigint): Promise<void> {
  return advanceChain(ctx.hre.ethers.provider, seconds);
}

const payment = (version: bigint, amounts: bigint[], isFinal = false): State => ({
  version,
  isFinal,
  appData: "0x",
  outcome: [{ asset: ETH, amounts, locks: [] }],
});

/** A fresh funded payment channel; returns the gas of funding it. */
async function openChannel(
  p: Probe,
  app: string,
  how: "each-side" | "one-funder",
): Promise<{ channel: Channel; id: string; gas: number }> {
  const channel: Channel = {
    participants: p.parties.map((w) => w.address),
    nonce: ++p.nonce,
    app,
    challengeDuration: DURATION,
  };
  const id = channelId(p.domain, channel);
  const share = parseEther("1");
  const adj = (i: number) => p.d.adjudicator.connect(p.parties[i]);
  let gas: number;
  if (how === "each-side") {
    gas = await gasOf(adj(0).deposit(id, ETH, 0n, share, { value: share }));
    gas += await gasOf(adj(1).deposit(id, ETH, share, share, { value: share }));
  } else {
    gas = await gasOf(adj(0).deposit(id, ETH, 0n, 2n * share, { value: 2n * share }));
  }
  return { channel, id, gas };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Off-chain payments between two clients in this process, each with its own SQLite file (WAL,
 * synchronous = FULL: every commit reaches the disk): each payment is a state signed by the payer,
 * checked and countersigned by the payee, and stored by both before it counts as done. Against
 * ethers' typed-data path for the same work (two `signTypedData`, two `verifyTypedData` per
 * payment, nothing stored), measured in the same run.
 */
async function offChainFigures(ctx: BenchContext, p: Probe, app: string): Promise<SuiteRecord[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-bench-channels-"));
  const stores: Store[] = [];
  try {
    for (const i of [0, 1]) stores.push(Store.open({ dataDir: dir, file: `client-${i}.sqlite` }));
    const [payer, payee] = localClients({
      domain: p.domain,
      paymentApp: app,
      wallets: p.parties,
      stores,
      policy: { maxPeerDeposit: parseEther("10") },
    });
    const id = await payer.open({
      peer: payee.address,
      myDeposit: parseEther("10"),
      challengeDuration: DURATION,
    });

    const payments = ctx.quick ? 4_000 : 20_000;
    const window = 512;
    ctx.progress(`  ${payments} off-chain payments, up to ${window} in flight`);
    const t0 = process.hrtime.bigint();
    let issued = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const next = (): void => {
        while (issued < payments && issued - done < window) {
          issued++;
          payer.pay(id, 1_000n).then(() => {
            done++;
            if (done % 5_000 === 0) ctx.progress(`  ${done}/${payments} payments`);
            if (done === payments) resolve();
            else next();
          }, reject);
        }
      };
      next();
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const perSecond = payments / seconds;

    const samples = ctx.quick ? 50 : 200;
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const s0 = process.hrtime.bigint();
      await payer.pay(id, 1n);
      latencies.push(Number(process.hrtime.bigint() - s0) / 1e6);
    }
    latencies.sort((a, b) => a - b);

    // ethers' path for the same states: sign and check twice per payment.
    const ethersRuns = ctx.quick ? 60 : 200;
    const latest = payer.channel(id).latest.state;
    let signNs = 0n;
    let verifyNs = 0n;
    for (let i = 0; i < ethersRuns; i++) {
      const value = typedValue(id, { ...latest, version: latest.version + BigInt(i + 1) });
      for (const signer of p.parties) {
        const s0 = process.hrtime.bigint();
        const sig = await signer.signTypedData(p.domain, STATE_TYPES, value);
        const s1 = process.hrtime.bigint();
        const recovered = verifyTypedData(p.domain, STATE_TYPES, value, sig);
        verifyNs += process.hrtime.bigint() - s1;
        signNs += s1 - s0;
        if (recovered !== signer.address)
          throw new Error("ethers did not verify its own signature");
      }
    }
    const perSec = (count: number, ns: bigint): number => count / (Number(ns) / 1e9);
    const ethersSigns = perSec(2 * ethersRuns, signNs);
    const ethersVerifies = perSec(2 * ethersRuns, verifyNs);
    const ethersPerSecond = perSec(ethersRuns, signNs + verifyNs);
    const params = {
      network: p.network,
      clients: 2,
      process: "one (both clients share a core)",
      storage: "SQLite WAL, synchronous=FULL, one file per client",
    };
    return [
      {
        system: "payment-channel",
        metric: "payments-per-second",
        value: round(perSecond),
        unit: "payments/s",
        params: { ...params, payments, inFlight: window, goal: 2000 },
      },
      {
        system: "payment-channel",
        metric: "payment-latency-median",
        value: round(latencies[latencies.length >> 1], 2),
        unit: "ms",
        params: { ...params, samples, inFlight: 1 },
      },
      {
        system: "payment-channel",
        metric: "ethers-signTypedData-per-second",
        value: round(ethersSigns),
        unit: "signatures/s",
        params: { state: "payment state, one asset", runs: 2 * ethersRuns },
      },
      {
        system: "payment-channel",
        metric: "ethers-verifyTypedData-per-second",
        value: round(ethersVerifies),
        unit: "recoveries/s",
        params: { state: "payment state, one asset", runs: 2 * ethersRuns },
      },
      {
        system: "payment-channel",
        metric: "ethers-typed-data-payments-per-second",
        value: round(ethersPerSecond),
        unit: "payments/s",
        params: {
          path: "2 signTypedData + 2 verifyTypedData per payment, nothing stored",
          runs: ethersRuns,
        },
      },
      {
        system: "payment-channel",
        metric: "payments-per-second / ethers path",
        value: round(perSecond / ethersPerSecond, 2),
        unit: "ratio",
        params: { ...params },
      },
    ];
  } finally {
    for (const s of stores) s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Payment channels on the embedded EVM: the gas of every step of a channel's life (funding both
 * sides, the cooperative close, the unilateral close and its payout, answering a stale close,
 * resolving a hash-time lock) against Nitro's figures, and the L1 gas per payment amortised over
 * 1,000 off-chain payments.
 */
export const paymentChannelSuite: BenchSuite = {
  system: "payment-channel",
  description:
    "Payment channels: gas to fund, close cooperatively, close unilaterally and settle, answer a stale close; L1 gas per payment over 1,000 payments",
  async run(ctx) {
    const p = await probe(ctx);
    const app = await p.d.paymentApp.getAddress();
    const system = "payment-channel";
    const params = { network: p.network, participants: 2, asset: "ETH" };
    const goal = (anchor: number) => ({
      anchor: `Nitro ${anchor}`,
      goal: Math.floor(anchor * GOAL_SHARE),
    });
    const ONE = parseEther("1");

    ctx.progress("  funding and cooperative close");
    const eachSide = await openChannel(p, app, "each-side");
    const oneFunder = await openChannel(p, app, "one-funder");
    const last = payment(1000n, [ONE / 2n, (3n * ONE) / 2n], true);
    const coop = await gasOf(
      p.d.adjudicator.conclude(eachSide.channel, [
        signedStateStruct(signAll(p, eachSide.channel, last)),
      ]),
    );

    ctx.progress("  unilateral close, stale close answered, payout");
    const stale = payment(10n, [ONE * 2n, 0n]);
    const latest = payment(999n, [ONE / 2n, (3n * ONE) / 2n]);
    const challenge = await gasOf(
      p.d.adjudicator
        .connect(p.parties[0])
        .challenge(oneFunder.channel, [signedStateStruct(signAll(p, oneFunder.channel, stale))]),
    );
    const answer = await gasOf(
      p.d.adjudicator
        .connect(p.parties[1])
        .checkpoint(oneFunder.channel, [signedStateStruct(signAll(p, oneFunder.channel, latest))]),
    );
    await advance(ctx, DURATION);
    const settle = await gasOf(p.d.adjudicator.payout(oneFunder.channel, latest));

    ctx.progress("  a hash-time lock resolved after a dispute");
    const locked = await openChannel(p, app, "one-funder");
    const secret = `0x${"11".repeat(32)}`;
    const hashlock = hashOfSecret(secret);
    const lock = {
      amount: ONE / 4n,
      hashlock,
      expiry: (await chainTime(ctx.hre.ethers.provider)) + 10n * DURATION,
      payer: 0,
      payee: 1,
    };
    const withLock: State = {
      ...payment(5n, [ONE, (3n * ONE) / 4n]),
      outcome: [{ asset: ETH, amounts: [ONE, (3n * ONE) / 4n], locks: [lock] }],
    };
    await gasOf(
      p.d.adjudicator.challenge(locked.channel, [
        signedStateStruct(signAll(p, locked.channel, withLock)),
      ]),
    );
    await advance(ctx, DURATION);
    await gasOf(p.d.adjudicator.payout(locked.channel, withLock));
    const reveal = await gasOf(p.d.secretRegistry.reveal(secret));
    const unlock = await gasOf(p.d.adjudicator.unlock(locked.channel, paidOut(withLock), 0, 0));

    ctx.progress("  the lean payment channel (PaymentChannels)");
    const lean = await leanFigures(ctx, p);

    const payments = 1000;
    const record = gasRecord(system, params);
    const offChain = await offChainFigures(ctx, p, app);
    const leanRecord = gasRecord(system, { ...params, contract: "PaymentChannels (lean)" });
    return [
      record("fund-both-sides-gas", eachSide.gas, { how: "two deposits", ...goal(NITRO.fundBoth) }),
      record("fund-both-one-deposit-gas", oneFunder.gas, {
        how: "one deposit of both shares",
        ...goal(NITRO.fundBoth),
      }),
      record("cooperative-close-gas", coop, { ...goal(NITRO.cooperativeExit) }),
      record("challenge-gas", challenge, { state: "fully signed" }),
      record("payout-gas", settle),
      record("challenge-and-payout-gas", challenge + settle, { ...goal(NITRO.challengeAndPayout) }),
      record("answer-stale-close-gas", answer, { how: "checkpoint", anchor: "Nitro 73936" }),
      record("secret-reveal-gas", reveal),
      record("unlock-gas", unlock, { lock: "revealed before expiry" }),
      {
        ...record("l1-gas-per-payment", Math.round(((eachSide.gas + coop) / payments) * 10) / 10, {
          payments,
          path: "two deposits + cooperative close",
        }),
      },
      {
        ...record(
          "l1-gas-per-payment-disputed",
          Math.round(((oneFunder.gas + challenge + answer + settle) / payments) * 10) / 10,
          { payments, path: "one deposit + stale close + answer + payout" },
        ),
      },
      leanRecord("lean-fund-both-sides-gas", lean.fundEach, {
        how: "two fund calls, one per side",
        ...goal(NITRO.fundBoth),
      }),
      leanRecord("lean-fund-both-one-tx-gas", lean.fundOne, {
        how: "one fund call with both shares",
        ...goal(NITRO.fundBoth),
      }),
      leanRecord("lean-cooperative-close-gas", lean.conclude, { ...goal(NITRO.cooperativeExit) }),
      leanRecord("lean-challenge-gas", lean.dispute),
      leanRecord("lean-payout-gas", lean.payout),
      leanRecord("lean-challenge-and-payout-gas", lean.dispute + lean.payout, {
        ...goal(NITRO.challengeAndPayout),
      }),
      leanRecord("lean-answer-stale-close-gas", lean.answer, {
        how: "a higher version, deadline kept",
        anchor: "Nitro 73936",
      }),
      leanRecord("lean-partial-withdrawal-gas", lean.withdraw),
      leanRecord(
        "lean-l1-gas-per-payment",
        Math.round(((lean.fundEach + lean.conclude) / payments) * 10) / 10,
        { payments, path: "two fund calls + cooperative close" },
      ),
      ...offChain,
    ];
  },
};

/** Gas of every step of a lean payment channel's life (`PaymentChannels`), signed for real. */
async function leanFigures(ctx: BenchContext, p: Probe) {
  const pc = p.d.paymentChannels;
  const { chainId } = await ctx.hre.ethers.provider.getNetwork();
  const domain = paymentChannelsDomain(chainId, await pc.getAddress());
  const [alice, bob] = p.parties;
  const keys = p.parties.map((w) => new DigestSigner(w.privateKey));
  const ONE = parseEther("1");
  let nonce = 0n;
  const channel = (): PaymentChannelParams => ({
    a: alice.address,
    b: bob.address,
    asset: ETH,
    nonce: ++nonce,
    challengeDuration: DURATION,
  });
  const both = (c: PaymentChannelParams, b: LeanBalance) => {
    const id = paymentChannelId(domain, c);
    return [b, signBalance(keys[0], domain, id, b), signBalance(keys[1], domain, id, b)] as const;
  };
  // Two sides, two transactions (each funds its own share).
  const c1 = channel();
  const fundEach =
    (await gasOf(pc.connect(alice).fund(c1, ONE, 0n, { value: ONE }))) +
    (await gasOf(pc.connect(bob).fund(c1, 0n, ONE, { value: ONE })));
  const id1 = paymentChannelId(domain, c1);
  const deadline = (await chainTime(ctx.hre.ethers.provider)) + 600n;
  const w = { channelId: id1, nonce: 0n, amountA: ONE / 4n, amountB: 0n, deadline };
  const withdraw = await gasOf(
    pc.withdrawPart(
      c1,
      0n,
      w.amountA,
      0n,
      deadline,
      signWithdrawal(keys[0], domain, w),
      signWithdrawal(keys[1], domain, w),
    ),
  );
  const conclude = await gasOf(
    pc
      .connect(alice)
      .conclude(c1, ...both(c1, { version: 1000n, paidToB: ONE / 2n, isFinal: true })),
  );
  // One transaction funding both shares, then a stale close answered and paid out.
  const c2 = channel();
  const fundOne = await gasOf(pc.connect(alice).fund(c2, ONE, ONE, { value: 2n * ONE }));
  const dispute = await gasOf(
    pc.connect(alice).dispute(c2, ...both(c2, { version: 10n, paidToB: 0n, isFinal: false })),
  );
  const answer = await gasOf(
    pc.connect(bob).dispute(c2, ...both(c2, { version: 999n, paidToB: ONE / 2n, isFinal: false })),
  );
  await advance(ctx, DURATION);
  const payout = await gasOf(pc.payout(c2));
  return { fundEach, fundOne, withdraw, conclude, dispute, answer, payout };
}

/**
 * A state channel running the seeds' tic-tac-toe: gas of a challenge with a turn-taking proof, of
 * one on-chain move (the forced move against a stalling player) and of the winner's payout.
 */
export const stateChannelSuite: BenchSuite = {
  system: "state-channel",
  description: "State channel (tic-tac-toe): gas of a challenge, a forced on-chain move and payout",
  async run(ctx) {
    const p = await probe(ctx);
    const app = await p.d.ticTacToeApp.getAddress();
    const { channel } = await openChannel(p, app, "each-side");
    // X (participant 1) takes the centre, O an edge, X a corner, O blocks: positions 2 to 4.
    const s1 = moveState(TicTacToePlayer.opening(parseEther("1")), 4, 1);
    const s2 = moveState(s1, 1, 0);
    const s3 = moveState(s2, 0, 1);
    const s4 = moveState(s3, 8, 0);
    ctx.progress("  tic-tac-toe: challenge, forced move, payout");
    const challenge = await gasOf(
      p.d.adjudicator
        .connect(p.parties[1])
        .challenge(
          channel,
          [signAll(p, channel, s2, [0]), signAll(p, channel, s3, [1])].map(signedStateStruct),
        ),
    );
    const move = await gasOf(
      p.d.adjudicator
        .connect(p.parties[0])
        .progress(channel, s3, s4, sigStruct(signAll(p, channel, s4, [0]).sigs[0])),
    );
    await advance(ctx, DURATION);
    const settle = await gasOf(p.d.adjudicator.payout(channel, s4));
    const params = { network: p.network, app: "tic-tac-toe", participants: 2 };
    const record = gasRecord("state-channel", params);
    return [
      record("challenge-turn-proof-gas", challenge, {
        proof: "2 states, each signed by its mover",
      }),
      record("forced-move-gas", move, { how: "progress" }),
      record("payout-gas", settle),
      record("challenge-move-payout-gas", challenge + move + settle),
    ];
  },
};
