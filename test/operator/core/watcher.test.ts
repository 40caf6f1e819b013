import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { NonceManager, type Wallet } from "ethers";
import { BaselineToken__factory, type BaselineToken } from "../../../typechain-types";
import { DeepReorgError } from "../../../operator/core/errors";
import { createRpcProvider } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import {
  Watcher,
  type WatcherConfig,
  type WatchedEvent,
  type WatcherHandlers,
} from "../../../operator/core/watcher";
import { startFlakyProxy, startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";

const TRANSFER_ABI = ["event Transfer(address indexed from, address indexed to, uint256 value)"];

/** A consumer that records transfers in its own table, as an operator would. */
function transfersTable(store: Store) {
  store.db.exec(`CREATE TABLE IF NOT EXISTS seen (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, to_address TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (block, log_index))`);
  const rewinds: number[] = [];
  return {
    rewinds,
    handlers: {
      onEvents(events: WatchedEvent[]) {
        const insert = store.db.prepare(
          "INSERT INTO seen (block, log_index, to_address, value) VALUES (?, ?, ?, ?)",
        );
        for (const e of events)
          insert.run(
            e.blockNumber,
            e.logIndex,
            e.args.to as string,
            (e.args.value as bigint).toString(),
          );
      },
      onRewind(fromBlock: number) {
        rewinds.push(fromBlock);
        store.db.prepare("DELETE FROM seen WHERE block >= ?").run(fromBlock);
      },
    },
    values: (): bigint[] =>
      (
        store.db.prepare("SELECT value FROM seen ORDER BY block, log_index").all() as {
          value: string;
        }[]
      ).map((r) => BigInt(r.value)),
  };
}

describe("operator/core Watcher (against a hardhat node)", function () {
  let node: HardhatNode;
  let owner: NonceManager;
  let ownerWallet: Wallet;

  before(async function () {
    node = await startHardhatNode();
    ownerWallet = node.wallet(1);
    owner = new NonceManager(ownerWallet);
  });

  after(async function () {
    await node?.stop();
  });

  async function deployToken(): Promise<{ token: BaselineToken; fromBlock: number }> {
    const token = await new BaselineToken__factory(owner).deploy("W", "W", ownerWallet.address);
    const receipt = await (await token.deploymentTransaction())!.wait();
    return { token, fromBlock: receipt!.blockNumber };
  }

  async function mint(token: BaselineToken, amount: bigint): Promise<number> {
    const receipt = await (await token.connect(owner).mint(ownerWallet.address, amount)).wait();
    return receipt!.blockNumber;
  }

  function watcher(
    store: Store,
    token: string,
    fromBlock: number,
    handlers: WatcherHandlers,
    config: Partial<WatcherConfig> = {},
    url = node.url,
  ) {
    return new Watcher(
      {
        name: "transfers",
        addresses: [token],
        abi: TRANSFER_ABI,
        fromBlock,
        confirmations: 1,
        pollIntervalMs: 20,
        rpcRetries: 8,
        rpcRetryDelayMs: 5,
        ...config,
      },
      { provider: createRpcProvider(url, 31337n), store, handlers },
    );
  }

  it("delivers every event once, in order, and advances its cursor", async function () {
    const { token, fromBlock } = await deployToken();
    for (const v of [1n, 2n, 3n]) await mint(token, v);
    const store = Store.open({ memory: true });
    const table = transfersTable(store);
    const w = watcher(store, await token.getAddress(), fromBlock, table.handlers, {
      maxBlockRange: 2,
    });
    expect(await w.poll()).to.equal(3);
    expect(table.values()).to.deep.equal([1n, 2n, 3n]);
    expect(w.cursor).to.equal((await node.provider.getBlockNumber()) + 1);
    expect(await w.poll()).to.equal(0);
    await mint(token, 4n);
    expect(await w.poll()).to.equal(1);
    expect(table.values()).to.deep.equal([1n, 2n, 3n, 4n]);
  });

  it("treats events as final only after the configured confirmations", async function () {
    const { token, fromBlock } = await deployToken();
    const store = Store.open({ memory: true });
    const table = transfersTable(store);
    const w = watcher(store, await token.getAddress(), fromBlock, table.handlers, {
      confirmations: 3,
    });
    await mint(token, 10n);
    expect(await w.poll()).to.equal(0);
    await node.rpc("hardhat_mine", ["0x1"]);
    expect(await w.poll()).to.equal(0);
    await node.rpc("hardhat_mine", ["0x1"]);
    expect(await w.poll()).to.equal(1);
    expect(table.values()).to.deep.equal([10n]);
  });

  it("resumes from its stored cursor after a restart, with no gap and no duplicate", async function () {
    const { token, fromBlock } = await deployToken();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-watcher-"));
    const address = await token.getAddress();
    await mint(token, 1n);
    let store = Store.open({ dataDir: dir, file: "w.sqlite" });
    let w = watcher(store, address, fromBlock, transfersTable(store).handlers);
    await w.poll();
    store.close();

    await mint(token, 2n);
    await mint(token, 3n);
    store = Store.open({ dataDir: dir, file: "w.sqlite" });
    const table = transfersTable(store);
    w = watcher(store, address, fromBlock, table.handlers);
    expect(await w.poll()).to.equal(2);
    expect(table.values()).to.deep.equal([1n, 2n, 3n]);
    store.close();
  });

  it("rolls back a round whose handler fails, and delivers it again", async function () {
    const { token, fromBlock } = await deployToken();
    await mint(token, 5n);
    const store = Store.open({ memory: true });
    const table = transfersTable(store);
    let fail = true;
    const w = watcher(store, await token.getAddress(), fromBlock, {
      onEvents(events) {
        table.handlers.onEvents(events);
        if (fail) throw new Error("disk full");
      },
    });
    const cursor = w.cursor;
    await w.poll().catch(() => undefined);
    expect(w.cursor).to.equal(cursor);
    expect(table.values()).to.deep.equal([]);
    fail = false;
    expect(await w.poll()).to.equal(1);
    expect(table.values()).to.deep.equal([5n]);
  });

  it("re-reads a range whose block hash changed (reorganisation)", async function () {
    const { token, fromBlock } = await deployToken();
    const store = Store.open({ memory: true });
    const table = transfersTable(store);
    const w = watcher(store, await token.getAddress(), fromBlock, table.handlers);
    await mint(token, 1n);
    await w.poll();
    const snapshot = await node.rpc<string>("evm_snapshot");
    const reorgedBlock = await mint(token, 2n);
    await w.poll();
    expect(table.values()).to.deep.equal([1n, 2n]);

    // The block with the 2-token mint is replaced by one with a 7-token mint.
    await node.rpc("evm_revert", [snapshot]);
    owner.reset();
    await mint(token, 7n);
    await node.rpc("hardhat_mine", ["0x1"]);
    await w.poll();
    expect(table.rewinds).to.deep.equal([reorgedBlock]);
    expect(table.values()).to.deep.equal([1n, 7n]);
  });

  it("refuses to guess when the chain reorganised below the history it keeps", async function () {
    const { token, fromBlock } = await deployToken();
    const store = Store.open({ memory: true });
    const table = transfersTable(store);
    const w = watcher(store, await token.getAddress(), fromBlock, table.handlers, {
      historyRanges: 1,
    });
    await w.poll();
    const snapshot = await node.rpc<string>("evm_snapshot");
    for (const v of [1n, 2n]) {
      await mint(token, v);
      await w.poll();
    }
    await node.rpc("evm_revert", [snapshot]);
    owner.reset();
    await node.rpc("hardhat_mine", ["0x4"]);
    const err = await w.poll().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DeepReorgError);
    expect((err as DeepReorgError).watcher).to.equal("transfers");
    expect(table.values()).to.deep.equal([1n, 2n]);
  });

  it("keeps going through an RPC that fails transiently", async function () {
    const { token, fromBlock } = await deployToken();
    for (const v of [1n, 2n, 3n]) await mint(token, v);
    const proxy = await startFlakyProxy(node.url);
    try {
      proxy.setFailing((n) => n % 2 === 0);
      const store = Store.open({ memory: true });
      const table = transfersTable(store);
      const w = watcher(
        store,
        await token.getAddress(),
        fromBlock,
        table.handlers,
        { maxBlockRange: 1 },
        proxy.url,
      );
      expect(await w.poll()).to.equal(3);
      expect(table.values()).to.deep.equal([1n, 2n, 3n]);
      expect(proxy.failures).to.be.greaterThan(2);
    } finally {
      await proxy.stop();
    }
  });

  it("runs on its own with start() and stops cleanly", async function () {
    const { token, fromBlock } = await deployToken();
    const store = Store.open({ memory: true });
    const table = transfersTable(store);
    const w = watcher(store, await token.getAddress(), fromBlock, table.handlers);
    w.start();
    await mint(token, 8n);
    const deadline = Date.now() + 10_000;
    while (table.values().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await w.stop();
    expect(table.values()).to.deep.equal([8n]);
  });

  it("rejects a name that could not be a cursor key", function () {
    const store = Store.open({ memory: true });
    expect(() =>
      watcher(store, ownerWallet.address, 0, transfersTable(store).handlers, {
        name: "bad name; drop",
      }),
    ).to.throw(/not a simple identifier/);
  });
});
