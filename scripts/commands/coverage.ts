import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { InputError, L2kitError } from "../../operator/core/errors";
import type { Io } from "../cli";

const ROOT = path.join(__dirname, "..", "..");
/** What `hardhat coverage` runs: the contract tests (docs/coverage.md). */
export const COVERAGE_TESTFILES = "test/contracts/**/*.ts";
/** Written by the `json-summary` reporter that .solcover.js asks for. */
const SUMMARY = path.join(ROOT, "coverage", "coverage-summary.json");

/** Minimum coverage, in percent, of every production contract (each on its own, not the total). */
export interface CoverageFloor {
  lines: number;
  branches: number;
}

/** A contract held to a lower floor in some metric, and why no test can do better. */
export interface FloorException {
  floor: Partial<CoverageFloor>;
  why: string;
}

/** The floor, and the few contracts held to a lower one (each named with its reason). */
export interface FloorPolicy {
  floor: CoverageFloor;
  /** Keyed by path under contracts/. */
  exceptions: Readonly<Record<string, FloorException>>;
}

export const COVERAGE_POLICY: FloorPolicy = {
  floor: { lines: 95, branches: 90 },
  exceptions: {
    "libraries/BlobReader.sol": {
      floor: { branches: 81 },
      why:
        "3 of its 16 branch arms check the point-evaluation precompile's answer (64 bytes whose " +
        "first word is 4096); the precompile at 0x0a returns exactly that or fails, so only a " +
        "chain without it could take them. The 13 others are tested (13/16 = 81.25 %).",
    },
  },
};

/** The floor `file` (a path under contracts/) is held to. */
export function floorOf(file: string, policy: FloorPolicy): CoverageFloor {
  return { ...policy.floor, ...policy.exceptions[file]?.floor };
}

const METRICS = ["lines", "branches", "functions", "statements"] as const;
type Metric = (typeof METRICS)[number];

export interface Counts {
  covered: number;
  total: number;
}

/** One contract file's coverage; `file` is relative to contracts/. */
export type ContractCoverage = { file: string } & Record<Metric, Counts>;

/** A contract below the floor in one metric. */
export interface Shortfall {
  file: string;
  metric: keyof CoverageFloor;
  percent: number;
  floor: number;
}

/** Percent covered; a file with nothing to cover in a metric is fully covered in it. */
export function percent(c: Counts): number {
  return c.total === 0 ? 100 : (100 * c.covered) / c.total;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * The production contracts of an istanbul `coverage-summary.json` (as solidity-coverage writes
 * it: keys are paths of contracts/ files, relative to `root` or absolute, plus `total`), sorted
 * by path. Mocks (contracts/mocks/) are left out even if instrumented. Throws an `InputError` on
 * anything else: not an object, a file outside contracts/, a metric missing or with counts that
 * are not whole numbers with covered <= total, or no production contract at all.
 */
export function productionCoverage(summary: unknown, root: string): ContractCoverage[] {
  if (typeof summary !== "object" || summary === null || Array.isArray(summary)) {
    throw new InputError("coverage summary", "must be a JSON object keyed by file");
  }
  const contractsDir = path.resolve(root, "contracts");
  const out: ContractCoverage[] = [];
  for (const [key, entry] of Object.entries(summary as Record<string, unknown>)) {
    if (key === "total") continue;
    const file = path.relative(contractsDir, path.resolve(root, key)).split(path.sep).join("/");
    if (file.startsWith("../") || path.isAbsolute(file) || !file.endsWith(".sol")) {
      throw new InputError("coverage summary", `${key} is not a Solidity file in contracts/`);
    }
    if (file.startsWith("mocks/")) continue;
    const counts = {} as Record<Metric, Counts>;
    for (const metric of METRICS) {
      const m = (entry as Record<string, unknown> | null)?.[metric] as
        Record<string, unknown> | undefined;
      const covered = m?.covered;
      const total = m?.total;
      if (!isCount(covered) || !isCount(total) || covered > total) {
        throw new InputError(
          "coverage summary",
          `${key}: ${metric} needs whole-number counts with covered <= total`,
        );
      }
      counts[metric] = { covered, total };
    }
    out.push({ file, ...counts });
  }
  if (out.length === 0) throw new InputError("coverage summary", "names no production contract");
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** Every (contract, metric) below its floor, in the contracts' order, lines before branches. */
export function belowFloor(contracts: ContractCoverage[], policy: FloorPolicy): Shortfall[] {
  const out: Shortfall[] = [];
  for (const c of contracts) {
    const floor = floorOf(c.file, policy);
    for (const metric of ["lines", "branches"] as const) {
      const p = percent(c[metric]);
      if (p < floor[metric]) out.push({ file: c.file, metric, percent: p, floor: floor[metric] });
    }
  }
  return out;
}

/** Truncated, never rounded up: 94.999 % shows as 94.99 %, below a 95 % floor. */
const pct = (p: number): string => (Math.floor(p * 100) / 100).toFixed(2);

/**
 * A Markdown table of the contracts' coverage: a value below its floor is marked `(below)`, and a
 * floor lowered by an exception is shown beside the value.
 */
export function coverageTable(contracts: ContractCoverage[], policy: FloorPolicy): string[] {
  const cell = (c: ContractCoverage, metric: Metric): string => {
    const p = percent(c[metric]);
    let note = "";
    if (metric === "lines" || metric === "branches") {
      const floor = floorOf(c.file, policy)[metric];
      if (floor !== policy.floor[metric]) note += ` (floor ${floor} %)`;
      if (p < floor) note += " (below)";
    }
    return `${pct(p)} % (${c[metric].covered}/${c[metric].total})${note}`;
  };
  const rows = [
    ["contract", ...METRICS],
    ...contracts.map((c) => [c.file, ...METRICS.map((m) => cell(c, m))]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => `| ${r.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ];
}

/** The verdict the command fails with: each contract below the floor, with its shortfalls. */
export function shortfallMessage(shortfalls: Shortfall[], policy: FloorPolicy): string {
  const { floor } = policy;
  const byFile = new Map<string, string[]>();
  for (const s of shortfalls) {
    const list = byFile.get(s.file) ?? [];
    list.push(`${s.metric} ${pct(s.percent)} % < ${s.floor} %`);
    byFile.set(s.file, list);
  }
  const each = [...byFile].map(([file, list]) => `${file} (${list.join(", ")})`);
  return (
    `${byFile.size} contract(s) below the floor of ${floor.lines} % of lines and ` +
    `${floor.branches} % of branches: ${each.join("; ")}`
  );
}

async function runHardhatCoverage(): Promise<number> {
  const env = { ...process.env };
  // hardhat coverage runs on its own in-process network and refuses any other.
  delete env.HARDHAT_NETWORK;
  return new Promise<number>((resolve, reject) => {
    const child = spawn(
      path.join(ROOT, "node_modules", ".bin", "hardhat"),
      ["coverage", "--testfiles", COVERAGE_TESTFILES],
      { cwd: ROOT, env, stdio: "inherit" },
    );
    child.on("error", reject);
    child.on("exit", (status, signal) => resolve(status ?? (signal === null ? 1 : 130)));
  });
}

export function coverageCommand(io: Io): Command {
  return new Command("coverage")
    .description(
      `Run the contract tests (${COVERAGE_TESTFILES}) instrumented by solidity-coverage, print each ` +
        `production contract's coverage, and fail naming every contract below ${COVERAGE_POLICY.floor.lines} % ` +
        `of lines or ${COVERAGE_POLICY.floor.branches} % of branches (docs/coverage.md).`,
    )
    .option(
      "--summary <file>",
      "check an existing coverage-summary.json instead of running the tests",
    )
    .action(async (opts: { summary?: string }) => {
      let summaryFile = SUMMARY;
      let testsExit = 0;
      if (opts.summary === undefined) {
        fs.rmSync(SUMMARY, { force: true });
        testsExit = await runHardhatCoverage();
      } else {
        summaryFile = path.resolve(opts.summary);
      }
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(summaryFile, "utf8"));
      } catch (error) {
        if (testsExit !== 0) {
          throw new L2kitError(
            "COVERAGE_TESTS_FAILED",
            `hardhat coverage exited with ${testsExit}`,
            {
              code: testsExit,
            },
          );
        }
        throw new InputError(
          opts.summary === undefined ? "coverage summary" : "--summary",
          `cannot read ${summaryFile}: ${(error as Error).message}`,
        );
      }
      const contracts = productionCoverage(raw, ROOT);
      for (const row of coverageTable(contracts, COVERAGE_POLICY)) io.out(row);
      for (const [file, e] of Object.entries(COVERAGE_POLICY.exceptions)) {
        const lowered = Object.entries(e.floor).map(([m, v]) => `${m} ${v} %`);
        io.out(`floor lowered for ${file} (${lowered.join(", ")}): ${e.why}`);
      }
      if (testsExit !== 0) {
        throw new L2kitError(
          "COVERAGE_TESTS_FAILED",
          `hardhat coverage exited with ${testsExit}: a contract test failed instrumented`,
          { code: testsExit },
        );
      }
      const shortfalls = belowFloor(contracts, COVERAGE_POLICY);
      if (shortfalls.length > 0) {
        throw new L2kitError(
          "COVERAGE_BELOW_FLOOR",
          shortfallMessage(shortfalls, COVERAGE_POLICY),
          {
            shortfalls,
          },
        );
      }
      io.out(
        `every production contract meets the floor (lines ${COVERAGE_POLICY.floor.lines} %, ` +
          `branches ${COVERAGE_POLICY.floor.branches} %, per contract)`,
      );
    });
}
