import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../../deploy";
import { adjudicatorAt } from "../../../operator/channels/abi";
import {
  ChannelClient,
  ChannelError,
  type ChannelPolicy,
  type PeerLink,
} from "../../../operator/channels/client";
import { DirectPeerLink } from "../../../operator/channels/link";
import {
  channelsDomain,
  ETH,
  signedStateStruct,
  stateDigest,
  type SignedState,
} from "../../../operator/channels/state";
import { ChannelStore } from "../../../operator/channels/store";
import { stateToJson } from "../../../operator/channels/wire";
import { hardhatDevKey } from "../../../operator/core/l1";
import { Store } from "../../../operator/core/store";
import { DigestSigner } from "../../../operator/lib/secp256k1";

const ONE = ethers.parseEther("1");
const DURATION = 600n;

async function deployed() {
  const d = await deployChannels(hre);
  const { chainId } = await ethers.provider.getNetwork();
  return {
    adjudicator: await d.adjudicator.getAddress(),
    paymentApp: await d.paymentApp.getAddress(),
    domain: channelsDomain(chainId, await d.adjudicator.getAddress()),
  };
}

type Deployed = Awaited<ReturnType<typeof deployed>>;

function client(
  d: Deployed,
  account: number,
  opts: { store?: Store; policy?: Partial<ChannelPolicy> } = {},
): ChannelClient {
  const key = hardhatDevKey(account);
  const wallet = new Wallet(key, ethers.provider);
  return new ChannelClient({
    signer: new DigestSigner(key),
    store: new ChannelStore(opts.store ?? Store.open({ memory: true })),
    domain: d.domain,
    adjudicator: adjudicatorAt(d.adjudicator, wallet),
    paymentApp: d.paymentApp,
    policy: { maxPeerDeposit: 10n * ONE, ...opts.policy },
  });
}

function pair(d: Deployed, stores: { alice?: Store; bob?: Store } = {}) {
  const alice = client(d, 1, { store: stores.alice });
  const bob = client(d, 2, { store: stores.bob });
  alice.connect(bob.address, new DirectPeerLink(bob));
  bob.connect(alice.address, new DirectPeerLink(alice));
  return { alice, bob };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as ChannelError).code;
  }
  return "resolved";
}

/** A fresh ERC-20 (no holders, no allowances; the deployer mints) and its address as a channel asset. */
async function freshToken() {
  const [deployer] = await ethers.getSigners();
  const token = await (
    await ethers.getContractFactory("BaselineToken")
  ).deploy("Token", "TKN", deployer.address);
  return { token, asset: await token.getAddress() };
}

describe("channels: payment-channel client", function () {
  it("opens and funds a channel, makes 1,000 payments both ways, and closes cooperatively", async function () {
    const d = await loadFixture(deployed);
    const { alice, bob } = pair(d);
    const id = await alice.open({
      peer: bob.address,
      myDeposit: 5n * ONE,
      peerDeposit: ONE,
      challengeDuration: DURATION,
    });
    const adjudicator = adjudicatorAt(d.adjudicator, ethers.provider);
    expect(await adjudicator.holdings(id, ETH)).to.equal(6n * ONE);
    expect(bob.channel(id).row.status).to.equal("open");

    const unit = ONE / 1000n;
    const sent = await Promise.all(Array.from({ length: 900 }, () => alice.pay(id, unit)));
    expect(sent.map((s) => s.state.version)).to.deep.equal(
      Array.from({ length: 900 }, (_, i) => BigInt(i + 1)),
    );
    for (let i = 0; i < 100; i++) await bob.pay(id, unit / 2n);
    const expectAlice = 5n * ONE - 900n * unit + 100n * (unit / 2n);
    expect(alice.balance(id)).to.equal(expectAlice);
    expect(bob.balance(id)).to.equal(6n * ONE - expectAlice);
    expect(alice.channel(id).latest).to.deep.equal(bob.channel(id).latest);
    expect(alice.channel(id).latest.state.version).to.equal(1000n);

    const before = await Promise.all(
      [alice, bob].map((c) => ethers.provider.getBalance(c.address)),
    );
    const tx = await alice.close(id);
    const receipt = await tx.wait();
    const after = await Promise.all([alice, bob].map((c) => ethers.provider.getBalance(c.address)));
    const fee = receipt!.gasUsed * receipt!.gasPrice;
    expect(after[0] - before[0]).to.equal(expectAlice - fee);
    expect(after[1] - before[1]).to.equal(6n * ONE - expectAlice);
    expect(await adjudicator.holdings(id, ETH)).to.equal(0n);
    expect(alice.channel(id).row.status).to.equal("closed");
  });

  it("refuses payments it cannot make and updates that are not payments to it, changing nothing", async function () {
    const d = await loadFixture(deployed);
    const { alice, bob } = pair(d);
    const id = await alice.open({ peer: bob.address, myDeposit: ONE, challengeDuration: DURATION });
    await alice.pay(id, 10n);
    expect(await code(alice.pay(id, ONE))).to.equal("INSUFFICIENT_BALANCE");
    expect(await code(bob.pay(id, 11n))).to.equal("INSUFFICIENT_BALANCE");
    expect(await code(alice.pay(id, 0n))).to.equal("BAD_REQUEST");
    const latest = bob.channel(id).latest;

    // Forged or wrong updates sent straight to bob.
    const aliceKey = new DigestSigner(hardhatDevKey(1));
    const strangerKey = new DigestSigner(hardhatDevKey(7));
    const next = (amounts: bigint[], version = latest.state.version + 1n) => ({
      ...latest.state,
      version,
      outcome: [{ ...latest.state.outcome[0], amounts }],
    });
    const send = (state: ReturnType<typeof next>, key = aliceKey) =>
      bob.handleUpdate({
        channelId: id,
        states: [{ state: stateToJson(state), sig: key.sign(stateDigest(d.domain, id, state)) }],
      });
    const [a, b] = latest.state.outcome[0].amounts;
    expect(await code(send(next([a - 5n, b + 5n]), strangerKey))).to.equal("BAD_SIGNATURE");
    expect(await code(send(next([a + 5n, b - 5n])))).to.equal("NOT_ACCEPTED");
    expect(await code(send(next([a - 5n, b + 6n])))).to.equal("NOT_ACCEPTED");
    expect(await code(send(next([a - 5n, b + 5n], latest.state.version + 2n)))).to.equal("VERSION");
    expect(await code(send(next([a - 5n, b + 5n], latest.state.version)))).to.equal("VERSION");
    expect(await code(send({ ...next([a - 5n, b + 5n]), isFinal: true }))).to.equal("NOT_ACCEPTED");
    expect(
      await code(
        bob.handleUpdate({
          channelId: id,
          states: [{ state: { ...stateToJson(next([a, b])), version: "-1" }, sig: "0x" }],
        }),
      ),
    ).to.equal("BAD_REQUEST");
    expect(bob.channel(id).latest).to.deep.equal(latest);
    // A correct one still goes through afterwards.
    expect(await code(send(next([a - 5n, b + 5n])))).to.equal("resolved");
  });

  it("refuses channels outside its policy", async function () {
    const d = await loadFixture(deployed);
    const alice = client(d, 1);
    const bob = client(d, 2, { policy: { maxPeerDeposit: ONE, minChallengeDuration: 100n } });
    alice.connect(bob.address, new DirectPeerLink(bob));
    expect(
      await code(
        alice.open({
          peer: bob.address,
          myDeposit: ONE,
          peerDeposit: 2n * ONE,
          challengeDuration: DURATION,
        }),
      ),
    ).to.equal("DEPOSIT_TOO_LARGE");
    expect(
      await code(alice.open({ peer: bob.address, myDeposit: ONE, challengeDuration: 99n })),
    ).to.equal("CHALLENGE_DURATION");
    expect(
      await code(alice.open({ peer: alice.address, myDeposit: ONE, challengeDuration: DURATION })),
    ).to.equal("BAD_REQUEST");
    expect(bob.channels()).to.deep.equal([]);
  });

  it("opens an ERC-20 channel (approving the adjudicator), pays and closes it; refuses a token outside its policy", async function () {
    const d = await loadFixture(deployed);
    const { token, asset } = await freshToken();
    const alice = client(d, 1);
    const bob = client(d, 2, { policy: { assets: [asset] } });
    alice.connect(bob.address, new DirectPeerLink(bob));
    bob.connect(alice.address, new DirectPeerLink(alice));
    for (const c of [alice, bob]) await (await token.mint(c.address, 10n * ONE)).wait();
    // Bob's policy takes this token only: an ETH channel is refused before anything moves.
    expect(
      await code(alice.open({ peer: bob.address, myDeposit: ONE, challengeDuration: DURATION })),
    ).to.equal("BAD_OPENING");
    expect(bob.channels()).to.deep.equal([]);

    const id = await alice.open({
      peer: bob.address,
      myDeposit: 3n * ONE,
      peerDeposit: ONE,
      asset,
      challengeDuration: DURATION,
    });
    const adjudicator = adjudicatorAt(d.adjudicator, ethers.provider);
    expect(await adjudicator.holdings(id, asset)).to.equal(4n * ONE);
    expect(await adjudicator.holdings(id, ETH)).to.equal(0n);
    // Each side approved exactly its deposit, and the adjudicator took it.
    expect(await token.allowance(alice.address, d.adjudicator)).to.equal(0n);
    expect(await token.allowance(bob.address, d.adjudicator)).to.equal(0n);
    await alice.pay(id, ONE / 4n);
    await bob.pay(id, ONE / 8n);
    await (await alice.close(id)).wait();
    expect(await token.balanceOf(alice.address)).to.equal(10n * ONE - ONE / 4n + ONE / 8n);
    expect(await token.balanceOf(bob.address)).to.equal(10n * ONE + ONE / 4n - ONE / 8n);
    expect(await adjudicator.holdings(id, asset)).to.equal(0n);
  });

  it("funds two ERC-20 channels in one token at once, one deposit after the other", async function () {
    const d = await loadFixture(deployed);
    const { token, asset } = await freshToken();
    // Bob (the responder, a hub) holds the token; alice and carol open with him at the same time.
    const bob = client(d, 2, { policy: { assets: [asset] } });
    const openers = [client(d, 1), client(d, 3)];
    for (const c of [bob, ...openers]) await (await token.mint(c.address, 10n * ONE)).wait();
    // A short allowance left from before: raised by each deposit, never overwritten.
    await (
      await token.connect(new Wallet(hardhatDevKey(2), ethers.provider)).approve(d.adjudicator, 5n)
    ).wait();
    for (const c of openers) {
      c.connect(bob.address, new DirectPeerLink(bob));
      bob.connect(c.address, new DirectPeerLink(c));
    }
    const ids = await Promise.all(
      openers.map((c, k) =>
        c.open({
          peer: bob.address,
          myDeposit: ONE,
          peerDeposit: BigInt(k + 2) * ONE,
          asset,
          challengeDuration: DURATION,
        }),
      ),
    );
    const adjudicator = adjudicatorAt(d.adjudicator, ethers.provider);
    for (const [k, id] of ids.entries()) {
      expect(await adjudicator.holdings(id, asset)).to.equal(BigInt(k + 3) * ONE);
      expect(bob.channel(id).row.status).to.equal("open");
      expect(openers[k].channel(id).row.status).to.equal("open");
    }
    expect(await token.balanceOf(bob.address)).to.equal(5n * ONE);
    expect(await token.allowance(bob.address, d.adjudicator)).to.equal(5n);
  });

  it("answers a stale close with its latest state and is paid by it", async function () {
    const d = await loadFixture(deployed);
    const { alice, bob } = pair(d);
    const id = await alice.open({
      peer: bob.address,
      myDeposit: 2n * ONE,
      challengeDuration: DURATION,
    });
    const early = await alice.pay(id, ONE / 10n);
    for (let i = 0; i < 9; i++) await alice.pay(id, ONE / 10n);
    expect(bob.balance(id)).to.equal(ONE);
    // Alice closes with the state where bob had only 0.1 ETH.
    const aliceOnL1 = adjudicatorAt(d.adjudicator, new Wallet(hardhatDevKey(1), ethers.provider));
    await (
      await aliceOnL1.challenge(bob.channel(id).row.channel, [signedStateStruct(early)])
    ).wait();
    expect(await bob.guard()).to.deep.equal([id]);
    expect(await bob.guard()).to.deep.equal([]);
    await time.increase(DURATION);
    const before = await ethers.provider.getBalance(bob.address);
    const receipt = await (await bob.settle(id)).wait();
    const after = await ethers.provider.getBalance(bob.address);
    expect(after - before).to.equal(ONE - receipt!.gasUsed * receipt!.gasPrice);
  });

  it("disputes alone when the peer is gone, and recovers its deposit", async function () {
    const d = await loadFixture(deployed);
    const { alice, bob } = pair(d);
    const id = await alice.open({ peer: bob.address, myDeposit: ONE, challengeDuration: DURATION });
    await alice.pay(id, ONE / 4n);
    const { finalizesAt } = await alice.dispute(id);
    expect(finalizesAt).to.equal(BigInt(await time.latest()) + DURATION);
    await time.increaseTo(finalizesAt);
    await (await alice.settle(id)).wait();
    expect(alice.channel(id).row.status).to.equal("closed");
  });

  it("keeps every counter-signed state across a restart, and resynchronises after a lost answer", async function () {
    const d = await loadFixture(deployed);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-channels-"));
    const bobStore = Store.open({ dataDir: dir, file: "bob.sqlite" });
    const { alice, bob } = pair(d, { bob: bobStore });
    const id = await alice.open({ peer: bob.address, myDeposit: ONE, challengeDuration: DURATION });
    await Promise.all(Array.from({ length: 50 }, () => alice.pay(id, 1000n)));
    const latest = bob.channel(id).latest;
    bobStore.close();

    const bob2 = client(d, 2, { store: Store.open({ dataDir: dir, file: "bob.sqlite" }) });
    expect(bob2.channel(id).latest).to.deep.equal(latest);
    expect(bob2.balance(id)).to.equal(50_000n);

    // Bob stores and countersigns, but his answer is lost on the way back.
    const lossy: PeerLink = {
      ...new DirectPeerLink(bob2),
      propose: (m) => new DirectPeerLink(bob2).propose(m),
      funded: (m) => new DirectPeerLink(bob2).funded(m),
      latest: (m) => new DirectPeerLink(bob2).latest(m),
      claim: (m) => new DirectPeerLink(bob2).claim(m),
      update: async (m) => {
        await new DirectPeerLink(bob2).update(m);
        throw new ChannelError("NETWORK", "connection reset");
      },
    };
    alice.connect(bob.address, lossy);
    expect(await code(alice.pay(id, 7n))).to.equal("NETWORK");
    // Alice adopted bob's newer state: the payment went through after all.
    const both: SignedState = bob2.channel(id).latest;
    expect(alice.channel(id).latest).to.deep.equal(both);
    expect(alice.balance(id)).to.equal(ONE - 50_007n);
    alice.connect(bob.address, new DirectPeerLink(bob2));
    await alice.pay(id, 3n);
    expect(bob2.balance(id)).to.equal(50_010n);
  });
});
