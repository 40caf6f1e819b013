/**
 * The channel node in process (its two APIs over real HTTP, on the Hardhat network): the user
 * API's refusals of garbage, a game proposal refused for each reason it can be, a game whose
 * position survives a restart of both nodes, and peers' URLs that survive one too.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../../deploy";
import { createChannelNodeApi, createChannelPeerApi } from "../../../operator/channels/node/api";
import { ChannelNode } from "../../../operator/channels/node/node";
import { HttpGamePeerLink } from "../../../operator/channels/peer-api";
import { adjudicatorAt } from "../../../operator/channels/abi";
import {
  channelId,
  channelsDomain,
  ETH,
  signedStateStruct,
  stateDigest,
  type SignedState,
} from "../../../operator/channels/state";
import { moveState, TicTacToePlayer } from "../../../operator/channels/tictactoe";
import { channelToJson, parseChannel, stateToJson } from "../../../operator/channels/wire";
import type { Api } from "../../../operator/core/api";
import { hardhatDevKey } from "../../../operator/core/l1";
import { SerialSigner } from "../../../operator/core/serial-signer";
import { Store } from "../../../operator/core/store";
import { ApiError } from "../../../operator/core/http-client";
import { DigestSigner } from "../../../operator/lib/secp256k1";

const ONE = ethers.parseEther("1");

async function contracts() {
  return deployChannels(hre);
}

type Json = Record<string, unknown>;

describe("channels: the channel node (user API, peer API, games, restarts)", function () {
  const apis: Api[] = [];
  const stores: Store[] = [];
  afterEach(async function () {
    for (const a of apis.splice(0)) await a.close();
    for (const s of stores.splice(0)) s.close();
  });

  async function started(account: number, store: Store, peerPort = 0) {
    const d = await loadFixture(contracts);
    const { chainId } = await ethers.provider.getNetwork();
    const key = hardhatDevKey(account);
    const node = new ChannelNode(
      {
        chainId,
        adjudicator: await d.adjudicator.getAddress(),
        paymentApp: await d.paymentApp.getAddress(),
        secretRegistry: await d.secretRegistry.getAddress(),
        ticTacToeApp: await d.ticTacToeApp.getAddress(),
        pollIntervalMs: 60_000,
        policy: { maxPeerDeposit: ONE, minChallengeDuration: 60n },
      },
      {
        privateKey: key,
        runner: new SerialSigner(new Wallet(key, ethers.provider)),
        store,
      },
    );
    const peerApi = createChannelPeerApi(node);
    const userApi = createChannelNodeApi(node);
    apis.push(peerApi, userApi);
    const peerUrl = await peerApi.listen({ host: "127.0.0.1", port: peerPort });
    node.start(peerUrl);
    const url = await userApi.listen({ host: "127.0.0.1", port: 0 });
    apis.push({ close: () => node.stop() } as unknown as Api);
    const call = async (path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
      const res = await fetch(`${url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    return { node, d, peerUrl, call, chainId };
  }

  const memory = (): Store => {
    const s = Store.open({ memory: true });
    stores.push(s);
    return s;
  };

  it("refuses garbage on the user API with a specific 4xx and changes nothing", async function () {
    const alice = await started(1, memory());
    const bob = await started(2, memory());
    const id = `0x${"ab".repeat(32)}`;
    const cases: [string, unknown, number, string][] = [
      ["/v1/channels/0x12/pay", { amount: "1" }, 400, "BAD_REQUEST"],
      [`/v1/channels/${id}/pay`, { amount: "-1" }, 400, "BAD_REQUEST"],
      [`/v1/channels/${id}/pay`, { amount: "1", extra: 1 }, 400, "BAD_REQUEST"],
      [`/v1/channels/${id}/pay`, { amount: "1" }, 404, "UNKNOWN_CHANNEL"],
      ["/v1/peers", { address: bob.node.address, url: "ftp://x" }, 400, "BAD_REQUEST"],
      ["/v1/peers", { address: alice.node.address, url: bob.peerUrl }, 400, "BAD_REQUEST"],
      [
        "/v1/channels",
        { peer: bob.node.address, deposit: "1", challengeDuration: String(2n ** 48n) },
        400,
        "BAD_REQUEST",
      ],
      [
        "/v1/channels",
        { peer: bob.node.address, deposit: "1", challengeDuration: "600" },
        503,
        "NO_LINK",
      ],
      [
        "/v1/games",
        { peer: bob.node.address, stake: "1", challengeDuration: "600", url: "nope" },
        400,
        "BAD_REQUEST",
      ],
      [`/v1/games/${id}/move`, { cell: 9 }, 400, "BAD_REQUEST"],
      [`/v1/games/${id}/move`, { cell: 1 }, 404, "UNKNOWN_GAME"],
      [`/v1/channels/${id}/backup`, {}, 409, "NO_WATCHTOWER"],
    ];
    for (const [path, body, status, error] of cases) {
      const r = await alice.call(path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`).to.equal(
        status,
      );
      expect(r.body.error, path).to.equal(error);
    }
    expect((await alice.call("/v1/channels")).body).to.deep.equal([]);
    expect((await alice.call("/v1/games")).body).to.deep.equal([]);
    expect((await alice.call("/v1/peers")).body).to.deep.equal([]);
  });

  it("refuses game proposals for each reason, then plays a game whose position survives restarts of both nodes", async function () {
    const aliceStore = memory();
    const bobStore = memory();
    let alice = await started(1, aliceStore);
    let bob = await started(2, bobStore);
    const domain = channelsDomain(alice.chainId, await alice.d.adjudicator.getAddress());
    const app = await alice.d.ticTacToeApp.getAddress();
    const signer = new DigestSigner(hardhatDevKey(1));
    const propose = async (over: {
      stakes?: [bigint, bigint];
      app?: string;
      challengeDuration?: bigint;
      signWith?: DigestSigner;
    }): Promise<string> => {
      const channel = {
        participants: [alice.node.address, bob.node.address],
        nonce: 7n,
        app: over.app ?? app,
        challengeDuration: over.challengeDuration ?? 600n,
      };
      const id = channelId(domain, channel);
      const opening = TicTacToePlayer.opening(over.stakes?.[0] ?? 1000n);
      if (over.stakes !== undefined) opening.outcome[0].amounts = [...over.stakes];
      const sig = (over.signWith ?? signer).sign(stateDigest(domain, id, opening));
      try {
        await new HttpGamePeerLink(bob.peerUrl).propose({
          channel: channelToJson(channel),
          opening: stateToJson(opening),
          sig,
        });
        return "accepted";
      } catch (error) {
        return (error as ApiError).code;
      }
    };
    expect(await propose({ stakes: [1000n, 999n] })).to.equal("BAD_OPENING");
    expect(await propose({ stakes: [2n * ONE, 2n * ONE] })).to.equal("DEPOSIT_TOO_LARGE");
    expect(await propose({ app: await alice.d.paymentApp.getAddress() })).to.equal("UNKNOWN_APP");
    expect(await propose({ challengeDuration: 10n })).to.equal("CHALLENGE_DURATION");
    expect(await propose({ signWith: new DigestSigner(hardhatDevKey(3)) })).to.equal(
      "BAD_SIGNATURE",
    );
    expect((await bob.call("/v1/games")).body).to.deep.equal([]);

    const opened = await alice.call("/v1/games", {
      peer: bob.node.address,
      url: bob.peerUrl,
      stake: "1000",
      challengeDuration: "600",
    });
    expect(opened.status, JSON.stringify(opened.body)).to.equal(200);
    const id = opened.body.id as string;
    expect((await bob.call(`/v1/games/${id}/move`, { cell: 4 })).status).to.equal(200);
    expect((await alice.call(`/v1/games/${id}/move`, { cell: 0 })).status).to.equal(200);
    const wrongTurn = await alice.call(`/v1/games/${id}/move`, { cell: 1 });
    expect(wrongTurn.body.error).to.equal("NOT_YOUR_TURN");

    // Both nodes restart on the same stores (bob on the same peer port): the game goes on.
    const [alicePort, bobPort] = [alice, bob].map((n) => Number(new URL(n.peerUrl).port));
    for (const a of apis.splice(0)) await a.close();
    alice = await started(1, aliceStore, alicePort);
    bob = await started(2, bobStore, bobPort);
    for (const who of [alice, bob]) {
      const g = (await who.call(`/v1/games/${id}`)).body;
      expect(g.version).to.equal("2");
      expect(g.board).to.deep.equal(["O", ".", ".", ".", "X", ".", ".", ".", "."]);
    }
    expect((await alice.call("/v1/peers")).body).to.deep.equal([
      { address: bob.node.address.toLowerCase(), url: `http://127.0.0.1:${bobPort}` },
    ]);
    const next = await bob.call(`/v1/games/${id}/move`, { cell: 8 });
    expect(next.status, JSON.stringify(next.body)).to.equal(200);
    expect((await alice.call(`/v1/games/${id}`)).body.turn).to.equal("me");
  });

  it("answers a stale position registered against a game won off-chain: the winner concludes and takes the pot", async function () {
    const alice = await started(1, memory());
    const bob = await started(2, memory());
    const opened = await alice.call("/v1/games", {
      peer: bob.node.address,
      url: bob.peerUrl,
      stake: ONE.toString(),
      challengeDuration: "600",
    });
    const id = opened.body.id as string;
    // bob (X) wins on the top row at version 5; alice stores the move like any other.
    for (const [who, cell] of [
      [bob, 0],
      [alice, 3],
      [bob, 1],
      [alice, 4],
      [bob, 2],
    ] as const) {
      const r = await who.call(`/v1/games/${id}/move`, { cell });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
    }
    expect((await alice.call(`/v1/games/${id}`)).body.isFinal).to.equal(true);
    // Dishonest alice registers the position before the win (versions 3 and 4, each signed by
    // its mover) before any guard round concludes the game.
    const domain = channelsDomain(alice.chainId, await alice.d.adjudicator.getAddress());
    const channel = parseChannel((await alice.call(`/v1/games/${id}`)).body.channel);
    let state = TicTacToePlayer.opening(ONE);
    const proof: SignedState[] = [];
    for (const [mover, cell] of [
      [1, 0],
      [0, 3],
      [1, 1],
      [0, 4],
    ] as const) {
      state = moveState(state, cell, mover);
      const sig = new DigestSigner(hardhatDevKey(mover + 1)).sign(stateDigest(domain, id, state));
      proof.push({ state, sigs: [sig] });
    }
    const adjudicator = adjudicatorAt(
      domain.verifyingContract,
      new Wallet(hardhatDevKey(1), ethers.provider),
    );
    await (await adjudicator.challenge(channel, proof.slice(-2).map(signedStateStruct))).wait();
    const before = await ethers.provider.getBalance(bob.node.address);
    await bob.node.games!.guard();
    expect(await adjudicator.holdings(id, ETH)).to.equal(0n);
    expect((await ethers.provider.getBalance(bob.node.address)) - before > ONE).to.equal(true);
    expect((await bob.call(`/v1/games/${id}`)).body.status).to.equal("closed");
    await alice.node.games!.guard();
    expect((await alice.call(`/v1/games/${id}`)).body.status).to.equal("closed");
  });
});
