/**
 * Starts `npx l2kit zk operator` as a child process against a JSON-RPC node and waits until its
 * API listens: how the demo, the bench and the end-to-end tests run the real operator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { L2kitError } from "../../core/errors";
import { REPO_ROOT } from "../setup/compile";

const CLI = path.join(REPO_ROOT, "bin", "l2kit.js");

export interface ZkOperatorProcess {
  child: ChildProcess;
  /** The API's base URL, as the operator printed it. */
  url: string;
  /** Everything the process printed so far (for diagnostics). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: no goodbye. */
  kill(): Promise<void>;
}

export function spawnZkOperator(opts: {
  nodeUrl: string;
  rollup: string;
  dataDir: string;
  /** More flags, e.g. ["--max-batch-wait-ms", "500"]. */
  args?: string[];
  startTimeoutMs?: number;
}): Promise<ZkOperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "zk",
      "operator",
      "--network",
      "localhost",
      "--localhost-url",
      opts.nodeUrl,
      "--rollup",
      opts.rollup,
      "--data-dir",
      opts.dataDir,
      "--port",
      "0",
      ...(opts.args ?? []),
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new L2kitError("ZK_OPERATOR_START", `the operator did not start:\n${out}`));
    }, opts.startTimeoutMs ?? 120_000);
    child.stdout!.on("data", (c: Buffer) => {
      const before = out;
      out += c.toString();
      if (before.includes('"event":"listening"')) return;
      const line = out.split("\n").find((l) => l.includes('"event":"listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve({
        child,
        url: (JSON.parse(line) as { url: string }).url,
        output: () => out,
        stop: async (graceMs = 30_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
          const code = await exited;
          clearTimeout(t);
          return code;
        },
        kill: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGKILL");
          await exited;
        },
      });
    });
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new L2kitError("ZK_OPERATOR_START", `the operator exited with ${code}:\n${out}`));
    });
  });
}
