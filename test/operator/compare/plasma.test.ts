import { expect } from "chai";
import { PLASMA_DEFAULTS } from "../../../deploy/modules/Plasma";
import { InputError } from "../../../operator/core/errors";
import { plasmaRunner, withdrawalLatency } from "../../../operator/compare/runners/plasma";
import { L1_SLOT_SECONDS } from "../../../operator/compare/types";
import { compareContext } from "../../helpers/compare";

describe("compare: Plasma runner", function () {
  this.timeout(120_000);

  it("plays the workload through the operator and the clients, exits the withdrawers and ends with the workload's balances", async function () {
    const lines: string[] = [];
    const ctx = await compareContext({ users: 4, tokens: 2, transfers: 8, withdrawals: 2 }, lines);
    const run = await plasmaRunner.run(ctx);
    const { workload } = ctx;
    const p = run.params as Record<string, number>;

    // Deposits: an approval and a deposit per user and token; nothing else before the transfers.
    expect(run.totals.setup).to.deep.equal({ gas: 0, txs: 0 });
    expect(run.totals.deposits.txs).to.equal(2 * 4 * 2);
    // Transfers: one constant-size root per block, as the 1-transaction block of the scaling.
    expect(p.l2Transactions).to.equal(8 + p.merges);
    expect(run.totals.transfers.txs).to.equal(p.blocks);
    expect(p.blocks).to.be.within(p.waitsForBlocks + 1, p.l2Transactions);
    expect(run.totals.transfers.gas / p.blocks).to.be.closeTo(
      run.scaling[0].gasPerTransfer,
      run.scaling[0].gasPerTransfer * 0.01,
    );
    // Withdrawals: an exit per output held (at least one per withdrawer and token) and one
    // processExits per token.
    expect(p.exits).to.be.at.least(2 * 2);
    expect(p.processExitsCalls).to.equal(2);
    expect(run.totals.withdrawals.txs).to.equal(p.exits + p.processExitsCalls);

    const sum = (users: number[]): bigint =>
      users.reduce((s, u) => s + workload.balances[u].reduce((a, b) => a + b, 0n), 0n);
    const others = [0, 1, 2, 3].filter((u) => !workload.withdrawers.includes(u));
    expect(run.withdrawn).to.equal(sum(workload.withdrawers));
    expect(run.heldOnL2).to.equal(sum(others));

    // Recent outputs wait block time + 2·MEP: between one and two of the run's periods.
    const mep = p.minExitPeriodSeconds;
    expect(run.finality.configuredSeconds).to.equal(0);
    expect(run.withdrawal.configuredSeconds).to.be.within(mep, 2 * mep);
    expect(run.withdrawal.productionSeconds).to.be.at.least(
      2 * Number(PLASMA_DEFAULTS.minExitPeriod),
    );
    expect(run.finality.measuredSeconds).to.be.greaterThan(0);

    // The same root for any block: the gas per transfer falls with the block's size.
    const gas = run.scaling.map((s) => s.gasPerTransfer);
    for (let i = 1; i < gas.length; i++) expect(gas[i]).to.be.lessThan(gas[i - 1]);
    expect(run.scaling.filter((s) => s.method.startsWith("measured")).length).to.equal(4);
    expect(lines.length).to.be.greaterThan(0);
  });

  it("refuses more deposits than fit before the first child block", async function () {
    const ctx = await compareContext();
    const params = { ...ctx.workload.params, users: 500, tokens: 2 };
    // check() alone, without a chain; run() checks the same first.
    const checked = (() => {
      try {
        plasmaRunner.check!(params);
      } catch (e) {
        return e;
      }
    })();
    expect(checked).to.be.instanceOf(InputError);
    expect((checked as InputError).field).to.equal("--users");
    expect(() => plasmaRunner.check!({ ...params, users: 2, tokens: 500 }))
      .to.throw(InputError)
      .with.property("field", "--tokens");
    expect(() => plasmaRunner.check!({ ...params, users: 333, tokens: 3 })).not.to.throw();
    const workload = { ...ctx.workload, params };
    const error = await plasmaRunner.run({ ...ctx, workload }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).field).to.equal("--users");
  });

  it("runs a workload without withdrawals and reports no withdrawal latency", async function () {
    const ctx = await compareContext({ users: 3, tokens: 1, transfers: 3, withdrawals: 0 });
    const run = await plasmaRunner.run(ctx);
    expect(run.totals.withdrawals).to.deep.equal({ gas: 0, txs: 0 });
    expect(run.withdrawn).to.equal(0n);
    expect(run.withdrawal).to.deep.equal({
      measuredSeconds: 0,
      configuredSeconds: 0,
      productionSeconds: 0,
      note: "no withdrawals in this workload",
    });
  });

  it("withdrawalLatency: zero for every figure when nobody withdraws", function () {
    const none = withdrawalLatency({
      started: [],
      waited: 0n,
      exitSeconds: [],
      processSeconds: 0,
      processCalls: 0,
      processor: -1,
    });
    expect(none).to.deep.equal({
      measuredSeconds: 0,
      configuredSeconds: 0,
      productionSeconds: 0,
      note: "no withdrawals in this workload",
    });
  });

  it("measures a withdrawal per withdrawer: the mean exitAll plus the processExits that pay all", function () {
    const mep = PLASMA_DEFAULTS.minExitPeriod;
    const exit = (pos: bigint) => ({
      pos,
      startedAt: 1000n,
      blockTime: 900n,
      exitableAt: 900n + 2n * 3600n,
    });
    const latency = withdrawalLatency({
      started: [exit(1n), exit(2n), exit(3n)],
      waited: 7000n,
      // Three withdrawers one after another: 1 + 2 + 3 s in sequence, 2 s each on average.
      exitSeconds: [1, 2, 3],
      processSeconds: 0.5,
      processCalls: 1,
      processor: 0,
    });
    expect(latency.measuredSeconds).to.equal(2.5);
    expect(latency.configuredSeconds).to.equal(7000);
    // The last exit waits until its block time + 2·MEP, counted from its start.
    expect(latency.productionSeconds).to.equal(
      Number(900n + 2n * mep - 1000n) + 2 * L1_SLOT_SECONDS + 2.5,
    );
  });
});
