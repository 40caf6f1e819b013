import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseEther } from "ethers";
import hre from "hardhat";
import { deployChannelsWithSigner } from "../../../deploy";
import { adjudicatorAt } from "../../../operator/channels/abi";
import { ChannelClient } from "../../../operator/channels/client";
import { DirectPeerLink } from "../../../operator/channels/link";
import {
  channelsDomain,
  signedStateStruct,
  type Channel,
  type SignedState,
} from "../../../operator/channels/state";
import { ChannelStore } from "../../../operator/channels/store";
import { createWatchtowerApi } from "../../../operator/channels/watchtower/api";
import { WatchtowerApi } from "../../../operator/channels/watchtower/client";
import { Watchtower, type WatchtowerConfig } from "../../../operator/channels/watchtower/tower";
import { channelToJson, signedToJson } from "../../../operator/channels/wire";
import type { Api } from "../../../operator/core/api";
import { hardhatDevKey } from "../../../operator/core/l1";
import { pollUntil } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import type { Eip712Domain } from "../../../operator/lib/eip712";
import { DigestSigner } from "../../../operator/lib/secp256k1";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { FAST_PUBLISHER, mine } from "../../helpers/optimistic-node";

const ONE = parseEther("1");
const DURATION = 3600n;

describe("channels: watchtower", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let dir: string;
  let domain: Eip712Domain;
  let d: Awaited<ReturnType<typeof deployChannelsWithSigner>>;
  let config: WatchtowerConfig;
  let tower: Watchtower;
  let towerStore: Store;
  let api: Api;
  let url: string;

  function client(account: number): ChannelClient {
    return new ChannelClient({
      signer: new DigestSigner(hardhatDevKey(account)),
      store: new ChannelStore(Store.open({ memory: true })),
      domain,
      adjudicator: adjudicatorAt(d.adjudicator, node.wallet(account)),
      paymentApp: d.paymentApp,
      policy: { maxPeerDeposit: 10n * ONE, minChallengeDuration: 60n },
    });
  }

  async function startTower(): Promise<void> {
    towerStore = Store.open({ dataDir: dir, file: "tower.sqlite" });
    tower = new Watchtower(config, {
      provider: node.provider,
      signer: node.wallet(5),
      store: towerStore,
    });
    await tower.start();
    api = createWatchtowerApi(tower);
    url = await api.listen({ host: "127.0.0.1", port: 0 });
  }

  async function stopTower(): Promise<void> {
    await api.close();
    await tower.stop();
    towerStore.close();
  }

  const post = (body: unknown) =>
    fetch(`${url}/v1/channels`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function submit(channel: Channel, signed: SignedState): Promise<Response> {
    return post({ channel: channelToJson(channel), signed: signedToJson(signed) });
  }

  /** Alice and bob with an open channel (alice 2 ETH) and ten payments of 0.1 ETH to bob. */
  async function paidChannel() {
    const alice = client(1);
    const bob = client(2);
    alice.connect(bob.address, new DirectPeerLink(bob));
    bob.connect(alice.address, new DirectPeerLink(alice));
    const id = await alice.open({
      peer: bob.address,
      myDeposit: 2n * ONE,
      challengeDuration: DURATION,
    });
    const first = await alice.pay(id, ONE / 10n);
    for (let i = 0; i < 9; i++) await alice.pay(id, ONE / 10n);
    return { alice, bob, id, first, channel: bob.channel(id).row.channel };
  }

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-watchtower-"));
    d = await deployChannelsWithSigner(hre, node.wallet(0));
    domain = channelsDomain(31337n, d.adjudicator);
    config = {
      adjudicator: d.adjudicator,
      chainId: 31337n,
      domain,
      fromBlock: d.deployBlock,
      minChallengeDuration: 600n,
      marginSeconds: 300n,
      confirmations: 1,
      pollIntervalMs: 50,
      rpcRetries: 2,
      rpcRetryDelayMs: 50,
      publisher: FAST_PUBLISHER,
    };
    await startTower();
  });

  after(async function () {
    await stopTower().catch(() => undefined);
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers a stale close for a client that is offline, long before the deadline", async function () {
    const { alice, bob, id, first, channel } = await paidChannel();
    await bob.backup(id, new WatchtowerApi(url));
    expect(tower.view(id)).to.include({ channelId: id, version: 10n, status: "watching" });

    // Bob is offline. Alice closes with the state where bob had 0.1 ETH.
    const aliceL1 = adjudicatorAt(d.adjudicator, node.wallet(1));
    await (await aliceL1.challenge(channel, [signedStateStruct(first)])).wait();
    const view = await pollUntil(
      "the tower's answer",
      async () => {
        const v = (await (await fetch(`${url}/v1/channels/${id}`)).json()) as Record<
          string,
          string
        >;
        return v.status === "answered" ? v : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(view.onchainVersion).to.equal("10");
    expect(BigInt(view.margin)).to.be.greaterThan(DURATION - 60n);
    const [version] = (await aliceL1.status(id)) as [bigint];
    expect(version).to.equal(10n);

    // After the deadline, bob's latest state is what pays.
    await mine(node, DURATION);
    const before = await node.provider.getBalance(bob.address);
    await (
      await adjudicatorAt(d.adjudicator, node.wallet(0)).payout(
        channel,
        bob.channel(id).latest.state,
      )
    ).wait();
    expect((await node.provider.getBalance(bob.address)) - before).to.equal(ONE);
    void alice;
  });

  it("refuses malformed, unsigned, forged and stale states, and short challenge periods", async function () {
    const { bob, id, first, channel } = await paidChannel();
    const latest = bob.channel(id).latest;
    const bad = async (res: Response, status: number, error: string, field?: string) => {
      const body = (await res.json()) as Record<string, string>;
      expect(res.status, JSON.stringify(body)).to.equal(status);
      expect(body.error).to.equal(error);
      if (field !== undefined) expect(body.field).to.equal(field);
    };
    await bad(await post({ channel: channelToJson(channel) }), 400, "BAD_REQUEST", "body.signed");
    await bad(
      await post({
        channel: { ...channelToJson(channel), nonce: "-1" },
        signed: signedToJson(latest),
      }),
      400,
      "BAD_REQUEST",
      "body.channel.nonce",
    );
    await bad(
      await post({
        channel: channelToJson(channel),
        signed: { ...signedToJson(latest), sigs: [latest.sigs[0]] },
      }),
      422,
      "NOT_FULLY_SIGNED",
    );
    await bad(
      await submit(channel, { ...latest, sigs: [latest.sigs[1], latest.sigs[0]] }),
      422,
      "BAD_SIGNATURE",
      "signed.sigs[0]",
    );
    await bad(
      await submit({ ...channel, challengeDuration: 599n }, latest),
      422,
      "CHALLENGE_TOO_SHORT",
    );
    expect((await submit(channel, latest)).status).to.equal(200);
    await bad(await submit(channel, latest), 409, "STALE_STATE");
    await bad(await submit(channel, first), 409, "STALE_STATE");
    expect((await fetch(`${url}/v1/channels/0x${"00".repeat(32)}`)).status).to.equal(404);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).to.include.members([
      "/v1/channels",
      "/v1/channels/{id}",
      "/v1/status",
    ]);
  });

  it("keeps its states across a restart and answers a challenge made while it was down", async function () {
    const { bob, id, first, channel } = await paidChannel();
    expect((await submit(channel, bob.channel(id).latest)).status).to.equal(200);
    await stopTower();
    await (
      await adjudicatorAt(d.adjudicator, node.wallet(1)).challenge(channel, [
        signedStateStruct(first),
      ])
    ).wait();
    await mine(node, 600);
    await startTower();
    await pollUntil(
      "the answer after the restart",
      async () => (tower.view(id)?.status === "answered" ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(tower.view(id)!.margin! > 0n).to.equal(true);
  });
});
