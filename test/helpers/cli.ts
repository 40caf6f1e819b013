import { spawnSync } from "node:child_process";
import path from "node:path";
import { main } from "../../scripts/cli";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Runs the CLI in this process with captured output and a restored environment. */
export async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await main(["node", "l2kit", ...args], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/** Runs the real executable, as a user would. */
export function spawnCli(args: string[]): { code: number | null; out: string; err: string } {
  const env = { ...process.env };
  delete env.HARDHAT_NETWORK;
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "l2kit.js"), ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
