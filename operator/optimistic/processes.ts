/**
 * Runs the optimistic rollup's services as child processes against a local JSON-RPC node (how
 * the demo, the bench and the end-to-end tests run the real things): `npx l2kit optimistic
 * sequencer` (its API URL in `announced.url`) and `npx l2kit optimistic challenger`.
 */
import path from "node:path";
import { hardhatDevKey } from "../core/l1";
import { spawnService, type ServiceProcess } from "../core/process";

export interface ServiceTarget {
  nodeUrl: string;
  rollup: string;
  /** Each service gets its own folder below it. */
  dataDir: string;
  pollIntervalMs?: number;
  logLevel?: string;
}

function common(t: ServiceTarget, name: string): string[] {
  return [
    "--network",
    "localhost",
    "--localhost-url",
    t.nodeUrl,
    "--rollup",
    t.rollup,
    "--data-dir",
    path.join(t.dataDir, name),
    "--poll-interval-ms",
    String(t.pollIntervalMs ?? 100),
    "--log-level",
    t.logLevel ?? "warn",
  ];
}

/** The sequencer, signing with the node's account 0, API on a free port; `args` adds flags. */
export function spawnSequencer(t: ServiceTarget, args: string[] = []): Promise<ServiceProcess> {
  return spawnService(
    ["optimistic", "sequencer", ...common(t, "sequencer"), "--port", "0", ...args],
    { name: "sequencer" },
  );
}

/** A challenger signing with the node's development account `account`; `args` adds flags. */
export function spawnChallenger(
  t: ServiceTarget,
  account: number,
  args: string[] = [],
): Promise<ServiceProcess> {
  return spawnService(
    [
      "optimistic",
      "challenger",
      ...common(t, `challenger-${account}`),
      "--private-key",
      hardhatDevKey(account),
      ...args,
    ],
    { name: "challenger" },
  );
}
