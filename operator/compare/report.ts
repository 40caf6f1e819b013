/**
 * The comparison's outputs: the short table (printed by `bench --compare` and at the end of the
 * demo) and `bench/REPORT.md` with its chart `bench/comparison.svg`. Every number comes from the
 * `CompareResult` of one run; the anchors' figures are printed in their own, labelled table.
 */
import fs from "node:fs";
import path from "node:path";
import { formatNumber, round } from "../bench/harness";
import { ANCHORS, ASSUMPTIONS } from "./assumptions";
import { scalingChart } from "./chart";
import { describeWorkload, gasPerTransfer, type CompareResult } from "./index";
import type { ComparedSystem, Latency, SystemRun } from "./types";

const COLORS: Record<ComparedSystem, string> = {
  l1: "#444444",
  "zk-rollup": "#1f77b4",
  "optimistic-rollup": "#d62728",
  channels: "#2ca02c",
  plasma: "#9467bd",
};

export const CHART_FILE = "comparison.svg";

/** 0.4 s, 12 min, 3.5 h, 7 d: a duration a reader takes in at a glance. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0";
  if (seconds < 1) return `${round(seconds, 3)} s`;
  if (seconds < 120) return `${round(seconds, 1)} s`;
  if (seconds < 7200) return `${round(seconds / 60, 1)} min`;
  if (seconds < 2 * 86_400) return `${round(seconds / 3600, 1)} h`;
  return `${round(seconds / 86_400, 1)} d`;
}

function label(system: ComparedSystem): string {
  return ASSUMPTIONS[system].label;
}

function ratio(gas: number, result: CompareResult): string {
  return `${formatNumber(round(gas / Number(result.baseline.erc20ToHolderGas), 4))}x`;
}

function latencyCell(l: Latency): string {
  return `${formatDuration(l.productionSeconds)} (run: ${formatDuration(l.measuredSeconds + l.configuredSeconds)})`;
}

/** The short form: one row per system. */
export function shortRows(result: CompareResult): string[][] {
  const header = [
    "system",
    "L1 gas / transfer",
    "vs L1",
    "at 1,000 per batch",
    "finality, production (this run)",
    "withdrawal, production (this run)",
    "operator tx/s",
  ];
  const rows = result.runs.map((run) => {
    const per = gasPerTransfer(run, result.workload).all;
    const t = result.throughput[run.system];
    const at1000 = run.scaling.find((p) => p.size === 1000);
    return [
      label(run.system),
      formatNumber(Math.round(per)),
      ratio(per, result),
      at1000 === undefined
        ? "not measured"
        : `${formatNumber(at1000.gasPerTransfer)}${at1000.method.startsWith("measured") ? "" : "*"}`,
      latencyCell(run.finality),
      latencyCell(run.withdrawal),
      t === undefined ? "not measured" : `${formatNumber(t.value)} ${t.unit}`,
    ];
  });
  return [header, ...rows];
}

/** A plain-text table (for the terminal). */
export function textTable(rows: readonly string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("  ")
      .trimEnd();
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join(
    "\n",
  );
}

function mdTable(rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  return [
    `| ${rows[0].map(esc).join(" | ")} |`,
    `| ${rows[0].map(() => "---").join(" | ")} |`,
    ...rows.slice(1).map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** The short table, as printed at the end of `bench --compare` and of the demo. */
export function shortTable(result: CompareResult): string {
  return [
    `${describeWorkload(result.workload)}; L1 gas per transfer counts deposits, transfers and withdrawals; ` +
      `L1 ERC-20 transfer in the same run: ${formatNumber(Number(result.baseline.erc20ToHolderGas))} gas`,
    textTable(shortRows(result)),
  ].join("\n");
}

function scalingRows(result: CompareResult): string[][] {
  const sizes = [...new Set(result.runs.flatMap((r) => r.scaling.map((p) => p.size)))].sort(
    (a, b) => a - b,
  );
  const header = ["system", "size means", ...sizes.map((s) => formatNumber(s))];
  return [
    header,
    ...result.runs.map((run) => [
      label(run.system),
      run.sizeMeaning,
      ...sizes.map((s) => {
        const p = run.scaling.find((x) => x.size === s);
        if (p === undefined) return "";
        const mark = p.method.startsWith("measured") ? "" : "*";
        return `${formatNumber(p.gasPerTransfer)}${mark} (${ratio(p.gasPerTransfer, result)})`;
      }),
    ]),
  ];
}

function phaseRows(result: CompareResult): string[][] {
  const header = [
    "system",
    "deposits",
    "transfers",
    "withdrawals",
    "per transfer, all phases",
    "per transfer, transfers only",
    "setup (not per transfer)",
  ];
  const cell = (run: SystemRun, phase: keyof SystemRun["totals"]): string =>
    `${formatNumber(run.totals[phase].gas)} (${run.totals[phase].txs} tx)`;
  return [
    header,
    ...result.runs.map((run) => {
      const per = gasPerTransfer(run, result.workload);
      return [
        label(run.system),
        cell(run, "deposits"),
        cell(run, "transfers"),
        cell(run, "withdrawals"),
        `${formatNumber(Math.round(per.all))} (${ratio(per.all, result)})`,
        `${formatNumber(Math.round(per.transfers))} (${ratio(per.transfers, result)})`,
        cell(run, "setup"),
      ];
    }),
  ];
}

function latencyRows(result: CompareResult): string[][] {
  const rows: string[][] = [
    [
      "system",
      "delay",
      "measured in this run",
      "period waited in this run",
      "production defaults",
      "made of",
    ],
  ];
  for (const run of result.runs) {
    for (const [what, l] of [
      ["transfer to L1 finality", run.finality],
      ["withdrawal to L1", run.withdrawal],
    ] as const) {
      rows.push([
        label(run.system),
        what,
        formatDuration(l.measuredSeconds),
        formatDuration(l.configuredSeconds),
        formatDuration(l.productionSeconds),
        l.note,
      ]);
    }
  }
  return rows;
}

function throughputRows(result: CompareResult): string[][] {
  const rows: string[][] = [["system", "transfers per second", "how", "workload played at"]];
  for (const run of result.runs) {
    const t = result.throughput[run.system];
    const played = result.workload.transfers.length / Math.max(run.transferSeconds, 1e-6);
    rows.push([
      label(run.system),
      t === undefined ? "not measured (run with throughput)" : `${formatNumber(t.value)} ${t.unit}`,
      t?.what ?? "",
      `${formatNumber(round(played, 1))} tx/s, one client in order`,
    ]);
  }
  const zk = result.runs.find((r) => r.system === "zk-rollup");
  if (zk?.provingSeconds !== undefined)
    rows.push([
      "ZK rollup proving",
      `${formatNumber(round(zk.provingSeconds, 2))} s per batch`,
      `Groth16 (snarkjs), ${String(zk.params.circuit ?? "test")} circuit, ${String(zk.params.transferSlots ?? "?")} transfers per batch`,
      "",
    ]);
  return rows;
}

function assumptionRows(result: CompareResult): string[][] {
  return [
    ["system", "data availability", "liveness", "trust in the operator", "exits and withdrawals"],
    ...result.runs.map((run) => {
      const a = ASSUMPTIONS[run.system];
      return [a.label, a.dataAvailability, a.liveness, a.operatorTrust, a.exitsAndWithdrawals];
    }),
  ];
}

/** The report's markdown; `chartFile` is the SVG's path relative to the report. */
export function reportMarkdown(result: CompareResult, chartFile = CHART_FILE): string {
  const e = result.environment;
  const w = result.workload;
  const sum = (xs: bigint[][]): bigint => xs.flat().reduce((a, b) => a + b, 0n);
  const rerun = [
    "npm run bench -- --compare",
    e.quick ? "--quick" : "",
    e.throughput ? "" : "--no-throughput",
    e.only.length > 0 ? `--only ${e.only.join(" ")}` : "",
    `--users ${w.params.users} --tokens ${w.params.tokens} --transfers ${w.params.transfers}`,
    `--withdrawals ${w.params.withdrawals} --seed ${w.params.seed}`,
  ]
    .filter((s) => s !== "")
    .join(" ");
  const notes = result.runs.flatMap((r) => r.notes.map((n) => `- ${label(r.system)}: ${n}`));
  const params = result.runs.map(
    (r) =>
      `- ${label(r.system)}: ${Object.entries(r.params)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
  );
  return [
    "# l2kit: the four designs side by side",
    "",
    `Generated by \`${rerun}\` on ${e.date.slice(0, 10)} in ${formatDuration(e.seconds)}: ` +
      `Node ${e.node}, ${e.cores} × ${e.cpus}, Hardhat network \`${e.network}\` (hardfork ${e.hardfork}). ` +
      "Every number below comes from that run, except the anchors' figures in their own table. " +
      "See docs/comparison.md for how to read it.",
    "",
    `**Workload:** ${describeWorkload(w)}. Every user deposits what it holds, the transfers go in ` +
      `order through each system, the withdrawers take everything back to L1. Each system's run was ` +
      `checked against the workload: withdrawers hold ${sum(w.withdrawers.map((u) => w.balances[u]))} ` +
      `base units on L1, the others ${sum(w.balances.filter((_, u) => !w.withdrawers.includes(u)))} in the system.`,
    "",
    `**Baseline:** an OpenZeppelin ERC-20 transfer to an existing holder, ${formatNumber(Number(result.baseline.erc20ToHolderGas))} gas, measured in the same run; "x" columns are ratios to it.`,
    "",
    "## Summary",
    "",
    mdTable(shortRows(result)),
    "",
    "L1 gas / transfer: the whole workload (deposits, transfers, withdrawals) over its transfers, at the batch sizes this run reached; at 1,000 per batch: the scaling table's figure (\\* derived from measured parts). Finality and withdrawal: with the deployment defaults, and in brackets what this run took (measured work plus the shortened periods it waited out on the dev chain).",
    "",
    "## L1 gas of the workload",
    "",
    mdTable(phaseRows(result)),
    "",
    "## L1 gas per transfer against batch size",
    "",
    `![L1 gas per transfer against batch size, log scale](${chartFile})`,
    "",
    mdTable(scalingRows(result)),
    "",
    "\\* derived from parts measured in this run (hollow markers in the chart); how, per system:",
    "",
    ...result.runs.flatMap((r) => {
      const methods = [...new Set(r.scaling.map((p) => p.method))];
      return [`- ${label(r.system)}: ${methods.join("; ")}`];
    }),
    "",
    "## Time to L1 finality and withdrawal latency",
    "",
    mdTable(latencyRows(result)),
    "",
    "## Operator throughput and proving time",
    "",
    mdTable(throughputRows(result)),
    "",
    "## What each design assumes",
    "",
    mdTable(assumptionRows(result)),
    "",
    "## Anchors (published figures, not measured here)",
    "",
    mdTable([
      ["system", "figure", "source"],
      ...ANCHORS.filter((a) => result.runs.some((r) => r.system === a.system)).map((a) => [
        label(a.system),
        a.figure,
        a.source,
      ]),
    ]),
    "",
    "## Configuration of each run",
    "",
    ...params,
    "",
    "## Notes",
    "",
    ...notes,
    "",
  ].join("\n");
}

export function reportChart(result: CompareResult): string {
  return scalingChart(
    "L1 gas per transfer against batch size",
    result.runs.map((r) => ({
      label: label(r.system),
      color: COLORS[r.system],
      points: r.scaling,
    })),
  );
}

/** Writes REPORT.md and its chart into `dir` (created); returns their paths. */
export function writeReport(result: CompareResult, dir: string): { report: string; chart: string } {
  fs.mkdirSync(dir, { recursive: true });
  const report = path.join(dir, "REPORT.md");
  const chart = path.join(dir, CHART_FILE);
  const write = (file: string, text: string): void => {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  };
  write(chart, reportChart(result));
  write(report, reportMarkdown(result));
  return { report, chart };
}
