import { expect } from "chai";
import { ChannelError } from "../../../operator/channels/errors";
import { ETH, type Lock, type State } from "../../../operator/channels/state";
import { classify, nextState, type Change } from "../../../operator/channels/transitions";

const H = `0x${"ab".repeat(32)}`;
const base: State = {
  version: 5n,
  isFinal: false,
  appData: "0x",
  outcome: [{ asset: ETH, amounts: [100n, 50n], locks: [] }],
};
const NOW = 1_000n;
const MIN = 600n;
// participant 0 sends, participant 1 receives
const check = (prev: State, next: State, now = NOW): Change => classify(prev, next, 1, 0, now, MIN);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ChannelError);
    return (error as ChannelError).code;
  }
  return "accepted";
}

describe("channels: off-chain transitions", function () {
  const lock: Lock = { amount: 10n, hashlock: H, expiry: NOW + 3600n, payer: 0, payee: 1 };
  const locked = nextState(base, { kind: "lock", lock }, 0);

  it("builds and accepts payments, locks, unlocks, expiries, refunds and closes", function () {
    expect(check(base, nextState(base, { kind: "payment", amount: 7n }, 0))).to.deep.equal({
      kind: "payment",
      amount: 7n,
    });
    expect(locked.outcome[0]).to.deep.include({ amounts: [90n, 50n], locks: [lock] });
    expect(check(base, locked)).to.deep.equal({ kind: "lock", lock });
    const unlocked = nextState(locked, { kind: "unlock", index: 0, lock }, 0);
    expect(unlocked.outcome[0]).to.deep.include({ amounts: [90n, 60n], locks: [] });
    expect(check(locked, unlocked)).to.deep.include({ kind: "unlock", index: 0 });
    const expired = nextState(locked, { kind: "expire", index: 0, lock }, 0);
    expect(expired.outcome[0]).to.deep.include({ amounts: [100n, 50n], locks: [] });
    expect(check(locked, expired, lock.expiry + 1n)).to.deep.include({ kind: "expire" });
    // The payee (1) gives a lock back to its payer (0): the payer accepts.
    const refunded = nextState(locked, { kind: "refund", index: 0, lock }, 1);
    expect(classify(locked, refunded, 0, 1, NOW, MIN)).to.deep.include({ kind: "refund" });
    const closed = nextState(base, { kind: "close" }, 0);
    expect(check(base, closed)).to.deep.equal({ kind: "close" });
  });

  it("refuses what the receiver must not sign, naming why", function () {
    const pay = nextState(base, { kind: "payment", amount: 7n }, 0);
    expect(code(() => check(base, { ...pay, version: 7n }))).to.equal("VERSION");
    expect(code(() => check({ ...base, isFinal: true }, pay))).to.equal("CHANNEL_FINAL");
    // Taking from the receiver, or paying more than leaves the sender.
    const take = { ...pay, outcome: [{ ...pay.outcome[0], amounts: [110n, 40n] }] };
    expect(code(() => check(base, take))).to.equal("NOT_ACCEPTED");
    const mint = { ...pay, outcome: [{ ...pay.outcome[0], amounts: [100n, 57n] }] };
    expect(code(() => check(base, mint))).to.equal("NOT_ACCEPTED");
    // A lock that is the receiver's own, or expires too soon.
    const wrongPayer = nextState(base, { kind: "lock", lock }, 1);
    expect(code(() => check(base, wrongPayer))).to.equal("NOT_ACCEPTED");
    const soon = nextState(base, { kind: "lock", lock: { ...lock, expiry: NOW + MIN - 1n } }, 0);
    expect(code(() => check(base, soon))).to.equal("LOCK_EXPIRY");
    // Taking a lock back before it expires.
    const early = nextState(locked, { kind: "expire", index: 0, lock }, 0);
    expect(code(() => check(locked, early, lock.expiry))).to.equal("LOCK_NOT_EXPIRED");
    // A final state that changes anything.
    const sneaky = { ...pay, isFinal: true };
    expect(code(() => check(base, sneaky))).to.equal("NOT_ACCEPTED");
    // Changed app data or asset.
    expect(code(() => check(base, { ...pay, appData: "0x01" }))).to.equal("NOT_ACCEPTED");
  });

  it("refuses to build what the actor cannot do", function () {
    expect(code(() => nextState(base, { kind: "payment", amount: 101n }, 0))).to.equal(
      "INSUFFICIENT_BALANCE",
    );
    expect(code(() => nextState(base, { kind: "payment", amount: 0n }, 0))).to.equal("BAD_AMOUNT");
    expect(code(() => nextState(locked, { kind: "unlock", index: 0, lock }, 1))).to.equal(
      "NO_SUCH_LOCK",
    );
    expect(code(() => nextState({ ...base, isFinal: true }, { kind: "close" }, 0))).to.equal(
      "CHANNEL_FINAL",
    );
  });
});
