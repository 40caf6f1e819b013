import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { txRequestBody, ZkClient, ZkApiError } from "../../../operator/zk/client";
import { circuitShape } from "../../../operator/zk/circuits";
import { ZkKey } from "../../../operator/zk/keys";
import { zkRollupAt } from "../../../operator/zk/abi";
import type { ZkOperatorConfig } from "../../../operator/zk/service/operator";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import {
  deployZkRollupOnNode,
  type RunningZkOperator,
  startZkOperator,
  zkOperatorTestConfig,
} from "../../helpers/zk-node";
import { pollUntil } from "../../../operator/core/rpc";

const E18 = 10n ** 18n;

describe("ZK operator service (in process, on a hardhat node, real proofs)", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let dir: string;
  let config: ZkOperatorConfig;
  let running: RunningZkOperator;
  let alice: ZkClient;
  let bob: ZkClient;
  let feeOwner: ZkClient;
  const FEE_ACCOUNT = 1n;
  const ALICE = 2n;
  const BOB = 3n;

  async function start(): Promise<RunningZkOperator> {
    const r = await startZkOperator(node, config, dir);
    for (const c of [alice, bob, feeOwner]) c.operatorUrl = r.url;
    return r;
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
  const get = async (p: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${running.url}${p}`);
    return (await res.json()) as Record<string, unknown>;
  };

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-zk-operator-"));
    const d = await deployZkRollupOnNode(node);
    const shape = circuitShape("test");
    const rollup = zkRollupAt(d.rollup, node.provider);
    config = await zkOperatorTestConfig(node, d, {
      feeAccounts: new Map([[0, FEE_ACCOUNT]]),
    });
    const client = (i: number, seed: string): ZkClient =>
      new ZkClient({ rollup: d.rollup, signer: node.wallet(i), key: ZkKey.fromSeed(seed) });
    feeOwner = client(0, "the operator's fee account key");
    alice = client(1, "alice's key for the operator test");
    bob = client(2, "bob's key for the operator test.");
    expect((await feeOwner.deposit({ amount: 1n })).accountIndex).to.equal(FEE_ACCOUNT);
    expect((await alice.deposit({ amount: E18 })).accountIndex).to.equal(ALICE);
    expect((await bob.deposit({ amount: E18 / 2n })).accountIndex).to.equal(BOB);
    running = await start();
  });

  after(async function () {
    await running?.stop();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("seals queued L1 deposits into proven batches that become final on L1", async function () {
    await pollUntil(
      "the deposits' batches to be final",
      async () => Number((await get("/v1/status")).finalBatch) >= 2,
      { timeoutMs: 120_000, intervalMs: 100, retryErrors: true },
    );
    const a = await alice.account(ALICE);
    expect(a.balance).to.equal(E18);
    expect(a.nonce).to.equal(0n);
    const rollup = zkRollupAt(config.rollup, node.provider);
    expect(await rollup.batchCount()).to.equal(2n);
    expect(await rollup.stateRoot()).to.equal(
      BigInt((await get("/v1/status")).finalRoot as string),
    );
  });

  it("accepts a signed transfer and reports it pending, in a batch, and final on L1", async function () {
    const { hash } = await alice.transfer({ from: ALICE, to: BOB, amount: E18 / 10n, fee: 1000n });
    expect(hash).to.match(/^0x[0-9a-f]{64}$/);
    const pending = await alice.account(ALICE);
    expect(pending.pending.nonce).to.equal(1n);
    const final = await alice.waitFor(hash, "final", { timeoutMs: 120_000 });
    expect(final.batch).to.be.a("number");
    expect(final.l1Tx).to.match(/^0x[0-9a-f]{64}$/);
    expect((await alice.account(ALICE)).balance).to.equal(E18 - E18 / 10n - 1000n);
    expect((await bob.account(BOB)).balance).to.equal(E18 / 2n + E18 / 10n);
    expect((await feeOwner.account(FEE_ACCOUNT)).balance).to.equal(1n + 1000n);
    const batch = await get(`/v1/batches/${final.batch}`);
    expect(batch.status).to.equal("final");
    expect(batch.txs).to.deep.equal([hash]);
  });

  it("refuses malformed, replayed, overspending and forged transactions with specific errors, changing nothing", async function () {
    const before = await get("/v1/status");
    const domain = config.domain;
    const aliceKey = ZkKey.fromSeed("alice's key for the operator test");
    const signed = (
      over: Partial<{ to: bigint; nonce: bigint; amount: bigint; fee: bigint; token: number }> = {},
    ) => {
      const tx = { from: ALICE, to: BOB, token: 0, nonce: 1n, amount: 1000n, fee: 0n, ...over };
      return txRequestBody(aliceKey.sign(domain, tx));
    };
    const cases: [string, unknown, number, string, string?][] = [
      ["not JSON", "{nope", 400, "BAD_REQUEST"],
      ["missing field", { ...signed(), amount: undefined }, 400, "BAD_REQUEST", "body.amount"],
      ["number amount", { ...signed(), amount: 1000 }, 400, "BAD_REQUEST", "body.amount"],
      ["unknown field", { ...signed(), extra: "1" }, 400, "BAD_REQUEST", "body.extra"],
      ["transfer without to", { ...signed(), to: undefined }, 400, "BAD_REQUEST", "body.to"],
      ["nonce too large", signed({ nonce: 1n << 40n }), 400, "BAD_REQUEST", "body.nonce"],
      [
        "amount not representable",
        { ...signed(), amount: "123456789012345678901" },
        400,
        "BAD_REQUEST",
        "amount",
      ],
      ["replayed (nonce used)", signed({ nonce: 0n }), 409, "NONCE_USED", "nonce"],
      ["nonce gap", signed({ nonce: 5n }), 409, "NONCE_GAP", "nonce"],
      ["overspend", signed({ amount: 2n * E18 }), 422, "INSUFFICIENT_BALANCE", "amount"],
      ["unknown receiver", signed({ to: 15n }), 422, "UNKNOWN_ACCOUNT", "to"],
      ["receiver outside the tree", { ...signed(), to: "16" }, 400, "BAD_REQUEST", "body.to"],
      ["wrong token", signed({ token: 1 }), 422, "TOKEN_MISMATCH", "token"],
      ["self transfer", signed({ to: ALICE }), 422, "SELF_TRANSFER", "to"],
      ["forged signature", { ...signed(), amount: "2000" }, 422, "BAD_SIGNATURE", "signature"],
      [
        "signature of another key",
        { ...signed({ nonce: 0n }), from: BOB.toString(), to: ALICE.toString() },
        422,
        "BAD_SIGNATURE",
        "signature",
      ],
    ];
    for (const [name, body, status, code, field] of cases) {
      const r = await post(body);
      expect(r.status, `${name}: ${JSON.stringify(r.body)}`).to.equal(status);
      expect(r.body.error, name).to.equal(code);
      if (field !== undefined) expect(String(r.body.field), name).to.contain(field);
    }
    const after = await get("/v1/status");
    expect(after.headRoot).to.equal(before.headRoot);
    expect(after.pendingTxs).to.equal(0);
    expect((await alice.account(ALICE)).pending.nonce).to.equal(1n);
  });

  it("withdraws to L1: claimable as soon as the batch is final, paid once", async function () {
    const l1Before = await alice.claimable(0);
    const { hash } = await alice.withdraw({ from: ALICE, amount: E18 / 4n });
    await alice.waitFor(hash, "final", { timeoutMs: 120_000 });
    expect(await alice.claimable(0)).to.equal(l1Before + E18 / 4n);
    const { amount } = await alice.claim(0);
    expect(amount).to.equal(E18 / 4n);
    try {
      await alice.claim(0);
      expect.fail("a second claim must fail");
    } catch (error) {
      expect((error as { code?: string }).code).to.equal("ZK_NOTHING_TO_CLAIM");
    }
  });

  it("keeps accepted transactions across a restart and proves them after it", async function () {
    config = { ...config, maxBatchWaitMs: 60_000 };
    await running.stop();
    running = await start();
    const { hash } = await bob.transfer({ from: BOB, to: ALICE, amount: 5000n });
    expect((await bob.status(hash)).status).to.equal("pending");
    await running.stop();
    config = { ...config, maxBatchWaitMs: 300 };
    running = await start();
    expect((await bob.status(hash)).status).to.not.equal(undefined);
    const final = await bob.waitFor(hash, "final", { timeoutMs: 120_000 });
    expect(final.status).to.equal("final");
    const rollup = zkRollupAt(config.rollup, node.provider);
    expect(await rollup.stateRoot()).to.equal(
      BigInt((await get("/v1/status")).finalRoot as string),
    );
  });

  it("serves the exodus Merkle proof against the last final root", async function () {
    const p = await get(`/v1/accounts/${ALICE}/exodus-proof`);
    const rollup = zkRollupAt(config.rollup, node.provider);
    expect(BigInt(p.root as string)).to.equal(await rollup.stateRoot());
    expect((p.siblings as unknown[]).length).to.equal(config.shape.levels);
    const missing = await fetch(`${running.url}/v1/accounts/999/exodus-proof`);
    expect(missing.status).to.equal(404);
  });

  it("answers thousands of malformed, replayed, overspending and forged requests with 4xx only, changing nothing", async function () {
    const before = await get("/v1/status");
    const aliceKey = ZkKey.fromSeed("alice's key for the operator test");
    const account = await alice.account(ALICE);
    const signedBody = (over: { nonce?: bigint; amount?: bigint; to?: bigint }) => {
      const tx = {
        from: ALICE,
        to: over.to ?? BOB,
        token: 0,
        nonce: over.nonce ?? account.pending.nonce,
        amount: over.amount ?? 1000n,
        fee: 0n,
      };
      return txRequestBody(aliceKey.sign(config.domain, tx));
    };
    const valid = signedBody({});
    const fields = Object.keys(valid);
    // A few signed templates: replays, overspends, then mutations of a valid body.
    const replays = [0n, 1n, 2n]
      .filter((n) => n < account.pending.nonce)
      .map((nonce) => signedBody({ nonce }));
    const overspends = [2n * E18, 10n ** 30n].map((amount) => signedBody({ amount }));
    const bodyArb = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.constantFrom(...replays, ...overspends),
      // One field of a valid, signed body replaced by anything: garbage, or a valid-looking
      // value the signature does not cover.
      fc
        .record({ field: fc.constantFrom(...fields), value: fc.jsonValue() })
        .map(({ field, value }) => ({
          ...valid,
          [field]: value,
        }))
        .filter((b) => JSON.stringify(b) !== JSON.stringify(valid)),
      fc
        .record({
          r8x: fc.bigInt({ min: 0n, max: (1n << 254n) - 1n }),
          r8y: fc.bigInt({ min: 0n, max: (1n << 254n) - 1n }),
          s: fc.bigInt({ min: 0n, max: (1n << 254n) - 1n }),
        })
        .map((sig) => ({
          ...valid,
          signature: { r8x: sig.r8x.toString(), r8y: sig.r8y.toString(), s: sig.s.toString() },
        })),
    );
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        bodyArb,
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded"),
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
          // A fuzzed body can, by chance, be a valid one only if it equals `valid`: never sent.
          expect(res.status, `${raw} -> ${res.status} ${text}`).to.be.within(400, 499);
          expect(() => JSON.parse(text) as unknown).to.not.throw();
        },
      ),
      { numRuns: 1500, seed: 20261121 },
    );
    const paths = fc.oneof(
      fc.string().map((x) => `/v1/accounts/${encodeURIComponent(x)}`),
      fc.string().map((x) => `/v1/transactions/${encodeURIComponent(x)}`),
      fc.string().map((x) => `/v1/batches/${encodeURIComponent(x)}`),
      fc.string().map((x) => `/v1/accounts/${encodeURIComponent(x)}/exodus-proof`),
      fc.string().map((x) => `/${encodeURIComponent(x)}`),
    );
    await fc.assert(
      fc.asyncProperty(paths, async (p) => {
        const res = await fetch(`${running.url}${p}`);
        requests++;
        await res.text();
        expect(res.status, p).to.be.within(200, 499);
        if (res.status < 300)
          expect(p).to.match(/^\/(v1\/(accounts|batches)\/[1-9]|health|openapi)/);
      }),
      { numRuns: 1000, seed: 7 },
    );
    expect(requests).to.be.at.least(2500);
    const after = await get("/v1/status");
    expect(after.headRoot).to.equal(before.headRoot);
    expect(after.pendingTxs).to.equal(before.pendingTxs);
    expect((await alice.account(ALICE)).pending).to.deep.equal(account.pending);
  });

  it("publishes its routes as an OpenAPI 3.1 document", async function () {
    const doc = await get("/openapi.json");
    expect(doc.openapi).to.equal("3.1.0");
    expect(Object.keys(doc.paths as object)).to.include.members([
      "/v1/transactions",
      "/v1/transactions/{hash}",
      "/v1/accounts/{index}",
      "/v1/accounts/{index}/exodus-proof",
      "/v1/batches/{number}",
      "/v1/status",
    ]);
    try {
      await alice.account(12345n);
      expect.fail("unknown account");
    } catch (error) {
      expect(error).to.be.instanceOf(ZkApiError);
      expect((error as ZkApiError).httpStatus).to.equal(404);
    }
  });
});
