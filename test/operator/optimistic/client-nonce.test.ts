/**
 * The fourth independent attack on issue 21: a lying sequencer API (a dishonest sequencer, or
 * anyone between the user and a plain-HTTP API) served a nonce one ahead, accepted the
 * signature, reported it rejected, and served the real nonce to the retry; it then held two valid
 * signatures of one payment and posted both. The client now keeps a journal of what it signed
 * (`operator/optimistic/nonce-journal.ts`) and never signs where two signatures could both run.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { keccak256, parseEther, toUtf8Bytes, Wallet } from "ethers";
import hre from "hardhat";
import { L2kitError } from "../../../operator/core/errors";
import { l2TxHash, OptimisticClient } from "../../../operator/optimistic/client";
import { rollupDomain } from "../../../operator/optimistic/protocol";
import { parseTxBody, type TxBody } from "../../../operator/optimistic/sequencer/api";

/**
 * A sequencer API that serves the nonces and verdicts a test scripts (the verdict of the n-th
 * submission), and, where told, a 500 after keeping the signature or a hash of its own making.
 */
async function scriptedApi(script: {
  nonces: string[];
  verdicts: ("rejected" | "posted")[];
  fail500?: number[];
  wrongHash?: number[];
  /** When set, the n-th status request is answered this, whichever transaction it asks for. */
  statuses?: ("rejected" | "posted")[];
}) {
  let statusCalls = 0;
  const domain = rollupDomain(31337n, rollup);
  const captured: TxBody[] = [];
  const hashes: string[] = [];
  let accountCalls = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const send = (status: number, obj: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      const url = req.url ?? "";
      if (req.method === "GET" && url.startsWith("/v1/accounts/")) {
        const nonce = script.nonces[Math.min(accountCalls++, script.nonces.length - 1)];
        return send(200, {
          address: "0x",
          index: "0",
          nonce: "0",
          balances: { "0": parseEther("10").toString() },
          pending: { nonce, balances: { "0": parseEther("10").toString() } },
        });
      }
      if (req.method === "POST" && url === "/v1/transactions") {
        const tx = JSON.parse(body) as TxBody;
        const n = captured.length;
        captured.push(tx);
        const hash = l2TxHash(parseTxBody(tx), domain);
        hashes.push(hash);
        if (script.fail500?.includes(n)) return send(500, { error: "INTERNAL", message: "oops" });
        if (script.wrongHash?.includes(n))
          return send(202, { hash: keccak256(toUtf8Bytes(`another ${n}`)) });
        return send(202, { hash });
      }
      if (req.method === "GET" && url.startsWith("/v1/transactions/")) {
        const hash = url.split("/").pop()!;
        const i = hashes.lastIndexOf(hash);
        const status =
          script.statuses?.[statusCalls++] ??
          script.verdicts[Math.min(i, script.verdicts.length - 1)];
        return send(200, { hash, ...captured[i], status, reason: "NONCE_GAP", batch: 1 });
      }
      send(404, { error: "NOT_FOUND", message: "no route" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Awaits `p`, expecting an L2kitError whose message matches `pattern`; returns its code. */
async function refused(p: Promise<unknown>, pattern: RegExp): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(error).to.be.instanceOf(L2kitError);
    expect((error as Error).message).to.match(pattern);
    return (error as L2kitError).code;
  }
  return expect.fail(`expected a refusal matching ${pattern}`);
}

const rollup = Wallet.createRandom().address;

describe("optimistic client: no two signatures that could both run, whatever the API says", function () {
  const payee = Wallet.createRandom().address;
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-nonce-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const client = (url: string, user: Wallet) =>
    new OptimisticClient({
      rollup,
      signer: user,
      sequencerUrl: url,
      nonceJournal: path.join(dir, "journal.json"),
    });
  const rejectedThenRetry = async (c: OptimisticClient) => {
    const first = await c.transfer({ to: payee, amount: parseEther("1") });
    let code: string | undefined;
    try {
      await c.waitFor(first.hash, "posted", { pollMs: 10, timeoutMs: 5_000 });
    } catch (error) {
      code = (error as L2kitError).code;
    }
    expect(code).to.equal("OPT_TX_REJECTED");
    return c.transfer({ to: payee, amount: parseEther("1") });
  };

  it("refuses to sign below a nonce the API reported rejected (the attack: nonce n+1, then n)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["1", "0"], verdicts: ["rejected", "posted"] });
    try {
      expect(await refused(rejectedThenRetry(client(api.url, user)), /nonce 1 rejected/)).to.equal(
        "OPT_NONCE_CONFLICT",
      );
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["1"]);
      // A new process with the same data directory remembers (the journal is a 0600 file).
      const again = client(api.url, user);
      await refused(again.transfer({ to: payee, amount: 1n }), /nonce 1 rejected/);
      expect(fs.statSync(path.join(dir, "journal.json")).mode & 0o777).to.equal(0o600);
    } finally {
      await api.close();
    }
  });

  it("refuses to sign above a nonce the API reported rejected (it ran after all: n, then n+1)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["0", "1"], verdicts: ["rejected", "posted"] });
    try {
      await refused(rejectedThenRetry(client(api.url, user)), /the next nonce is 1/);
      expect(api.captured).to.have.length(1);
    } finally {
      await api.close();
    }
  });

  it("replaces a rejected transaction at its own nonce when the API agrees (an honest rejection)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["0", "0", "1"], verdicts: ["rejected", "posted"] });
    try {
      const c = client(api.url, user);
      const second = await rejectedThenRetry(c);
      await c.waitFor(second.hash, "posted", { pollMs: 10 });
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["0", "0"]);
      // Then on: the API's nonce, above every signature not seen run.
      await c.transfer({ to: payee, amount: 1n });
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["0", "0", "1"]);
    } finally {
      await api.close();
    }
  });

  it("refuses a nonce at or below one it signed and has not seen run; --nonce overrides", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["3", "3"], verdicts: ["posted"] });
    try {
      const c = client(api.url, user);
      await c.transfer({ to: payee, amount: 1n });
      await refused(
        c.transfer({ to: payee, amount: 1n }),
        /signed nonce 3 and has not seen it run/,
      );
      await c.transfer({ to: payee, amount: 2n, nonce: 4n });
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["3", "4"]);
    } finally {
      await api.close();
    }
  });

  it("takes a submission that did not plainly succeed (a 500, a hash not its own) as one that may run", async function () {
    // The fifth independent attack: a 500 after the API kept the signature, then the true next
    // nonce to the retry; or the first transaction's hash handed out again for the second.
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({
      nonces: ["0", "1", "1", "2"],
      verdicts: ["posted"],
      fail500: [0],
      wrongHash: [1],
    });
    try {
      const c = client(api.url, user);
      await refused(c.transfer({ to: payee, amount: 1n }), /500/);
      await refused(c.transfer({ to: payee, amount: 1n }), /nonce 0 rejected/);
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["0"]);
      // --nonce 1 (the user checked the first one ran); the API answers a hash of its own.
      await refused(c.transfer({ to: payee, amount: 2n, nonce: 1n }), /not this transaction's/);
      await refused(c.transfer({ to: payee, amount: 2n }), /nonce 0 rejected|nonce 1 rejected/);
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["0", "1"]);
    } finally {
      await api.close();
    }
  });

  it("records a rejection it is shown by status, and keeps two processes' entries (the sixth attack)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    // (A) no --wait: the user checks with status, sees rejected, retries.
    const api = await scriptedApi({ nonces: ["0", "1"], verdicts: ["rejected"] });
    try {
      const c = client(api.url, user);
      const { hash } = await c.transfer({ to: payee, amount: 1n });
      expect((await c.status(hash)).status).to.equal("rejected");
      await refused(c.transfer({ to: payee, amount: 1n }), /nonce 0 rejected/);
      expect(api.captured).to.have.length(1);
    } finally {
      await api.close();
    }
    // (B) two processes on one journal: the second, loaded before the first's refusal, sees it.
    fs.rmSync(path.join(dir, "journal.json"));
    const flaky = await scriptedApi({ nonces: ["0", "1"], verdicts: ["posted"], fail500: [0] });
    try {
      const first = client(flaky.url, user);
      const second = client(flaky.url, user);
      await refused(first.transfer({ to: payee, amount: 1n }), /500/);
      await refused(second.transfer({ to: payee, amount: 1n }), /nonce 0 rejected/);
      expect(flaky.captured).to.have.length(1);
      expect(fs.existsSync(path.join(dir, "journal.json.lock"))).to.equal(false);
    } finally {
      await flaky.close();
    }
  });

  it("refuses to reuse a rejected nonce while a later signature is unsettled (the seventh attack)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["5", "6", "5"], verdicts: ["rejected"] });
    try {
      const c = client(api.url, user);
      const a = await c.transfer({ to: payee, amount: 1n });
      const b = await c.transfer({ to: payee, amount: 30n });
      await c.status(a.hash);
      await c.status(b.hash);
      // Re-sending only B would land at 5 and let B at 6 run too.
      await refused(c.transfer({ to: payee, amount: 30n }), /unsettled signatures at nonce 6/);
      expect(api.captured.map((t) => t.nonce)).to.deep.equal(["5", "6"]);
    } finally {
      await api.close();
    }
  });

  it("lets only the same transaction take a rejected nonce (the eighth attack)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["5", "5", "5"], verdicts: ["rejected"] });
    try {
      const c = client(api.url, user);
      const p = await c.transfer({ to: payee, amount: 100n });
      await c.status(p.hash);
      // Another payment may not take nonce 5 (P could still run there, and its retry go above).
      await refused(c.transfer({ to: payee, amount: 1n }), /only the same transaction/);
      // P itself, unchanged, replaces itself; --nonce overrides for another payment.
      await c.transfer({ to: payee, amount: 100n });
      await c.transfer({ to: payee, amount: 1n, nonce: 5n });
      expect(api.captured.map((t) => [t.nonce, t.amount])).to.deep.equal([
        ["5", "100"],
        ["5", "100"],
        ["5", "1"],
      ]);
    } finally {
      await api.close();
    }
  });

  it("never signs one payment at two nonces without --again, whatever the API made it forget (the ninth attack)", async function () {
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    // P at 5 is "posted" (a lie), Q takes nonce 5, Q is "posted", P is "rejected": P's entry was
    // overwritten by Q's, so the rejection found nothing and P's retry went to 6.
    const api = await scriptedApi({
      nonces: ["5", "5", "6"],
      verdicts: ["posted"],
      statuses: ["posted", "posted", "rejected"],
    });
    try {
      const c = client(api.url, user);
      const p = await c.transfer({ to: payee, amount: 100n });
      await c.status(p.hash);
      const q = await c.transfer({ to: payee, amount: 1n });
      await c.status(q.hash);
      await c.status(p.hash);
      expect(
        await refused(c.transfer({ to: payee, amount: 100n }), /signed this same payment before/),
      ).to.equal("OPT_REPEAT_PAYMENT");
      expect(api.captured.map((t) => [t.nonce, t.amount])).to.deep.equal([
        ["5", "100"],
        ["5", "1"],
      ]);
      // Meant: --again signs it once more.
      await c.transfer({ to: payee, amount: 100n, again: true });
      expect(api.captured).to.have.length(3);
    } finally {
      await api.close();
    }
  });

  it("refuses a forced transaction while a signature it holds may still run (the tenth attack)", async function () {
    // A forced L1 transaction does not consume the L2 nonce: a signature the sequencer held back
    // would still run after it, and the user would pay twice.
    const user = new Wallet(Wallet.createRandom().privateKey, hre.ethers.provider);
    const api = await scriptedApi({ nonces: ["0"], verdicts: ["rejected"] });
    try {
      const c = client(api.url, user);
      const { hash } = await c.transfer({ to: payee, amount: 100n });
      await c.status(hash);
      expect(
        await refused(
          c.forceTransfer({ to: payee, amount: 100n }),
          /signed transactions at nonce 0 .* may still run after it/,
        ),
      ).to.equal("OPT_SIGNATURES_UNSETTLED");
      await refused(c.forceWithdraw({ amount: 100n }), /may still run after it/);
      // A re-send with another fee is the same payment: not at a new nonce without --again.
      await refused(
        c.transfer({ to: payee, amount: 100n, fee: 1n }),
        /only the same transaction|same payment/,
      );
    } finally {
      await api.close();
    }
  });
});
