/** Configuration of the Plasma services (`npx l2kit plasma ...`). */
import { optionalSetting, parse, setting, type ConfigValues } from "../core/config";

export const plasmaSettings = {
  plasma: optionalSetting({
    env: "PLASMA_ADDRESS",
    flag: "plasma",
    description:
      "Address of the Plasma root chain (PlasmaChain). Unset: the address `npx l2kit deploy plasma` recorded for this chain.",
    placeholder: "0x<address>",
    parse: parse.address,
  }),
};

export type PlasmaConfig = ConfigValues<typeof plasmaSettings>;

export const plasmaOperatorSettings = {
  port: setting({
    env: "PLASMA_OPERATOR_API_PORT",
    flag: "port",
    description: "Port of the Plasma operator's HTTP API (0: any free port, printed at start).",
    default: "8650",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  blockIntervalMs: setting({
    env: "PLASMA_BLOCK_INTERVAL_MS",
    flag: "block-interval-ms",
    description:
      "Longest a transaction waits in the mempool before the operator builds a block and commits its root.",
    default: "2000",
    placeholder: "<ms>",
    parse: parse.integer(1, 3_600_000),
  }),
  maxBlockTxs: setting({
    env: "PLASMA_MAX_BLOCK_TXS",
    flag: "max-block-txs",
    description:
      "Most transactions per block (at most 65,536, the tree's size); a mempool this full makes a block at once.",
    default: "10000",
    placeholder: "<count>",
    parse: parse.integer(1, 65_536),
  }),
};

export type PlasmaOperatorSettings = ConfigValues<typeof plasmaOperatorSettings>;

export const plasmaWatcherSettings = {
  port: setting({
    env: "PLASMA_WATCHER_API_PORT",
    flag: "port",
    description: "Port of the Plasma watcher's HTTP API (0: any free port, printed at start).",
    default: "8651",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  operatorUrl: setting({
    env: "PLASMA_OPERATOR_URL",
    flag: "operator-url",
    description: "The Plasma operator's HTTP API, where the watcher fetches every committed block.",
    default: "http://127.0.0.1:8650",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
  withholdingSeconds: setting({
    env: "PLASMA_WITHHOLDING_SECONDS",
    flag: "withholding-seconds",
    description:
      "A committed block whose data the operator has not served this long raises the withheld-block alarm (users must exit).",
    default: "60",
    placeholder: "<seconds>",
    parse: parse.integer(1, 86_400),
  }),
};

export type PlasmaWatcherSettings = ConfigValues<typeof plasmaWatcherSettings>;
