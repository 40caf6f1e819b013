/**
 * The changes a two-party payment channel goes through off-chain, as pure functions: the sender
 * builds the next state with `nextState`, the receiver checks it with `classify` and countersigns
 * only what it accepts. One asset per channel.
 *
 * | change | sender | receiver accepts when |
 * | --- | --- | --- |
 * | payment | pays from its balance | only its amount rises, the sender's falls by as much |
 * | lock | moves an amount from its balance into a hash-time lock payable to the receiver | the lock is appended, payer = sender, payee = receiver, expiry at least `minLockSeconds` away |
 * | unlock | pays a lock it owes to the receiver (it was shown the secret) | the lock is gone and its amount is the receiver's |
 * | expire | takes back a lock the receiver did not claim by expiry | the lock's expiry has passed |
 * | refund | gives back a lock the receiver owes it (the payee cancels) | the lock is gone and its amount is the receiver's |
 * | close | makes the latest state final | nothing else changes |
 */
import { ChannelError } from "./errors";
import type { Lock, State } from "./state";

export type Change =
  | { kind: "payment"; amount: bigint }
  | { kind: "lock"; lock: Lock }
  | { kind: "unlock"; index: number; lock: Lock }
  | { kind: "expire"; index: number; lock: Lock }
  | { kind: "refund"; index: number; lock: Lock }
  | { kind: "close" };

const sameLock = (a: Lock, b: Lock): boolean =>
  a.amount === b.amount &&
  a.hashlock === b.hashlock &&
  a.expiry === b.expiry &&
  a.payer === b.payer &&
  a.payee === b.payee;

const sameLocks = (a: Lock[], b: Lock[]): boolean =>
  a.length === b.length && a.every((l, i) => sameLock(l, b[i]));

/** The state after participant `actor` makes `change` to `prev`; throws if it cannot. */
export function nextState(prev: State, change: Change, actor: number): State {
  if (prev.isFinal) throw new ChannelError("CHANNEL_FINAL", "nothing follows a final state");
  const allocation = prev.outcome[0];
  const amounts = [...allocation.amounts];
  let locks = allocation.locks;
  const other = 1 - actor;
  const spend = (amount: bigint): void => {
    if (amount <= 0n) throw new ChannelError("BAD_AMOUNT", "amounts must be positive", {}, 400);
    if (amounts[actor] < amount) {
      throw new ChannelError(
        "INSUFFICIENT_BALANCE",
        "the channel balance does not cover it",
        { balance: amounts[actor].toString(), amount: amount.toString() },
        422,
      );
    }
    amounts[actor] -= amount;
  };
  const without = (index: number, payer: number): Lock => {
    const lock = locks[index];
    if (lock === undefined || lock.payer !== payer) {
      throw new ChannelError("NO_SUCH_LOCK", "no such lock of this payer", { index }, 404);
    }
    locks = locks.filter((_, i) => i !== index);
    return lock;
  };
  let isFinal = false;
  switch (change.kind) {
    case "payment":
      spend(change.amount);
      amounts[other] += change.amount;
      break;
    case "lock":
      spend(change.lock.amount);
      locks = [...locks, { ...change.lock, payer: actor, payee: other }];
      break;
    case "unlock": {
      const lock = without(change.index, actor);
      amounts[lock.payee] += lock.amount;
      break;
    }
    case "expire": {
      const lock = without(change.index, actor);
      amounts[actor] += lock.amount;
      break;
    }
    case "refund": {
      const lock = without(change.index, other);
      amounts[other] += lock.amount;
      break;
    }
    case "close":
      isFinal = true;
      break;
  }
  return {
    ...prev,
    version: prev.version + 1n,
    isFinal,
    outcome: [{ ...allocation, amounts, locks }],
  };
}

/**
 * What `next`, sent by `sender`, changes over `prev` for the receiver `me`; throws a
 * `ChannelError` naming the problem for anything the receiver does not accept. `now` is the
 * chain's time (for lock expiries).
 */
export function classify(
  prev: State,
  next: State,
  me: number,
  sender: number,
  now: bigint,
  minLockSeconds: bigint,
  field = "state",
): Change {
  if (prev.isFinal)
    throw new ChannelError("CHANNEL_FINAL", "nothing follows a final state", { field });
  if (next.version !== prev.version + 1n) {
    throw new ChannelError("VERSION", `expected version ${prev.version + 1n}`, {
      field,
      expected: (prev.version + 1n).toString(),
      given: next.version.toString(),
    });
  }
  const a = prev.outcome[0];
  const b = next.outcome[0];
  const shape =
    next.appData === prev.appData &&
    next.outcome.length === 1 &&
    b.asset === a.asset &&
    b.amounts.length === a.amounts.length;
  const refuse = (why: string): never => {
    throw new ChannelError("NOT_ACCEPTED", why, { field }, 422);
  };
  if (!shape) refuse("only amounts and locks may change");
  const gained = b.amounts[me] - a.amounts[me];
  const senderDelta = b.amounts[sender] - a.amounts[sender];

  if (next.isFinal) {
    if (gained !== 0n || senderDelta !== 0n || !sameLocks(a.locks, b.locks)) {
      refuse("a final state must keep the amounts and locks");
    }
    return { kind: "close" };
  }
  const n = a.locks.length;
  if (b.locks.length === n) {
    if (!sameLocks(a.locks, b.locks)) refuse("locks changed");
    if (gained <= 0n || senderDelta !== -gained) {
      refuse("a payment moves a positive amount from the sender to me");
    }
    return { kind: "payment", amount: gained };
  }
  if (b.locks.length === n + 1) {
    if (!sameLocks(a.locks, b.locks.slice(0, n))) refuse("existing locks changed");
    const lock = b.locks[n];
    if (lock.payer !== sender || lock.payee !== me || lock.amount <= 0n) {
      refuse("a new lock must be the sender's, payable to me, and positive");
    }
    if (gained !== 0n || senderDelta !== -lock.amount) {
      refuse("a lock must come out of the sender's balance");
    }
    if (lock.expiry < now + minLockSeconds) {
      throw new ChannelError(
        "LOCK_EXPIRY",
        `a lock must leave at least ${minLockSeconds} s to claim it`,
        { field, expiry: lock.expiry.toString(), now: now.toString() },
        422,
      );
    }
    return { kind: "lock", lock };
  }
  if (b.locks.length === n - 1) {
    const index = a.locks.findIndex((_, i) =>
      sameLocks(
        a.locks.filter((__, j) => j !== i),
        b.locks,
      ),
    );
    if (index < 0) refuse("locks changed");
    const lock = a.locks[index];
    if (lock.payer === sender && lock.payee === me) {
      if (gained === lock.amount && senderDelta === 0n) return { kind: "unlock", index, lock };
      if (gained === 0n && senderDelta === lock.amount) {
        if (now <= lock.expiry) {
          throw new ChannelError("LOCK_NOT_EXPIRED", "the lock has not expired", {
            field,
            expiry: lock.expiry.toString(),
          });
        }
        return { kind: "expire", index, lock };
      }
    } else if (lock.payer === me && lock.payee === sender) {
      if (gained === lock.amount && senderDelta === 0n) return { kind: "refund", index, lock };
    }
    refuse("a lock must go to its payee, or back to its payer after expiry");
  }
  return refuse("at most one lock may be added or removed per state");
}
