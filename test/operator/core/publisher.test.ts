import { expect } from "chai";
import type { Wallet } from "ethers";
import { BaselineToken__factory, type BaselineToken } from "../../../typechain-types";
import { createRpcProvider } from "../../../operator/core/rpc";
import {
  Publisher,
  PublishKeyConflictError,
  type PublisherConfig,
} from "../../../operator/core/publisher";
import { NonceConsumedError, TxRevertedError } from "../../../operator/core/errors";
import { Store } from "../../../operator/core/store";
import {
  startFlakyProxy,
  startHardhatNode,
  waitFor,
  type HardhatNode,
} from "../../helpers/hardhat-node";

const FAST: PublisherConfig = {
  confirmations: 1,
  pollIntervalMs: 20,
  txStuckAfterMs: 60_000,
  feeBumpPercent: 20,
  maxFeePerGas: 500_000_000_000n,
  gasLimitMarginPercent: 20,
  rpcRetries: 8,
  rpcRetryDelayMs: 5,
};

describe("operator/core Publisher (against a hardhat node)", function () {
  let node: HardhatNode;
  let token: BaselineToken;
  let deployer: Wallet;
  let walletIndex = 5;

  before(async function () {
    node = await startHardhatNode();
    deployer = node.wallet(0);
    token = await new BaselineToken__factory(deployer).deploy("T", "T", deployer.address);
    await token.waitForDeployment();
  });

  after(async function () {
    await node?.stop();
  });

  afterEach(async function () {
    await node.rpc("evm_setAutomine", [true]);
  });

  /** A fresh funded sender per test, so nonces never interfere. */
  function freshSigner(): Wallet {
    return node.wallet(walletIndex++);
  }

  function publisher(
    signer: Wallet,
    store = Store.open({ memory: true }),
    config: Partial<PublisherConfig> = {},
    url = node.url,
  ) {
    const provider = createRpcProvider(url, 31337n, { pollIntervalMs: 20 });
    return {
      publisher: new Publisher({ ...FAST, ...config }, { provider, signer, store }),
      store,
      provider,
    };
  }

  function mintData(to: string, amount: bigint): string {
    return token.interface.encodeFunctionData("mint", [to, amount]);
  }

  async function mintable(signer: Wallet): Promise<BaselineToken> {
    // Each test's sender owns its own token so that mint() succeeds from it.
    const t = await new BaselineToken__factory(deployer).deploy("T", "T", signer.address);
    await t.waitForDeployment();
    return t;
  }

  it("sends, waits for the receipt and records it", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer);
    await p.start();
    const before = await node.provider.getTransactionCount(signer.address);
    const sent = await p.send("mint-1", {
      to: await t.getAddress(),
      data: mintData(signer.address, 5n),
    });
    expect(sent.nonce).to.equal(before);
    expect(sent.replacements).to.equal(0);
    expect(sent.gasUsed > 0n).to.equal(true);
    expect(await t.balanceOf(signer.address)).to.equal(5n);
    expect(p.status("mint-1")).to.include({ status: "confirmed", minedHash: sent.hash });
  });

  it("is idempotent by key: a second send of the same key sends nothing", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer);
    await p.start();
    const req = { to: await t.getAddress(), data: mintData(signer.address, 7n) };
    const [a, b] = await Promise.all([p.send("k", req), p.send("k", req)]);
    const c = await p.send("k", req);
    expect(a.hash).to.equal(b.hash).and.to.equal(c.hash);
    expect(await t.balanceOf(signer.address)).to.equal(7n);
  });

  it("refuses a key reused for a different transaction", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer);
    await p.start();
    await p.send("k", { to: await t.getAddress(), data: mintData(signer.address, 1n) });
    const err = await p
      .send("k", { to: await t.getAddress(), data: mintData(signer.address, 2n) })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(PublishKeyConflictError);
    expect((err as PublishKeyConflictError).key).to.equal("k");
    expect(await t.balanceOf(signer.address)).to.equal(1n);
  });

  it("assigns consecutive nonces to concurrent sends", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer);
    await p.start();
    const to = await t.getAddress();
    const results = await Promise.all(
      [1n, 2n, 3n, 4n].map((n) => p.send(`m${n}`, { to, data: mintData(signer.address, n) })),
    );
    const nonces = results.map((r) => r.nonce).sort((x, y) => x - y);
    expect(nonces[3] - nonces[0]).to.equal(3);
    expect(new Set(nonces).size).to.equal(4);
    expect(await t.balanceOf(signer.address)).to.equal(10n);
  });

  it("reports a would-be revert with its revert data and sends nothing", async function () {
    const signer = freshSigner();
    const { publisher: p } = publisher(signer);
    await p.start();
    const before = await node.provider.getTransactionCount(signer.address);
    // signer does not own `token`: mint reverts with OwnableUnauthorizedAccount(signer).
    const err = await p
      .send("bad", { to: await token.getAddress(), data: mintData(signer.address, 1n) })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TxRevertedError);
    const decoded = token.interface.parseError((err as TxRevertedError).revertData!);
    expect(decoded?.name).to.equal("OwnableUnauthorizedAccount");
    expect(decoded?.args[0]).to.equal(signer.address);
    expect(p.status("bad")).to.equal(undefined);
    expect(await node.provider.getTransactionCount(signer.address)).to.equal(before);
  });

  it("reports a transaction mined with status 0 as reverted", async function () {
    const signer = freshSigner();
    const { publisher: p } = publisher(signer);
    await p.start();
    // A fixed gas limit skips estimation, so the reverting call is mined.
    const err = await p
      .send("mined-revert", {
        to: await token.getAddress(),
        data: mintData(signer.address, 1n),
        gasLimit: 100_000n,
      })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TxRevertedError);
    expect((err as TxRevertedError).txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(p.status("mined-revert")?.status).to.equal("reverted");
  });

  it("waits for the configured confirmations", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer, undefined, { confirmations: 3 });
    await p.start();
    let done = false;
    const sending = p
      .send("c", { to: await t.getAddress(), data: mintData(signer.address, 1n) })
      .then((r) => {
        done = true;
        return r;
      });
    await waitFor("mined", async () => (await t.balanceOf(signer.address)) === 1n || undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(done, "resolved with one confirmation").to.equal(false);
    await node.rpc("hardhat_mine", ["0x1"]);
    await new Promise((r) => setTimeout(r, 200));
    expect(done, "resolved with two confirmations").to.equal(false);
    await node.rpc("hardhat_mine", ["0x1"]);
    const sent = await sending;
    const head = await node.provider.getBlockNumber();
    expect(head - sent.blockNumber + 1).to.be.at.least(3);
  });

  it("replaces a stuck transaction with the same nonce and higher fees", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer, undefined, { txStuckAfterMs: 150 });
    await p.start();
    await node.rpc("evm_setAutomine", [false]);
    const sending = p.send("stuck", {
      to: await t.getAddress(),
      data: mintData(signer.address, 3n),
    });
    const status = await waitFor("a replacement", () => {
      const s = p.status("stuck");
      return s !== undefined && s.hashes.length >= 2 ? s : undefined;
    });
    // The node holds only the replacement now (it may take the node a moment under load).
    await waitFor(
      "the first transaction dropped",
      async () => (await node.provider.getTransaction(status.hashes[0])) === null || undefined,
    );
    const now = p.status("stuck")!;
    const latest = await node.provider.getTransaction(now.hashes[now.hashes.length - 1]);
    expect(latest!.nonce).to.equal(status.nonce);
    await node.rpc("evm_mine");
    const sent = await sending;
    expect(sent.replacements).to.be.at.least(1);
    expect(status.hashes.slice(1)).to.include(sent.hash);
    const mined = await node.provider.getTransaction(sent.hash);
    expect(mined!.maxFeePerGas! > 0n).to.equal(true);
    expect(await t.balanceOf(signer.address)).to.equal(3n);
  });

  it("never offers more than the fee cap", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const feeData = await node.provider.getFeeData();
    const cap = feeData.maxFeePerGas! + 1n;
    const { publisher: p } = publisher(signer, undefined, {
      txStuckAfterMs: 100,
      maxFeePerGas: cap,
    });
    await p.start();
    await node.rpc("evm_setAutomine", [false]);
    const sending = p.send("capped", {
      to: await t.getAddress(),
      data: mintData(signer.address, 1n),
    });
    await waitFor("a replacement", () =>
      (p.status("capped")?.hashes.length ?? 0) >= 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 400));
    for (const h of p.status("capped")!.hashes) {
      const tx = await node.provider.getTransaction(h);
      if (tx !== null) expect(tx.maxFeePerGas! <= cap).to.equal(true);
    }
    await node.rpc("evm_mine");
    await sending;
  });

  it("resumes after a crash: a persisted, unsent transaction is broadcast once, never twice", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const store = Store.open({ memory: true });
    const first = publisher(signer, store);
    await first.publisher.start();
    await node.rpc("evm_setAutomine", [false]);
    const req = { to: await t.getAddress(), data: mintData(signer.address, 9n) };
    const lost = first.publisher.send("batch-1", req).catch((e: unknown) => e);
    const status = await waitFor("persisted", () => first.publisher.status("batch-1"));
    // The process dies and the node forgets the transaction (as if the broadcast never happened).
    first.publisher.stop();
    expect(await lost).to.have.property("code", "PUBLISHER_STOPPED");
    await node.rpc("hardhat_dropTransaction", [status.hashes[0]]);
    expect(await node.provider.getTransaction(status.hashes[0])).to.equal(null);

    const second = publisher(signer, store);
    await second.publisher.start();
    expect(await node.provider.getTransaction(status.hashes[0])).to.not.equal(null);
    const sending = second.publisher.send("batch-1", req);
    await node.rpc("evm_mine");
    const sent = await sending;
    expect(sent.hash).to.equal(status.hashes[0]);
    expect(await t.balanceOf(signer.address)).to.equal(9n);
    expect(await node.provider.getTransactionCount(signer.address)).to.equal(status.nonce + 1);
  });

  it("reports a nonce taken by a transaction it did not send", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const { publisher: p } = publisher(signer);
    await p.start();
    await node.rpc("evm_setAutomine", [false]);
    const sending = p
      .send("taken", { to: await t.getAddress(), data: mintData(signer.address, 1n) })
      .catch((e: unknown) => e);
    const status = await waitFor("persisted", () => p.status("taken"));
    await node.rpc("hardhat_dropTransaction", [status.hashes[0]]);
    // Another program spends the same nonce.
    await signer.sendTransaction({ to: signer.address, value: 1n, nonce: status.nonce });
    await node.rpc("evm_mine");
    const err = await sending;
    expect(err).to.be.instanceOf(NonceConsumedError);
    expect((err as NonceConsumedError).nonce).to.equal(status.nonce);
  });

  it("retries RPC calls that fail transiently", async function () {
    const signer = freshSigner();
    const t = await mintable(signer);
    const proxy = await startFlakyProxy(node.url);
    try {
      // Two of every three requests fail, alternately as 503 and as a reset connection.
      proxy.setFailing((n) => n % 3 !== 0);
      const { publisher: p } = publisher(signer, undefined, {}, proxy.url);
      await p.start();
      const sent = await p.send("flaky", {
        to: await t.getAddress(),
        data: mintData(signer.address, 4n),
      });
      expect(sent.blockNumber).to.be.greaterThan(0);
      expect(proxy.failures).to.be.greaterThan(3);
      expect(proxy.methods.get("eth_sendRawTransaction")).to.be.at.least(1);
      expect(await t.balanceOf(signer.address)).to.equal(4n);
    } finally {
      await proxy.stop();
    }
  });

  it("gives up after the configured retries when the RPC stays down", async function () {
    const signer = freshSigner();
    const proxy = await startFlakyProxy(node.url);
    try {
      proxy.setFailing(() => true);
      const { publisher: p } = publisher(signer, undefined, { rpcRetries: 2 }, proxy.url);
      const err = await p.start().catch((e: unknown) => e);
      expect(err).to.have.property("code", "RPC_RETRIES_EXHAUSTED");
      expect(err).to.have.nested.property("fields.attempts", 3);
      expect(proxy.requests).to.equal(3);
    } finally {
      await proxy.stop();
    }
  });
});
