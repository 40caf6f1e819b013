import { expect } from "chai";
import { TypedDataEncoder, Wallet } from "ethers";
import fc from "fast-check";
import { InputError } from "../../../operator/core/errors";
import {
  channelId,
  channelsDomain,
  checkChannel,
  ETH,
  lockResolved,
  moverOf,
  paidOut,
  stateStructHash,
  STATE_TYPES,
  typedValue,
  type Channel,
  type State,
} from "../../../operator/channels/state";

const domain = channelsDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const channel: Channel = {
  participants: [Wallet.createRandom().address, Wallet.createRandom().address],
  nonce: 1n,
  app: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  challengeDuration: 60n,
};
const id = channelId(domain, channel);

function inputError(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).field).to.equal(field);
    return;
  }
  expect.fail(`expected an InputError on ${field}`);
}

describe("channels: states", function () {
  it("hashes every state as ethers' EIP-712 encoder does (property)", function () {
    const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
    const lock = fc.record({
      amount: u256,
      hashlock: fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((b) => `0x${Buffer.from(b).toString("hex")}`),
      expiry: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      payer: fc.integer({ min: 0, max: 255 }),
      payee: fc.integer({ min: 0, max: 255 }),
    });
    const state = fc.record({
      version: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
      isFinal: fc.boolean(),
      appData: fc.uint8Array({ maxLength: 100 }).map((b) => `0x${Buffer.from(b).toString("hex")}`),
      outcome: fc.array(
        fc.record({
          asset: fc.constantFrom(ETH, channel.app),
          amounts: fc.array(u256, { maxLength: 3 }),
          locks: fc.array(lock, { maxLength: 2 }),
        }),
        { maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(state, (s: State) => {
        expect(stateStructHash(id, s)).to.equal(
          TypedDataEncoder.from(STATE_TYPES).hash(typedValue(id, s)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("names the field of a value the adjudicator would not accept", function () {
    const ok: State = { version: 1n, isFinal: false, appData: "0x", outcome: [] };
    inputError(() => stateStructHash(id, { ...ok, version: 1n << 48n }), "version");
    inputError(() => stateStructHash(id, { ...ok, appData: "0x1" }), "appData");
    inputError(() => stateStructHash("0x12", ok), "channelId");
    const alloc = { asset: ETH, amounts: [-1n], locks: [] };
    inputError(() => stateStructHash(id, { ...ok, outcome: [alloc] }), "outcome[0].amounts[0]");
    const lock = { amount: 1n, hashlock: "0x00", expiry: 0n, payer: 0, payee: 1 };
    inputError(
      () => stateStructHash(id, { ...ok, outcome: [{ asset: ETH, amounts: [], locks: [lock] }] }),
      "outcome[0].locks[0].hashlock",
    );
    inputError(
      () =>
        stateStructHash(id, {
          ...ok,
          outcome: [{ asset: ETH, amounts: [], locks: [{ ...lock, hashlock: id, payee: 256 }] }],
        }),
      "outcome[0].locks[0].payee",
    );
    inputError(
      () => stateStructHash(id, { ...ok, outcome: [{ ...alloc, asset: "0x1", amounts: [] }] }),
      "outcome[0].asset",
    );
  });

  it("refuses channels the adjudicator would refuse, and repeated participants", function () {
    inputError(
      () => checkChannel({ ...channel, participants: [channel.participants[0]] }),
      "participants",
    );
    inputError(
      () =>
        checkChannel({
          ...channel,
          participants: [channel.participants[0], channel.participants[0]],
        }),
      "participants[1]",
    );
    inputError(() => checkChannel({ ...channel, challengeDuration: 0n }), "challengeDuration");
    inputError(
      () => checkChannel({ ...channel, challengeDuration: 1n << 48n }),
      "challengeDuration",
    );
    inputError(() => checkChannel({ ...channel, nonce: -1n }), "nonce");
    inputError(() => checkChannel({ ...channel, app: "nope" }), "app");
  });

  it("knows each version's mover and the states the adjudicator stores after payouts", function () {
    expect([0n, 1n, 2n, 7n].map((v) => moverOf(channel, v))).to.deep.equal([0, 1, 0, 1]);
    const lock = { amount: 5n, hashlock: id, expiry: 9n, payer: 0, payee: 1 };
    const s: State = {
      version: 3n,
      isFinal: false,
      appData: "0x",
      outcome: [{ asset: ETH, amounts: [1n, 2n], locks: [lock, lock] }],
    };
    expect(paidOut(s).outcome[0].amounts).to.deep.equal([0n, 0n]);
    expect(paidOut(s).outcome[0].locks).to.deep.equal([lock, lock]);
    expect(lockResolved(s, 0, 1).outcome[0].locks.map((l) => l.amount)).to.deep.equal([5n, 0n]);
    expect(s.outcome[0].amounts).to.deep.equal([1n, 2n]);
  });
});
