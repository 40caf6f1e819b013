/**
 * The ZK operator's mempool: which signed transactions it accepts, and which of them go into the
 * next batch.
 *
 * A transaction is accepted only if it will be valid in a batch whatever else is accepted after
 * it, so a sealed batch never fails in the circuit:
 * - its nonce is the sender's next one counting the sender's pending transactions;
 * - the sender's balance in the head state (after every sealed batch), minus everything its
 *   pending transactions spend, covers amount + fee (incoming pending transfers do not count:
 *   they may land in a later batch);
 * - the receiver (and the fee account) cannot overflow even if every pending credit lands first.
 *
 * The checks are pure and synchronous over the head state; signature checks happen in between
 * (in worker threads), so `check` runs before the signature is verified (to refuse garbage
 * cheaply) and again right before `add` (the pool may have changed meanwhile).
 */
import { TxRejectedError } from "../../core/errors";
import type { SignedTx } from "../batch";
import { AMOUNT, FEE } from "../../lib/float";
import { MAX_BALANCE, MAX_NONCE, type Account, type BatchShape } from "../protocol";

export { TxRejectedError };

export interface MempoolPolicy {
  /** Fee account index per token id; a token without one only takes fee 0. */
  feeAccounts: ReadonlyMap<number, bigint>;
  /** Smallest fee for a token with a fee account. */
  minFee: bigint;
  /** Most pending transactions. */
  maxPending: number;
}

/** The head state the pool checks against (accounts after every sealed batch). */
export interface HeadState {
  account(index: bigint): Account | undefined;
  /**
   * Whether a forced exit of account `index` waits in the L1 queue: the batch that takes it
   * empties the account before any transaction of the batch, so nothing may spend from it.
   */
  exitPending?(index: bigint): boolean;
}

export interface PendingTx {
  id: number;
  hash: string;
  tx: SignedTx;
  acceptedAt: number;
  /** Persisted: only durable transactions go into a batch. */
  durable: boolean;
}

interface AccountPending {
  /** Pending transactions sent by the account. */
  count: number;
  /** What they spend (amounts + fees). */
  out: bigint;
  /** Pending credits to the account (transfers in, fees for a fee account). */
  in: bigint;
}

export class Mempool {
  private readonly txs = new Map<number, PendingTx>();
  private readonly byAccount = new Map<bigint, AccountPending>();

  constructor(
    private readonly head: HeadState,
    private readonly policy: MempoolPolicy,
  ) {}

  get size(): number {
    return this.txs.size;
  }

  /** Pending transactions in acceptance order. */
  pending(): PendingTx[] {
    return [...this.txs.values()];
  }

  /** The oldest pending transaction's acceptance time, if any. */
  oldestAcceptedAt(): number | undefined {
    for (const p of this.txs.values()) return p.acceptedAt;
    return undefined;
  }

  /** The sender's next nonce and spendable balance, counting its pending transactions. */
  pendingView(index: bigint): { nonce: bigint; balance: bigint; incoming: bigint } | undefined {
    const a = this.head.account(index);
    if (a === undefined) return undefined;
    const p = this.byAccount.get(index);
    return {
      nonce: a.nonce + BigInt(p?.count ?? 0),
      balance: a.balance - (p?.out ?? 0n),
      incoming: p?.in ?? 0n,
    };
  }

  /**
   * Throws a `TxRejectedError` (with its HTTP status) if `tx` cannot be accepted now; the
   * signature is checked elsewhere. `to = 0` is a withdrawal.
   */
  check(tx: SignedTx): void {
    const reject = (
      code: string,
      message: string,
      fields: Record<string, unknown>,
      status = 422,
    ): never => {
      throw new TxRejectedError(code, message, fields, status);
    };
    if (this.txs.size >= this.policy.maxPending) {
      reject(
        "MEMPOOL_FULL",
        `the operator holds ${this.txs.size} pending transactions; retry later`,
        {},
        503,
      );
    }
    if (tx.amount === 0n)
      reject(
        "BAD_REQUEST",
        "amount: must be positive",
        { field: "amount", reason: "must be positive" },
        400,
      );
    if (!AMOUNT.isExact(tx.amount)) {
      reject(
        "BAD_REQUEST",
        `amount: ${tx.amount} is not exactly representable; the closest is ${AMOUNT.closest(tx.amount)}`,
        {
          field: "amount",
          reason: "not exactly representable",
          closest: AMOUNT.closest(tx.amount),
        },
        400,
      );
    }
    if (!FEE.isExact(tx.fee)) {
      reject(
        "BAD_REQUEST",
        `fee: ${tx.fee} is not exactly representable; the closest is ${FEE.closest(tx.fee)}`,
        { field: "fee", reason: "not exactly representable", closest: FEE.closest(tx.fee) },
        400,
      );
    }
    const sender = this.head.account(tx.from);
    if (sender === undefined)
      reject("UNKNOWN_ACCOUNT", `account ${tx.from} does not exist`, {
        field: "from",
        account: tx.from,
      });
    const s = sender as Account;
    if (this.head.exitPending?.(tx.from) === true) {
      reject(
        "FORCED_EXIT_PENDING",
        `account ${tx.from} has a forced exit waiting on L1; it will be emptied and can send nothing until then`,
        { field: "from", account: tx.from },
        409,
      );
    }
    if (s.token !== tx.token) {
      reject("TOKEN_MISMATCH", `account ${tx.from} holds token ${s.token}, not ${tx.token}`, {
        field: "token",
        account: tx.from,
        accountToken: s.token,
      });
    }
    if (tx.to !== 0n) {
      if (tx.to === tx.from)
        reject("SELF_TRANSFER", "from and to are the same account", { field: "to" });
      const receiver = this.head.account(tx.to);
      if (receiver === undefined)
        reject("UNKNOWN_ACCOUNT", `account ${tx.to} does not exist`, {
          field: "to",
          account: tx.to,
        });
      if ((receiver as Account).token !== tx.token) {
        reject(
          "TOKEN_MISMATCH",
          `account ${tx.to} holds token ${(receiver as Account).token}, not ${tx.token}`,
          {
            field: "to",
            account: tx.to,
            accountToken: (receiver as Account).token,
          },
        );
      }
      const incoming = this.byAccount.get(tx.to)?.in ?? 0n;
      if ((receiver as Account).balance + incoming + tx.amount > MAX_BALANCE) {
        reject("BALANCE_OVERFLOW", `account ${tx.to}'s balance would exceed 2^128-1`, {
          field: "amount",
          account: tx.to,
        });
      }
    }
    const feeAccount = this.policy.feeAccounts.get(tx.token);
    if (tx.fee > 0n || feeAccount !== undefined) {
      if (feeAccount === undefined) {
        reject("FEE_NOT_ACCEPTED", `the operator takes no fees in token ${tx.token}; send fee 0`, {
          field: "fee",
          token: tx.token,
        });
      }
      if (tx.fee < this.policy.minFee) {
        reject("FEE_TOO_LOW", `fee ${tx.fee} is below the minimum ${this.policy.minFee}`, {
          field: "fee",
          minFee: this.policy.minFee,
        });
      }
      const fa = this.head.account(feeAccount as bigint);
      if (fa === undefined || fa.token !== tx.token) {
        reject(
          "FEE_NOT_ACCEPTED",
          `the operator's fee account for token ${tx.token} is not open yet; send fee 0`,
          {
            field: "fee",
            token: tx.token,
          },
        );
      }
      const feeIn = this.byAccount.get(feeAccount as bigint)?.in ?? 0n;
      if ((fa as Account).balance + feeIn + tx.fee > MAX_BALANCE) {
        reject("BALANCE_OVERFLOW", "the fee account's balance would exceed 2^128-1", {
          field: "fee",
        });
      }
    }
    const p = this.byAccount.get(tx.from);
    const expected = s.nonce + BigInt(p?.count ?? 0);
    if (tx.nonce !== expected) {
      reject(
        tx.nonce < expected ? "NONCE_USED" : "NONCE_GAP",
        tx.nonce < expected
          ? `nonce ${tx.nonce} of account ${tx.from} is already used; the next is ${expected}`
          : `nonce ${tx.nonce} of account ${tx.from} skips ahead; the next is ${expected}`,
        { field: "nonce", expected },
        409,
      );
    }
    if (expected >= MAX_NONCE)
      reject("NONCE_EXHAUSTED", `account ${tx.from} has used every nonce`, { field: "nonce" });
    const available = s.balance - (p?.out ?? 0n);
    if (available < tx.amount + tx.fee) {
      reject(
        "INSUFFICIENT_BALANCE",
        `account ${tx.from} can spend ${available} (after its pending transactions), less than amount + fee ${tx.amount + tx.fee}`,
        { field: "amount", available },
      );
    }
  }

  /** Adds an accepted transaction (already checked, verified and persisted). */
  add(p: PendingTx): void {
    this.txs.set(p.id, p);
    const { tx } = p;
    const from = this.entry(tx.from);
    from.count++;
    from.out += tx.amount + tx.fee;
    if (tx.to !== 0n) this.entry(tx.to).in += tx.amount;
    const feeAccount = this.policy.feeAccounts.get(tx.token);
    if (tx.fee > 0n && feeAccount !== undefined) this.entry(feeAccount).in += tx.fee;
  }

  /** Forgets transactions that went into a sealed batch (the head state now includes them). */
  remove(ids: readonly number[]): void {
    for (const id of ids) {
      const p = this.txs.get(id);
      if (p === undefined) continue;
      this.txs.delete(id);
      const { tx } = p;
      this.release(tx.from, (e) => {
        e.count--;
        e.out -= tx.amount + tx.fee;
      });
      if (tx.to !== 0n) this.release(tx.to, (e) => (e.in -= tx.amount));
      const feeAccount = this.policy.feeAccounts.get(tx.token);
      if (tx.fee > 0n && feeAccount !== undefined)
        this.release(feeAccount, (e) => (e.in -= tx.fee));
    }
  }

  /**
   * The transactions of the next batch, in acceptance order, and the fee accounts it pays into.
   * The circuit runs every transfer before every withdrawal, so once a sender has a withdrawal
   * in the batch, or one of its transactions does not fit, its later transactions wait for the
   * next batch (their nonces must stay in order).
   */
  select(shape: BatchShape): { txs: PendingTx[]; feeAccounts: bigint[] } {
    const transfers: PendingTx[] = [];
    const withdrawals: PendingTx[] = [];
    const feeTokens: number[] = [];
    const blocked = new Set<bigint>();
    const withdrew = new Set<bigint>();
    for (const p of this.txs.values()) {
      if (transfers.length >= shape.txSlots && withdrawals.length >= shape.withdrawSlots) break;
      const { tx } = p;
      if (blocked.has(tx.from)) continue;
      if (!p.durable) {
        blocked.add(tx.from);
        continue;
      }
      const isWithdrawal = tx.to === 0n;
      const needsFeeSlot = tx.fee > 0n && !feeTokens.includes(tx.token);
      const fits =
        (isWithdrawal
          ? withdrawals.length < shape.withdrawSlots
          : transfers.length < shape.txSlots) &&
        (isWithdrawal || !withdrew.has(tx.from)) &&
        (!needsFeeSlot || feeTokens.length < shape.feeSlots);
      if (!fits) {
        blocked.add(tx.from);
        continue;
      }
      if (needsFeeSlot) feeTokens.push(tx.token);
      if (isWithdrawal) {
        withdrawals.push(p);
        withdrew.add(tx.from);
      } else transfers.push(p);
    }
    // Ids grow in acceptance order: merging the two lists by id restores it without another
    // pass over the whole pool (this runs on every sealing tick).
    return {
      txs: [...transfers, ...withdrawals].sort((a, b) => a.id - b.id),
      feeAccounts: feeTokens.map((t) => this.policy.feeAccounts.get(t) as bigint),
    };
  }

  private entry(index: bigint): AccountPending {
    let e = this.byAccount.get(index);
    if (e === undefined) {
      e = { count: 0, out: 0n, in: 0n };
      this.byAccount.set(index, e);
    }
    return e;
  }

  private release(index: bigint, fn: (e: AccountPending) => void): void {
    const e = this.byAccount.get(index);
    if (e === undefined) return;
    fn(e);
    if (e.count === 0 && e.out === 0n && e.in === 0n) this.byAccount.delete(index);
  }
}
