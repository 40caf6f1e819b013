import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import fc from "fast-check";
import { createApi, schemas, Shutdown, uint256, type Api } from "../../../operator/core/api";
import { InputError, L2kitError } from "../../../operator/core/errors";

/** A small operator-like API: one validated POST route and a state it must not corrupt. */
function exampleApi(): { app: Api; accepted: { to: string; amount: bigint }[] } {
  const accepted: { to: string; amount: bigint }[] = [];
  const app = createApi({
    service: "test",
    bodyLimit: 1024,
    healthChecks: { store: async () => ({ accepted: accepted.length }) },
  });
  app.post(
    "/transfers",
    {
      schema: {
        body: {
          type: "object",
          required: ["to", "amount"],
          additionalProperties: false,
          properties: {
            to: schemas.address,
            amount: schemas.uint256,
            memo: { type: "string", maxLength: 32 },
          },
        },
      },
    },
    async (req, reply) => {
      const body = req.body as { to: string; amount: string };
      const amount = uint256(body.amount, "amount");
      if (amount === 0n) throw new InputError("amount", "must be positive", 422, "AMOUNT_ZERO");
      accepted.push({ to: body.to, amount });
      return reply.status(201).send({ index: accepted.length - 1 });
    },
  );
  app.get("/boom", async () => {
    throw new Error("secret internal detail");
  });
  app.get("/typed", async () => {
    throw new L2kitError("NONCE_STALE", "nonce 3 is stale", { given: 3n, current: 5n }, 409);
  });
  return { app, accepted };
}

const TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("operator/core api", function () {
  it("accepts a valid body", async function () {
    const { app, accepted } = exampleApi();
    const res = await app.inject({
      method: "POST",
      url: "/transfers",
      payload: { to: TO, amount: "1000000000000000000000" },
    });
    expect(res.statusCode).to.equal(201);
    expect(accepted).to.deep.equal([{ to: TO, amount: 10n ** 21n }]);
  });

  it("answers 400 naming the field and the reason", async function () {
    const { app, accepted } = exampleApi();
    const cases: [unknown, string, RegExp][] = [
      [{ amount: "1" }, "body.to", /required/],
      [{ to: TO, amount: 1 }, "body.amount", /must be string/],
      [{ to: TO, amount: "-1" }, "body.amount", /pattern/],
      [{ to: TO, amount: "01" }, "body.amount", /pattern/],
      [{ to: "0x1234", amount: "1" }, "body.to", /pattern/],
      [{ to: TO, amount: "1", extra: true }, "body.extra", /not a known field/],
      [
        { to: TO, amount: "1", memo: "x".repeat(33) },
        "body.memo",
        /must NOT have more than 32 characters/,
      ],
      [[1, 2], "body", /must be object/],
    ];
    for (const [payload, field, reason] of cases) {
      const res = await app.inject({
        method: "POST",
        url: "/transfers",
        payload: payload as object,
      });
      expect(res.statusCode, JSON.stringify(payload)).to.equal(400);
      const body = res.json() as { error: string; field: string; reason: string };
      expect(body.error).to.equal("BAD_REQUEST");
      expect(body.field, JSON.stringify(payload)).to.equal(field);
      expect(body.reason).to.match(reason);
    }
    expect(accepted).to.deep.equal([]);
  });

  it("rejects an amount above 2^256-1 by the handler's own check", async function () {
    const { app, accepted } = exampleApi();
    const res = await app.inject({
      method: "POST",
      url: "/transfers",
      payload: { to: TO, amount: (2n ** 256n).toString() },
    });
    expect(res.statusCode).to.equal(400);
    expect(res.json()).to.deep.include({ field: "amount", reason: "exceeds 2^256-1" });
    expect(accepted).to.have.length(0);
  });

  it("answers malformed JSON, wrong content types and oversized bodies with 4xx", async function () {
    const { app } = exampleApi();
    const malformed = await app.inject({
      method: "POST",
      url: "/transfers",
      headers: { "content-type": "application/json" },
      payload: '{"to":',
    });
    expect(malformed.statusCode).to.equal(400);
    expect(malformed.json()).to.include({ error: "BAD_REQUEST", field: "body" });
    const text = await app.inject({
      method: "POST",
      url: "/transfers",
      headers: { "content-type": "text/plain" },
      payload: "hello",
    });
    expect(text.statusCode).to.equal(415);
    const big = await app.inject({
      method: "POST",
      url: "/transfers",
      payload: { to: TO, amount: "1", memo: "x".repeat(5000) },
    });
    expect(big.statusCode).to.equal(413);
    const missing = await app.inject({ method: "GET", url: "/nowhere?x=1" });
    expect(missing.statusCode).to.equal(404);
    expect(missing.json()).to.deep.equal({ error: "NOT_FOUND", message: "no route GET /nowhere" });
  });

  it("maps named errors to their status and hides unexpected ones", async function () {
    const { app } = exampleApi();
    const typed = await app.inject({ method: "GET", url: "/typed" });
    expect(typed.statusCode).to.equal(409);
    expect(typed.json()).to.deep.equal({
      error: "NONCE_STALE",
      message: "nonce 3 is stale",
      given: "3",
      current: "5",
    });
    const zero = await app.inject({
      method: "POST",
      url: "/transfers",
      payload: { to: TO, amount: "0" },
    });
    expect(zero.statusCode).to.equal(422);
    expect(zero.json()).to.include({ error: "AMOUNT_ZERO", field: "amount" });
    const boom = await app.inject({ method: "GET", url: "/boom" });
    expect(boom.statusCode).to.equal(500);
    expect(boom.body).to.not.include("secret");
  });

  it("never answers garbage with a 5xx and never changes state (fuzz)", async function () {
    const { app, accepted } = exampleApi();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
          fc
            .record({
              to: fc.string(),
              amount: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            })
            .map((o) => JSON.stringify(o)),
        ),
        fc.constantFrom("application/json", "text/plain", "application/octet-stream"),
        async (payload, contentType) => {
          const res = await app.inject({
            method: "POST",
            url: "/transfers",
            headers: { "content-type": contentType },
            payload,
          });
          if (res.statusCode === 201) {
            // Only a well-formed body may be accepted.
            const body = JSON.parse(payload) as { to: string; amount: string };
            expect(body.to).to.match(/^0x[0-9a-fA-F]{40}$/);
            accepted.pop();
            return;
          }
          expect(res.statusCode).to.be.within(400, 499);
        },
      ),
      { numRuns: 300 },
    );
    expect(accepted).to.deep.equal([]);
  });

  it("reports health with its checks, and 503 when one fails", async function () {
    const { app } = exampleApi();
    const ok = await app.inject({ method: "GET", url: "/health" });
    expect(ok.statusCode).to.equal(200);
    expect(ok.json()).to.deep.include({
      status: "ok",
      service: "test",
      checks: { store: { ok: true, accepted: 0 } },
    });
    const sick = createApi({
      service: "s",
      healthChecks: {
        rpc: async () => {
          throw new Error("rpc down");
        },
      },
    });
    const res = await sick.inject({ method: "GET", url: "/health" });
    expect(res.statusCode).to.equal(503);
    expect(res.json()).to.deep.include({
      status: "degraded",
      checks: { rpc: { ok: false, error: "rpc down" } },
    });
  });

  it("shuts down gracefully: in-flight requests finish, new ones are refused", async function () {
    const app = createApi({ service: "slow" });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.get("/slow", async () => {
      await gate;
      return { done: true };
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/slow" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    const order: string[] = [];
    const shutdown = new Shutdown();
    shutdown.add("store", () => void order.push("store"));
    shutdown.add("api", async () => {
      await app.close();
      order.push("api");
    });
    const closing = shutdown.shutdown();
    await new Promise((r) => setTimeout(r, 50));
    const refused = await new Promise<string>((resolve) => {
      http
        .get({ host: "127.0.0.1", port, path: "/health" }, (res) => resolve(String(res.statusCode)))
        .on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).to.be.oneOf(["ECONNREFUSED", "ECONNRESET", "503"]);
    release();
    const res = await inFlight;
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.deep.equal({ done: true });
    await closing;
    expect(order).to.deep.equal(["api", "store"]);
  });
});
