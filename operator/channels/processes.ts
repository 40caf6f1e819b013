/**
 * Runs the channels' services as child processes against a local JSON-RPC node (how the
 * end-to-end tests run the real things): `npx l2kit channels node` (user API in
 * `announced.url`, peer API in `announced.peerUrl`) and `npx l2kit channels watchtower`.
 */
import { hardhatDevKey } from "../core/l1";
import {
  localServiceFlags,
  spawnService,
  type LocalTarget,
  type ServiceProcess,
} from "../core/process";

export interface ChannelsTarget extends LocalTarget {
  adjudicator: string;
  paymentApp: string;
  ticTacToeApp?: string;
}

function common(t: ChannelsTarget, name: string, account: number): string[] {
  return [
    ...localServiceFlags(t, name),
    "--adjudicator",
    t.adjudicator,
    "--private-key",
    hardhatDevKey(account),
  ];
}

/** A channel node signing with the local node's account `account`; `args` adds flags. */
export function spawnChannelNode(
  t: ChannelsTarget,
  account: number,
  args: string[] = [],
): Promise<ServiceProcess> {
  return spawnService(
    [
      "channels",
      "node",
      ...common(t, `node-${account}`, account),
      "--payment-app",
      t.paymentApp,
      ...(t.ticTacToeApp === undefined ? [] : ["--tic-tac-toe-app", t.ticTacToeApp]),
      "--port",
      "0",
      "--peer-port",
      "0",
      ...args,
    ],
    { name: `channel node ${account}` },
  );
}

/** The watchtower, sending its answers with account `account`, API on a free port. */
export function spawnWatchtower(
  t: ChannelsTarget,
  account: number,
  args: string[] = [],
): Promise<ServiceProcess> {
  return spawnService(
    ["channels", "watchtower", ...common(t, "watchtower", account), "--port", "0", ...args],
    { name: "watchtower" },
  );
}
