/** Configuration of the ZK rollup's circuit build and trusted setup. */
import { optionalSetting, parse, setting, type ConfigValues } from "../core/config";

export const zkSettings = {
  ptau: optionalSetting({
    env: "ZK_PTAU",
    flag: "ptau",
    description:
      "Powers-of-tau ceremony file for a production setup (e.g. Hermez' powersOfTau28_hez_final_NN.ptau); verified before use. Unset: a development file is generated locally, which is INSECURE.",
    placeholder: "<file.ptau>",
    parse: parse.path,
  }),
  zkBuildDir: setting({
    env: "L2KIT_ZK_BUILD_DIR",
    flag: "zk-build-dir",
    description: "Where circuit builds, development powers of tau and proving keys are cached.",
    default: "circuits/build",
    placeholder: "<dir>",
    parse: parse.path,
  }),
};

export type ZkConfig = ConfigValues<typeof zkSettings>;

/** Configuration of the ZK rollup operator service (`npx l2kit zk operator`). */
export const zkOperatorSettings = {
  rollup: optionalSetting({
    env: "ZK_ROLLUP_ADDRESS",
    flag: "rollup",
    description:
      "Address of the ZkRollup contract. Unset: the address `npx l2kit deploy zk-rollup` recorded for this chain.",
    placeholder: "0x<address>",
    parse: parse.address,
  }),
  circuit: setting({
    env: "ZK_CIRCUIT",
    flag: "circuit",
    description:
      "Batch circuit (circuits/config.json) the operator proves with; its shape must be registered in the rollup.",
    default: "test",
    placeholder: "<name>",
    parse: parse.string,
  }),
  port: setting({
    env: "ZK_API_PORT",
    flag: "port",
    description: "Port of the operator's HTTP API (0: any free port, printed at start).",
    default: "8645",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  maxBatchWaitMs: setting({
    env: "ZK_MAX_BATCH_WAIT_MS",
    flag: "max-batch-wait-ms",
    description:
      "A batch is sealed when it is full or when its oldest transaction or deposit has waited this long (milliseconds).",
    default: "30000",
    placeholder: "<ms>",
    parse: parse.integer(0, 86_400_000),
  }),
  feeAccounts: optionalSetting({
    env: "ZK_FEE_ACCOUNTS",
    flag: "fee-accounts",
    description:
      "The operator's fee accounts as token:accountIndex pairs, comma-separated (e.g. 0:1,1:2). Transactions in a token without one must have fee 0.",
    placeholder: "<token:index,...>",
    parse: parseFeeAccounts,
  }),
  minFee: setting({
    env: "ZK_MIN_FEE",
    flag: "min-fee",
    description:
      "Smallest fee (in the token's base units) accepted for a transaction in a token the operator has a fee account for.",
    default: "0",
    placeholder: "<amount>",
    parse: parse.bigint(0n, (1n << 128n) - 1n),
  }),
  proverNice: setting({
    env: "ZK_PROVER_NICE",
    flag: "prover-nice",
    description:
      "Scheduling priority (nice, 0..19) of the prover process: proving yields the CPU to accepting transactions, so API latency stays low while batches are proven.",
    default: "10",
    placeholder: "<0..19>",
    parse: parse.integer(0, 19),
  }),
  verifyWorkers: setting({
    env: "ZK_VERIFY_WORKERS",
    flag: "verify-workers",
    description: "Worker threads that check transaction signatures.",
    default: "2",
    placeholder: "<count>",
    parse: parse.integer(1, 64),
  }),
  maxPendingTxs: setting({
    env: "ZK_MAX_PENDING_TXS",
    flag: "max-pending-txs",
    description:
      "Most transactions waiting for a batch; beyond it submissions are refused with 503 until batches drain the pool.",
    default: "100000",
    placeholder: "<count>",
    parse: parse.integer(1, 10_000_000),
  }),
};

export type ZkOperatorConfig = ConfigValues<typeof zkOperatorSettings>;

/** Parses `token:index,token:index` into a map of token id to fee account index. */
export function parseFeeAccounts(raw: string): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const part of raw.split(",")) {
    const m = /^\s*([0-9]{1,10}):([1-9][0-9]{0,19})\s*$/.exec(part);
    if (m === null) throw new Error("must be token:accountIndex pairs such as 0:1,1:2");
    const token = Number(m[1]);
    if (token > 0xffffffff) throw new Error(`token ${token} does not fit 32 bits`);
    if (out.has(token)) throw new Error(`token ${token} is listed twice`);
    out.set(token, BigInt(m[2]));
  }
  return out;
}

/** Configuration of the ZK rollup user client (`npx l2kit zk deposit|transfer|...`). */
export const zkClientSettings = {
  operatorUrl: setting({
    env: "ZK_OPERATOR_URL",
    flag: "operator-url",
    description: "The ZK rollup operator's HTTP API.",
    default: "http://127.0.0.1:8645",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
  keySeed: optionalSetting({
    env: "ZK_KEY_SEED",
    flag: "key-seed",
    description:
      "Secret seed (16 bytes or more) of your rollup key. Unset: the key is derived from your L1 account's signature of a fixed message.",
    placeholder: "<secret>",
    secret: true,
    parse: parse.string,
  }),
};

export type ZkClientConfig = ConfigValues<typeof zkClientSettings>;
