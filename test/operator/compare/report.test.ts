import { expect } from "chai";
import { scalingChart } from "../../../operator/compare/chart";
import type { CompareResult } from "../../../operator/compare";
import { formatDuration, reportMarkdown, shortTable } from "../../../operator/compare/report";
import type { SystemRun } from "../../../operator/compare/types";
import { makeWorkload } from "../../../operator/compare/workload";

/** A run shaped like a runner's, with figures made up for the formatting alone. */
function run(system: SystemRun["system"], transfersGas: number, measured: boolean): SystemRun {
  return {
    system,
    sizeMeaning: "transfers per batch",
    totals: {
      setup: { gas: 0, txs: 0 },
      deposits: { gas: 100_000, txs: 2 },
      transfers: { gas: transfersGas, txs: 1 },
      withdrawals: { gas: 50_000, txs: 1 },
    },
    transferSeconds: 2,
    finality: {
      measuredSeconds: 0.5,
      configuredSeconds: 3600,
      productionSeconds: 604_800,
      note: "window",
    },
    withdrawal: { measuredSeconds: 1, configuredSeconds: 0, productionSeconds: 12, note: "claim" },
    scaling: [1, 10, 100].map((size) => ({
      size,
      gasPerTransfer: Math.round(transfersGas / size) + 100,
      method: measured || size === 1 ? "measured" : "fixed (measured) / size + marginal (measured)",
    })),
    withdrawn: 5n,
    heldOnL2: 7n,
    params: { batchSize: 2 },
    notes: [`${system} note`],
  };
}

function result(): CompareResult {
  return {
    workload: makeWorkload({ users: 3, tokens: 1, transfers: 4, withdrawals: 1, seed: 3 }),
    baseline: {
      erc20ToHolderGas: 34_000n,
      erc20ToNewHolderGas: 51_000n,
      ethTransferGas: 21_000n,
      erc20CalldataBytes: 68,
      blockGasLimit: 30_000_000n,
    },
    runs: [run("l1", 136_000, true), run("optimistic-rollup", 80_000, false)],
    records: [],
    throughput: { "optimistic-rollup": { value: 1234.5, unit: "tx/s", what: "sequencer" } },
    environment: {
      date: "2026-11-21T00:00:00.000Z",
      node: "v22",
      cpus: "cpu",
      cores: 2,
      network: "hardhat",
      hardfork: "osaka",
      seconds: 61,
      quick: true,
      throughput: true,
      only: ["optimistic-rollup"],
    },
  };
}

describe("compare: report and chart", function () {
  it("formats durations for reading", function () {
    expect(formatDuration(0)).to.equal("0");
    expect(formatDuration(0.1234)).to.equal("0.123 s");
    expect(formatDuration(12)).to.equal("12 s");
    expect(formatDuration(3600)).to.equal("60 min");
    expect(formatDuration(7200)).to.equal("2 h");
    expect(formatDuration(604_800)).to.equal("7 d");
  });

  it("puts each system's whole-workload gas per transfer and its ratio to L1 in the short table", function () {
    const text = shortTable(result());
    // (100,000 + 80,000 + 50,000) / 4 transfers = 57,500 gas, 57,500 / 34,000 = 1.6912x.
    expect(text).to.match(
      /Optimistic rollup\s+57,500\s+1\.6912x\s+not measured\s+7 d \(run: 60 min\)\s+12 s \(run: 1 s\)\s+1,234\.5 tx\/s/,
    );
    expect(text).to.match(/L1 \(ERC-20\)\s+71,500\s+2\.1029x .* not measured/);
  });

  it("writes a report with every section, the chart link, derived points marked and the anchors labelled", function () {
    const md = reportMarkdown(result());
    for (const section of [
      "## Summary",
      "## L1 gas of the workload",
      "## L1 gas per transfer against batch size",
      "## Time to L1 finality and withdrawal latency",
      "## Operator throughput and proving time",
      "## What each design assumes",
      "## Anchors (published figures, not measured here)",
    ])
      expect(md).to.include(section);
    expect(md).to.include("](comparison.svg)");
    expect(md).to.include(
      "npm run bench -- --compare --quick --only optimistic-rollup --users 3 --tokens 1 --transfers 4 --withdrawals 1 --seed 3",
    );
    // 80,000 / 10 + 100 derived, at 10: marked; measured at 1: not.
    expect(md).to.include("8,100* (0.2382x)");
    expect(md).to.include("80,100 (2.3559x)");
    expect(md).to.include("7-day challenge window | Optimism, Arbitrum");
    expect(md).to.not.include("Raiden"); // no channels run, no channel anchors
  });

  it("draws a log-log chart: one line per system, filled markers for measured points only", function () {
    const svg = scalingChart("t", [
      { label: "A", color: "#111111", points: run("l1", 136_000, true).scaling },
      { label: "B <b>", color: "#222222", points: run("plasma", 80_000, false).scaling },
    ]);
    expect(svg.startsWith("<svg")).to.equal(true);
    expect(svg.match(/<polyline/g)).to.have.length(2);
    expect(svg).to.include("B &lt;b&gt;");
    // A: 3 measured; B: 1 measured, 2 derived; plus the key's two markers.
    expect(svg.match(/fill="#111111"/g)).to.have.length(3);
    expect(svg.match(/fill="#222222"/g)).to.have.length(1);
    // Decade ticks from 1 to 100 on x.
    for (const tick of [">1<", ">10<", ">100<"]) expect(svg).to.include(tick);
    expect(() =>
      scalingChart("t", [
        { label: "Z", color: "#000", points: [{ size: 0, gasPerTransfer: 1, method: "measured" }] },
      ]),
    ).to.throw(/positive values/);
  });
});
