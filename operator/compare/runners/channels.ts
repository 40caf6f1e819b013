/**
 * The workload through payment channels, as a payment-channel network does it: a hub (its own
 * deterministic wallet) has one channel with each user in each token, the Adjudicator with the
 * PaymentApp and the secret registry on L1, and every client is the real `ChannelClient` with its
 * own SQLite file, linked in process (`localClients`). Each user opens its channels and deposits
 * everything it brought; the hub funds its side of each with the smallest collateral that lets the
 * workload's payments through in order. Every transfer is a payment routed user → hub → user by
 * hash-time locks (the payee invoices, the payer locks to the hub with the route, the hub forwards
 * the lock, the payee claims with the secret and the claim travels back: no L1 transaction). The
 * hub keeps no fee. Withdrawers close their channels cooperatively (the hub countersigns the final
 * state, the user concludes on L1); the others' balances are read from their clients' latest
 * signed states.
 *
 * The clients send their own L1 transactions, so the gas is read from the chain: every
 * transaction a participant (a user or the hub) sent in a phase's blocks is counted.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatUnits, MaxUint256, type TransactionReceipt } from "ethers";
import { deployChannelsWithSigner } from "../../../deploy";
import type { ChannelClient } from "../../channels/client";
import { localClients } from "../../channels/local";
import { channelNodeSettings } from "../../channels/settings";
import { channelsDomain } from "../../channels/state";
import { loadConfig } from "../../core/config";
import { chainTime } from "../../core/rpc";
import { Store } from "../../core/store";
import { prepareWorld, roleWallet } from "../accounts";
import {
  expectBalance,
  ChainMeter,
  GasMeter,
  L1_FINALITY_SECONDS,
  L1_SLOT_SECONDS,
  SCALING_SIZES,
  type ScalingPoint,
  type SystemRunner,
} from "../types";
import type { Workload } from "../workload";

/**
 * collateral[user][token]: the least the hub must deposit in its channel with `user` in `token`
 * so that it can forward every payment to that user in the workload's order. The hub forwards
 * (locks to the payee) before it is paid upstream, so what it has sent a user net of what it has
 * received from that user must never exceed its deposit.
 */
export function hubCollateral(workload: Workload): bigint[][] {
  const { users, tokens } = workload.params;
  const net = Array.from({ length: users }, () => Array<bigint>(tokens).fill(0n));
  const need = net.map((row) => [...row]);
  for (const t of workload.transfers) {
    net[t.from][t.token] -= t.amount;
    net[t.to][t.token] += t.amount;
    if (net[t.to][t.token] > need[t.to][t.token]) need[t.to][t.token] = net[t.to][t.token];
  }
  return need;
}

/** How long a routed payment may take before the run gives up on it (it takes milliseconds). */
const SETTLE_TIMEOUT_MS = 30_000;
/** How long the clients' background work (forwarding, claiming) may take to finish. */
const IDLE_TIMEOUT_MS = 30_000;

/** `work`, or an error saying `message` once `ms` have passed. */
async function within(work: Promise<unknown>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `settled`, or an error once `ms` have passed (a lock the hub did not forward never settles). */
function settledWithin(settled: Promise<void>, ms: number, what: string): Promise<void> {
  return within(settled, ms, `${what}: not settled within ${ms / 1000} s`);
}

/**
 * Resolves once no client has background work left (work can start more work: a claim travels
 * back hop by hop); throws if some is still running after `ms`.
 */
async function allIdle(clients: readonly ChannelClient[], ms = IDLE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  const message = `channel clients still busy (forwarding or claiming) after ${ms / 1000} s`;
  do {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(message);
    await within(Promise.all(clients.map((c) => c.idle())), left, message);
  } while (clients.some((c) => c.busy));
}

const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;

export const channelsRunner: SystemRunner = {
  system: "channels",
  description:
    "payment channels: a hub with one channel per user and token, each transfer routed user → hub → user by hash-time locks",
  async run(ctx) {
    const { workload, hre } = ctx;
    const provider = hre.ethers.provider;
    const { users: userCount, tokens: tokenCount } = workload.params;
    const world = await prepareWorld(hre, workload);
    const [funder] = await hre.ethers.getSigners();

    // The world the workload starts from (not counted): the contracts, the hub's ETH for gas and
    // the tokens it locks as collateral.
    const deployed = await deployChannelsWithSigner(hre, funder);
    const { chainId } = await provider.getNetwork();
    const domain = channelsDomain(chainId, deployed.adjudicator);
    const hub = await roleWallet(workload, "hub", funder);
    const collateral = hubCollateral(workload);
    const collateralByToken = world.tokens.map((_, t) =>
      collateral.reduce((sum, row) => sum + row[t], 0n),
    );
    for (const [t, token] of world.tokens.entries())
      if (collateralByToken[t] > 0n)
        await (await token.mint(hub.address, collateralByToken[t])).wait();
    const maxCollateral = collateral.flat().reduce((m, c) => (c > m ? c : m), 0n);

    // The clients take the node's defaults (`npx l2kit channels node`), and accept the tokens.
    const defaults = loadConfig(channelNodeSettings, { env: {}, flags: {} });
    const challengeDuration = defaults.minChallengeSeconds;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-compare-channels-"));
    const stores: Store[] = [];
    let everyone: ChannelClient[] = [];
    try {
      const wallets = [hub, ...world.users];
      for (const i of wallets.keys())
        stores.push(Store.open({ dataDir: dir, file: `client-${i}.sqlite` }));
      const [hubClient, ...clients] = localClients({
        domain,
        paymentApp: deployed.paymentApp,
        secretRegistry: deployed.secretRegistry,
        wallets,
        stores,
        policy: {
          minChallengeDuration: defaults.minChallengeSeconds,
          maxChallengeDuration: defaults.maxChallengeSeconds,
          minLockSeconds: defaults.minLockSeconds,
          lockMarginSeconds: defaults.lockMarginSeconds,
          // Only the hub is asked to fund a share (users open); it funds at most this much.
          maxPeerDeposit: maxCollateral,
          assets: world.tokenAddresses,
        },
      });
      const meter = new GasMeter();
      const chain = new ChainMeter(
        meter,
        provider,
        wallets.map((w) => w.address),
      );
      const hubAddress = hub.address.toLowerCase();
      const gasOf = (receipts: TransactionReceipt[], from?: string): number =>
        receipts
          .filter((r) => from === undefined || r.from.toLowerCase() === from)
          .reduce((sum, r) => sum + Number(r.gasUsed), 0);

      // Setup: the hub lets the adjudicator take its collateral, once per token it funds.
      await chain.mark();
      const adjudicator = deployed.adjudicator;
      for (const [t, token] of world.tokens.entries())
        if (collateralByToken[t] > 0n)
          await (await token.connect(hub).approve(adjudicator, MaxUint256)).wait();
      await chain.close("setup");

      // Deposits: each user opens a channel with the hub in each token and deposits all of it
      // (an approval and a deposit); the hub deposits its collateral when asked (`funded`).
      ctx.progress(`  ${userCount * tokenCount} channels opened with the hub`);
      const channel: string[][] = [];
      const userFundGas: number[] = [];
      const hubFundGas: number[] = [];
      for (const [i, client] of clients.entries()) {
        channel.push([]);
        for (let t = 0; t < tokenCount; t++) {
          await chain.mark();
          const id = await client.open({
            peer: hub.address,
            myDeposit: workload.deposits[i][t],
            peerDeposit: collateral[i][t],
            asset: world.tokenAddresses[t],
            challengeDuration,
          });
          channel[i].push(id);
          const receipts = await chain.close("deposits");
          userFundGas.push(gasOf(receipts, clients[i].address.toLowerCase()));
          hubFundGas.push(gasOf(receipts, hubAddress));
        }
      }

      // Transfers: each a hash-time-locked payment routed through the hub, one after another.
      ctx.progress(`  ${workload.transfers.length} payments routed user → hub → user`);
      everyone = [hubClient, ...clients];
      await chain.mark();
      const started = Date.now();
      for (const [k, t] of workload.transfers.entries()) {
        const payee = clients[t.to];
        const { hashlock } = payee.invoice();
        // The lock leaves the hub its minimum and the margin it keeps before the hop's expiry.
        const expiry =
          (await chainTime(provider)) + defaults.minLockSeconds + 2n * defaults.lockMarginSeconds;
        const hopExpiry = expiry - defaults.lockMarginSeconds;
        await clients[t.from].lock(channel[t.from][t.token], {
          amount: t.amount,
          hashlock,
          expiry,
          route: [{ to: payee.address, amount: t.amount.toString(), expiry: hopExpiry.toString() }],
        });
        await settledWithin(
          clients[t.from].settled(hashlock),
          SETTLE_TIMEOUT_MS,
          `payment ${k} (user ${t.from} → hub → user ${t.to})`,
        );
        await allIdle(everyone);
        if ((k + 1) % 100 === 0) ctx.progress(`  ${k + 1}/${workload.transfers.length} payments`);
      }
      const transferSeconds = (Date.now() - started) / 1000;
      await chain.close("transfers");

      // Every channel as both sides hold it: no lock left, the user's balance the workload's.
      for (const [i, client] of clients.entries()) {
        for (let t = 0; t < tokenCount; t++) {
          const id = channel[i][t];
          const mine = client.channel(id).latest.state;
          const hubs = hubClient.channel(id).latest.state;
          if (mine.version !== hubs.version || mine.outcome[0].locks.length !== 0)
            throw new Error(`user ${i} token ${t}: the channel has a lock or the sides differ`);
          expectBalance(
            `user ${i} token ${t} (channel)`,
            client.balance(id),
            workload.balances[i][t],
          );
        }
      }

      // Withdrawals: each withdrawer closes its channels cooperatively and is paid on L1.
      ctx.progress(`  ${workload.withdrawers.length} withdrawers close cooperatively`);
      const closeSeconds: number[] = [];
      const closeGas: number[] = [];
      let withdrawn = 0n;
      for (const i of workload.withdrawers) {
        let seconds = 0;
        for (let t = 0; t < tokenCount; t++) {
          await chain.mark();
          const t0 = Date.now();
          await clients[i].close(channel[i][t]);
          seconds += (Date.now() - t0) / 1000;
          closeGas.push(gasOf(await chain.close("withdrawals")));
        }
        closeSeconds.push(seconds);
        for (const [t, token] of world.tokens.entries()) {
          const held = await token.balanceOf(world.users[i].address);
          expectBalance(`user ${i} token ${t} (L1)`, held, workload.balances[i][t]);
          withdrawn += held;
        }
      }
      let heldOnL2 = 0n;
      for (const [i, client] of clients.entries()) {
        if (workload.withdrawers.includes(i)) continue;
        for (let t = 0; t < tokenCount; t++) {
          const balance = client.balance(channel[i][t]);
          expectBalance(`user ${i} token ${t} (L2)`, balance, workload.balances[i][t]);
          heldOnL2 += balance;
        }
      }

      // L1 gas per payment against the payments a channel carries in its life. Derived: a
      // payment uses two channels (the payer's and the payee's), each funded by both sides and
      // closed once. Measured: what this run spent (every channel funded, the withdrawers' closed)
      // over its payments, at its mean payments per channel.
      const channels = userCount * tokenCount;
      const fundGas = mean(userFundGas.map((g, c) => g + hubFundGas[c]));
      const perChannel = fundGas + mean(closeGas);
      const perPair = 2 * perChannel;
      const transfers = workload.transfers.length;
      const measuredSize = (2 * transfers) / channels;
      const derivedMethod =
        closeGas.length > 0
          ? "derived: every channel funded and closed once (measured mean fund + close gas), 2 channels per payment, over `size` payments per channel"
          : "derived: every channel funded once (measured mean fund gas; no close in this run: --withdrawals 0), 2 channels per payment, over `size` payments per channel";
      const scaling: ScalingPoint[] = SCALING_SIZES.map((size) => ({
        size,
        gasPerTransfer: Math.round(perPair / size),
        method: derivedMethod,
      }));
      const exact = scaling.find((p) => p.size === measuredSize);
      const runGas = meter.totals.deposits.gas + meter.totals.withdrawals.gas;
      const measured = {
        size: Math.round(measuredSize * 100) / 100,
        gasPerTransfer: Math.round(runGas / transfers),
        method: `measured: this run's deposits and closes over its payments (${closeGas.length} of ${channels} channels closed)`,
      };
      if (exact !== undefined) Object.assign(exact, measured);
      else scaling.push(measured);
      scaling.sort((a, b) => a.size - b.size);

      const decimals = await Promise.all(world.tokens.map((token) => token.decimals()));
      const unilateral =
        L1_SLOT_SECONDS + Number(challengeDuration) + L1_SLOT_SECONDS + L1_FINALITY_SECONDS;
      const perPayment = transferSeconds / transfers;
      const totalCollateral = collateralByToken.reduce((a, b) => a + b, 0n);
      return {
        system: "channels",
        sizeMeaning:
          "payments per channel lifetime (each payment uses two channels: payer-hub, hub-payee)",
        totals: meter.totals,
        transferSeconds,
        finality: {
          measuredSeconds: perPayment,
          configuredSeconds: 0,
          productionSeconds: perPayment,
          note: "final between the parties once countersigned (lock, forward, claim, two unlocks, all off-chain); enforceable on L1 only by closing: cooperative close one tx, or a dispute that waits the challenge period",
        },
        withdrawal: {
          measuredSeconds: mean(closeSeconds),
          configuredSeconds: 0,
          productionSeconds: L1_SLOT_SECONDS + L1_FINALITY_SECONDS,
          note: `cooperative close (measured: a withdrawer's ${tokenCount} close${tokenCount === 1 ? "" : "s"}, one per channel: the hub countersigns a final state, one conclude pays both at once): next slot + L1 finality; unilateral (hub gone): challenge, wait the ${challengeDuration} s challenge period (the node's default minimum, CHANNELS_MIN_CHALLENGE_SECONDS), payout: slot + ${challengeDuration} s + slot + finality = ${unilateral} s`,
        },
        scaling,
        withdrawn,
        heldOnL2,
        params: {
          topology: "hub and spokes: one channel per user and token",
          channels,
          contract: "Adjudicator + PaymentApp + SecretRegistry",
          challengeSeconds: Number(challengeDuration),
          minLockSeconds: Number(defaults.minLockSeconds),
          lockMarginSeconds: Number(defaults.lockMarginSeconds),
          hubFee: 0,
          hubCollateral: totalCollateral.toString(),
          ...Object.fromEntries(
            collateralByToken.map((c, t) => [`hubCollateralToken${t}`, c.toString()]),
          ),
          meanPaymentsPerChannel: Math.round(measuredSize * 100) / 100,
          store: "SQLite file per client (WAL, synchronous=FULL)",
        },
        notes: [
          `the hub locks ${collateralByToken.map((c, t) => `${formatUnits(c, decimals[t])} of token ${t}`).join(", ")} as collateral across its ${channels} channels: the least that forwards every payment in order, capital the design ties up`,
          "one channel per user and token: the client carries one asset per channel (the adjudicator could hold several)",
          "the hub forwards each lock at its full amount (no fee) and is paid back upstream: balances check exactly",
          "gas counts every L1 transaction of the users and the hub: the hub's approval per token (setup), each channel's approval and deposit by the user and the hub's collateral deposit (deposits), each withdrawer's conclude (withdrawals); payments send none",
          `scaling: derived points assume every channel funded and closed once, 2 channels × (mean fund gas ${Math.round(fundGas)} + mean close gas ${Math.round(mean(closeGas))}) / payments per channel; the measured point is this run's deposit and close gas over its ${transfers} payments (${closeGas.length} of ${channels} channels closed)`,
          "the hub must be online to route and to countersign closes; every party (or its watchtower) must check L1 once per challenge period",
          "the lean PaymentChannels contract is not used: it has no hash-time locks, so it cannot route",
        ],
      };
    } finally {
      // No store closes under a client's background work; a failure here must not hide the run's.
      try {
        await allIdle(everyone);
      } catch (error) {
        ctx.progress(`  channels: closing the stores anyway: ${String(error)}`);
      }
      for (const s of stores) s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
