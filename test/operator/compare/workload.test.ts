import { expect } from "chai";
import { InputError } from "../../../operator/core/errors";
import {
  checkWorkloadParams,
  DEFAULT_WORKLOAD,
  makeWorkload,
  totalOf,
  UNIT,
  workloadWallet,
} from "../../../operator/compare/workload";

describe("compare: workload", function () {
  it("is the same for the same seed and different for another", function () {
    const a = makeWorkload(DEFAULT_WORKLOAD);
    const b = makeWorkload({ ...DEFAULT_WORKLOAD });
    const c = makeWorkload({ ...DEFAULT_WORKLOAD, seed: 2 });
    expect(a).to.deep.equal(b);
    expect(c.transfers).to.not.deep.equal(a.transfers);
    expect(workloadWallet(a, 0).address).to.equal(workloadWallet(b, 0).address);
    expect(workloadWallet(a, 0).address).to.not.equal(workloadWallet(c, 0).address);
    expect(workloadWallet(a, 0).address).to.not.equal(workloadWallet(a, 1).address);
  });

  it("moves whole units between distinct users, never more than the sender holds, and keeps the totals", function () {
    const w = makeWorkload({ users: 5, tokens: 3, transfers: 400, withdrawals: 2, seed: 99 });
    const held = w.deposits.map((row) => [...row]);
    for (const t of w.transfers) {
      expect(t.from).to.not.equal(t.to);
      expect(t.amount > 0n && t.amount % UNIT === 0n).to.equal(true);
      expect(t.amount <= held[t.from][t.token]).to.equal(true);
      held[t.from][t.token] -= t.amount;
      held[t.to][t.token] += t.amount;
    }
    expect(held).to.deep.equal(w.balances);
    for (let token = 0; token < 3; token++)
      expect(totalOf(w.balances, token)).to.equal(totalOf(w.deposits, token));
    expect(new Set(w.withdrawers).size).to.equal(2);
    for (const u of w.withdrawers) expect(u).to.be.within(0, 4);
    expect(new Set(w.transfers.map((t) => t.token)).size).to.equal(3);
  });

  it("refuses parameters out of range, naming the flag", function () {
    const cases: [Partial<typeof DEFAULT_WORKLOAD>, RegExp][] = [
      [{ users: 1 }, /--users: must be a whole number from 2 to 64/],
      [{ tokens: 0 }, /--tokens/],
      [{ transfers: 0 }, /--transfers/],
      [{ transfers: 1.5 }, /--transfers/],
      [{ seed: -1 }, /--seed/],
      [{ users: 3, withdrawals: 4 }, /--withdrawals: at most one per user \(3 users\)/],
    ];
    for (const [override, message] of cases) {
      const p = { ...DEFAULT_WORKLOAD, ...override };
      expect(() => checkWorkloadParams(p)).to.throw(InputError, message);
      expect(() => makeWorkload(p)).to.throw(InputError, message);
    }
  });
});
