/**
 * The Plasma operator on a `npx hardhat node`, through its HTTP API: a deposit on L1 becomes a
 * spendable output, a signed transfer is accepted (garbage, double spends and forged signatures
 * are refused, changing nothing), a block is built and its root committed on L1, an output of it
 * exits on L1 with the API's proof (and can no longer be spent), and a restart loses nothing and
 * submits no block twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseEther, type Contract } from "ethers";
import hre from "hardhat";
import { deployPlasmaWithSigner } from "../../../deploy";
import type { Api } from "../../../operator/core/api";
import { hardhatDevKey } from "../../../operator/core/l1";
import { pollUntil } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import { DigestSigner } from "../../../operator/lib/secp256k1";
import { plasmaAt } from "../../../operator/plasma/abi";
import { createPlasmaOperatorApi } from "../../../operator/plasma/api";
import { txJson } from "../../../operator/plasma/ledger";
import { PlasmaOperator, type PlasmaOperatorConfig } from "../../../operator/plasma/operator";
import { ETH, plasmaDomain, signTx, utxoPos, type Transaction } from "../../../operator/plasma/tx";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { FAST_PUBLISHER } from "../../helpers/optimistic-node";

const ONE = parseEther("1");
type Json = Record<string, unknown>;

describe("plasma operator (HTTP API, blocks on L1, restarts) on a hardhat node", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let dir: string;
  let config: PlasmaOperatorConfig;
  let plasma: Contract;
  let operator: PlasmaOperator;
  let store: Store;
  let api: Api;
  let url: string;

  async function start(): Promise<void> {
    store = Store.open({ dataDir: dir, file: "operator.sqlite" });
    operator = new PlasmaOperator(config, {
      provider: node.provider,
      signer: node.wallet(0),
      store,
    });
    await operator.start();
    api = createPlasmaOperatorApi(operator);
    url = await api.listen({ host: "127.0.0.1", port: 0 });
  }

  async function stop(): Promise<void> {
    await api.close();
    await operator.stop();
    store.close();
  }

  async function call(p: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${url}${p}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-plasma-operator-"));
    const d = await deployPlasmaWithSigner(hre, node.wallet(0), { minExitPeriod: 100n });
    plasma = plasmaAt(d.plasma, node.provider);
    config = {
      plasma: d.plasma,
      chainId: 31337n,
      domain: plasmaDomain(31337n, d.plasma),
      fromBlock: d.deployBlock,
      blockIntervalMs: 200,
      maxBlockTxs: 100,
      confirmations: 1,
      pollIntervalMs: 50,
      rpcRetries: 2,
      rpcRetryDelayMs: 50,
      publisher: FAST_PUBLISHER,
    };
    await start();
  });

  after(async function () {
    await stop().catch(() => undefined);
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("takes deposits and transfers, commits blocks, serves exit proofs L1 accepts, and survives a restart", async function () {
    const [alice, bob, carol] = [1, 2, 3].map((i) => node.wallet(i));
    const keys = [1, 2].map((i) => new DigestSigner(hardhatDevKey(i)));
    await (await (plasma.connect(alice) as Contract).deposit(ETH, ONE, { value: ONE })).wait();
    const deposit = utxoPos(1n, 0, 0);
    await pollUntil(
      "the deposit",
      async () =>
        ((await call(`/v1/utxos/${alice.address}`)).body as unknown as Json[]).length === 1,
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const tx: Transaction = {
      inputs: [deposit],
      outputs: [
        { owner: bob.address, token: ETH, amount: (ONE * 6n) / 10n },
        { owner: alice.address, token: ETH, amount: (ONE * 4n) / 10n },
      ],
    };
    const body = (t: Transaction, sig: string) => ({ tx: txJson(t), sigs: [sig] });

    // Garbage and forgeries: a specific 4xx, nothing changes.
    const forged = await call("/v1/transactions", body(tx, signTx(keys[1], config.domain, tx)));
    expect(forged.status).to.equal(422);
    expect(forged.body.error).to.equal("BAD_SIGNATURE");
    const junk = await call("/v1/transactions", { tx: { inputs: ["x"], outputs: [] }, sigs: [] });
    expect(junk.status).to.equal(400);
    const unbalanced = { ...tx, outputs: [{ ...tx.outputs[0], amount: ONE * 2n }] };
    const u = await call(
      "/v1/transactions",
      body(unbalanced, signTx(keys[0], config.domain, unbalanced)),
    );
    expect(u.body.error).to.equal("UNBALANCED");
    expect((await call("/v1/status")).body.mempool).to.equal(0);

    const accepted = await call("/v1/transactions", body(tx, signTx(keys[0], config.domain, tx)));
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    const again: Transaction = {
      inputs: [deposit],
      outputs: [{ owner: carol.address, token: ETH, amount: ONE }],
    };
    const double = await call(
      "/v1/transactions",
      body(again, signTx(keys[0], config.domain, again)),
    );
    expect(double.status).to.equal(409);
    expect(double.body.error).to.equal("DOUBLE_SPEND");

    // The block is built and its root committed on L1.
    const block = await pollUntil(
      "block 1000 on L1",
      async () => {
        const r = await call("/v1/blocks/1000");
        return r.status === 200 && r.body.status === "submitted" ? r.body : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect((await plasma.blockAt(1000n))[0]).to.equal(block.root);

    // bob exits his output with the API's proof; the operator then refuses to let it be spent.
    const bobPos = utxoPos(1000n, 0, 0);
    const exit = (await call(`/v1/exits/${bobPos}`)).body as { tx: unknown; proof: string[] };
    expect(exit.proof.length).to.equal(16);
    await (
      await (plasma.connect(bob) as Contract).startExit(bobPos, exit.tx, exit.proof, {
        value: await plasma.exitBond(),
      })
    ).wait();
    const spendExiting: Transaction = {
      inputs: [bobPos],
      outputs: [{ owner: carol.address, token: ETH, amount: (ONE * 6n) / 10n }],
    };
    await pollUntil(
      "the exit seen by the operator",
      async () => (await call(`/v1/outputs/${bobPos}`)).body.status === "exiting",
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const refused = await call(
      "/v1/transactions",
      body(spendExiting, signTx(keys[1], config.domain, spendExiting)),
    );
    expect(refused.body.error).to.equal("INPUT_EXITING");

    // A restart: the ledger is intact, block 1000 is not submitted again, the next is 2000.
    await stop();
    await start();
    expect((await call("/v1/status")).body.lastBlock).to.equal("1000");
    const change = utxoPos(1000n, 0, 1);
    const next: Transaction = {
      inputs: [change],
      outputs: [{ owner: carol.address, token: ETH, amount: (ONE * 4n) / 10n }],
    };
    expect(
      (await call("/v1/transactions", body(next, signTx(keys[0], config.domain, next)))).status,
    ).to.equal(202);
    await pollUntil("block 2000 on L1", async () => (await plasma.nextChildBlock()) === 3000n, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect((await call(`/v1/utxos/${carol.address}`)).body).to.have.length(1);
  });
});
