/**
 * The comparison's workload: one list of deposits, transfers and withdrawals, made from a seed,
 * that every system plays. Amounts are whole multiples of `UNIT` (0.001 token) so that every
 * system can carry them exactly (the ZK rollup's float40 encoding included). The expected
 * balances are computed here, once, and each runner's result is checked against them.
 */
import { keccak256, toUtf8Bytes, Wallet, type Provider } from "ethers";
import { InputError } from "../core/errors";

export interface WorkloadParams {
  /** Users who deposit, transfer among themselves and (some) withdraw. */
  users: number;
  /** ERC-20 tokens; every user holds each of them. */
  tokens: number;
  /** Transfers between users, in order. */
  transfers: number;
  /** Users who withdraw their whole balance of every token to L1 at the end. */
  withdrawals: number;
  /** Makes the workload reproducible: the same seed gives the same users, amounts and order. */
  seed: number;
}

export const DEFAULT_WORKLOAD: WorkloadParams = {
  users: 6,
  tokens: 1,
  transfers: 24,
  withdrawals: 3,
  seed: 1,
};

/** The smallest amount the workload moves: 10^15 base units (0.001 of an 18-decimal token). */
export const UNIT = 10n ** 15n;

export interface WorkloadTransfer {
  from: number;
  to: number;
  token: number;
  amount: bigint;
}

export interface Workload {
  params: WorkloadParams;
  /** deposits[user][token]: what each user brings from L1 at the start. */
  deposits: bigint[][];
  transfers: WorkloadTransfer[];
  /** The users who withdraw everything they hold at the end, in order. */
  withdrawers: number[];
  /** balances[user][token] after every transfer (before withdrawals). */
  balances: bigint[][];
}

/** Bounds a runner can carry; the ZK rollup's test circuit holds 16 accounts, for one. */
export const WORKLOAD_LIMITS = {
  users: { min: 2, max: 64 },
  tokens: { min: 1, max: 4 },
  transfers: { min: 1, max: 100_000 },
  withdrawals: { min: 0, max: 64 },
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

export function checkWorkloadParams(p: WorkloadParams): void {
  for (const [key, { min, max }] of Object.entries(WORKLOAD_LIMITS)) {
    const value = p[key as keyof WorkloadParams];
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new InputError(`--${key}`, `must be a whole number from ${min} to ${max}`);
  }
  if (p.withdrawals > p.users)
    throw new InputError("--withdrawals", `at most one per user (${p.users} users)`);
}

/** A deterministic 32-bit generator (mulberry32): the workload depends on the seed alone. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Makes the workload: every user deposits 1,000 to 2,000 units of each token; each transfer
 * moves 1 to 100 units (never more than the sender holds) from a random user to another;
 * `withdrawals` distinct users, chosen at random, withdraw at the end.
 */
export function makeWorkload(params: WorkloadParams): Workload {
  checkWorkloadParams(params);
  const rand = seededRandom(params.seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const deposits = Array.from({ length: params.users }, () =>
    Array.from({ length: params.tokens }, () => BigInt(1000 + pick(1001)) * UNIT),
  );
  const balances = deposits.map((row) => [...row]);
  const transfers: WorkloadTransfer[] = [];
  while (transfers.length < params.transfers) {
    const from = pick(params.users);
    const to = (from + 1 + pick(params.users - 1)) % params.users;
    const token = pick(params.tokens);
    let amount = BigInt(1 + pick(100)) * UNIT;
    if (amount > balances[from][token]) amount = balances[from][token];
    if (amount === 0n) continue;
    balances[from][token] -= amount;
    balances[to][token] += amount;
    transfers.push({ from, to, token, amount });
  }
  const order = Array.from({ length: params.users }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { params, deposits, transfers, withdrawers: order.slice(0, params.withdrawals), balances };
}

/** The user's L1 key: derived from the seed, so reruns use the same accounts. */
export function workloadWallet(workload: Workload, user: number, provider?: Provider): Wallet {
  const key = keccak256(toUtf8Bytes(`l2kit compare seed ${workload.params.seed} user ${user}`));
  return new Wallet(key, provider ?? null);
}

/** Total deposited of `token` by everyone. */
export function totalOf(rows: readonly (readonly bigint[])[], token: number): bigint {
  return rows.reduce((sum, row) => sum + row[token], 0n);
}
