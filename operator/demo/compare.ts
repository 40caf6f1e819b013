import { runCompare, describeWorkload } from "../compare";
import { shortTable } from "../compare/report";
import type { WorkloadParams } from "../compare/workload";
import type { DemoScenario } from "./index";

/** Smaller than the bench's default, to keep the demo short: 5 ZK proofs in all. */
export const DEMO_WORKLOAD: WorkloadParams = {
  users: 3,
  tokens: 1,
  transfers: 4,
  withdrawals: 1,
  seed: 1,
};

/**
 * The demo's last word: a small workload through L1 and the four designs, and the short form
 * of the comparison table (without the operator throughput suites, which `npm run bench --
 * --compare` adds).
 */
export const compareScenario: DemoScenario = {
  system: "compare",
  title:
    "One workload through L1 and the four designs (the short form of `npm run bench -- --compare`)",
  async run(ctx) {
    let last = "";
    const result = await runCompare({
      hre: ctx.hre,
      workload: DEMO_WORKLOAD,
      quick: true,
      throughput: false,
      progress: (line) => {
        // One line per system, not every step.
        const m = /^ {2}([a-z0-9-]+): done in ([\d.]+ s)$/.exec(line);
        if (m !== null && m[1] !== last) {
          last = m[1];
          ctx.say(`${m[1]} played the workload and ended with its balances (${m[2]})`);
        }
      },
    });
    ctx.say(`workload: ${describeWorkload(result.workload)}`);
    for (const line of shortTable(result).split("\n")) ctx.say(line);
    ctx.say(
      "operator throughput: npm run bench -- --compare (writes bench/REPORT.md and its chart)",
    );
  },
};
