import { expect } from "chai";
import type { SignedTx } from "../../../operator/zk/batch";
import { Mempool, TxRejectedError, type PendingTx } from "../../../operator/zk/service/mempool";
import { MAX_BALANCE, type Account, type BatchShape } from "../../../operator/zk/protocol";

const SIG = { R8: [1n, 2n] as [bigint, bigint], S: 3n };
const SHAPE: BatchShape = { levels: 2, txSlots: 2, withdrawSlots: 1, depositSlots: 2, feeSlots: 1 };

function pool(accounts: Record<string, Partial<Account>>, feeAccounts: [number, bigint][] = []) {
  const state = new Map<bigint, Account>(
    Object.entries(accounts).map(([i, a]) => [
      BigInt(i),
      { token: 0, nonce: 0n, balance: 0n, ax: 1n, ay: 2n, ...a },
    ]),
  );
  const mempool = new Mempool(
    { account: (i) => state.get(i) },
    { feeAccounts: new Map(feeAccounts), minFee: 0n, maxPending: 5 },
  );
  let id = 0;
  const tx = (t: Partial<SignedTx>): SignedTx => ({
    from: 1n,
    to: 2n,
    token: 0,
    nonce: 0n,
    amount: 100n,
    fee: 0n,
    signature: SIG,
    ...t,
  });
  const accept = (t: Partial<SignedTx>): PendingTx => {
    const full = tx(t);
    mempool.check(full);
    const p = { id: ++id, hash: `0x${id}`, tx: full, acceptedAt: id, durable: true };
    mempool.add(p);
    return p;
  };
  const rejects = (t: Partial<SignedTx>): TxRejectedError => {
    try {
      mempool.check(tx(t));
    } catch (error) {
      expect(error).to.be.instanceOf(TxRejectedError);
      return error as TxRejectedError;
    }
    throw new Error("expected a rejection");
  };
  return { mempool, state, accept, rejects };
}

describe("ZK operator mempool", function () {
  it("counts pending transactions in the next nonce and the spendable balance", function () {
    const { mempool, accept, rejects } = pool({ 1: { balance: 1000n }, 2: {} });
    accept({ nonce: 0n, amount: 400n });
    accept({ nonce: 1n, amount: 400n });
    expect(mempool.pendingView(1n)).to.deep.equal({ nonce: 2n, balance: 200n, incoming: 0n });
    expect(mempool.pendingView(2n)).to.deep.equal({ nonce: 0n, balance: 0n, incoming: 800n });
    const overspend = rejects({ nonce: 2n, amount: 300n });
    expect(overspend.code).to.equal("INSUFFICIENT_BALANCE");
    expect(overspend.status).to.equal(422);
    expect(overspend.fields.available).to.equal(200n);
    const replay = rejects({ nonce: 1n });
    expect([replay.code, replay.status, replay.fields.expected]).to.deep.equal([
      "NONCE_USED",
      409,
      2n,
    ]);
    const gap = rejects({ nonce: 3n });
    expect([gap.code, gap.status]).to.deep.equal(["NONCE_GAP", 409]);
  });

  it("does not count incoming pending credits as spendable", function () {
    const { accept, rejects } = pool({ 1: { balance: 1000n }, 2: { balance: 0n } });
    accept({ from: 1n, to: 2n, amount: 500n });
    expect(rejects({ from: 2n, to: 1n, amount: 100n }).code).to.equal("INSUFFICIENT_BALANCE");
  });

  it("refuses a receiver overflow counting pending credits", function () {
    const { accept, rejects } = pool({ 1: { balance: 1000n }, 2: { balance: MAX_BALANCE - 150n } });
    accept({ amount: 100n });
    expect(rejects({ nonce: 1n, amount: 100n }).code).to.equal("BALANCE_OVERFLOW");
  });

  it("refuses unknown accounts, token mismatches, fees it cannot collect and a full pool", function () {
    const { accept, rejects } = pool(
      { 1: { balance: 10_000n }, 2: {}, 3: { token: 1 }, 9: { token: 0 } },
      [[0, 9n]],
    );
    expect(rejects({ from: 7n }).code).to.equal("UNKNOWN_ACCOUNT");
    expect(rejects({ to: 7n }).fields.field).to.equal("to");
    expect(rejects({ to: 3n }).code).to.equal("TOKEN_MISMATCH");
    expect(rejects({ token: 1 }).code).to.equal("TOKEN_MISMATCH");
    expect(rejects({ amount: 0n }).status).to.equal(400);
    expect(rejects({ amount: 123456789012345678901n }).fields.field).to.equal("amount");
    expect(rejects({ fee: 1001n }).fields.field).to.equal("fee");
    for (let n = 0n; n < 5n; n++) accept({ nonce: n, amount: 1n, fee: 1n });
    const full = rejects({ nonce: 5n, amount: 1n });
    expect([full.code, full.status]).to.deep.equal(["MEMPOOL_FULL", 503]);
  });

  it("refuses fees in a token without a fee account", function () {
    const { rejects } = pool({ 1: { balance: 1000n }, 2: {} });
    expect(rejects({ fee: 10n }).code).to.equal("FEE_NOT_ACCEPTED");
  });

  it("selects transfers and withdrawals in order, keeping each sender's nonces in circuit order", function () {
    const { mempool, accept } = pool({ 1: { balance: 10_000n }, 2: { balance: 10_000n }, 3: {} });
    const w1 = accept({ from: 1n, to: 0n, nonce: 0n }); // withdrawal of 1
    accept({ from: 1n, to: 3n, nonce: 1n }); // must wait: transfers run before withdrawals
    const t2 = accept({ from: 2n, to: 3n, nonce: 0n });
    const t2b = accept({ from: 2n, to: 3n, nonce: 1n });
    const sel = mempool.select(SHAPE);
    expect(sel.txs.map((p) => p.id)).to.deep.equal([w1.id, t2.id, t2b.id]);
    mempool.remove(sel.txs.map((p) => p.id));
    expect(mempool.size).to.equal(1);
  });

  it("skips a sender whose transaction does not fit, and never selects what is not yet persisted", function () {
    const { mempool, accept } = pool({ 1: { balance: 10_000n }, 2: { balance: 10_000n }, 3: {} });
    accept({ from: 1n, to: 0n, nonce: 0n });
    const w2 = accept({ from: 2n, to: 0n, nonce: 0n }); // second withdrawal: no slot
    const t2 = accept({ from: 2n, to: 3n, nonce: 1n }); // blocked behind it
    const sel = mempool.select(SHAPE);
    expect(sel.txs.map((p) => p.id)).to.not.include.members([w2.id, t2.id]);
    const p = mempool.pending()[0];
    p.durable = false;
    expect(mempool.select(SHAPE).txs.map((q) => q.id)).to.not.include(p.id);
  });
});
