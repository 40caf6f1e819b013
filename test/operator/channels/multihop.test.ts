import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Wallet, keccak256, toUtf8Bytes } from "ethers";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../../deploy";
import { adjudicatorAt, secretRegistryAt } from "../../../operator/channels/abi";
import { ChannelClient, ChannelError, type PeerLink } from "../../../operator/channels/client";
import { DirectPeerLink } from "../../../operator/channels/link";
import { channelsDomain } from "../../../operator/channels/state";
import { ChannelStore } from "../../../operator/channels/store";
import { hardhatDevKey } from "../../../operator/core/l1";
import { Store } from "../../../operator/core/store";
import { DigestSigner } from "../../../operator/lib/secp256k1";

const ONE = ethers.parseEther("1");
const DURATION = 600n;
const FEE = ethers.parseEther("0.001");
const AMOUNT = ethers.parseEther("0.1");

async function contracts() {
  return deployChannels(hre);
}

/** Fresh clients (their stores are memory) and channels on a fresh copy of the contracts. */
async function network() {
  const d = await loadFixture(contracts);
  const { chainId } = await ethers.provider.getNetwork();
  const adjudicator = await d.adjudicator.getAddress();
  const domain = channelsDomain(chainId, adjudicator);
  const registryAddress = await d.secretRegistry.getAddress();
  const paymentApp = await d.paymentApp.getAddress();
  const make = (account: number): ChannelClient => {
    const wallet = new Wallet(hardhatDevKey(account), ethers.provider);
    return new ChannelClient({
      signer: new DigestSigner(hardhatDevKey(account)),
      store: new ChannelStore(Store.open({ memory: true })),
      domain,
      adjudicator: adjudicatorAt(adjudicator, wallet),
      secretRegistry: secretRegistryAt(registryAddress, wallet),
      paymentApp,
      policy: { maxPeerDeposit: 10n * ONE, minLockSeconds: 600n, lockMarginSeconds: 300n },
    });
  };
  const [alice, bob, carol] = [1, 2, 3].map(make);
  const link = (x: ChannelClient, y: ChannelClient): void => {
    x.connect(y.address, new DirectPeerLink(y));
    y.connect(x.address, new DirectPeerLink(x));
  };
  link(alice, bob);
  link(bob, carol);
  const ab = await alice.open({ peer: bob.address, myDeposit: ONE, challengeDuration: DURATION });
  const bc = await bob.open({ peer: carol.address, myDeposit: ONE, challengeDuration: DURATION });
  return { alice, bob, carol, ab, bc, registry: d.secretRegistry };
}

type Net = Awaited<ReturnType<typeof network>>;

const locksOf = (c: ChannelClient, id: string) => c.channel(id).latest.state.outcome[0].locks;
/** Waits until no client has work in progress (a claim or a forward hands work from one to the next). */
async function idleAll(n: Net): Promise<void> {
  const clients = [n.alice, n.bob, n.carol];
  do await Promise.all(clients.map((c) => c.idle()));
  while (clients.some((c) => c.busy));
}

/** alice locks AMOUNT + FEE for bob under `hashlock`, to be forwarded to carol as AMOUNT. */
async function route(n: Net, hashlock: string, forwardMargin = 1800n) {
  const now = BigInt(await time.latest());
  const expiry = now + 7200n;
  const hopExpiry = expiry - forwardMargin;
  await n.alice.lock(n.ab, {
    amount: AMOUNT + FEE,
    hashlock,
    expiry,
    route: [{ to: n.carol.address, amount: AMOUNT.toString(), expiry: hopExpiry.toString() }],
  });
  await idleAll(n);
  return { expiry, hopExpiry };
}

describe("channels: multi-hop payments with hash-time locks", function () {
  it("alice pays carol through bob; bob keeps his fee", async function () {
    const n = await network();
    const { hashlock } = n.carol.invoice();
    await route(n, hashlock);
    await n.alice.settled(hashlock);
    await idleAll(n);
    expect(n.alice.balance(n.ab)).to.equal(ONE - AMOUNT - FEE);
    expect(n.bob.balance(n.ab)).to.equal(AMOUNT + FEE);
    expect(n.bob.balance(n.bc)).to.equal(ONE - AMOUNT);
    expect(n.carol.balance(n.bc)).to.equal(AMOUNT);
    for (const [c, id] of [
      [n.alice, n.ab],
      [n.bob, n.ab],
      [n.bob, n.bc],
      [n.carol, n.bc],
    ] as const) {
      expect(locksOf(c, id)).to.deep.equal([]);
    }
    expect(n.carol.channelPayments(n.bc).map((p) => [p.direction, p.kind, p.amount])).to.deep.equal(
      [["received", "unlock", AMOUNT]],
    );
  });

  it("bob never loses: when alice will not pay the lock after bob paid carol, bob enforces it on-chain", async function () {
    const n = await network();
    // alice stops answering claims (she is gone or dishonest).
    const stalling: PeerLink = {
      propose: (m) => new DirectPeerLink(n.alice).propose(m),
      funded: (m) => new DirectPeerLink(n.alice).funded(m),
      update: (m) => new DirectPeerLink(n.alice).update(m),
      latest: (m) => new DirectPeerLink(n.alice).latest(m),
      claim: async () => {
        throw new ChannelError("UNREACHABLE", "alice is gone");
      },
    };
    n.bob.connect(n.alice.address, stalling);
    const { hashlock } = n.carol.invoice();
    const { expiry } = await route(n, hashlock);
    expect(n.carol.balance(n.bc)).to.equal(AMOUNT); // bob paid carol
    expect(locksOf(n.bob, n.ab)).to.have.length(1); // alice has not paid bob

    // Close to the lock's expiry, bob's guard reveals the secret on-chain and disputes.
    await time.increaseTo(expiry - 200n);
    await n.bob.guard();
    expect(await n.registry.revealedAt(hashlock)).to.be.greaterThan(0n);
    expect(n.bob.channel(n.ab).row.status).to.equal("disputed");
    await time.increase(DURATION);
    const before = await ethers.provider.getBalance(n.bob.address);
    await n.bob.settle(n.ab);
    // Bob paid gas for reveal, challenge, payout and unlock; the lock paid him AMOUNT + FEE.
    const gained = (await ethers.provider.getBalance(n.bob.address)) - before;
    expect(gained > AMOUNT + FEE - ethers.parseEther("0.01")).to.equal(true);
    expect(gained < AMOUNT + FEE).to.equal(true);
  });

  it("an unclaimed lock returns to its payer after expiry, hop by hop", async function () {
    const n = await network();
    // Nobody knows this secret: carol cannot claim.
    const hashlock = keccak256(keccak256(toUtf8Bytes("lost secret")));
    const { expiry, hopExpiry } = await route(n, hashlock);
    expect(locksOf(n.carol, n.bc)).to.have.length(1);
    expect(n.bob.balance(n.bc)).to.equal(ONE - AMOUNT);

    await time.increaseTo(hopExpiry + 1n);
    await n.bob.guard();
    expect(locksOf(n.bob, n.bc)).to.deep.equal([]);
    expect(n.bob.balance(n.bc)).to.equal(ONE);
    expect(locksOf(n.alice, n.ab)).to.have.length(1); // alice's lock has not expired yet

    await time.increaseTo(expiry + 1n);
    await n.alice.guard();
    expect(n.alice.balance(n.ab)).to.equal(ONE);
    expect(locksOf(n.bob, n.ab)).to.deep.equal([]);
  });

  it("refuses a lock that leaves too little time, and does not forward with too thin a margin", async function () {
    const n = await network();
    const { hashlock } = n.carol.invoice();
    const now = BigInt(await time.latest());
    let code = "";
    await n.alice
      .lock(n.ab, { amount: AMOUNT, hashlock, expiry: now + 100n })
      .catch((e: ChannelError) => (code = e.code));
    expect(code).to.equal("LOCK_EXPIRY");
    expect(locksOf(n.bob, n.ab)).to.deep.equal([]);
    expect(n.alice.balance(n.ab)).to.equal(ONE);

    // A hop that expires only 100 s before the incoming lock: bob keeps the lock, forwards nothing.
    await route(n, hashlock, 100n);
    expect(locksOf(n.bob, n.ab)).to.have.length(1);
    expect(locksOf(n.bob, n.bc)).to.deep.equal([]);
  });
});
