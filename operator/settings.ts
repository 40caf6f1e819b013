/**
 * Every configuration table of the project, for `.env.example` and `npx l2kit config`.
 * A system that adds settings adds its table here.
 */
import {
  channelNodeSettings,
  channelsSettings,
  channelUserSettings,
  watchtowerSettings,
} from "./channels/settings";
import { plasmaOperatorSettings, plasmaSettings, plasmaWatcherSettings } from "./plasma/settings";
import type { ConfigSpec } from "./core/config";
import { coreSettings, networkSettings } from "./core/settings";
import {
  challengerSettings,
  optimisticClientSettings,
  optimisticSettings,
  sequencerSettings,
} from "./optimistic/settings";
import { zkClientSettings, zkOperatorSettings, zkSettings } from "./zk/settings";

export const SETTINGS_SECTIONS: readonly { title: string; spec: ConfigSpec }[] = [
  { title: "Network", spec: networkSettings },
  { title: "Operators: storage, logging, L1 client, HTTP API", spec: coreSettings },
  { title: "ZK rollup: circuits and trusted setup", spec: zkSettings },
  { title: "ZK rollup operator (npx l2kit zk operator)", spec: zkOperatorSettings },
  { title: "ZK rollup user client (npx l2kit zk deposit, transfer, ...)", spec: zkClientSettings },
  { title: "Optimistic rollup", spec: optimisticSettings },
  {
    title: "Optimistic rollup sequencer (npx l2kit optimistic sequencer)",
    spec: sequencerSettings,
  },
  {
    title: "Optimistic rollup challenger (npx l2kit optimistic challenger)",
    spec: challengerSettings,
  },
  {
    title: "Optimistic rollup user client (npx l2kit optimistic deposit, transfer, ...)",
    spec: optimisticClientSettings,
  },
  { title: "State channels", spec: channelsSettings },
  {
    title: "State-channel watchtower (npx l2kit channels watchtower)",
    spec: watchtowerSettings,
  },
  { title: "State-channel node (npx l2kit channels node)", spec: channelNodeSettings },
  {
    title: "State-channel user commands (npx l2kit channels open, pay, ...)",
    spec: channelUserSettings,
  },
  { title: "Plasma", spec: plasmaSettings },
  { title: "Plasma operator (npx l2kit plasma operator)", spec: plasmaOperatorSettings },
  { title: "Plasma watcher (npx l2kit plasma watcher)", spec: plasmaWatcherSettings },
];

/** Variables read by the tools l2kit drives rather than by its own config tables. */
export const EXTERNAL_VARIABLES = [
  {
    env: "REPORT_GAS",
    description:
      "Set to 1 to print hardhat-gas-reporter's per-function gas table after `npm test`.",
    example: "1",
  },
] as const;
