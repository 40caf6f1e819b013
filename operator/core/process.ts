/**
 * Starts an `npx l2kit` service as a child process and waits until it announces itself (the JSON
 * line `{"event":"listening"|"started",...}` that `scripts/service.ts` prints): how the demo, the
 * bench and the end-to-end tests run real operator processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { L2kitError } from "./errors";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(REPO_ROOT, "bin", "l2kit.js");

export interface ServiceProcess {
  child: ChildProcess;
  /** The announcement line, parsed (`url` for services with an API). */
  announced: Record<string, unknown>;
  /** Everything the process printed so far (for diagnostics). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: no goodbye. */
  kill(): Promise<void>;
}

/** Where a service runs: a local JSON-RPC node, and a folder each service gets its own folder in. */
export interface LocalTarget {
  nodeUrl: string;
  dataDir: string;
  pollIntervalMs?: number;
  logLevel?: string;
}

/** The flags that point service `name` at `t`'s node, with its own data folder. */
export function localServiceFlags(t: LocalTarget, name: string): string[] {
  return [
    "--network",
    "localhost",
    "--localhost-url",
    t.nodeUrl,
    "--data-dir",
    path.join(t.dataDir, name),
    "--poll-interval-ms",
    String(t.pollIntervalMs ?? 100),
    "--log-level",
    t.logLevel ?? "warn",
  ];
}

/** Runs `npx l2kit <args...>` and resolves once it has announced itself. */
export function spawnService(
  args: string[],
  opts: { name: string; startTimeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: opts.env ?? process.env,
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const code = `${opts.name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_START`;
  const isAnnouncement = (l: string): boolean => /^\{"event":"(listening|started)"/.test(l);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new L2kitError(code, `the ${opts.name} did not start:\n${out}`));
    }, opts.startTimeoutMs ?? 120_000);
    let announced = false;
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (announced) return;
      const line = out.split("\n").find(isAnnouncement);
      if (line === undefined) return;
      announced = true;
      clearTimeout(timer);
      resolve({
        child,
        announced: JSON.parse(line) as Record<string, unknown>,
        output: () => out,
        stop: async (graceMs = 30_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
          const exitCode = await exited;
          clearTimeout(t);
          return exitCode;
        },
        kill: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGKILL");
          await exited;
        },
      });
    });
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    void exited.then((exitCode) => {
      clearTimeout(timer);
      if (!announced)
        reject(new L2kitError(code, `the ${opts.name} exited with ${exitCode}:\n${out}`));
    });
  });
}
