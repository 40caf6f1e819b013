import { expect } from "chai";
import { channelNodeSettings } from "../../../operator/channels/settings";
import { loadConfig } from "../../../operator/core/config";
import { channelsRunner, hubCollateral } from "../../../operator/compare/runners/channels";
import { L1_FINALITY_SECONDS, L1_SLOT_SECONDS } from "../../../operator/compare/types";
import type { Workload } from "../../../operator/compare/workload";
import { compareContext } from "../../helpers/compare";

/**
 * The hub's side of each (user, token) channel through the workload, starting from `collateral`:
 * a payment to the user is forwarded (taken from the hub's side) before the payer's channel pays
 * the hub. Returns the lowest the side reaches.
 */
function lowestHubSide(w: Workload, collateral: bigint[][]): bigint[][] {
  const side = collateral.map((row) => [...row]);
  const lowest = collateral.map((row) => [...row]);
  for (const t of w.transfers) {
    side[t.to][t.token] -= t.amount;
    if (side[t.to][t.token] < lowest[t.to][t.token]) lowest[t.to][t.token] = side[t.to][t.token];
    side[t.from][t.token] += t.amount;
  }
  return lowest;
}

describe("compare: payment-channel runner", function () {
  it("routes every payment through the hub with the least collateral and ends with the workload's balances", async function () {
    const users = 4;
    const tokens = 2;
    const ctx = await compareContext({ users, tokens, transfers: 6, withdrawals: 2 });
    const { workload } = ctx;

    // The hub's collateral is enough and not a unit more: each funded side touches zero once.
    const collateral = hubCollateral(workload);
    const lowest = lowestHubSide(workload, collateral);
    for (const [i, row] of collateral.entries())
      for (const [t, c] of row.entries()) {
        expect(lowest[i][t] >= 0n, `user ${i} token ${t} covered`).to.equal(true);
        if (c > 0n) expect(lowest[i][t], `user ${i} token ${t} tight`).to.equal(0n);
      }

    const run = await channelsRunner.run(ctx);

    const funded = collateral.flat().filter((c) => c > 0n).length;
    const tokensFunded = [0, 1].filter((t) => collateral.some((row) => row[t] > 0n)).length;
    // The hub approves the adjudicator once per token it funds.
    expect(run.totals.setup.txs).to.equal(tokensFunded);
    // Each user: an approval and a deposit per token; the hub: a deposit per funded channel.
    expect(run.totals.deposits.txs).to.equal(2 * users * tokens + funded);
    // Payments never touch L1.
    expect(run.totals.transfers).to.deep.equal({ gas: 0, txs: 0 });
    // Each withdrawer concludes one channel per token.
    expect(run.totals.withdrawals.txs).to.equal(2 * tokens);

    const sum = (who: number[]): bigint =>
      who.reduce((s, u) => s + workload.balances[u].reduce((a, b) => a + b, 0n), 0n);
    const others = [0, 1, 2, 3].filter((u) => !workload.withdrawers.includes(u));
    expect(run.withdrawn).to.equal(sum(workload.withdrawers));
    expect(run.heldOnL2).to.equal(sum(others));
    expect(run.params.hubCollateral).to.equal(
      collateral
        .flat()
        .reduce((a, b) => a + b, 0n)
        .toString(),
    );

    // Derived: a channel's fund and close gas spread over more payments, falling with size.
    const sizes = run.scaling.map((p) => p.size);
    expect(sizes).to.deep.equal([...sizes].sort((a, b) => a - b));
    const derived = run.scaling.filter((p) => p.method.startsWith("derived"));
    expect(derived.length).to.be.greaterThan(1);
    for (const p of derived) expect(p.method).to.include("every channel funded and closed once");
    for (let k = 1; k < derived.length; k++)
      expect(derived[k].gasPerTransfer).to.be.lessThan(derived[k - 1].gasPerTransfer);
    // Measured: this run's deposits and closes (only the withdrawers' channels) over its payments.
    const measured = run.scaling.filter((p) => p.method.startsWith("measured"));
    expect(measured.map((p) => p.size)).to.deep.equal([(2 * 6) / (users * tokens)]);
    expect(measured[0].gasPerTransfer).to.equal(
      Math.round((run.totals.deposits.gas + run.totals.withdrawals.gas) / 6),
    );
    expect(measured[0].method).to.include(`(${2 * tokens} of ${users * tokens} channels closed)`);

    const challenge = loadConfig(channelNodeSettings, { env: {} }).minChallengeSeconds;
    expect(run.params.challengeSeconds).to.equal(Number(challenge));
    expect(run.finality.configuredSeconds).to.equal(0);
    expect(run.withdrawal.configuredSeconds).to.equal(0);
    expect(run.withdrawal.productionSeconds).to.equal(L1_SLOT_SECONDS + L1_FINALITY_SECONDS);
    expect(run.withdrawal.note).to.include(`${challenge} s challenge period`);
    expect(run.transferSeconds).to.be.greaterThan(0);
  });
});
