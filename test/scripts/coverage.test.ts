import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { main } from "../../scripts/cli";
import {
  belowFloor,
  COVERAGE_POLICY,
  coverageTable,
  floorOf,
  percent,
  productionCoverage,
  type Counts,
  type FloorPolicy,
} from "../../scripts/commands/coverage";
import { InputError } from "../../operator/core/errors";

const ROOT = "/repo";

/** A summary entry as istanbul's json-summary reporter writes it. */
function entry(lines: Counts, branches: Counts, functions = lines, statements = lines) {
  const m = (c: Counts) => ({ ...c, skipped: 0, pct: percent(c) });
  return {
    lines: m(lines),
    branches: m(branches),
    functions: m(functions),
    statements: m(statements),
  };
}
const full = entry({ covered: 10, total: 10 }, { covered: 4, total: 4 });
const STANDARD: FloorPolicy = { floor: { lines: 95, branches: 90 }, exceptions: {} };

describe("scripts/commands/coverage (the coverage floor)", function () {
  describe("productionCoverage", function () {
    it("keeps contracts/ files by their path under contracts/, sorted, without total and mocks", function () {
      const rows = productionCoverage(
        {
          total: full,
          "contracts/zk-rollup/ZkRollup.sol": full,
          "/repo/contracts/channels/Adjudicator.sol": full,
          "contracts/mocks/GasProbe.sol": entry({ covered: 0, total: 4 }, { covered: 0, total: 2 }),
        },
        ROOT,
      );
      expect(rows.map((r) => r.file)).to.deep.equal([
        "channels/Adjudicator.sol",
        "zk-rollup/ZkRollup.sol",
      ]);
      expect(rows[0].branches).to.deep.equal({ covered: 4, total: 4 });
    });

    it("refuses what is not a json-summary of contracts, saying what is wrong", function () {
      const bad: [unknown, RegExp][] = [
        [null, /must be a JSON object keyed by file/],
        [[full], /must be a JSON object keyed by file/],
        ["coverage", /must be a JSON object keyed by file/],
        [{}, /names no production contract/],
        [{ total: full }, /names no production contract/],
        [{ "contracts/mocks/GasProbe.sol": full }, /names no production contract/],
        [{ "test/Foo.sol": full }, /test\/Foo.sol is not a Solidity file in contracts\//],
        [{ "/elsewhere/contracts/A.sol": full }, /is not a Solidity file in contracts\//],
        [{ "contracts/A.ts": full }, /is not a Solidity file in contracts\//],
        [{ "contracts/A.sol": null }, /A.sol: lines needs whole-number counts/],
        [{ "contracts/A.sol": { lines: full.lines } }, /A.sol: branches needs whole-number counts/],
        [
          { "contracts/A.sol": entry({ covered: 11, total: 10 }, full.branches) },
          /lines needs whole-number counts with covered <= total/,
        ],
        [{ "contracts/A.sol": entry({ covered: -1, total: 10 }, full.branches) }, /lines needs/],
        [{ "contracts/A.sol": entry(full.lines, { covered: 1.5, total: 4 }) }, /branches needs/],
        [
          { "contracts/A.sol": { ...full, statements: { covered: "9", total: 10 } } },
          /statements needs/,
        ],
        [{ "contracts/A.sol": { ...full, functions: { pct: 100 } } }, /functions needs/],
      ];
      for (const [summary, message] of bad) {
        expect(() => productionCoverage(summary, ROOT), JSON.stringify(summary))
          .to.throw(InputError)
          .with.property("message")
          .that.matches(message);
      }
    });
  });

  describe("belowFloor", function () {
    const contract = (lines: Counts, branches: Counts, file = "A.sol") => ({
      file,
      lines,
      branches,
      functions: { covered: 0, total: 5 },
      statements: { covered: 0, total: 5 },
    });

    it("passes a contract exactly at the floor and fails one just below, per metric", function () {
      const floor = STANDARD;
      expect(belowFloor([contract({ covered: 95, total: 100 }, { covered: 9, total: 10 })], floor))
        .to.be.empty;
      const [lines] = belowFloor(
        [contract({ covered: 1899, total: 2000 }, { covered: 9, total: 10 })],
        floor,
      );
      expect(lines).to.deep.include({ file: "A.sol", metric: "lines", floor: 95 });
      expect(lines.percent).to.be.closeTo(94.95, 1e-9);
      expect(
        belowFloor([contract({ covered: 95, total: 100 }, { covered: 89, total: 99 })], floor),
      ).to.deep.equal([{ file: "A.sol", metric: "branches", percent: (100 * 89) / 99, floor: 90 }]);
    });

    it("judges each contract on its own: a high total does not hide one low contract", function () {
      const shortfalls = belowFloor(
        [
          contract({ covered: 1000, total: 1000 }, { covered: 500, total: 500 }, "big.sol"),
          contract({ covered: 1, total: 2 }, { covered: 0, total: 2 }, "small.sol"),
          contract({ covered: 20, total: 20 }, { covered: 0, total: 0 }, "straight.sol"),
        ],
        STANDARD,
      );
      expect(shortfalls.map((s) => `${s.file} ${s.metric}`)).to.deep.equal([
        "small.sol lines",
        "small.sol branches",
      ]);
    });
  });

  describe("exceptions", function () {
    const policy: FloorPolicy = {
      floor: { lines: 95, branches: 90 },
      exceptions: { "lib/Odd.sol": { floor: { branches: 80 }, why: "unreachable arms" } },
    };
    const odd = (branches: Counts) => ({
      file: "lib/Odd.sol",
      lines: { covered: 100, total: 100 },
      branches,
      functions: { covered: 1, total: 1 },
      statements: { covered: 1, total: 1 },
    });

    it("lower only the named contract's floor, only in the named metric", function () {
      expect(floorOf("lib/Odd.sol", policy)).to.deep.equal({ lines: 95, branches: 80 });
      expect(floorOf("lib/Even.sol", policy)).to.deep.equal({ lines: 95, branches: 90 });
      expect(belowFloor([odd({ covered: 8, total: 10 })], policy)).to.be.empty;
      expect(belowFloor([odd({ covered: 79, total: 100 })], policy)).to.deep.equal([
        { file: "lib/Odd.sol", metric: "branches", percent: 79, floor: 80 },
      ]);
      expect(
        belowFloor([{ ...odd({ covered: 8, total: 10 }), file: "lib/Even.sol" }], policy),
      ).to.have.length(1);
      const table = coverageTable([odd({ covered: 8, total: 10 })], policy);
      expect(table[2]).to.include("80.00 % (8/10) (floor 80 %)").and.not.include("(below)");
    });

    it("name, in the project's policy, only contracts that exist, each with its reason", function () {
      for (const [file, e] of Object.entries(COVERAGE_POLICY.exceptions)) {
        expect(fs.existsSync(path.join(__dirname, "..", "..", "contracts", file)), file).to.equal(
          true,
        );
        expect(e.why.length, file).to.be.greaterThan(40);
        for (const [metric, value] of Object.entries(e.floor)) {
          expect(value, `${file} ${metric}`).to.be.lessThan(
            COVERAGE_POLICY.floor[metric as "lines" | "branches"],
          );
        }
      }
    });
  });

  it("prints a table with every metric, marking values below the floor and never rounding up", function () {
    const rows = productionCoverage(
      {
        "contracts/A.sol": entry({ covered: 18999, total: 20000 }, { covered: 9, total: 10 }),
        "contracts/B.sol": full,
      },
      ROOT,
    );
    const table = coverageTable(rows, STANDARD);
    expect(table[0]).to.match(
      /^\| contract +\| lines +\| branches +\| functions +\| statements +\|$/,
    );
    expect(table[2]).to.include("94.99 % (18999/20000) (below)");
    expect(table[2]).to.include("90.00 % (9/10)");
    expect(table[2]).not.to.include("90.00 % (9/10) (below)");
    expect(table[3]).not.to.include("(below)");
    // Functions and statements are shown, never judged.
    const low = coverageTable(
      productionCoverage(
        { "contracts/C.sol": entry(full.lines, full.branches, { covered: 0, total: 3 }) },
        ROOT,
      ),
      STANDARD,
    );
    expect(low[2]).to.include("0.00 % (0/3)").and.not.include("(below)");
  });

  describe("npx l2kit coverage --summary <file>", function () {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-coverage-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function check(summary: unknown) {
      const file = path.join(dir, `summary-${Math.random()}.json`);
      fs.writeFileSync(file, typeof summary === "string" ? summary : JSON.stringify(summary));
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(["node", "l2kit", "coverage", "--summary", file], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    }

    it("exits 0 when every production contract meets the floor", async function () {
      const r = await check({
        total: entry({ covered: 0, total: 1 }, { covered: 0, total: 1 }),
        "contracts/A.sol": full,
        "contracts/mocks/M.sol": entry({ covered: 0, total: 1 }, { covered: 0, total: 1 }),
      });
      expect(r.err).to.equal("");
      expect(r.code).to.equal(0);
      expect(r.out).to.include("| A.sol").and.not.include("mocks");
      expect(r.out).to.include("every production contract meets the floor");
    });

    it("exits 1 naming each contract below the floor and the metric", async function () {
      const r = await check({
        "contracts/A.sol": full,
        "contracts/b/B.sol": entry({ covered: 94, total: 100 }, { covered: 9, total: 10 }),
        "contracts/C.sol": entry({ covered: 100, total: 100 }, { covered: 8, total: 10 }),
      });
      expect(r.code).to.equal(1);
      expect(r.err).to.match(/^error \[COVERAGE_BELOW_FLOOR\]: 2 contract\(s\) below the floor/);
      expect(r.err).to.include("b/B.sol (lines 94.00 % < 95 %)");
      expect(r.err).to.include("C.sol (branches 80.00 % < 90 %)");
      expect(r.err).not.to.include("A.sol");
    });

    it("exits 2 on a summary that is missing or not a summary", async function () {
      const missing = await main(
        ["node", "l2kit", "coverage", "--summary", path.join(dir, "none.json")],
        { out: () => undefined, err: () => undefined },
      );
      expect(missing).to.equal(2);
      const garbage = await check("not json");
      expect(garbage.code).to.equal(2);
      expect(garbage.err).to.match(/--summary: cannot read/);
      const wrong = await check({ "contracts/A.sol": { lines: 5 } });
      expect(wrong.code).to.equal(2);
      expect(wrong.err).to.match(/A.sol: lines needs whole-number counts/);
    });
  });
});
