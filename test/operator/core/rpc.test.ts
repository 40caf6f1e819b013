import { expect } from "chai";
import { makeError } from "ethers";
import { RpcRetriesExhaustedError } from "../../../operator/core/errors";
import { isTransientRpcError, withRetry } from "../../../operator/core/rpc";

describe("operator/core rpc", function () {
  it("classifies network trouble as transient and reverts or bad nonces as not", function () {
    const transient = [
      makeError("network", "NETWORK_ERROR"),
      makeError("timeout", "TIMEOUT", { operation: "x", reason: "timeout" }),
      makeError("server", "SERVER_ERROR", {
        info: { responseStatus: "503 Service Unavailable" },
      } as never),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" }),
      { error: { code: -32005, message: "limit exceeded" } },
      new Error("socket hang up"),
    ];
    for (const e of transient)
      expect(isTransientRpcError(e), String((e as Error).message)).to.equal(true);
    const permanent = [
      makeError("reverted", "CALL_EXCEPTION", {
        action: "call",
        data: "0x",
        reason: null,
        transaction: { to: null, data: "0x" },
        invocation: null,
        revert: null,
      }),
      makeError("funds", "INSUFFICIENT_FUNDS", { transaction: {} }),
      makeError("nonce", "NONCE_EXPIRED", { transaction: {} }),
      new Error("invalid argument"),
      "a string",
      null,
    ];
    for (const e of permanent) expect(isTransientRpcError(e)).to.equal(false);
  });

  it("retries transient failures and returns the first success", async function () {
    let calls = 0;
    const v = await withRetry(
      "op",
      async () => {
        if (++calls < 3) throw makeError("down", "NETWORK_ERROR");
        return 42;
      },
      { retries: 5, baseDelayMs: 1 },
    );
    expect(v).to.equal(42);
    expect(calls).to.equal(3);
  });

  it("does not retry a permanent failure", async function () {
    let calls = 0;
    const err = await withRetry(
      "op",
      async () => {
        calls++;
        throw new Error("execution reverted");
      },
      { retries: 5, baseDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect(err).to.have.property("message", "execution reverted");
    expect(calls).to.equal(1);
  });

  it("gives up after the configured retries with the operation named", async function () {
    let calls = 0;
    const err = await withRetry(
      "getLogs",
      async () => {
        calls++;
        throw makeError("down", "NETWORK_ERROR");
      },
      { retries: 2, baseDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RpcRetriesExhaustedError);
    expect((err as RpcRetriesExhaustedError).fields).to.deep.equal({
      operation: "getLogs",
      attempts: 3,
    });
    expect(calls).to.equal(3);
  });

  it("stops waiting when aborted", async function () {
    const abort = new AbortController();
    const p = withRetry(
      "op",
      async () => {
        throw makeError("down", "NETWORK_ERROR");
      },
      { retries: 100, baseDelayMs: 10_000, signal: abort.signal },
    ).catch((e: unknown) => e);
    abort.abort(new Error("stopping"));
    expect(await p).to.have.property("message", "stopping");
  });
});
