import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { buildBatch, ZkState, type BuiltBatch, type SignedTx } from "../../operator/zk/batch";
import { circuitShape, rollupSpec } from "../../operator/zk/circuits";
import { AMOUNT } from "../../operator/lib/float";
import { ZkKey } from "../../operator/zk/keys";
import {
  DEPOSIT_CREATE,
  DEPOSIT_CREDIT,
  MAX_BALANCE,
  type QueuedDeposit,
} from "../../operator/zk/protocol";
import { compileCircuit, LoadedCircuit, REPO_ROOT } from "../../operator/zk/setup/compile";
import { lastFailure } from "../helpers/witness";

const BUILD = path.join(REPO_ROOT, "circuits", "build");
const SHAPE = circuitShape("test");
const DOMAIN = 1234567890123456789n;
const ETH = 0;
const TOKEN = 1;

const alice = ZkKey.fromSeed("alice's rollup key seed");
const bob = ZkKey.fromSeed("bob's rollup key seed..");
const operator = ZkKey.fromSeed("the operator's key seed");

function create(to: bigint, key: ZkKey, amount: bigint, token = ETH): QueuedDeposit {
  return { kind: DEPOSIT_CREATE, to, token, amount, ax: key.ax, ay: key.ay };
}

/** Alice (1), Bob (2) and the operator's fee account (3), all ETH, after two batches of deposits. */
function funded(): ZkState {
  let state = new ZkState(SHAPE.levels);
  state = buildBatch(state, SHAPE, DOMAIN, {
    deposits: [create(1n, alice, 10n ** 18n), create(2n, bob, 5n * 10n ** 17n)],
    txs: [],
    feeAccounts: [],
  }).state;
  state = buildBatch(state, SHAPE, DOMAIN, {
    deposits: [create(3n, operator, 0n)],
    txs: [],
    feeAccounts: [],
  }).state;
  return state;
}

/** The error location of `statement` in a circuit source: "Error in template <T>_<n> line: <line>". */
function at(template: string, statement: string, source = "rollup.circom"): RegExp {
  const lines = fs
    .readFileSync(path.join(REPO_ROOT, "circuits", "src", source), "utf8")
    .split("\n");
  const found = lines.findIndex((l) => l.includes(statement));
  if (found < 0) throw new Error(`${statement} not in ${source}`);
  return new RegExp(`Error in template ${template}_\\d+ line: ${found + 1}\\b`);
}

const SENDER_MEMBERSHIP = at("SignedDebit", "(senderRoot - rootIn) * enabled === 0;");
const SIGNATURE = /Error in template EdDSAPoseidonVerifier_\d+/;
const LEAF_BALANCE_RANGE = at("AccountLeaf", "balanceBits.in <== balance;");

/** Expects the witness to fail at `where` (see `at`). */
async function expectFail(
  circuit: LoadedCircuit,
  input: Record<string, unknown>,
  ...where: RegExp[]
): Promise<void> {
  const err = await circuit.witness(input).catch((e: unknown) => e);
  expect(err, "the witness should not exist").to.be.instanceOf(Error);
  expect(String(err)).to.match(/Assert Failed/);
  // Only this witness's own failure: the calculator's message accumulates earlier ones.
  const stack = lastFailure(String(err));
  for (const w of where) expect(stack, stack).to.match(w);
}

function patched(batch: BuiltBatch, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...batch.circuitInput, ...patch };
}

/** The circuit input with slot 0 of each named array signal replaced. */
function slot0(batch: BuiltBatch, values: Record<string, bigint>): Record<string, unknown> {
  const out = { ...batch.circuitInput };
  for (const [k, v] of Object.entries(values)) {
    const arr = [...(out[k] as bigint[])];
    arr[0] = v;
    out[k] = arr;
  }
  return out;
}

/** Slot 0's signature fields set to `tx`'s signature. */
function withSignature(
  batch: BuiltBatch,
  tx: SignedTx,
  extra: Record<string, bigint> = {},
): Record<string, unknown> {
  return slot0(batch, {
    txR8x: tx.signature.R8[0],
    txR8y: tx.signature.R8[1],
    txS: tx.signature.S,
    ...extra,
  });
}

describe("circuits/src/rollup.circom Rollup against operator/zk/batch.ts", function () {
  let circuit: LoadedCircuit;
  before(async function () {
    circuit = await LoadedCircuit.load(await compileCircuit(rollupSpec("test", SHAPE), BUILD));
  });

  async function expectPass(batch: BuiltBatch): Promise<void> {
    const w = await circuit.witness(batch.circuitInput);
    // The circuit recomputes the public input from the transition; the TS reference agrees.
    expect(circuit.signal(w, "main.inputHash")).to.equal(batch.publicInput);
  }

  it("deposits create accounts (expectPass)", async function () {
    const state = new ZkState(SHAPE.levels);
    const batch = buildBatch(state, SHAPE, DOMAIN, {
      deposits: [create(1n, alice, 100n), create(2n, bob, 7n)],
      txs: [],
      feeAccounts: [],
    });
    expect(batch.depositApplied).to.deep.equal([true, true]);
    expect(batch.state.account(1n)?.balance).to.equal(100n);
    await expectPass(batch);
  });

  it("a transfer and a withdrawal, paying fees to the operator (expectPass)", async function () {
    const state = funded();
    const t1 = alice.sign(DOMAIN, {
      from: 1n,
      to: 2n,
      token: ETH,
      nonce: 0n,
      amount: 3n * 10n ** 17n,
      fee: 10n ** 15n,
    });
    const t2 = bob.sign(DOMAIN, {
      from: 2n,
      to: 0n,
      token: ETH,
      nonce: 0n,
      amount: 2n * 10n ** 17n,
      fee: 2n * 10n ** 15n,
    });
    const batch = buildBatch(state, SHAPE, DOMAIN, {
      deposits: [],
      txs: [t1, t2],
      feeAccounts: [3n],
    });
    expect(batch.state.account(1n)?.balance).to.equal(10n ** 18n - 3n * 10n ** 17n - 10n ** 15n);
    expect(batch.state.account(2n)?.balance).to.equal(
      5n * 10n ** 17n + 3n * 10n ** 17n - 2n * 10n ** 17n - 2n * 10n ** 15n,
    );
    expect(batch.state.account(3n)?.balance).to.equal(3n * 10n ** 15n);
    expect(batch.feesCollected).to.deep.equal([3n * 10n ** 15n]);
    await expectPass(batch);
  });

  it("the same account twice in a batch, nonce by nonce (expectPass)", async function () {
    const state = funded();
    const t1 = alice.sign(DOMAIN, {
      from: 1n,
      to: 2n,
      token: ETH,
      nonce: 0n,
      amount: 10n ** 17n,
      fee: 0n,
    });
    const t2 = alice.sign(DOMAIN, {
      from: 1n,
      to: 0n,
      token: ETH,
      nonce: 1n,
      amount: 10n ** 17n,
      fee: 0n,
    });
    const batch = buildBatch(state, SHAPE, DOMAIN, {
      deposits: [],
      txs: [t1, t2],
      feeAccounts: [],
    });
    expect(batch.state.account(1n)?.nonce).to.equal(2n);
    await expectPass(batch);
  });

  it("an invalid queued deposit is a no-op, never an unprovable batch (expectPass)", async function () {
    const state = funded();
    const wrongToken: QueuedDeposit = {
      kind: DEPOSIT_CREDIT,
      to: 1n,
      token: TOKEN,
      amount: 5n,
      ax: 0n,
      ay: 0n,
    };
    const missing: QueuedDeposit = {
      kind: DEPOSIT_CREDIT,
      to: 9n,
      token: ETH,
      amount: 5n,
      ax: 0n,
      ay: 0n,
    };
    const batch = buildBatch(state, SHAPE, DOMAIN, {
      deposits: [wrongToken, missing],
      txs: [],
      feeAccounts: [],
    });
    expect(batch.depositApplied).to.deep.equal([false, false]);
    expect(batch.newRoot).to.equal(state.root);
    expect(batch.chainAfter).to.not.equal(state.depositChain);
    await expectPass(batch);

    const overflow = buildBatch(state, SHAPE, DOMAIN, {
      deposits: [
        { kind: DEPOSIT_CREDIT, to: 1n, token: ETH, amount: MAX_BALANCE, ax: 0n, ay: 0n },
        create(3n, bob, 1n),
      ],
      txs: [],
      feeAccounts: [],
    });
    expect(overflow.depositApplied).to.deep.equal([false, false]);
    await expectPass(overflow);
  });

  it("an empty batch leaves the root unchanged (expectPass)", async function () {
    const state = funded();
    const batch = buildBatch(state, SHAPE, DOMAIN, { deposits: [], txs: [], feeAccounts: [] });
    expect(batch.newRoot).to.equal(state.root);
    await expectPass(batch);
  });

  describe("rejects (expectFail)", function () {
    let state: ZkState;
    let valid: BuiltBatch;
    let tx: SignedTx;
    before(function () {
      state = funded();
      tx = alice.sign(DOMAIN, {
        from: 1n,
        to: 2n,
        token: ETH,
        nonce: 0n,
        amount: 10n ** 17n,
        fee: 10n ** 15n,
      });
      valid = buildBatch(state, SHAPE, DOMAIN, { deposits: [], txs: [tx], feeAccounts: [3n] });
    });

    it("a bad signature", async function () {
      await expectFail(circuit, slot0(valid, { txS: tx.signature.S + 1n }), SIGNATURE);
      await expectFail(circuit, withSignature(valid, bob.sign(DOMAIN, { ...tx })), SIGNATURE);
    });

    it("a signature for another deployment (domain)", async function () {
      await expectFail(
        circuit,
        withSignature(valid, alice.sign(DOMAIN + 1n, { ...tx })),
        SIGNATURE,
      );
    });

    it("a wrong nonce (replay), even correctly signed", async function () {
      const replay = alice.sign(DOMAIN, { ...tx, nonce: 5n });
      const batch = buildBatch(state, SHAPE, DOMAIN, {
        deposits: [],
        txs: [replay],
        feeAccounts: [3n],
        dishonest: true,
      });
      await expectFail(circuit, batch.circuitInput, SENDER_MEMBERSHIP);
    });

    it("an overdraft, even correctly signed", async function () {
      const over = alice.sign(DOMAIN, { ...tx, amount: 2n * 10n ** 18n });
      const batch = buildBatch(state, SHAPE, DOMAIN, {
        deposits: [],
        txs: [over],
        feeAccounts: [3n],
        dishonest: true,
      });
      await expectFail(
        circuit,
        batch.circuitInput,
        LEAF_BALANCE_RANGE,
        at("SignedDebit", "signal senderLeafAfter <== AccountLeaf()"),
      );
    });

    it("a receiver balance overflow, even correctly signed", async function () {
      // Bob holds almost the maximum balance; a 1-wei transfer fits, 10 wei would overflow.
      const rich = buildBatch(funded(), SHAPE, DOMAIN, {
        deposits: [
          {
            kind: DEPOSIT_CREDIT,
            to: 2n,
            token: ETH,
            amount: MAX_BALANCE - 5n * 10n ** 17n - 5n,
            ax: 0n,
            ay: 0n,
          },
        ],
        txs: [],
        feeAccounts: [],
      }).state;
      const small = alice.sign(DOMAIN, { ...tx, fee: 0n, amount: 1n });
      const batch = buildBatch(rich, SHAPE, DOMAIN, {
        deposits: [],
        txs: [small],
        feeAccounts: [],
      });
      await expectPass(batch);
      const big = alice.sign(DOMAIN, { ...tx, fee: 0n, amount: 10n });
      await expectFail(
        circuit,
        buildBatch(rich, SHAPE, DOMAIN, {
          deposits: [],
          txs: [big],
          feeAccounts: [],
          dishonest: true,
        }).circuitInput,
        LEAF_BALANCE_RANGE,
        at("TransferSlot", "signal receiverLeafAfter <== AccountLeaf()"),
      );
    });

    it("a non-canonical amount encoding of the same value", async function () {
      const value = 10n ** 17n; // canonical: (10^10, 7); (10^9, 8) is the same value
      const nonCanonical = (8n << 35n) | (10n ** 9n);
      expect(AMOUNT.isCanonical(nonCanonical)).to.equal(false);
      expect(AMOUNT.split(nonCanonical).mantissa * 10n ** 8n).to.equal(value);
      await expectFail(
        circuit,
        slot0(valid, { txAmount: nonCanonical }),
        at(
          "FloatDecode",
          "(1 - exponentIsZero.out) * (1 - mantissaIsFull.out) === 0;",
          "float.circom",
        ),
      );
    });

    it("a wrong old root", async function () {
      await expectFail(circuit, patched(valid, { oldRoot: state.root + 1n }), SENDER_MEMBERSHIP);
    });

    it("tampered pubdata or public input", async function () {
      await expectFail(
        circuit,
        patched(valid, { inputHash: valid.publicInput + 1n }),
        at("Rollup", "inputHash === expected;"),
      );
      // A fee routed to no fee account.
      await expectFail(
        circuit,
        patched(valid, { feeTokens: [7n] }),
        at("SignedDebit", "feeEnabled * (1 - matches[F]) === 0;"),
      );
    });

    it("a fee paid in a token no fee account holds", async function () {
      const batch = buildBatch(state, SHAPE, DOMAIN, {
        deposits: [],
        txs: [tx],
        feeAccounts: [],
        dishonest: true,
      });
      await expectFail(
        circuit,
        batch.circuitInput,
        at("SignedDebit", "feeEnabled * (1 - matches[F]) === 0;"),
      );
    });

    it("a signed transfer replayed as a withdrawal", async function () {
      const batch = buildBatch(state, SHAPE, DOMAIN, {
        deposits: [],
        txs: [{ ...tx, to: 0n }],
        feeAccounts: [3n],
        dishonest: true,
      });
      await expectFail(circuit, batch.circuitInput, SIGNATURE);
    });

    it("a withdrawal in a transfer slot", async function () {
      const withdrawal = alice.sign(DOMAIN, { ...tx, to: 0n });
      await expectFail(
        circuit,
        withSignature(valid, withdrawal, { txTo: 0n }),
        at("TransferSlot", "debit.enabled * toZero === 0;"),
      );
    });

    it("a withdrawal that pays out more than the sender holds via a forged balance", async function () {
      await expectFail(circuit, slot0(valid, { txBalance: 10n ** 20n }), SENDER_MEMBERSHIP);
    });
  });
});
