import { expect } from "chai";
import { l1Runner } from "../../../operator/compare/runners/l1";
import { compareContext } from "../../helpers/compare";

describe("compare: L1 runner", function () {
  it("plays every transfer as an ERC-20 transfer and ends with the workload's balances", async function () {
    const ctx = await compareContext({ users: 4, tokens: 2, transfers: 6, withdrawals: 2 });
    const run = await l1Runner.run(ctx);
    expect(run.totals.transfers.txs).to.equal(6);
    expect(run.totals.deposits).to.deep.equal({ gas: 0, txs: 0 });
    expect(run.totals.withdrawals).to.deep.equal({ gas: 0, txs: 0 });
    // Every transfer goes to an existing holder: close to the baseline's figure.
    const perTransfer = run.totals.transfers.gas / 6;
    expect(perTransfer).to.be.within(
      Number(ctx.baseline.erc20ToHolderGas) - 5000,
      Number(ctx.baseline.erc20ToHolderGas) + 5000,
    );
    const { workload } = ctx;
    const sum = (users: number[]): bigint =>
      users.reduce((s, u) => s + workload.balances[u].reduce((a, b) => a + b, 0n), 0n);
    const others = [0, 1, 2, 3].filter((u) => !workload.withdrawers.includes(u));
    expect(run.withdrawn).to.equal(sum(workload.withdrawers));
    expect(run.heldOnL2).to.equal(sum(others));
    expect(new Set(run.scaling.map((p) => p.gasPerTransfer)).size).to.equal(1);
  });
});
