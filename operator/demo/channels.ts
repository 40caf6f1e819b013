/**
 * The channels scenario of `npm run demo`: alice, bob and carol run payment-channel clients in
 * this process (a channel opened, 1,000 payments and a cooperative close; a stale close answered
 * by the guard; a payment routed through bob with hash-time locks), then alice and bob play
 * tic-tac-toe in a state channel that a stalling player forces on-chain.
 */
import {
  formatEther,
  parseEther,
  Wallet,
  type Contract,
  type EventLog,
  type TransactionReceipt,
} from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deployChannels } from "../../deploy";
import { adjudicatorAt } from "../channels/abi";
import type { ChannelClient } from "../channels/client";
import { localClients } from "../channels/local";
import {
  channelId,
  channelsDomain,
  ETH,
  signedStateStruct,
  stateDigest,
  type Channel,
  type State,
} from "../channels/state";
import { decodeBoard, TicTacToePlayer, type Board } from "../channels/tictactoe";
import { hardhatDevKey } from "../core/l1";
import { chainTime } from "../core/rpc";
import { Store } from "../core/store";
import type { Eip712Domain } from "../lib/eip712";
import { DigestSigner } from "../lib/secp256k1";
import { advance, gas, vsL1 } from "./helpers";
import type { DemoContext, DemoScenario } from "./index";

/** Challenge period of the demo's channels (seconds); days in production. */
const DURATION = 600n;
const PAYMENTS = 1000;

interface Net {
  ctx: DemoContext;
  hre: HardhatRuntimeEnvironment;
  domain: Eip712Domain;
  /** The adjudicator, read-only (its events). */
  adjudicator: Contract;
  wallets: Wallet[];
  alice: ChannelClient;
  bob: ChannelClient;
  carol: ChannelClient;
  /** Where the scenario's blocks start (event queries). */
  fromBlock: number;
  nonce: bigint;
}

export const channelsScenario: DemoScenario = {
  system: "channels",
  title:
    "State and payment channels: 1,000 payments, a stale close answered, a multi-hop payment, tic-tac-toe forced on-chain",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const fromBlock = await ethers.provider.getBlockNumber();
    const d = await deployChannels(ctx.hre);
    const address = await d.adjudicator.getAddress();
    const { chainId } = await ethers.provider.getNetwork();
    const domain = channelsDomain(chainId, address);
    const wallets = [1, 2, 3].map((i) => new Wallet(hardhatDevKey(i), ethers.provider));
    const stores = wallets.map(() => Store.open({ memory: true }));
    try {
      const [alice, bob, carol] = localClients({
        domain,
        paymentApp: await d.paymentApp.getAddress(),
        secretRegistry: await d.secretRegistry.getAddress(),
        wallets,
        stores,
        policy: { maxPeerDeposit: parseEther("10") },
      });
      ctx.say(
        `Adjudicator at ${address} with PaymentApp, TicTacToeApp and SecretRegistry; alice, bob and carol run channel clients here, each with its own store, exchanging JSON messages`,
      );
      const net: Net = {
        ctx,
        hre: ctx.hre,
        domain,
        adjudicator: adjudicatorAt(address, ethers.provider),
        wallets,
        alice,
        bob,
        carol,
        fromBlock,
        nonce: 0n,
      };
      await payments(net);
      await staleClose(net);
      await multiHop(net);
      await ticTacToe(net, await d.ticTacToeApp.getAddress());
    } finally {
      for (const s of stores) s.close();
    }
  },
};

const eth = (wei: bigint): string => `${formatEther(wei)} ETH`;

async function receiptOf(tx: { wait(): Promise<TransactionReceipt | null> }) {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("transaction dropped");
  return receipt;
}

/** Gas of the transactions that emitted `event` for the channel `id` (clients send their own). */
async function gasOfEvents(n: Net, event: string, id: string): Promise<bigint> {
  const logs = await n.adjudicator.queryFilter(n.adjudicator.filters[event](id), n.fromBlock);
  const byTx = new Map(logs.map((l) => [l.transactionHash, l]));
  let total = 0n;
  for (const log of byTx.values()) total += (await log.getTransactionReceipt()).gasUsed;
  return total;
}

async function payments(n: Net): Promise<void> {
  const { ctx, alice, bob } = n;
  const id = await alice.open({
    peer: bob.address,
    myDeposit: parseEther("1"),
    peerDeposit: parseEther("0.5"),
    challengeDuration: DURATION,
    nonce: ++n.nonce,
  });
  const deposits = await gasOfEvents(n, "Deposited", id);
  ctx.say(
    `alice opens a payment channel with bob: both sign the opening state, then alice deposits 1 ETH and bob 0.5 ETH: ${gas(deposits)} gas for the two deposits${vsL1(deposits, ctx.results.baseline)}`,
  );
  const unit = parseEther("0.0005");
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PAYMENTS }, () => alice.pay(id, unit)));
  const seconds = (performance.now() - t0) / 1000;
  ctx.say(
    `${PAYMENTS.toLocaleString("en-US")} payments of ${eth(unit)} off-chain, each a state signed by alice, countersigned and stored by bob: ${seconds.toFixed(2)} s, ${Math.round(PAYMENTS / seconds).toLocaleString("en-US")} payments/s, no L1 transaction`,
  );
  const [mine, theirs] = [alice, bob].map((c) => c.channel(id).latest.state);
  if (mine.version !== theirs.version || mine.outcome[0].amounts[1] !== bob.balance(id)) {
    throw new Error("alice's and bob's latest states differ");
  }
  ctx.say(
    `channel balances at version ${mine.version}, the same in alice's and bob's clients: alice ${eth(alice.balance(id))}, bob ${eth(bob.balance(id))}`,
  );
  const close = (await receiptOf(await alice.close(id))).gasUsed;
  ctx.say(
    `they close cooperatively: both sign a final state, alice concludes it on L1 and both are paid at once: ${gas(close)} gas`,
  );
  const perPayment = (deposits + close + BigInt(PAYMENTS / 2)) / BigInt(PAYMENTS);
  ctx.say(
    `L1 gas per payment, the deposits and the close amortised over ${PAYMENTS.toLocaleString("en-US")} payments: ${gas(perPayment)} gas${vsL1(perPayment, ctx.results.baseline)}`,
  );
}

async function staleClose(n: Net): Promise<void> {
  const { ctx, alice, bob } = n;
  const id = await bob.open({
    peer: alice.address,
    myDeposit: parseEther("1"),
    challengeDuration: DURATION,
    nonce: ++n.nonce,
  });
  const tenth = parseEther("0.1");
  const early = await bob.pay(id, tenth);
  for (let i = 0; i < 4; i++) await bob.pay(id, tenth);
  ctx.say(
    `a second channel: bob deposits 1 ETH and pays alice 0.1 ETH five times (versions 1 to 5): alice ${eth(alice.balance(id))}, bob ${eth(bob.balance(id))}`,
  );
  // Bob goes to L1 behind his client's back with version 1, fully signed, where he had 0.9 ETH.
  const bobOnL1 = adjudicatorAt(n.domain.verifyingContract, n.wallets[1]);
  const channel = bob.channel(id).row.channel;
  const challenge = (await receiptOf(await bobOnL1.challenge(channel, [signedStateStruct(early)])))
    .gasUsed;
  ctx.say(
    `bob tries to close with the stale version 1, where he still had 0.9 ETH: challenge on L1, ${gas(challenge)} gas; it would pay out after ${DURATION} s`,
  );
  if (!(await alice.guard()).includes(id)) throw new Error("alice's guard did not answer");
  const checkpoint = await gasOfEvents(n, "Checkpointed", id);
  ctx.say(
    `alice's guard sees the stale state and answers with version ${alice.channel(id).latest.state.version} (checkpoint, ${gas(checkpoint)} gas); the deadline stays`,
  );
  await advance(n.hre, DURATION);
  const provider = n.hre.ethers.provider;
  const before = await Promise.all([alice, bob].map((c) => provider.getBalance(c.address)));
  const settled = await receiptOf(await alice.settle(id));
  const after = await Promise.all([alice, bob].map((c) => provider.getBalance(c.address)));
  const aliceGot = after[0] - before[0] + settled.gasUsed * settled.gasPrice;
  ctx.say(
    `${DURATION} s later (time travel on the local chain) alice settles: the payout of version 5 (${gas(settled.gasUsed)} gas) pays alice ${eth(aliceGot)} and bob ${eth(after[1] - before[1])}: the stale close gained bob nothing`,
  );
}

async function multiHop(n: Net): Promise<void> {
  const { ctx, alice, bob, carol } = n;
  const one = parseEther("1");
  const ab = await alice.open({
    peer: bob.address,
    myDeposit: one,
    challengeDuration: DURATION,
    nonce: ++n.nonce,
  });
  const bc = await bob.open({
    peer: carol.address,
    myDeposit: one,
    challengeDuration: DURATION,
    nonce: ++n.nonce,
  });
  ctx.say(
    "alice opens a channel with bob (1 ETH), bob one with carol (1 ETH); alice and carol share no channel",
  );
  const amount = parseEther("0.1");
  const fee = parseEther("0.001");
  const { hashlock } = carol.invoice();
  const expiry = (await chainTime(n.hre.ethers.provider)) + 7200n;
  await alice.lock(ab, {
    amount: amount + fee,
    hashlock,
    expiry,
    route: [{ to: carol.address, amount: amount.toString(), expiry: (expiry - 1800n).toString() }],
  });
  ctx.say(
    `carol invoices 0.1 ETH (hashlock ${hashlock.slice(0, 12)}…, its secret known to her only); alice locks ${eth(amount + fee)} to bob under it for 2 h, with the route: bob locks ${eth(amount)} to carol for 1.5 h`,
  );
  await alice.settled(hashlock);
  const clients = [alice, bob, carol];
  do await Promise.all(clients.map((c) => c.idle()));
  while (clients.some((c) => c.busy));
  ctx.say(
    "carol claims from bob with the secret and bob, now knowing it, claims from alice: each lock becomes a payment, hop by hop, with no L1 transaction",
  );
  ctx.say(
    `balances: alice–bob channel alice ${eth(alice.balance(ab))}, bob ${eth(bob.balance(ab))}; bob–carol channel bob ${eth(bob.balance(bc))}, carol ${eth(carol.balance(bc))}: carol received ${eth(carol.balance(bc))}, bob kept ${eth(bob.balance(ab) + bob.balance(bc) - one)} as his fee`,
  );
}

/** The board as a small grid, one line per row. */
function grid(b: Board): string[] {
  const mark = (cell: number): string =>
    (b.xs >> cell) & 1 ? "X" : (b.os >> cell) & 1 ? "O" : ".";
  const row = (r: number): string => `    ${mark(r)} | ${mark(r + 1)} | ${mark(r + 2)}`;
  return [row(0), "   ---+---+---", row(3), "   ---+---+---", row(6)];
}

/** The state a `Progressed` event registered (a tic-tac-toe state: no locks). */
async function progressed(n: Net, id: string, block: number): Promise<State> {
  const [event] = (await n.adjudicator.queryFilter(
    n.adjudicator.filters.Progressed(id),
    block,
    block,
  )) as EventLog[];
  const s = event.args.state as {
    version: bigint;
    isFinal: boolean;
    appData: string;
    outcome: { asset: string; amounts: bigint[] }[];
  };
  return {
    version: s.version,
    isFinal: s.isFinal,
    appData: s.appData,
    outcome: s.outcome.map((a) => ({ asset: a.asset, amounts: [...a.amounts], locks: [] })),
  };
}

async function ticTacToe(n: Net, app: string): Promise<void> {
  const { ctx } = n;
  const stake = parseEther("0.5");
  const [aliceWallet, bobWallet] = n.wallets;
  const channel: Channel = {
    participants: [aliceWallet.address, bobWallet.address],
    nonce: ++n.nonce,
    app,
    challengeDuration: DURATION,
  };
  const d = n.domain;
  const id = channelId(d, channel);
  const opening = TicTacToePlayer.opening(stake);
  const digest = stateDigest(d, id, opening);
  const signers = [aliceWallet, bobWallet].map((w) => new DigestSigner(w.privateKey));
  const signed = { state: opening, sigs: signers.map((s) => s.sign(digest)) };
  const [alice, bob] = [aliceWallet, bobWallet].map(
    (w, i) =>
      new TicTacToePlayer(
        channel,
        { signer: signers[i], domain: d, adjudicator: adjudicatorAt(d.verifyingContract, w) },
        signed,
      ),
  );
  alice.connect({ move: async (m) => bob.handleMove(JSON.parse(JSON.stringify(m))) });
  bob.connect({ move: async (m) => alice.handleMove(JSON.parse(JSON.stringify(m))) });
  let held = 0n;
  let deposits = 0n;
  for (const w of [aliceWallet, bobWallet]) {
    const tx = await adjudicatorAt(d.verifyingContract, w).deposit(id, ETH, held, stake, {
      value: stake,
    });
    deposits += (await receiptOf(tx)).gasUsed;
    held += stake;
  }
  ctx.say(
    `alice and bob open a tic-tac-toe channel for a 0.5 ETH stake each (${gas(deposits)} gas for the deposits); bob is X and moves first; every move is a state signed by its mover alone`,
  );
  for (const [player, cell] of [
    [bob, 4],
    [alice, 1],
    [bob, 0],
    [alice, 8],
    [bob, 6],
  ] as const) {
    await player.play(cell);
  }
  ctx.say(
    "off-chain: X 4, O 1, X 0, O 8, X 6 (cells 0 to 8, row by row): bob threatens two lines at once",
  );
  for (const line of grid(alice.board)) ctx.say(line);
  const challenge = (await receiptOf(await bob.challenge())).gasUsed;
  ctx.say(
    `alice, about to lose, stops answering; bob registers the position on L1 with the last two moves as proof (challenge, ${gas(challenge)} gas): alice must move on-chain within ${DURATION} s or forfeit the pot`,
  );
  const forced = await receiptOf(await alice.respond(2));
  ctx.say(
    `alice is forced to move on-chain: O 2 blocks one line (progress, ${gas(forced.gasUsed)} gas)`,
  );
  bob.observeOnChainMove(await progressed(n, id, forced.blockNumber));
  const win = await receiptOf(await bob.respond(3));
  ctx.say(
    `bob reads her move from the Progressed event and completes the other line on-chain: X 3, a final state (progress, ${gas(win.gasUsed)} gas)`,
  );
  for (const line of grid(decodeBoard(bob.latest.state.appData))) ctx.say(line);
  const provider = n.hre.ethers.provider;
  const before = await provider.getBalance(bobWallet.address);
  const payout = await receiptOf(await bob.payout());
  const got =
    (await provider.getBalance(bobWallet.address)) - before + payout.gasUsed * payout.gasPrice;
  const total = challenge + forced.gasUsed + win.gasUsed + payout.gasUsed;
  ctx.say(
    `a final state needs no waiting: the payout pays bob the ${eth(got)} pot (${gas(payout.gasUsed)} gas); the game's L1 steps (challenge, two moves, payout) cost ${gas(total)} gas${vsL1(total, ctx.results.baseline)}, its five off-chain moves nothing`,
  );
}
