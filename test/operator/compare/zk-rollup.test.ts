import { expect } from "chai";
import { InputError } from "../../../operator/core/errors";
import { zkRollupRunner } from "../../../operator/compare/runners/zk-rollup";
import { compareContext } from "../../helpers/compare";

describe("compare: ZK rollup runner (operator service in process, real proofs)", function () {
  this.timeout(300_000);

  it("deposits, transfers and withdraws through proven batches and ends with the workload's balances", async function () {
    // 2 accounts (one deposit batch), 2 transfers (one batch), 1 withdrawal (one batch).
    const ctx = await compareContext({ users: 2, tokens: 1, transfers: 2, withdrawals: 1 });
    const run = await zkRollupRunner.run(ctx);
    const { workload } = ctx;

    expect(run.totals.setup.txs).to.equal(1); // registerToken
    // approve + depositERC20 per account, and the operator's batch that takes both deposits.
    expect(run.totals.deposits.txs).to.equal(2 * 2 + 1);
    expect(run.totals.transfers.txs).to.equal(1);
    const withdrawing = workload.withdrawers.filter((u) => workload.balances[u][0] > 0n).length;
    // The withdrawal's batch and the claim.
    expect(run.totals.withdrawals.txs).to.equal(2 * withdrawing);
    expect(run.params.batches).to.equal(3);

    const sum = (users: number[]): bigint =>
      users.reduce((s, u) => s + workload.balances[u].reduce((a, b) => a + b, 0n), 0n);
    const others = [0, 1].filter((u) => !workload.withdrawers.includes(u));
    expect(run.withdrawn).to.equal(sum(workload.withdrawers));
    expect(run.heldOnL2).to.equal(sum(others));

    expect(run.provingSeconds).to.be.greaterThan(0);
    expect(run.finality.measuredSeconds).to.be.greaterThan(0);
    expect(run.finality.productionSeconds).to.be.greaterThan(run.provingSeconds!);
    expect(run.withdrawal.configuredSeconds).to.equal(0);

    // The batch of two transfers was measured; every other size is derived and falls with size.
    const measured = run.scaling.filter((p) => p.method.startsWith("measured"));
    expect(measured.map((p) => p.size)).to.deep.equal([2]);
    expect(measured[0].gasPerTransfer).to.equal(Math.round(run.totals.transfers.gas / 2));
    // The derived sizes price a transfer at 2^24 accounts (a 12-byte record), not the test
    // circuit's 8 bytes.
    for (const p of run.scaling.filter((p) => !p.method.startsWith("measured")))
      expect(p.method).to.match(
        /marginal at 2\^24 accounts .*12-byte record × 16 gas \+ SHA-256 share/,
      );
    const gas = run.scaling.map((p) => p.gasPerTransfer);
    for (let i = 1; i < gas.length; i++) expect(gas[i]).to.be.lessThan(gas[i - 1]);
    // Far below an L1 transfer once the verification is shared by many transfers.
    expect(run.scaling.at(-1)!.gasPerTransfer).to.be.lessThan(
      Number(ctx.baseline.erc20ToHolderGas),
    );
  });

  it("refuses a workload with more accounts than the test circuit's tree", async function () {
    const ctx = await compareContext({ users: 8, tokens: 2, transfers: 1, withdrawals: 0 });
    // check() alone, without a chain or a circuit; run() checks the same first.
    expect(() => zkRollupRunner.check!(ctx.workload.params))
      .to.throw(InputError)
      .with.property("field", "--users");
    expect(() =>
      zkRollupRunner.check!({ ...ctx.workload.params, users: 5, tokens: 3 }),
    ).not.to.throw();
    const error = await zkRollupRunner.run(ctx).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).field).to.equal("--users");
  });
});
