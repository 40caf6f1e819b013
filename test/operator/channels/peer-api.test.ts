import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../../deploy";
import { adjudicatorAt } from "../../../operator/channels/abi";
import { ChannelClient } from "../../../operator/channels/client";
import { HttpPeerLink, PEER_BODY_LIMIT, peerRoutes } from "../../../operator/channels/peer-api";
import { channelsDomain } from "../../../operator/channels/state";
import { ChannelStore } from "../../../operator/channels/store";
import { createApi, type Api } from "../../../operator/core/api";
import { hardhatDevKey } from "../../../operator/core/l1";
import { registerRoutes } from "../../../operator/core/openapi";
import { Store } from "../../../operator/core/store";
import { DigestSigner } from "../../../operator/lib/secp256k1";

const ONE = ethers.parseEther("1");

async function contracts() {
  return deployChannels(hre);
}

describe("channels: clients over HTTP", function () {
  const apis: Api[] = [];
  after(async function () {
    for (const a of apis) await a.close();
  });

  async function served(account: number) {
    const d = await loadFixture(contracts);
    const { chainId } = await ethers.provider.getNetwork();
    const adjudicator = await d.adjudicator.getAddress();
    const client = new ChannelClient({
      signer: new DigestSigner(hardhatDevKey(account)),
      store: new ChannelStore(Store.open({ memory: true })),
      domain: channelsDomain(chainId, adjudicator),
      adjudicator: adjudicatorAt(adjudicator, new Wallet(hardhatDevKey(account), ethers.provider)),
      paymentApp: await d.paymentApp.getAddress(),
      policy: { maxPeerDeposit: ONE, minLockSeconds: 60n },
    });
    const api = createApi({ service: `client-${account}`, bodyLimit: PEER_BODY_LIMIT });
    registerRoutes(api, peerRoutes(client));
    apis.push(api);
    return { client, url: await api.listen({ host: "127.0.0.1", port: 0 }) };
  }

  it("opens, pays, settles a lock and closes with the peer across HTTP; garbage changes nothing", async function () {
    const alice = await served(1);
    const bob = await served(2);
    alice.client.connect(bob.client.address, new HttpPeerLink(bob.url));
    bob.client.connect(alice.client.address, new HttpPeerLink(alice.url));
    const id = await alice.client.open({
      peer: bob.client.address,
      myDeposit: ONE,
      peerDeposit: ONE / 2n,
      challengeDuration: 600n,
    });
    await Promise.all(Array.from({ length: 200 }, () => alice.client.pay(id, 1000n)));
    await bob.client.pay(id, 500n);
    expect(bob.client.balance(id)).to.equal(ONE / 2n + 200_000n - 500n);

    // bob's invoice, paid by a lock alice makes; bob claims it over HTTP.
    const { hashlock } = bob.client.invoice();
    const expiry = BigInt(await time.latest()) + 3600n;
    await alice.client.lock(id, { amount: 7n, hashlock, expiry });
    await alice.client.settled(hashlock);
    await bob.client.idle();
    expect(bob.client.balance(id)).to.equal(ONE / 2n + 200_007n - 500n);

    const latest = bob.client.channel(id).latest;
    const post = (path: string, body: unknown) =>
      fetch(`${bob.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const junk = await post("/v1/peer/update", {
      channelId: id,
      states: [{ state: { version: "x" } }],
    });
    expect(junk.status).to.equal(400);
    expect(((await junk.json()) as { field: string }).field).to.match(/^states\[0\]/);
    expect((await post("/v1/peer/latest", { channelId: `0x${"00".repeat(32)}` })).status).to.equal(
      404,
    );
    expect(
      (await post("/v1/peer/claim", { channelId: id, secret: `0x${"11".repeat(32)}` })).status,
    ).to.equal(404);
    expect((await post("/v1/peer/update", "not json at all")).status).to.equal(400);
    expect(bob.client.channel(id).latest).to.deep.equal(latest);

    await alice.client.close(id);
    expect(alice.client.channel(id).row.status).to.equal("closed");
  });
});
