import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { Contract, parseEther, type TransactionReceipt, type Wallet } from "ethers";
import hre from "hardhat";
import { deployOptimisticRollupWithSigner } from "../../../deploy";
import { createLogger } from "../../../operator/core/log";
import { pollUntil } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import { optimisticRollupAt } from "../../../operator/optimistic/abi";
import { signL2Tx, txRequestBody } from "../../../operator/optimistic/client";
import { openingClaim } from "../../../operator/optimistic/game";
import { rollupDomain } from "../../../operator/optimistic/protocol";
import { createSequencerApi } from "../../../operator/optimistic/sequencer/api";
import { checkFaultInjection } from "../../../operator/optimistic/sequencer/launch";
import {
  faultyRoot,
  Sequencer,
  type SequencerConfig,
} from "../../../operator/optimistic/sequencer/sequencer";
import type { Eip712Domain } from "../../../operator/lib/eip712";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { FAST_PUBLISHER, mine as mineBlock, storedRoots } from "../../helpers/optimistic-node";

const PARAMS = {
  challengeWindow: 100n,
  forceDelay: 600n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 300n,
  clockExtension: 60n,
};

describe("optimistic sequencer (in process, on a hardhat node)", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  let dir: string;
  let config: SequencerConfig;
  let rollup: Contract;
  let game: Contract;
  let domain: Eip712Domain;
  let running: { seq: Sequencer; url: string; stop(): Promise<void> };
  let alice: Wallet;
  let bob: Wallet;
  let stranger: Wallet;
  const carol = "0x00000000000000000000000000000000000c4201";
  const nonces = new Map<string, bigint>();

  async function start(overrides: Partial<SequencerConfig> = {}) {
    const store = Store.open({ dataDir: dir, file: "sequencer.sqlite" });
    const seq = new Sequencer(
      { ...config, ...overrides },
      {
        provider: node.provider,
        signer: node.wallet(0),
        store,
        log: process.env.L2KIT_TEST_LOG ? createLogger({ level: "debug" }) : undefined,
      },
    );
    await seq.start();
    const api = createSequencerApi(seq, {});
    const url = await api.listen({ host: "127.0.0.1", port: 0 });
    return {
      seq,
      url,
      stop: async () => {
        await api.close();
        await seq.stop();
        store.close();
      },
    };
  }

  const post = async (
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${running.url}/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const get = async (p: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${running.url}${p}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sign = async (
    from: Wallet,
    p: {
      type?: "transfer" | "withdraw";
      to?: string;
      amount: bigint;
      fee?: bigint;
      nonce?: bigint;
    },
  ) => {
    const key = from.address.toLowerCase();
    const nonce = p.nonce ?? nonces.get(key) ?? 0n;
    if (p.nonce === undefined) nonces.set(key, nonce + 1n);
    return signL2Tx(from, domain, { type: p.type ?? "transfer", ...p, nonce });
  };
  const waitStatus = (hash: string, status: string) =>
    pollUntil(
      `transaction ${hash} to be ${status}`,
      async () => {
        const t = await get(`/v1/transactions/${hash}`);
        return t.body.status === status ? t.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  const mine = (seconds: bigint) => mineBlock(node, seconds);

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-sequencer-"));
    const d = await deployOptimisticRollupWithSigner(hre, node.wallet(0), PARAMS);
    rollup = optimisticRollupAt(d.rollup, node.wallet(0));
    game = new Contract(
      d.game,
      (await hre.artifacts.readArtifact("ChallengeGame")).abi,
      node.wallet(5),
    );
    domain = rollupDomain(31337n, d.rollup);
    config = {
      rollup: d.rollup,
      chainId: 31337n,
      domain,
      fromBlock: d.deployBlock,
      batchBond: PARAMS.batchBond,
      bondTopUp: PARAMS.batchBond * 2n,
      challengeWindowSeconds: Number(PARAMS.challengeWindow),
      maxBatchWaitMs: 200,
      maxBatchRecords: 100,
      maxBatchInbox: 16,
      minFee: 0n,
      maxPendingTxs: 1000,
      verifyWorkers: 1,
      confirmations: 1,
      pollIntervalMs: 50,
      rpcRetries: 2,
      rpcRetryDelayMs: 50,
      publisher: FAST_PUBLISHER,
    };
    alice = node.wallet(1);
    bob = node.wallet(2);
    stranger = node.wallet(3);
    running = await start();
  });

  after(async function () {
    await running?.stop();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("seals L1 deposits into a batch it posts with a bond, claiming the honest root", async function () {
    const r = (w: Wallet) => rollup.connect(w) as Contract;
    await (await r(alice).depositETH(alice.address, { value: parseEther("5") })).wait();
    await (await r(bob).depositETH(bob.address, { value: parseEther("5") })).wait();
    const a = await pollUntil(
      "alice's account",
      async () => {
        const res = await get(`/v1/accounts/${alice.address}`);
        return res.status === 200 ? res.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(a).to.deep.include({
      index: "0",
      nonce: "0",
      balances: { "0": parseEther("5").toString() },
    });
    await pollUntil("the batch on L1", async () => Number(await rollup.batchCount()) === 2);
    expect(await rollup.headRoot()).to.equal(running.seq.headRoot);
    const batch = await get("/v1/batches/1");
    expect(batch.body).to.deep.include({ position: 1, inboxStart: 0, inboxCount: 2, txs: [] });
    // The bond was topped up once (2 batch bonds) and one is locked in the batch.
    expect(await rollup.freeBond(node.wallet(0).address)).to.equal(PARAMS.batchBond);
  });

  it("accepts signed transfers, answers only once they are persisted, and posts them", async function () {
    const t1 = await sign(alice, { to: bob.address, amount: parseEther("1") });
    const t2 = await sign(bob, { to: carol, amount: parseEther("0.5") });
    const [r1, r2] = await Promise.all([post(txRequestBody(t1)), post(txRequestBody(t2))]);
    expect(r1.status, JSON.stringify(r1.body)).to.equal(202);
    expect(r2.status, JSON.stringify(r2.body)).to.equal(202);
    expect(running.seq.db.txByHash(r1.body.hash as string)).to.not.equal(undefined);
    const s1 = await waitStatus(r1.body.hash as string, "posted");
    expect(s1).to.deep.include({ from: alice.address, to: bob.address, nonce: "0", batch: 2 });
    await waitStatus(r2.body.hash as string, "posted");
    const b = await get(`/v1/accounts/${bob.address}`);
    expect(b.body.balances).to.deep.equal({ "0": parseEther("5.5").toString() });
    const c = await get(`/v1/accounts/${carol}`);
    expect(c.body).to.deep.include({ index: "2", balances: { "0": parseEther("0.5").toString() } });
    expect(await rollup.headRoot()).to.equal(running.seq.headRoot);
  });

  it("refuses bad transactions with specific errors and changes nothing", async function () {
    const rootBefore = running.seq.headRoot;
    const pendingBefore = running.seq.status().pendingTxs;
    const good = txRequestBody(await sign(alice, { to: bob.address, amount: 1000n, nonce: 1n }));
    const cases: [string, unknown, number, string, string?][] = [
      ["malformed JSON", "{not json", 400, "BAD_REQUEST"],
      ["unknown field", { ...good, extra: 1 }, 400, "BAD_REQUEST", "body.extra"],
      ["bad address", { ...good, from: "0x1234" }, 400, "BAD_REQUEST", "body.from"],
      ["amount as a number", { ...good, amount: 5 }, 400, "BAD_REQUEST", "body.amount"],
      [
        "signature with v = 29",
        { ...good, signature: `${(good.signature as string).slice(0, 130)}1d` },
        400,
        "BAD_REQUEST",
        "body.signature",
      ],
      [
        "withdrawal naming a recipient",
        { ...good, type: "withdraw" },
        400,
        "BAD_REQUEST",
        "body.to",
      ],
      [
        "inexact amount",
        txRequestBody(
          await sign(alice, { to: bob.address, amount: 123456789012345678n, nonce: 1n }),
        ),
        400,
        "BAD_REQUEST",
        "amount",
      ],
      [
        "unknown sender",
        txRequestBody(await sign(stranger, { to: bob.address, amount: 1000n, nonce: 0n })),
        422,
        "UNKNOWN_ACCOUNT",
      ],
      [
        "used nonce",
        txRequestBody(await sign(alice, { to: bob.address, amount: 1000n, nonce: 0n })),
        409,
        "NONCE_USED",
      ],
      [
        "skipped nonce",
        txRequestBody(await sign(alice, { to: bob.address, amount: 1000n, nonce: 5n })),
        409,
        "NONCE_GAP",
      ],
      [
        "more than the balance",
        txRequestBody(await sign(alice, { to: bob.address, amount: parseEther("100"), nonce: 1n })),
        422,
        "INSUFFICIENT_BALANCE",
      ],
      [
        "a fee with no fee account",
        txRequestBody(await sign(alice, { to: bob.address, amount: 1000n, fee: 1n, nonce: 1n })),
        422,
        "FEE_NOT_ACCEPTED",
      ],
      [
        "a transfer to oneself",
        txRequestBody(await sign(alice, { to: alice.address, amount: 1000n, nonce: 1n })),
        422,
        "SELF_TRANSFER",
      ],
      [
        "someone else's signature",
        {
          ...good,
          signature: (await sign(bob, { to: bob.address, amount: 1000n, nonce: 1n })).signature,
        },
        422,
        "BAD_SIGNATURE",
      ],
      ["a signature over other fields", { ...good, amount: "2000" }, 422, "BAD_SIGNATURE"],
    ];
    for (const [what, body, status, error, field] of cases) {
      const res = await post(body);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(status);
      expect(res.body.error, what).to.equal(error);
      if (field !== undefined) expect(String(res.body.field), what).to.contain(field);
    }
    expect(running.seq.headRoot).to.equal(rootBefore);
    expect(running.seq.status().pendingTxs).to.equal(pendingBefore);
    expect((await get(`/v1/accounts/${alice.address}`)).body.pending).to.deep.include({
      nonce: "1",
    });
    const unknown = await get(`/v1/transactions/0x${"ab".repeat(32)}`);
    expect(unknown.status).to.equal(404);
  });

  it("answers thousands of malformed, replayed, overspending and forged requests with 4xx only, changing nothing", async function () {
    const before = running.seq.status();
    const account = (await get(`/v1/accounts/${alice.address}`)).body as {
      pending: { nonce: string };
    };
    const nonce = BigInt(account.pending.nonce);
    const signed = async (over: { nonce?: bigint; amount?: bigint }) =>
      txRequestBody(
        await sign(alice, {
          to: bob.address,
          amount: over.amount ?? 1000n,
          nonce: over.nonce ?? nonce,
        }),
      );
    const valid = await signed({});
    const fields = Object.keys(valid);
    const templates = [
      ...(await Promise.all([0n].filter((n) => n < nonce).map((n) => signed({ nonce: n })))),
      await signed({ amount: parseEther("1000") }),
      await signed({ nonce: nonce + 3n }),
    ];
    const bodyArb = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.constantFrom(...templates),
      fc
        .record({ field: fc.constantFrom(...fields), value: fc.jsonValue() })
        .map(({ field, value }) => ({ ...valid, [field]: value }))
        .filter((b) => JSON.stringify(b) !== JSON.stringify(valid)),
      fc
        .uint8Array({ minLength: 65, maxLength: 65 })
        .map((sig) => ({ ...valid, signature: `0x${Buffer.from(sig).toString("hex")}` })),
    );
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        bodyArb,
        fc.constantFrom("application/json", "text/plain"),
        async (body, type) => {
          const raw =
            typeof body === "string" && type === "application/json" ? body : JSON.stringify(body);
          const res = await fetch(`${running.url}/v1/transactions`, {
            method: "POST",
            headers: { "content-type": type },
            body: raw,
          });
          requests++;
          const text = await res.text();
          expect(res.status, `${raw} -> ${res.status} ${text}`).to.be.within(400, 499);
          expect(() => JSON.parse(text) as unknown).to.not.throw();
        },
      ),
      { numRuns: 1500, seed: 20261121 },
    );
    const paths = fc.oneof(
      fc.string().map((x) => `/v1/accounts/${encodeURIComponent(x)}`),
      fc.string().map((x) => `/v1/accounts/${encodeURIComponent(x)}/withdrawals`),
      fc.string().map((x) => `/v1/transactions/${encodeURIComponent(x)}`),
      fc.string().map((x) => `/v1/batches/${encodeURIComponent(x)}`),
      fc.string().map((x) => `/v1/withdrawals/${encodeURIComponent(x)}/proof`),
      fc.string().map((x) => `/${encodeURIComponent(x)}`),
    );
    await fc.assert(
      fc.asyncProperty(paths, async (p) => {
        const res = await fetch(`${running.url}${p}`);
        requests++;
        await res.text();
        expect(res.status, p).to.be.within(200, 499);
      }),
      { numRuns: 1000, seed: 7 },
    );
    expect(requests).to.be.at.least(2500);
    const after = running.seq.status();
    expect(after.headRoot).to.equal(before.headRoot);
    expect(after.pendingTxs).to.equal(before.pendingTxs);
    expect((await get(`/v1/accounts/${alice.address}`)).body).to.deep.include(account);
  });

  it("publishes its routes as an OpenAPI 3.1 document", async function () {
    const doc = (await get("/openapi.json")).body;
    expect(doc.openapi).to.equal("3.1.0");
    expect(Object.keys(doc.paths as object)).to.include.members([
      "/v1/transactions",
      "/v1/transactions/{hash}",
      "/v1/accounts/{address}",
      "/v1/accounts/{address}/withdrawals",
      "/v1/withdrawals/{id}/proof",
      "/v1/batches/{position}",
      "/v1/status",
    ]);
  });

  it("restarts from its database: pending transactions survive and nothing is posted twice", async function () {
    await running.stop();
    running = await start({ maxBatchWaitMs: 60_000 });
    const t = await sign(alice, { to: bob.address, amount: parseEther("0.25") });
    const r = await post(txRequestBody(t));
    expect(r.status).to.equal(202);
    await running.stop();
    running = await start();
    expect((await get(`/v1/transactions/${r.body.hash as string}`)).body.status).to.be.oneOf([
      "pending",
      "sealed",
      "posted",
    ]);
    await waitStatus(r.body.hash as string, "posted");
    const events = await rollup.queryFilter(rollup.filters.BatchPosted(), config.fromBlock);
    expect(events.length).to.equal(running.seq.db.liveBatches().length);
    expect(await rollup.headRoot()).to.equal(running.seq.headRoot);
  });

  it("takes out of a batch the transactions a forced L1 withdrawal made unaffordable, and says why", async function () {
    await running.stop();
    running = await start({ maxBatchWaitMs: 60_000 });
    const balance = BigInt(
      ((await get(`/v1/accounts/${alice.address}`)).body.balances as Record<string, string>)["0"],
    );
    const spend = await sign(alice, { to: bob.address, amount: parseEther("1") });
    const next = await sign(alice, { to: bob.address, amount: parseEther("0.5") });
    const r1 = await post(txRequestBody(spend));
    const r2 = await post(txRequestBody(next));
    expect([r1.status, r2.status]).to.deep.equal([202, 202]);
    // The forced withdrawal runs first in the batch and takes everything alice has.
    await (
      await (rollup.connect(alice) as Contract).forceWithdraw(0, balance, alice.address)
    ).wait();
    await pollUntil("the inbox entry", () => running.seq.status().inboxSeen === 3);
    expect(running.seq.trySeal(true)).to.be.a("number");
    const t1 = (await get(`/v1/transactions/${r1.body.hash as string}`)).body;
    const t2 = (await get(`/v1/transactions/${r2.body.hash as string}`)).body;
    expect(t1).to.deep.include({ status: "rejected", reason: "insufficient balance" });
    expect(t2).to.deep.include({
      status: "rejected",
      reason: "an earlier transaction of the sender failed",
    });
    nonces.set(
      alice.address.toLowerCase(),
      BigInt((await get(`/v1/accounts/${alice.address}`)).body.nonce as string),
    );
    await pollUntil(
      "the batch on L1",
      async () => (await rollup.headRoot()) === running.seq.headRoot,
    );
    const a = await get(`/v1/accounts/${alice.address}`);
    expect(a.body.balances).to.deep.equal({});
    await running.stop();
    running = await start();
  });

  it("refuses --fault-at-batch on any chain but the local test chain", function () {
    expect(() => checkFaultInjection(1n, 3)).to.throw(/refused on chain 1/);
    expect(() => checkFaultInjection(11155111n, 1)).to.throw(/OPTIMISTIC_FAULT_AT_BATCH|refused/);
    expect(() => checkFaultInjection(31337n, 3)).to.not.throw();
    expect(() => checkFaultInjection(1n, undefined)).to.not.throw();
  });

  it("finalises after the window and serves the proof that pays a withdrawal on L1", async function () {
    const w = await sign(bob, { type: "withdraw", amount: parseEther("1") });
    const r = await post(txRequestBody(w));
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    await waitStatus(r.body.hash as string, "posted");
    const list = await get(`/v1/accounts/${bob.address}/withdrawals`);
    // Alice's forced withdrawal (previous test) is withdrawal 0.
    expect(list.body.withdrawals).to.deep.equal([
      {
        id: "1",
        recipient: bob.address,
        token: 0,
        amount: parseEther("1").toString(),
        final: false,
      },
    ]);
    expect((await get("/v1/withdrawals/1/proof")).status).to.equal(409);
    expect((await get("/v1/withdrawals/7/proof")).status).to.equal(404);
    await mine(PARAMS.challengeWindow + 1n);
    await pollUntil(
      "the sequencer to finalise every batch",
      async () => (await rollup.finalizedCount()) === (await rollup.batchCount()),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await waitStatus(r.body.hash as string, "final");
    const proof = (await pollUntil("the proof", async () => {
      const p = await get("/v1/withdrawals/1/proof");
      return p.status === 200 ? p.body : undefined;
    })) as {
      position: number;
      header: Record<string, string>;
      withdrawal: { recipient: string; token: number; amount: string };
      bitmap: string;
      siblings: string[];
    };
    const asBob = rollup.connect(bob) as Contract;
    await (
      await asBob.proveWithdrawal(
        proof.position,
        proof.header,
        1,
        proof.withdrawal.recipient,
        proof.withdrawal.token,
        proof.withdrawal.amount,
        proof.bitmap,
        proof.siblings,
      )
    ).wait();
    const before = await node.provider.getBalance(bob.address);
    const receipt = (await (await asBob.claim(0)).wait()) as TransactionReceipt;
    const after = await node.provider.getBalance(bob.address);
    expect(after - before + receipt.gasUsed * receipt.gasPrice).to.equal(parseEther("1"));
  });

  it("with --fault-at-batch, claims a wrong root; once the batch is proven invalid it seals the transactions again", async function () {
    const faultAt = running.seq.db.lastSeq() + 1;
    await running.stop();
    running = await start({ faultAtBatch: faultAt });
    const t = await sign(bob, { to: carol, amount: parseEther("0.125") });
    const r = await post(txRequestBody(t));
    expect(r.status).to.equal(202);
    const posted = await waitStatus(r.body.hash as string, "posted");
    const position = posted.batch as number;
    const onL1 = await rollup.batchAt(position);
    expect(onL1.stateRoot).to.equal(faultyRoot(faultAt));
    expect(onL1.stateRoot).to.not.equal(running.seq.headRoot);

    // A challenger replays the stored batches and disputes the faulty one; the sequencer does not
    // defend it, so it loses on time.
    const roots = storedRoots(running.seq.db, domain, position);
    const opened = await (
      await game.challenge(onL1.id, openingClaim(roots), {
        value: PARAMS.challengerBond,
      })
    ).wait();
    const gameId = game.interface.parseLog(opened.logs[0])?.args.gameId ?? 1n;
    await mine(PARAMS.clockBudget + 1n);
    await (await game.timeout(gameId)).wait();
    expect(await rollup.isAlive(onL1.id)).to.equal(false);

    const slashed = await rollup.queryFilter(rollup.filters.SequencerSlashed(), config.fromBlock);
    expect(
      slashed.map((e) => (e as unknown as { args: { batchId: bigint } }).args.batchId),
    ).to.deep.equal([onL1.id]);
    // The slash deregistered the sequencer: it waits, unhealthy, until the owner registers it again.
    await pollUntil("the sequencer to report it", async () => {
      try {
        running.seq.health();
        return undefined;
      } catch (error) {
        return /not a registered sequencer/.test((error as Error).message);
      }
    });
    await (await rollup.setSequencer(node.wallet(0).address, true)).wait();
    const again = await pollUntil(
      "the transaction to be sealed again and posted",
      async () => {
        const t = await get(`/v1/transactions/${r.body.hash as string}`);
        return t.body.requeuedAfterDiscard === 1 && t.body.status === "posted" ? t.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expect(again).to.deep.include({ batch: position });
    expect(await rollup.headRoot()).to.equal(running.seq.headRoot);
    const c = await get(`/v1/accounts/${carol}`);
    expect(c.body.balances).to.deep.equal({ "0": parseEther("0.625").toString() });
    expect(running.seq.health()).to.deep.include({ headPosition: position });
  });
});
