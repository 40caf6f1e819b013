/**
 * The configuration every l2kit command shares: network, data directory, logging, and how the L1
 * client sends transactions and follows events. System operators add their own tables beside
 * this one (see `operator/settings.ts`, which lists them all for `.env.example`).
 */
import {
  loadConfig,
  optionalSetting,
  parse,
  setting,
  type ConfigSources,
  type ConfigValues,
} from "./config";
import type { PublisherConfig } from "./publisher";

export const NETWORK_NAMES = ["hardhat", "localhost", "remote"] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

export const networkSettings = {
  network: setting({
    env: "L2KIT_NETWORK",
    flag: "network",
    description:
      "Network to use: hardhat (embedded, in-process), localhost (a `npx hardhat node`), or remote (L2KIT_RPC_URL).",
    default: "hardhat",
    placeholder: "hardhat|localhost|remote",
    parse: parse.oneOf(NETWORK_NAMES),
  }),
  localhostUrl: setting({
    env: "L2KIT_LOCALHOST_URL",
    flag: "localhost-url",
    description: "JSON-RPC URL of the `localhost` network.",
    default: "http://127.0.0.1:8545",
    placeholder: "<url>",
    parse: parse.url(),
  }),
  rpcUrl: optionalSetting({
    env: "L2KIT_RPC_URL",
    flag: "rpc-url",
    description: "JSON-RPC URL of the `remote` network (a testnet or any EVM chain).",
    placeholder: "https://rpc.example.org",
    parse: parse.url(),
  }),
  privateKey: optionalSetting({
    env: "L2KIT_PRIVATE_KEY",
    flag: "private-key",
    description:
      "Private key (32-byte hex) of the account that signs on the `remote` network. Keep it out of version control.",
    placeholder: "0x<64 hex digits>",
    secret: true,
    parse: parse.privateKey,
  }),
  chainId: optionalSetting({
    env: "L2KIT_CHAIN_ID",
    flag: "chain-id",
    description:
      "Chain id of the `remote` network; l2kit refuses to run when the RPC reports another.",
    placeholder: "<chain id>",
    parse: parse.integer(1, 2 ** 48),
  }),
};

export const coreSettings = {
  dataDir: setting({
    env: "L2KIT_DATA_DIR",
    flag: "data-dir",
    description: "Directory for operator databases (SQLite) and other persistent state.",
    default: ".l2kit",
    placeholder: "<dir>",
    parse: parse.path,
  }),
  logLevel: setting({
    env: "L2KIT_LOG_LEVEL",
    flag: "log-level",
    description: "Log level of operator processes.",
    default: "info",
    placeholder: "fatal|error|warn|info|debug|trace|silent",
    parse: parse.oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const),
  }),
  confirmations: setting({
    env: "L2KIT_CONFIRMATIONS",
    flag: "confirmations",
    description:
      "Blocks a transaction or event needs (including its own) before l2kit treats it as final.",
    default: "1",
    placeholder: "<blocks>",
    parse: parse.integer(1, 10_000),
  }),
  pollIntervalMs: setting({
    env: "L2KIT_POLL_INTERVAL_MS",
    flag: "poll-interval-ms",
    description:
      "How often the L1 client polls for new blocks, receipts and events (milliseconds).",
    default: "1000",
    placeholder: "<ms>",
    parse: parse.integer(10, 3_600_000),
  }),
  txStuckAfterMs: setting({
    env: "L2KIT_TX_STUCK_AFTER_MS",
    flag: "tx-stuck-after-ms",
    description:
      "A sent transaction not mined after this long is replaced with the same nonce and higher fees (milliseconds).",
    default: "60000",
    placeholder: "<ms>",
    parse: parse.integer(100, 86_400_000),
  }),
  feeBumpPercent: setting({
    env: "L2KIT_FEE_BUMP_PERCENT",
    flag: "fee-bump-percent",
    description:
      "Fee increase of each replacement transaction, in percent (nodes require at least 10).",
    default: "20",
    placeholder: "<percent>",
    parse: parse.integer(10, 1000),
  }),
  maxFeePerGas: setting({
    env: "L2KIT_MAX_FEE_PER_GAS",
    flag: "max-fee-per-gas",
    description: "Highest fee per gas (wei) the publisher will ever offer, replacements included.",
    default: "500000000000",
    placeholder: "<wei>",
    parse: parse.bigint(1n),
  }),
  gasLimitMarginPercent: setting({
    env: "L2KIT_GAS_LIMIT_MARGIN_PERCENT",
    flag: "gas-limit-margin-percent",
    description: "Margin added to estimated gas when the publisher sets a gas limit, in percent.",
    default: "20",
    placeholder: "<percent>",
    parse: parse.integer(0, 500),
  }),
  rpcRetries: setting({
    env: "L2KIT_RPC_RETRIES",
    flag: "rpc-retries",
    description:
      "Retries of an RPC call that failed transiently (network error, 429, 5xx, timeout).",
    default: "5",
    placeholder: "<count>",
    parse: parse.integer(0, 100),
  }),
  rpcRetryDelayMs: setting({
    env: "L2KIT_RPC_RETRY_DELAY_MS",
    flag: "rpc-retry-delay-ms",
    description: "First delay between RPC retries (milliseconds); it doubles on each retry.",
    default: "250",
    placeholder: "<ms>",
    parse: parse.integer(1, 600_000),
  }),
  apiHost: setting({
    env: "L2KIT_API_HOST",
    flag: "api-host",
    description: "Address operator HTTP APIs listen on.",
    default: "127.0.0.1",
    placeholder: "<host>",
    parse: parse.string,
  }),
  apiBodyLimit: setting({
    env: "L2KIT_API_BODY_LIMIT",
    flag: "api-body-limit",
    description: "Largest request body operator APIs accept (bytes); larger ones get 413.",
    default: "65536",
    placeholder: "<bytes>",
    parse: parse.integer(256, 64 * 1024 * 1024),
  }),
};

export type NetworkConfig = ConfigValues<typeof networkSettings>;
export type CoreConfig = ConfigValues<typeof coreSettings>;

export function loadNetworkConfig(sources?: ConfigSources): NetworkConfig {
  return loadConfig(networkSettings, sources);
}

export function loadCoreConfig(sources?: ConfigSources): CoreConfig {
  return loadConfig(coreSettings, sources);
}

/** The publisher's settings, from the core configuration. */
/** How a service follows L1: finality depth, polling and RPC retries (every service has these). */
export interface L1PollConfig {
  confirmations: number;
  pollIntervalMs: number;
  rpcRetries: number;
  rpcRetryDelayMs: number;
}

/** The L1 polling fields of the core settings or of a service's config (its watcher's). */
export function pollOf(c: L1PollConfig): L1PollConfig {
  return {
    confirmations: c.confirmations,
    pollIntervalMs: c.pollIntervalMs,
    rpcRetries: c.rpcRetries,
    rpcRetryDelayMs: c.rpcRetryDelayMs,
  };
}

export function publisherConfig(core: CoreConfig): PublisherConfig {
  return {
    confirmations: core.confirmations,
    pollIntervalMs: core.pollIntervalMs,
    txStuckAfterMs: core.txStuckAfterMs,
    feeBumpPercent: core.feeBumpPercent,
    maxFeePerGas: core.maxFeePerGas,
    gasLimitMarginPercent: core.gasLimitMarginPercent,
    rpcRetries: core.rpcRetries,
    rpcRetryDelayMs: core.rpcRetryDelayMs,
  };
}
