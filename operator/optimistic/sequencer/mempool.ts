/**
 * The optimistic sequencer's mempool: which signed transactions it accepts, and which go into the
 * next batch.
 *
 * The checks mirror the transition function (operator/optimistic/transition.ts) over the head
 * state (after every sealed batch) plus what pending transactions already spend, so that an
 * accepted transaction is valid when its batch runs: the nonce is the sender's next one counting
 * its pending transactions, the balance left after them covers amount + fee, the recipient cannot
 * overflow. One thing the pool cannot foresee is a forced transaction from the L1 inbox, which
 * runs first in a batch and may spend the same funds; sealing executes every record and takes out
 * the ones that fail (their transactions are reported rejected, with the reason).
 *
 * `check` is pure and synchronous; the signature is checked in between, in a worker thread, so
 * `check` runs before (refusing garbage cheaply) and again right before `add`.
 */
import { TxRejectedError } from "../../core/errors";
import { AMOUNT, FEE } from "../../lib/float";
import { MAX_NONCE, MAX_UINT256 } from "../protocol";
import type { L2State } from "../state";
import type { SignedL2Tx } from "./db";

export { TxRejectedError };

export interface MempoolPolicy {
  /** L2 account index that receives fees; unset: only fee 0 is accepted. */
  feeAccount?: bigint;
  /** Smallest fee accepted (when a fee account is set). */
  minFee: bigint;
  /** Most pending transactions. */
  maxPending: number;
}

export interface PendingTx {
  id: number;
  hash: string;
  tx: SignedL2Tx;
  acceptedAt: number;
  /** Persisted: only durable transactions go into a batch. */
  durable: boolean;
  /** The EIP-712 digest whose signature a worker verified (absent once restored from disk). */
  digest?: string;
}

interface SenderPending {
  count: number;
  /** What pending transactions spend, per token. */
  out: Map<number, bigint>;
}

const key = (address: string): string => address.toLowerCase();

export class Mempool {
  private readonly txs = new Map<number, PendingTx>();
  private readonly senders = new Map<string, SenderPending>();
  /** Pending credits per `address:token`. */
  private readonly incoming = new Map<string, bigint>();

  constructor(
    /** The head state, read whenever a check runs (the sequencer swaps it as batches seal). */
    private readonly head: () => L2State,
    private readonly policy: MempoolPolicy,
  ) {}

  get size(): number {
    return this.txs.size;
  }

  /** The oldest pending transaction's acceptance time, if any. */
  oldestAcceptedAt(): number | undefined {
    for (const p of this.txs.values()) return p.acceptedAt;
    return undefined;
  }

  /** The account of `address` after its pending transactions: next nonce and spendable balances. */
  pendingView(address: string): { nonce: bigint; balances: Map<number, bigint> } | undefined {
    const account = this.head().accountByAddress(address);
    if (account === undefined) return undefined;
    const p = this.senders.get(key(address));
    const balances = new Map(account.amounts);
    for (const [token, out] of p?.out ?? []) balances.set(token, (balances.get(token) ?? 0n) - out);
    return { nonce: account.nonce + BigInt(p?.count ?? 0), balances };
  }

  /** Throws a `TxRejectedError` (with its HTTP status) if `tx` cannot be accepted now. */
  check(tx: SignedL2Tx): { fromIndex: bigint; owner: string } {
    const reject = (
      code: string,
      message: string,
      fields: Record<string, unknown>,
      status = 422,
    ): never => {
      throw new TxRejectedError(code, message, fields, status);
    };
    const badRequest = (
      field: string,
      reason: string,
      extra: Record<string, unknown> = {},
    ): never => reject("BAD_REQUEST", `${field}: ${reason}`, { field, reason, ...extra }, 400);
    if (this.txs.size >= this.policy.maxPending) {
      reject(
        "MEMPOOL_FULL",
        `the sequencer holds ${this.txs.size} pending transactions; retry later`,
        {},
        503,
      );
    }
    if (tx.amount === 0n) badRequest("amount", "must be positive");
    if (!AMOUNT.isExact(tx.amount)) {
      badRequest("amount", `${tx.amount} is not exactly representable as a float40`, {
        closest: AMOUNT.closest(tx.amount),
      });
    }
    if (!FEE.isExact(tx.fee)) {
      badRequest("fee", `${tx.fee} is not exactly representable as a float8`, {
        closest: FEE.closest(tx.fee),
      });
    }
    const state = this.head();
    const sender = state.accountByAddress(tx.sender);
    if (sender === undefined) {
      reject(
        "UNKNOWN_ACCOUNT",
        `${tx.sender} has no L2 account yet (a deposit creates it once a batch includes it)`,
        { field: "from", address: tx.sender },
      );
    }
    const s = sender as NonNullable<typeof sender>;
    if (tx.type === "transfer") {
      const to = tx.recipient as string;
      if (BigInt(to) === 0n) badRequest("to", "must not be the zero address");
      if (key(to) === key(tx.sender)) {
        reject("SELF_TRANSFER", "sender and recipient are the same account", { field: "to" });
      }
      const incoming = this.incoming.get(`${key(to)}:${tx.token}`) ?? 0n;
      const recipient = state.accountByAddress(to);
      const balance = recipient?.amounts.get(tx.token) ?? 0n;
      if (balance + incoming + tx.amount > MAX_UINT256) {
        reject("BALANCE_OVERFLOW", `${to}'s balance would exceed 2^256-1`, { field: "amount" });
      }
    }
    if (tx.fee > 0n || this.policy.feeAccount !== undefined) {
      const feeAccount = this.policy.feeAccount;
      if (feeAccount === undefined || state.account(feeAccount) === undefined) {
        reject(
          "FEE_NOT_ACCEPTED",
          feeAccount === undefined
            ? "the sequencer takes no fees; send fee 0"
            : `the sequencer's fee account ${feeAccount} does not exist yet; send fee 0`,
          { field: "fee" },
        );
      }
      if (tx.fee < this.policy.minFee) {
        reject("FEE_TOO_LOW", `fee ${tx.fee} is below the minimum ${this.policy.minFee}`, {
          field: "fee",
          minFee: this.policy.minFee,
        });
      }
    }
    const p = this.senders.get(key(tx.sender));
    const expected = s.nonce + BigInt(p?.count ?? 0);
    if (tx.nonce !== expected) {
      reject(
        tx.nonce < expected ? "NONCE_USED" : "NONCE_GAP",
        tx.nonce < expected
          ? `nonce ${tx.nonce} of ${tx.sender} is already used; the next is ${expected}`
          : `nonce ${tx.nonce} of ${tx.sender} skips ahead; the next is ${expected}`,
        { field: "nonce", expected },
        409,
      );
    }
    if (expected >= MAX_NONCE)
      reject("NONCE_EXHAUSTED", `${tx.sender} has used every nonce`, { field: "nonce" });
    const available = (s.amounts.get(tx.token) ?? 0n) - (p?.out.get(tx.token) ?? 0n);
    if (available < tx.amount + tx.fee) {
      reject(
        "INSUFFICIENT_BALANCE",
        `${tx.sender} can spend ${available} of token ${tx.token} (after its pending transactions), less than amount + fee ${tx.amount + tx.fee}`,
        { field: "amount", available },
      );
    }
    return { fromIndex: s.index, owner: s.owner };
  }

  /** Adds an accepted transaction (checked, signature verified). */
  add(p: PendingTx): void {
    this.txs.set(p.id, p);
    const { tx } = p;
    let s = this.senders.get(key(tx.sender));
    if (s === undefined) {
      s = { count: 0, out: new Map() };
      this.senders.set(key(tx.sender), s);
    }
    s.count++;
    s.out.set(tx.token, (s.out.get(tx.token) ?? 0n) + tx.amount + tx.fee);
    if (tx.type === "transfer") this.credit(tx.recipient as string, tx.token, tx.amount);
    if (tx.fee > 0n && this.policy.feeAccount !== undefined) {
      const owner = this.head().account(this.policy.feeAccount)?.owner;
      if (owner !== undefined) this.credit(owner, tx.token, tx.fee);
    }
  }

  /** Forgets transactions (sealed into a batch, or rejected). */
  remove(ids: readonly number[]): void {
    const feeOwner =
      this.policy.feeAccount === undefined
        ? undefined
        : this.head().account(this.policy.feeAccount)?.owner;
    for (const id of ids) {
      const p = this.txs.get(id);
      if (p === undefined) continue;
      this.txs.delete(id);
      const { tx } = p;
      const s = this.senders.get(key(tx.sender));
      if (s !== undefined) {
        s.count--;
        const out = (s.out.get(tx.token) ?? 0n) - tx.amount - tx.fee;
        if (out === 0n) s.out.delete(tx.token);
        else s.out.set(tx.token, out);
        if (s.count === 0) this.senders.delete(key(tx.sender));
      }
      if (tx.type === "transfer") this.credit(tx.recipient as string, tx.token, -tx.amount);
      if (tx.fee > 0n && feeOwner !== undefined) this.credit(feeOwner, tx.token, -tx.fee);
    }
  }

  /** The pending transactions among `ids`. */
  byIds(ids: readonly number[]): PendingTx[] {
    return ids.map((id) => this.txs.get(id)).filter((p): p is PendingTx => p !== undefined);
  }

  /** Every pending transaction, in acceptance order. */
  all(): PendingTx[] {
    return [...this.txs.values()];
  }

  /** Forgets everything (the head state is about to be replaced). */
  clear(): void {
    this.txs.clear();
    this.senders.clear();
    this.incoming.clear();
  }

  /** Pending transactions of `sender` (acceptance order). */
  pendingOf(sender: string): PendingTx[] {
    return [...this.txs.values()].filter((p) => key(p.tx.sender) === key(sender));
  }

  /**
   * The transactions of the next batch, in acceptance order: up to `max`, stopping a sender at its
   * first transaction not yet persisted (its later nonces must wait with it).
   */
  select(max: number): PendingTx[] {
    const out: PendingTx[] = [];
    const blocked = new Set<string>();
    for (const p of this.txs.values()) {
      if (out.length >= max) break;
      const sender = key(p.tx.sender);
      if (blocked.has(sender)) continue;
      if (!p.durable) {
        blocked.add(sender);
        continue;
      }
      out.push(p);
    }
    return out;
  }

  private credit(address: string, token: number, amount: bigint): void {
    const k = `${key(address)}:${token}`;
    const v = (this.incoming.get(k) ?? 0n) + amount;
    if (v === 0n) this.incoming.delete(k);
    else this.incoming.set(k, v);
  }
}
