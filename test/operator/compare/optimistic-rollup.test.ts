import { expect } from "chai";
import { optimisticRollupRunner } from "../../../operator/compare/runners/optimistic-rollup";
import { compareContext } from "../../helpers/compare";

describe("compare: optimistic rollup runner", function () {
  this.timeout(120_000);

  it("plays the workload through the sequencer, withdraws after the window and ends with the workload's balances", async function () {
    const users = 4;
    const tokens = 2;
    const withdrawals = 2;
    const lines: string[] = [];
    const ctx = await compareContext({ users, tokens, transfers: 6, withdrawals }, lines);
    const run = await optimisticRollupRunner.run(ctx);

    // Setup: the sequencer's registration, one registerToken per token and the sequencer's bond.
    expect(run.totals.setup.txs).to.equal(1 + tokens + 1);
    // Deposits: approve + depositERC20 each, then one batch (no bond: it was posted in setup).
    expect(run.totals.deposits.txs).to.equal(2 * users * tokens + 1);
    // Transfers: six fit one batch (1,000 records); then the sequencer's finalize.
    expect(run.params.transferBatches).to.equal(1);
    expect(run.totals.transfers.txs).to.equal(2);
    // Withdrawals: one batch, a finalize, and a proof and a claim per withdrawer and token.
    expect(run.totals.withdrawals.txs).to.equal(2 + 2 * withdrawals * tokens);
    expect(run.finality.configuredSeconds).to.equal(3600);
    expect(run.withdrawal.configuredSeconds).to.equal(3600);
    expect(run.finality.productionSeconds).to.be.greaterThan(7 * 24 * 3600);
    expect(run.finality.measuredSeconds).to.be.greaterThan(0);
    expect(run.withdrawal.measuredSeconds).to.be.greaterThan(0);

    const { workload } = ctx;
    const sum = (who: number[]): bigint =>
      who.reduce((s, u) => s + workload.balances[u].reduce((a, b) => a + b, 0n), 0n);
    const others = [...Array(users).keys()].filter((u) => !workload.withdrawers.includes(u));
    expect(run.withdrawn).to.equal(sum(workload.withdrawers));
    expect(run.heldOnL2).to.equal(sum(others));

    // Quick mode measures batches of 1, 10 and 100 transfers and derives the larger sizes.
    expect(run.scaling.map((p) => p.size)).to.deep.equal([1, 10, 100, 1000, 10_000]);
    expect(run.scaling.slice(0, 3).every((p) => p.method === "measured")).to.equal(true);
    expect(run.scaling.slice(3).every((p) => p.method.startsWith("derived"))).to.equal(true);
    for (let i = 1; i < run.scaling.length; i++)
      expect(run.scaling[i].gasPerTransfer).to.be.lessThan(run.scaling[i - 1].gasPerTransfer);
    // At 100 transfers a batch already costs far less per transfer than an ERC-20 transfer.
    expect(run.scaling[2].gasPerTransfer).to.be.lessThan(Number(ctx.baseline.erc20ToHolderGas) / 4);
    expect(lines.some((l) => l.includes("signed transfers"))).to.equal(true);
  });
});
