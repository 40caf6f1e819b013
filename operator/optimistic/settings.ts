/** Configuration of the optimistic rollup's sequencer (`npx l2kit optimistic sequencer`). */
import { optionalSetting, parse, setting, type ConfigValues } from "../core/config";
import { MAX_RECORDS } from "./protocol";

export const optimisticSettings = {
  rollup: optionalSetting({
    env: "OPTIMISTIC_ROLLUP_ADDRESS",
    flag: "rollup",
    description:
      "Address of the OptimisticRollup contract. Unset: the address `npx l2kit deploy optimistic-rollup` recorded for this chain.",
    placeholder: "0x<address>",
    parse: parse.address,
  }),
  beaconUrl: optionalSetting({
    env: "L2KIT_BEACON_URL",
    flag: "beacon-url",
    description:
      "A consensus client's beacon API (its blobs, checked against their versioned hashes), for rollups that take blob batches (blobBatches on). Unset: blob batches cannot be read, and a challenger's health stays red on such a rollup.",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
};

export type OptimisticConfig = ConfigValues<typeof optimisticSettings>;

export const sequencerSettings = {
  port: setting({
    env: "OPTIMISTIC_API_PORT",
    flag: "port",
    description: "Port of the sequencer's HTTP API (0: any free port, printed at start).",
    default: "8646",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  maxBatchWaitMs: setting({
    env: "OPTIMISTIC_MAX_BATCH_WAIT_MS",
    flag: "max-batch-wait-ms",
    description:
      "A batch is sealed when it is full or when its oldest transaction or inbox entry has waited this long (milliseconds); at most half the rollup's forceDelay.",
    default: "10000",
    placeholder: "<ms>",
    parse: parse.integer(0, 86_400_000),
  }),
  maxBatchRecords: setting({
    env: "OPTIMISTIC_MAX_BATCH_RECORDS",
    flag: "max-batch-records",
    description: "Most signed transactions per batch.",
    default: "1000",
    placeholder: "<count>",
    parse: parse.integer(1, MAX_RECORDS),
  }),
  maxBatchInbox: setting({
    env: "OPTIMISTIC_MAX_BATCH_INBOX",
    flag: "max-batch-inbox",
    description: "Most L1 inbox entries (deposits, forced transactions) per batch.",
    default: "256",
    placeholder: "<count>",
    parse: parse.integer(1, 100_000),
  }),
  feeAccount: optionalSetting({
    env: "OPTIMISTIC_FEE_ACCOUNT",
    flag: "fee-account",
    description:
      "L2 account index that receives the batches' fees. Unset: only transactions with fee 0 are accepted.",
    placeholder: "<index>",
    parse: parse.bigint(0n, (1n << 32n) - 1n),
  }),
  minFee: setting({
    env: "OPTIMISTIC_MIN_FEE",
    flag: "min-fee",
    description:
      "Smallest fee (base units of the transaction's token) accepted when a fee account is set.",
    default: "0",
    placeholder: "<amount>",
    parse: parse.bigint(0n),
  }),
  bondTopUp: optionalSetting({
    env: "OPTIMISTIC_BOND_TOP_UP",
    flag: "bond-top-up",
    description:
      "Wei added to the sequencer's free bond whenever it cannot cover the next batch. Unset: 4 batch bonds.",
    placeholder: "<wei>",
    parse: parse.bigint(1n),
  }),
  verifyWorkers: setting({
    env: "OPTIMISTIC_VERIFY_WORKERS",
    flag: "verify-workers",
    description:
      "Worker threads that check transaction signatures where native libsecp256k1 is unavailable (with it, checks run on the API's thread).",
    default: "2",
    placeholder: "<count>",
    parse: parse.integer(1, 64),
  }),
  maxPendingTxs: setting({
    env: "OPTIMISTIC_MAX_PENDING_TXS",
    flag: "max-pending-txs",
    description:
      "Most transactions waiting for a batch; beyond it submissions are refused with 503 until batches drain the pool.",
    default: "100000",
    placeholder: "<count>",
    parse: parse.integer(1, 10_000_000),
  }),
  faultAtBatch: optionalSetting({
    env: "OPTIMISTIC_FAULT_AT_BATCH",
    flag: "fault-at-batch",
    description:
      "TESTING ONLY: the N-th batch this sequencer seals claims a wrong state root, so that a challenger can be seen at work. Refused on any chain but a local test chain (31337).",
    placeholder: "<n>",
    parse: parse.integer(1, 1_000_000_000),
  }),
};

export type SequencerSettings = ConfigValues<typeof sequencerSettings>;

export const challengerSettings = {
  port: setting({
    env: "OPTIMISTIC_CHALLENGER_PORT",
    flag: "port",
    description:
      "Port of the challenger's status API (/v1/status, /health; 0: any free port, printed at start).",
    default: "8647",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  challenge: setting({
    env: "OPTIMISTIC_CHALLENGE",
    flag: "challenge",
    description:
      "Dispute invalid batches (with the rollup's challenger bond). false: watch and defend only.",
    default: "true",
    placeholder: "true|false",
    parse: parse.boolean,
  }),
  defend: setting({
    env: "OPTIMISTIC_DEFEND",
    flag: "defend",
    description:
      "Watchdog mode: answer disputes of valid batches this account posted (run it with the sequencer's key).",
    default: "false",
    placeholder: "true|false",
    parse: parse.boolean,
  }),
};

export type ChallengerSettings = ConfigValues<typeof challengerSettings>;

/** Configuration of the user client (`npx l2kit optimistic deposit|transfer|...`). */
export const optimisticClientSettings = {
  sequencerUrl: setting({
    env: "OPTIMISTIC_SEQUENCER_URL",
    flag: "sequencer-url",
    description: "The optimistic rollup sequencer's HTTP API.",
    default: "http://127.0.0.1:8646",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
};

export type OptimisticClientConfig = ConfigValues<typeof optimisticClientSettings>;
