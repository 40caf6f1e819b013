import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Command } from "commander";
import { parse } from "../../operator/core/config";
import { L2kitError } from "../../operator/core/errors";
import type { Io } from "../cli";
import { flagValue } from "../options";

const ROOT = path.join(__dirname, "..", "..");

/** What `l2kit invariants` hands forge. */
export interface InvariantRun {
  /** foundry.toml profile: `default` (CI: fixed seed, short) or `deep`. */
  profile: "default" | "deep";
  /** Hex seed of the fuzzer; the deep campaign draws a fresh one unless given. */
  seed?: string;
  /** Only suites whose contract name matches this regular expression. */
  match?: string;
  /** Overrides of the profile's invariant campaign size. */
  runs?: number;
  depth?: number;
}

/** The `forge test` command line and environment for a run. */
export function forgeInvocation(run: InvariantRun): { args: string[]; env: NodeJS.ProcessEnv } {
  const args = ["test"];
  if (run.seed !== undefined) args.push("--fuzz-seed", run.seed);
  if (run.match !== undefined) args.push("--match-contract", run.match);
  const env: NodeJS.ProcessEnv = { ...process.env, FOUNDRY_PROFILE: run.profile };
  if (run.runs !== undefined) env.FOUNDRY_INVARIANT_RUNS = String(run.runs);
  if (run.depth !== undefined) env.FOUNDRY_INVARIANT_DEPTH = String(run.depth);
  return { args, env };
}

/** Runs forge with its output passed through as it comes; returns its exit code and the output's end. */
function runForge(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "forge"), args, {
      cwd: ROOT,
      env,
      stdio: ["inherit", "pipe", "inherit"],
    });
    let tail = "";
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString("utf8")).slice(-4096);
    });
    child.on("error", reject);
    child.on("close", (status, signal) =>
      resolve({ code: status ?? (signal === null ? 1 : 130), tail }),
    );
  });
}

const parseSeed = (raw: string): string => {
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(raw)) throw new Error("must be a hex number such as 0x1f");
  return raw;
};

export function invariantsCommand(io: Io): Command {
  return new Command("invariants")
    .description(
      "Run the forge invariant and fuzz suites (test/forge/): by default the CI campaign (fixed seed); " +
        "--deep runs at least 1,000,000 calls per invariant with a fresh seed, printed so a failure can be replayed.",
    )
    .option("--deep", "the deep campaign (foundry.toml profile `deep`)")
    .option("--seed <hex>", "fuzzer seed (default: fixed for CI, random for --deep)")
    .option("--match <regex>", "only suites whose contract name matches")
    .option("--runs <n>", "invariant runs (sequences) per invariant, overriding the profile")
    .option("--depth <n>", "calls per sequence, overriding the profile")
    .action(
      async (opts: {
        deep?: boolean;
        seed?: string;
        match?: string;
        runs?: string;
        depth?: string;
      }) => {
        const run: InvariantRun = { profile: opts.deep === true ? "deep" : "default" };
        if (opts.seed !== undefined) run.seed = flagValue("--seed", opts.seed, parseSeed);
        else if (run.profile === "deep") run.seed = `0x${randomBytes(8).toString("hex")}`;
        if (opts.match !== undefined) run.match = opts.match;
        if (opts.runs !== undefined) run.runs = flagValue("--runs", opts.runs, parse.integer(1));
        if (opts.depth !== undefined)
          run.depth = flagValue("--depth", opts.depth, parse.integer(1));
        const { args, env } = forgeInvocation(run);
        io.out(
          `forge ${args.join(" ")} (profile ${run.profile}${run.seed === undefined ? ", seed from foundry.toml" : `, seed ${run.seed}`})`,
        );
        const { code, tail } = await runForge(args, env);
        // forge exits 0 when nothing matched: a typo in --match, or suites that vanished, must
        // not pass as a green run.
        if (code === 0 && /No tests (found|match)/.test(tail)) {
          throw new L2kitError(
            "INVARIANT_NO_SUITES",
            `forge ran no test${run.match === undefined ? " (test/forge/ has no suites)" : ` matching --match ${run.match}`}`,
            { match: run.match },
          );
        }
        if (code !== 0) {
          throw new L2kitError(
            "INVARIANT_FAILED",
            `forge exited with ${code}${run.seed === undefined ? "" : `; replay with --seed ${run.seed}`}`,
            { code, seed: run.seed },
          );
        }
        if (run.seed !== undefined) io.out(`seed ${run.seed}`);
      },
    );
}
