import fs from "node:fs";
import path from "node:path";
import { Argument, Command } from "commander";
import { loadConfig, parse } from "../../operator/core/config";
import { InputError, L2kitError } from "../../operator/core/errors";
import { createLogger } from "../../operator/core/log";
import { generateDevPtau, MAX_DEV_POWER, verifyPtau } from "../../operator/zk/setup/ptau";
import { zkOperatorSettings, zkSettings } from "../../operator/zk/settings";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import { launchZkOperator } from "../../operator/zk/service/launch";
import { zkUserCommands } from "./zk-user";
import { circuitShapes } from "../../operator/zk/circuits";
import { setupCircuit } from "../../operator/zk/setup/pipeline";
import { writePoseidonContracts } from "../gen/poseidon";
import type { Io } from "../cli";
import { addConfigOptions } from "../options";
import { serveUntilSignal } from "../service";

/** Prints "label: 37%" lines as work advances, at most one per 10%. */
export function percentReporter(io: Io, label: string): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    if (pct >= last + 10 || (pct === 100 && last !== 100)) {
      last = pct;
      io.err(`${label}: ${pct}%`);
    }
  };
}

export function zkCommand(io: Io): Command {
  const zk = new Command("zk").description(
    "ZK rollup: operator service, user client (deposit, transfer, withdraw, claim, exit), circuits and trusted setup.",
  );

  const ptau = new Command("ptau")
    .description(
      "Generate a DEVELOPMENT powers-of-tau file (INSECURE: its secrets are public) of size 2^power, prepared for phase 2.",
    )
    .requiredOption("--power <n>", `log2 of the largest circuit it serves (1..${MAX_DEV_POWER})`)
    .option("--out <file>", "output file (default: <zk-build-dir>/ptau/dev-<power>.ptau)")
    .option("--force", "regenerate even if the file exists", false);
  addConfigOptions(ptau, { zkBuildDir: zkSettings.zkBuildDir });
  ptau.action(async (opts: Record<string, unknown>) => {
    const power = wrapFlag("--power", () => parse.integer(1, MAX_DEV_POWER)(String(opts.power)));
    const cfg = loadConfig({ zkBuildDir: zkSettings.zkBuildDir }, { flags: opts });
    const out =
      (opts.out as string | undefined) ?? path.join(cfg.zkBuildDir, "ptau", `dev-${power}.ptau`);
    if (fs.existsSync(out) && opts.force !== true) {
      io.out(`${out} exists (use --force to regenerate)`);
      return;
    }
    io.err(
      `generating a development powers of tau of size 2^${power}: INSECURE, for development and tests only`,
    );
    const started = Date.now();
    const report = percentReporter(io, "Lagrange sections");
    await generateDevPtau(power, out, {
      log: createLogger({ level: "warn" }),
      onProgress: (p) => report(p.done, p.total),
    });
    io.out(`${out} written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  const verify = new Command("ptau-verify")
    .description(
      "Verify a powers-of-tau file (snarkjs powersoftau verify): every contribution and the prepared phase-2 sections.",
    )
    .addArgument(new Argument("<file>", "the .ptau file"));
  verify.action(async (file: string) => {
    if (!fs.existsSync(file)) throw new InputError("<file>", `${file} does not exist`);
    const ok = await verifyPtau(file, createLogger({ level: "warn" }));
    if (!ok)
      throw new L2kitError("PTAU_INVALID", `${file} does not verify (snarkjs powersoftau verify)`, {
        file,
      });
    io.out(`${file}: valid powers of tau`);
  });

  const setup = new Command("setup")
    .description(
      "Build circuits end to end (compile, powers of tau, zkey with a phase-2 contribution, verification key, Solidity verifier); cached, redone when inputs change.",
    )
    .option(
      "--circuit <names...>",
      `circuits from circuits/config.json (default: all of ${Object.keys(circuitShapes()).join(", ")})`,
    );
  addConfigOptions(setup, zkSettings);
  setup.action(async (opts: Record<string, unknown>) => {
    const cfg = loadConfig(zkSettings, { flags: opts });
    const known = Object.keys(circuitShapes());
    const names = (opts.circuit as string[] | undefined) ?? defaultCircuits();
    for (const n of names) {
      if (!known.includes(n))
        throw new InputError(
          "--circuit",
          `unknown circuit ${JSON.stringify(n)}; known: ${known.join(", ")}`,
        );
    }
    if (cfg.ptau === undefined)
      io.err(
        "no ZK_PTAU: keys are built on a development powers of tau (INSECURE, for development and tests only)",
      );
    for (const name of names) {
      const started = Date.now();
      let report = percentReporter(io, `  ${name}`);
      const result = await setupCircuit(name, {
        buildDir: cfg.zkBuildDir,
        ptau: cfg.ptau,
        log: createLogger({ level: "warn" }),
        onStage: (stage, detail) => {
          io.err(`  ${name}: ${detail}`);
          report = percentReporter(io, `  ${name}: ${stage}`);
        },
        onProgress: (f) => report(Math.round(f * 1000), 1000),
      });
      io.out(
        `${name}: ${result.constraints} constraints (2^${result.power}), verifier ${path.relative(process.cwd(), result.verifierFile)}${result.insecure ? " [INSECURE dev setup]" : ""} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
  });

  const genPoseidon = new Command("gen-poseidon").description(
    "Regenerate contracts/zk-rollup/poseidon/PoseidonT*.sol from circomlib's Poseidon parameters.",
  );
  genPoseidon.action(() => {
    for (const file of writePoseidonContracts())
      io.out(`wrote ${path.relative(process.cwd(), file)}`);
  });

  const operator = new Command("operator").description(
    "Run the ZK rollup operator: HTTP API (OpenAPI at /openapi.json), mempool, batching, proving and submission to L1. Stops cleanly on SIGINT/SIGTERM; a restart (even after kill -9) loses nothing.",
  );
  addConfigOptions(operator, {
    ...networkSettings,
    ...coreSettings,
    ...zkSettings,
    ...zkOperatorSettings,
  });
  operator.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      zk: loadConfig(zkSettings, sources),
      op: loadConfig(zkOperatorSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchZkOperator(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        rollup: running.operator.config.rollup,
        chainId: Number(running.l1.chainId),
        circuit: running.operator.config.circuit.name,
      },
      () => running.stop(),
    );
  });

  zk.addCommand(operator);
  for (const c of zkUserCommands(io)) zk.addCommand(c);
  zk.addCommand(ptau);
  zk.addCommand(verify);
  zk.addCommand(setup);
  zk.addCommand(genPoseidon);
  return zk;
}

/** Circuits `zk setup` builds when none is named: all but the large (bench-only) ones. */
function defaultCircuits(): string[] {
  return Object.entries(circuitShapes())
    .filter(([, shape]) => shape.large !== true)
    .map(([name]) => name);
}

function wrapFlag<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new InputError(flag, (error as Error).message);
  }
}
