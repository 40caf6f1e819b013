/**
 * Runs the Plasma services as child processes against a local JSON-RPC node (how the bench and
 * the end-to-end tests run the real things): `npx l2kit plasma operator` (API URL in
 * `announced.url`) and `npx l2kit plasma watcher`.
 */
import { hardhatDevKey } from "../core/l1";
import {
  localServiceFlags,
  spawnService,
  type LocalTarget,
  type ServiceProcess,
} from "../core/process";

export interface PlasmaTarget extends LocalTarget {
  plasma: string;
}

/** The operator, signing with the node's account 0 (the deployer), API on a free port. */
export function spawnPlasmaOperator(t: PlasmaTarget, args: string[] = []): Promise<ServiceProcess> {
  return spawnService(
    [
      "plasma",
      "operator",
      ...localServiceFlags(t, "operator"),
      "--plasma",
      t.plasma,
      "--private-key",
      hardhatDevKey(0),
      "--port",
      "0",
      ...args,
    ],
    { name: "plasma operator" },
  );
}

/** The watcher, sending its challenges with account `account`, reading the operator at `operatorUrl`. */
export function spawnPlasmaWatcher(
  t: PlasmaTarget,
  account: number,
  operatorUrl: string,
  args: string[] = [],
): Promise<ServiceProcess> {
  return spawnService(
    [
      "plasma",
      "watcher",
      ...localServiceFlags(t, "watcher"),
      "--plasma",
      t.plasma,
      "--private-key",
      hardhatDevKey(account),
      "--operator-url",
      operatorUrl,
      "--port",
      "0",
      ...args,
    ],
    { name: "plasma watcher" },
  );
}
