import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../../deploy";
import { adjudicatorAt } from "../../../operator/channels/abi";
import { ChannelError } from "../../../operator/channels/errors";
import {
  channelId,
  channelsDomain,
  ETH,
  stateDigest,
  type Channel,
  type State,
} from "../../../operator/channels/state";
import {
  moveState,
  turnOf,
  decodeBoard,
  TicTacToePlayer,
} from "../../../operator/channels/tictactoe";
import { hardhatDevKey } from "../../../operator/core/l1";
import { DigestSigner } from "../../../operator/lib/secp256k1";

const STAKE = ethers.parseEther("1");
const DURATION = 600n;

async function contracts() {
  return deployChannels(hre);
}

/** Alice (participant 0, O) and bob (participant 1, X), each staking 1 ETH. */
async function game() {
  const d = await loadFixture(contracts);
  const { chainId } = await ethers.provider.getNetwork();
  const adjudicator = await d.adjudicator.getAddress();
  const domain = channelsDomain(chainId, adjudicator);
  const keys = [1, 2].map((i) => hardhatDevKey(i));
  const channel: Channel = {
    participants: keys.map((k) => new Wallet(k).address),
    nonce: BigInt(Date.now()),
    app: await d.ticTacToeApp.getAddress(),
    challengeDuration: DURATION,
  };
  const id = channelId(domain, channel);
  const opening = TicTacToePlayer.opening(STAKE);
  const digest = stateDigest(domain, id, opening);
  const signed = { state: opening, sigs: keys.map((k) => new DigestSigner(k).sign(digest)) };
  const [alice, bob] = keys.map(
    (k) =>
      new TicTacToePlayer(
        channel,
        {
          signer: new DigestSigner(k),
          domain,
          adjudicator: adjudicatorAt(adjudicator, new Wallet(k, ethers.provider)),
        },
        signed,
      ),
  );
  alice.connect({ move: async (m) => bob.handleMove(JSON.parse(JSON.stringify(m))) });
  bob.connect({ move: async (m) => alice.handleMove(JSON.parse(JSON.stringify(m))) });
  let held = 0n;
  for (const k of keys) {
    const a = adjudicatorAt(adjudicator, new Wallet(k, ethers.provider));
    await (await a.deposit(id, ETH, held, STAKE, { value: STAKE })).wait();
    held += STAKE;
  }
  return { d, channel, id, alice, bob, domain };
}

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (error) {
    return (error as ChannelError).code;
  }
  return "accepted";
}

describe("channels: tic-tac-toe client", function () {
  it("applies exactly the contract's rules (random games, every move checked by TicTacToeApp)", async function () {
    const g = await game();
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 12; i++) {
      let state: State = TicTacToePlayer.opening(STAKE);
      while (!state.isFinal) {
        const b = decodeBoard(state.appData);
        const mover = turnOf(b)!;
        const free = [...Array(9).keys()].filter((c) => ((b.xs | b.os) & (1 << c)) === 0);
        const next = moveState(state, free[rand(free.length)], mover);
        expect(await g.d.ticTacToeApp.validTransition(g.channel, state, next, mover)).to.equal(
          true,
        );
        state = next;
      }
    }
  });

  it("plays a game off-chain to a win and concludes it: the winner is paid at once", async function () {
    const g = await game();
    // bob (X): 4, 0, 6, 2 wins on 2-4-6; alice (O): 1, 8, 3.
    for (const [player, cell] of [
      [g.bob, 4],
      [g.alice, 1],
      [g.bob, 0],
      [g.alice, 8],
      [g.bob, 6],
      [g.alice, 3],
      [g.bob, 2],
    ] as const) {
      await player.play(cell);
    }
    expect(g.alice.latest.state).to.deep.equal(g.bob.latest.state);
    expect(g.bob.latest.state.isFinal).to.equal(true);
    const before = await ethers.provider.getBalance(g.bob.channel.participants[1]);
    const tx = await g.bob.conclude();
    const receipt = await tx.wait();
    const after = await ethers.provider.getBalance(g.bob.channel.participants[1]);
    expect(after - before).to.equal(2n * STAKE - receipt!.gasUsed * receipt!.gasPrice);
  });

  it("forces a stalling player on-chain: she moves there once, then stalls and forfeits", async function () {
    const g = await game();
    await g.bob.play(4);
    await g.alice.play(0);
    await g.bob.play(8);
    // alice stops answering: bob registers the position (the last two moves prove it).
    await g.bob.challenge();
    // alice answers on-chain with a move...
    await g.alice.respond(2);
    // bob learns her move from what the adjudicator registered (a wrong fingerprint teaches nothing).
    const [version, , registered] = (await g.d.adjudicator.status(g.bob.id)) as bigint[];
    expect(g.bob.learnOnChainMove(version, registered + 1n)).to.equal(false);
    expect(g.bob.learnOnChainMove(version + 1n, registered)).to.equal(false);
    expect(g.bob.learnOnChainMove(version, registered)).to.equal(true);
    expect(g.bob.latest.state).to.deep.equal(g.alice.latest.state);
    // ...bob does not move on, so alice, who moved last, takes the pot after the period.
    await time.increase(DURATION);
    const aliceAddress = g.alice.channel.participants[0];
    const before = await ethers.provider.getBalance(aliceAddress);
    await g.bob.payout();
    expect((await ethers.provider.getBalance(aliceAddress)) - before).to.equal(2n * STAKE);
  });

  it("refuses moves out of turn, onto taken cells, and moves its mover did not sign", async function () {
    const g = await game();
    expect(await code(g.alice.play(4))).to.equal("NOT_YOUR_TURN");
    await g.bob.play(4);
    expect(await code(g.alice.play(4))).to.equal("CELL_TAKEN");
    expect(await code(g.alice.play(9))).to.equal("BAD_CELL");
    const forged = moveState(g.bob.latest.state, 0, 0);
    const strangerSig = new DigestSigner(hardhatDevKey(7)).sign(
      stateDigest(g.domain, g.id, forged),
    );
    expect(
      await code(() => g.bob.handleMove({ channelId: g.id, cell: 0, sig: strangerSig })),
    ).to.equal("BAD_SIGNATURE");
    expect(g.bob.latest.state.version).to.equal(1n);
  });
});
