/**
 * Runs the optimistic rollup's services as child processes against a local JSON-RPC node (how
 * the demo, the bench and the end-to-end tests run the real things): `npx l2kit optimistic
 * sequencer` (its API URL in `announced.url`) and `npx l2kit optimistic challenger`.
 */
import { hardhatDevKey } from "../core/l1";
import {
  localServiceFlags,
  spawnService,
  type LocalTarget,
  type ServiceProcess,
} from "../core/process";

export interface ServiceTarget extends LocalTarget {
  rollup: string;
}

function common(t: ServiceTarget, name: string): string[] {
  return [...localServiceFlags(t, name), "--rollup", t.rollup];
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
      "--port",
      "0",
      "--private-key",
      hardhatDevKey(account),
      ...args,
    ],
    { name: "challenger" },
  );
}
