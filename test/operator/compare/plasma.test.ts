import { expect } from "chai";
import { PLASMA_DEFAULTS } from "../../../deploy/modules/Plasma";
import { InputError } from "../../../operator/core/errors";
import { plasmaRunner } from "../../../operator/compare/runners/plasma";
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
    const workload = { ...ctx.workload, params: { ...ctx.workload.params, users: 500, tokens: 2 } };
    const error = await plasmaRunner.run({ ...ctx, workload }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).field).to.equal("--users");
  });
});
