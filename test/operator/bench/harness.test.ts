import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { formatTable, runBench, writeJson, type BenchSuite } from "../../../operator/bench";
import { InputError } from "../../../operator/core/errors";

const baseline: BenchSuite = {
  system: "l1-erc20",
  description: "fake baseline",
  async run(ctx) {
    ctx.baseline = {
      erc20ToHolderGas: 40_000n,
      erc20ToNewHolderGas: 60_000n,
      ethTransferGas: 21_000n,
      erc20CalldataBytes: 68,
      blockGasLimit: 30_000_000n,
    };
    return [
      { system: "l1-erc20", metric: "erc20-transfer-gas", value: 40_000, unit: "gas", params: {} },
    ];
  },
};
const l2: BenchSuite = {
  system: "fake-l2",
  description: "fake L2",
  async run() {
    return [
      {
        system: "fake-l2",
        metric: "gas-per-transfer",
        value: 400,
        unit: "gas",
        params: { batch: 64 },
        compareTo: "erc20-transfer",
      },
    ];
  },
};
const other: BenchSuite = {
  system: "other",
  description: "other",
  run: async () => [{ system: "other", metric: "m", value: 1, unit: "x", params: {} }],
};

describe("operator/bench harness", function () {
  it("always runs the baseline first and adds a ratio record per comparable figure", async function () {
    const lines: string[] = [];
    const records = await runBench({
      hre,
      suites: [baseline, l2, other],
      only: ["fake-l2"],
      progress: (l) => lines.push(l),
    });
    expect(records.map((r) => `${r.system}/${r.metric}`)).to.deep.equal([
      "l1-erc20/erc20-transfer-gas",
      "fake-l2/gas-per-transfer",
      "fake-l2/gas-per-transfer / L1",
    ]);
    expect(records[2]).to.deep.equal({
      system: "fake-l2",
      metric: "gas-per-transfer / L1",
      value: 0.01,
      unit: "ratio",
      params: { batch: 64, baseline: "l1-erc20/erc20-transfer", baselineGas: 40_000 },
    });
    expect(lines.some((l) => l.includes("fake-l2"))).to.equal(true);
  });

  it("reads --only a,b as --only a b", async function () {
    const records = await runBench({ hre, suites: [baseline, l2, other], only: ["fake-l2,other"] });
    expect([...new Set(records.map((r) => r.system))]).to.deep.equal([
      "l1-erc20",
      "fake-l2",
      "other",
    ]);
  });

  it("refuses an unknown system with the known ones listed", async function () {
    const err = await runBench({ hre, suites: [baseline, l2], only: ["zk"] }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).field).to.equal("--only");
    expect((err as InputError).reason).to.equal('unknown system "zk"; known: l1-erc20, fake-l2');
  });

  it("refuses a comparison before a baseline exists", async function () {
    const noBaseline: BenchSuite = { ...baseline, run: async () => [] };
    const err = await runBench({ hre, suites: [noBaseline, l2] }).catch((e: unknown) => e);
    expect(String(err)).to.match(/compares to L1 before the baseline ran/);
  });

  it("stops between suites when interrupted", async function () {
    const abort = new AbortController();
    abort.abort(new Error("interrupted"));
    const err = await runBench({ hre, suites: [baseline, l2], signal: abort.signal }).catch(
      (e: unknown) => e,
    );
    expect(err).to.have.property("message", "interrupted");
  });

  it("prints an aligned table and writes JSON records", async function () {
    const records = await runBench({ hre, suites: [baseline, l2] });
    const table = formatTable(records).split("\n");
    expect(table[0]).to.match(/^system\s+metric\s+value\s+unit\s+params$/);
    expect(table[2]).to.include("40,000");
    const file = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-bench-")),
      "out",
      "bench.json",
    );
    writeJson(file, records);
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as unknown[];
    expect(parsed).to.deep.equal(records);
    for (const r of parsed)
      expect(Object.keys(r as object).sort()).to.deep.equal([
        "metric",
        "params",
        "system",
        "unit",
        "value",
      ]);
  });
});
