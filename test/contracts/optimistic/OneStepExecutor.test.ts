import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { TypedDataEncoder, Wallet, ZeroAddress, getAddress, id } from "ethers";
import fc from "fast-check";
import { ethers } from "hardhat";
import { AMOUNT } from "../../../operator/lib/float";
import { SparseMerkleTree } from "../../../operator/lib/sparse-merkle";
import { encodeRecord, decodeRecord } from "../../../operator/optimistic/codec";
import {
  EMPTY_BALANCES_ROOT,
  GENESIS_ROOT,
  InboxKind,
  MAX_NONCE,
  MAX_UINT256,
  rollupDomain,
  stateRoot,
  type InboxEntry,
} from "../../../operator/optimistic/protocol";
import { signTransfer, signWithdraw } from "../../../operator/optimistic/sign";
import { L2State } from "../../../operator/optimistic/state";
import { applyStep, type Step, type StepContext } from "../../../operator/optimistic/transition";

const WALLETS = Array.from({ length: 4 }, (_, i) => new Wallet(id(`l2kit optimistic wallet ${i}`)));
/** Addresses that may hold accounts: the wallets, then two keyless ones. */
const POOL = [
  ...WALLETS.map((w) => w.address),
  "0x00000000000000000000000000000000000000aa",
  "0x000000000000000000000000000000000000bEEF",
];
const ROLLUP = "0x00000000000000000000000000000000000c0de1";

async function deployFixture() {
  const executor = await (await ethers.getContractFactory("OneStepExecutor")).deploy();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = rollupDomain(chainId, ROLLUP);
  return { executor, domain, domainSeparator: TypedDataEncoder.hashDomain(domain) };
}

type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** One random action, interpreted against the current state by `buildStep`. */
interface Action {
  type: number;
  a: number;
  b: number;
  token: number;
  amountPick: number;
  fee: number;
  flaw: number;
}

const actionArb: fc.Arbitrary<Action> = fc.record({
  type: fc.integer({ min: 0, max: 5 }),
  a: fc.integer({ min: 0, max: POOL.length - 1 }),
  b: fc.integer({ min: 0, max: POOL.length - 1 }),
  token: fc.integer({ min: 0, max: 2 }),
  amountPick: fc.integer({ min: 0, max: 5 }),
  fee: fc.constantFrom(0n, 1n, 7n, 20n).map(Number),
  flaw: fc.integer({ min: 0, max: 9 }),
});

function pickAmount(state: L2State, address: string, token: number, pick: number): bigint {
  const index = state.indexOf(address);
  const balance = index === undefined ? 0n : state.balance(index, token);
  const choices = [0n, 1n, balance, balance + 1n, balance / 2n, 10n ** 30n];
  return AMOUNT.closest(choices[pick]);
}

/** Turns an action into a step; flaws 1..4 make it invalid in one specific way (0 and 5+: none). */
async function buildStep(state: L2State, f: Fixture, act: Action): Promise<Step> {
  const fromAddress = POOL[act.a];
  const toAddress = POOL[act.b];
  const amount = pickAmount(state, fromAddress, act.token, act.amountPick);
  if (act.type <= 2) {
    const kind = [InboxKind.Deposit, InboxKind.ForcedTransfer, InboxKind.ForcedWithdraw][act.type];
    const entry: InboxEntry = { kind, from: fromAddress, to: toAddress, token: act.token, amount };
    if (act.flaw === 1) entry.kind = 9 as InboxKind;
    return { inbox: entry };
  }
  const signer = WALLETS[act.a % WALLETS.length];
  const fromIndex = state.indexOf(signer.address) ?? BigInt(act.b + 50);
  const nonce = (state.account(fromIndex)?.nonce ?? 0n) + (act.flaw === 2 ? 1n : 0n);
  const wrongSigner = act.flaw === 3 ? WALLETS[(act.a + 1) % WALLETS.length] : signer;
  const fee = BigInt(act.fee);
  let record: Uint8Array;
  if (act.type === 5) {
    record = await signWithdraw(wrongSigner, f.domain, {
      from: fromIndex,
      token: act.token,
      amount,
      fee,
      nonce,
    });
  } else {
    const toIndex = state.indexOf(toAddress);
    const byIndex = act.type === 3;
    record = await signTransfer(wrongSigner, f.domain, {
      from: fromIndex,
      to: byIndex ? (toIndex ?? 77n) : toAddress,
      toAddress,
      token: act.token,
      amount,
      fee,
      nonce,
    });
  }
  if (act.flaw === 4) {
    // Exponent bit set: a non-canonical float, or (when canonical) another amount than signed.
    const rec = decodeRecord(record);
    const bad = rec.amountPacked === 0n ? (1n << 35n) | 0n : rec.amountPacked | (1n << 35n);
    record = encodeRecord({ ...rec, amountPacked: bad });
  }
  return { record };
}

async function executeOnChain(
  f: Fixture,
  preRoot: string,
  step: Step,
  ctx: StepContext,
  witness: unknown,
) {
  if ("inbox" in step) {
    return f.executor.executeInbox(preRoot, step.inbox, witness as never);
  }
  return f.executor.executeRecord(
    preRoot,
    step.record,
    ctx.feeAccount,
    f.domainSeparator,
    witness as never,
  );
}

/** An inbox entry moving `amount` wei from `from` to `to` (by default to itself). */
function ethEntry(kind: InboxKind, from: string, amount: bigint, to = from): InboxEntry {
  return { kind, from, to, token: 0, amount };
}

/** Four wallets funded on L2, then wallet 0 pays wallet 1: that transfer's witness and states. */
async function witnessFixture() {
  const f = await deployFixture();
  const state = new L2State();
  const ctx: StepContext = { feeAccount: 0n, domain: f.domain };
  for (const w of WALLETS) {
    applyStep(state, { inbox: ethEntry(InboxKind.Deposit, w.address, 10n ** 18n) }, ctx);
  }
  const preRoot = state.root;
  const record = await signTransfer(WALLETS[0], f.domain, {
    from: 0n,
    to: 1n,
    toAddress: WALLETS[1].address,
    token: 0,
    amount: 1000n,
    fee: 0n,
    nonce: 0n,
  });
  const result = applyStep(state, { record }, ctx);
  expect(result.valid).to.equal(true);
  return { ...f, preRoot, record, witness: result.witness, state, ctx, postRoot: state.root };
}

describe("OneStepExecutor (Solidity) and operator/optimistic/transition (TypeScript)", function () {
  this.timeout(300_000);

  it("start from the same genesis root, with the same empty balance tree", async function () {
    expect(GENESIS_ROOT).to.equal(stateRoot(new L2State().header));
    expect(EMPTY_BALANCES_ROOT).to.equal(SparseMerkleTree.emptyRoot(16));
  });

  it("agree on the post-state root of every step of random histories", async function () {
    const f = await loadFixture(deployFixture);
    let valid = 0;
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(actionArb, { minLength: 1, maxLength: 14 }),
        fc.boolean(),
        async (actions, feeAccountExists) => {
          const state = new L2State();
          const ctx: StepContext = { feeAccount: feeAccountExists ? 0n : 999n, domain: f.domain };
          // Seed: every wallet funded in tokens 0 and 1, so signed steps have something to move.
          for (const w of WALLETS) {
            for (const token of [0, 1]) {
              const seeded = applyStep(
                state,
                {
                  inbox: {
                    kind: InboxKind.Deposit,
                    from: w.address,
                    to: w.address,
                    token,
                    amount: 10n ** 18n,
                  },
                },
                ctx,
              );
              expect(seeded.valid).to.equal(true);
            }
          }
          for (const act of actions) {
            const preRoot = state.root;
            const step = await buildStep(state, f, act);
            const result = applyStep(state, step, ctx);
            if (result.valid) valid++;
            else invalid++;
            const onChain = await executeOnChain(f, preRoot, step, ctx, result.witness);
            expect(onChain, `${JSON.stringify(act)}: ${result.reason ?? "valid"}`).to.equal(
              result.root,
            );
            expect(state.root).to.equal(result.root);
          }
        },
      ),
      { numRuns: 40, seed: 20261121 },
    );
    // The generator must exercise both outcomes, or the property says little.
    expect(valid).to.be.greaterThan(40);
    expect(invalid).to.be.greaterThan(40);
  });

  describe("agree on edge states that random histories do not reach", function () {
    /** alice (WALLETS[0], account 0) and bob (account 1) hold 1 ETH each on L2. */
    async function edgeFixture() {
      const f = await deployFixture();
      const state = new L2State();
      const ctx: StepContext = { feeAccount: 0n, domain: f.domain };
      for (const w of WALLETS.slice(0, 2)) {
        const deposit = ethEntry(InboxKind.Deposit, w.address, 10n ** 18n);
        expect(applyStep(state, { inbox: deposit }, ctx).valid).to.equal(true);
      }
      return { ...f, state, ctx };
    }

    /** Runs `step` in TypeScript and on chain; both must refuse it, leaving the root as it was. */
    async function bothRefuse(
      f: Awaited<ReturnType<typeof edgeFixture>>,
      state: L2State,
      step: Step,
      reason: RegExp,
    ): Promise<void> {
      const preRoot = state.root;
      const result = applyStep(state, step, f.ctx);
      expect(result.valid, "refused in TypeScript").to.equal(false);
      expect(result.reason).to.match(reason);
      expect(result.root).to.equal(preRoot);
      expect(await executeOnChain(f, preRoot, step, f.ctx, result.witness)).to.equal(preRoot);
    }

    const transfer = (
      f: Awaited<ReturnType<typeof edgeFixture>>,
      from: bigint,
      to: bigint | string,
      nonce = 0n,
    ) =>
      signTransfer(WALLETS[0], f.domain, {
        from,
        to,
        toAddress: typeof to === "string" ? to : WALLETS[1].address,
        token: 0,
        amount: 1000n,
        fee: 0n,
        nonce,
      });

    it("a record from an account index that holds no account", async function () {
      const f = await loadFixture(edgeFixture);
      const state = f.state.clone();
      await bothRefuse(f, state, { record: await transfer(f, 9n, 1n) }, /no account 9/);
    });

    it("a sender whose nonce is exhausted (2^64 - 1)", async function () {
      const f = await loadFixture(edgeFixture);
      const state = f.state.clone();
      const alice = state.account(0n)!;
      state.updateAccount(alice, 0, state.balance(0n, 0), MAX_NONCE);
      await bothRefuse(
        f,
        state,
        { record: await transfer(f, 0n, 1n, MAX_NONCE) },
        /nonce exhausted/,
      );
    });

    it("a transfer to the zero address, and a deposit to it", async function () {
      const f = await loadFixture(edgeFixture);
      const state = f.state.clone();
      await bothRefuse(f, state, { record: await transfer(f, 0n, ZeroAddress) }, /zero address/);
      const deposit = ethEntry(InboxKind.Deposit, WALLETS[0].address, 1n, ZeroAddress);
      await bothRefuse(f, state, { inbox: deposit }, /zero address/);
    });

    it("a credit that would take the recipient's balance past 2^256 - 1", async function () {
      const f = await loadFixture(edgeFixture);
      const state = f.state.clone();
      const bob = state.account(1n)!;
      state.updateAccount(bob, 0, MAX_UINT256 - 5n);
      await bothRefuse(f, state, { record: await transfer(f, 0n, 1n) }, /would overflow/);
      await bothRefuse(
        f,
        state,
        { record: await transfer(f, 0n, WALLETS[1].address) },
        /would overflow/,
      );
    });
  });

  describe("refuses witnesses that do not match the pre-state", function () {
    it("a header that is not the pre-state root's preimage", async function () {
      const f = await loadFixture(witnessFixture);
      const header = { ...f.witness.header, accountCount: 99n };
      await expect(
        f.executor.executeRecord(f.preRoot, f.record, 0n, f.domainSeparator, {
          ...f.witness,
          header,
        }),
      )
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadHeader")
        .withArgs(f.preRoot, stateRoot(header));
    });

    it("an account proof for another leaf, and a balance that is not the account's", async function () {
      const f = await loadFixture(witnessFixture);
      const [sender, ...rest] = f.witness.accounts;
      const richer = { ...sender, balance: sender.balance + 1n };
      await expect(
        f.executor.executeRecord(f.preRoot, f.record, 0n, f.domainSeparator, {
          ...f.witness,
          accounts: [richer, ...rest],
        }),
      )
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadBalanceWitness")
        .withArgs(0n, 0n);
      const older = { ...sender, nonce: sender.nonce + 1n };
      await expect(
        f.executor.executeRecord(f.preRoot, f.record, 0n, f.domainSeparator, {
          ...f.witness,
          accounts: [older, ...rest],
        }),
      )
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadAccountWitness")
        .withArgs(0n, 0n);
    });

    it("an address witness that is missing or proves another leaf", async function () {
      const f = await loadFixture(witnessFixture);
      const newcomer = POOL[5];
      const deposit = ethEntry(InboxKind.Deposit, newcomer, 5n);
      const state = f.state.clone();
      const result = applyStep(state, { inbox: deposit }, f.ctx);
      expect(result.valid).to.equal(true);
      const witness = result.witness;
      await expect(f.executor.executeInbox(f.postRoot, deposit, { ...witness, addresses: [] }))
        .to.be.revertedWithCustomError(f.executor, "ExecutorMissingWitness")
        .withArgs(1n, 0n);
      // Claiming the new address already has account 0 (leaf 1): not what the tree holds.
      const lying = { ...witness.addresses[0], leaf: 1n };
      await expect(f.executor.executeInbox(f.postRoot, deposit, { ...witness, addresses: [lying] }))
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadAddressWitness")
        .withArgs(0n, getAddress(newcomer));
      expect(await f.executor.executeInbox(f.postRoot, deposit, witness)).to.equal(result.root);
    });

    it("a withdrawal witness that is missing or not of the next empty slot", async function () {
      const f = await loadFixture(witnessFixture);
      const exit = ethEntry(InboxKind.ForcedWithdraw, WALLETS[1].address, 5n);
      const state = f.state.clone();
      const result = applyStep(state, { inbox: exit }, f.ctx);
      expect(result.valid).to.equal(true);
      const witness = result.witness;
      await expect(f.executor.executeInbox(f.postRoot, exit, { ...witness, withdrawals: [] }))
        .to.be.revertedWithCustomError(f.executor, "ExecutorMissingWitness")
        .withArgs(2n, 0n);
      const [slot] = witness.withdrawals;
      // A proof claiming slot 0's neighbour (slot 1) is occupied: not the tree the header names.
      const wrong = {
        ...slot,
        bitmap: slot.bitmap | 1n,
        siblings: [id("a leaf"), ...slot.siblings],
      };
      expect(slot.bitmap & 1n).to.equal(0n);
      await expect(f.executor.executeInbox(f.postRoot, exit, { ...witness, withdrawals: [wrong] }))
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadWithdrawalWitness")
        .withArgs(0n);
      expect(await f.executor.executeInbox(f.postRoot, exit, witness)).to.equal(result.root);
    });

    it("an account to create over a slot that is taken, under a header whose count lies", async function () {
      const f = await loadFixture(witnessFixture);
      const state = f.state.clone();
      const newcomer = POOL[5];
      const deposit = (to: string) => ethEntry(InboxKind.Deposit, to, 5n);
      // Witnesses that are true of the real state: the newcomer has no address leaf, and
      // account 0 (a wallet) holds its leaf with its balance proof.
      const absent = applyStep(state.clone(), { inbox: deposit(newcomer) }, f.ctx).witness;
      const taken = applyStep(state.clone(), { inbox: deposit(WALLETS[0].address) }, f.ctx).witness;
      expect(absent.addresses[0].leaf).to.equal(0n);
      // A header claiming no account exists yet: the next account would be 0, which is taken.
      const header = { ...state.header, accountCount: 0n };
      const lying = {
        header,
        accounts: [taken.accounts[0]],
        addresses: [absent.addresses[0]],
        withdrawals: [],
      };
      await expect(f.executor.executeInbox(stateRoot(header), deposit(newcomer), lying))
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadAccountWitness")
        .withArgs(0n, 0n);
    });

    it("a record that is empty, or of a known kind but the wrong length", async function () {
      const f = await loadFixture(witnessFixture);
      await expect(f.executor.executeRecord(f.preRoot, "0x", 0n, f.domainSeparator, f.witness))
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadRecord")
        .withArgs(0n, 0n);
      const short = f.record.slice(0, f.record.length - 1);
      await expect(f.executor.executeRecord(f.preRoot, short, 0n, f.domainSeparator, f.witness))
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadRecord")
        .withArgs(BigInt(f.record[0]), BigInt(short.length));
    });

    it("a witness list that stops short, and a record of no known kind", async function () {
      const f = await loadFixture(witnessFixture);
      await expect(
        f.executor.executeRecord(f.preRoot, f.record, 0n, f.domainSeparator, {
          ...f.witness,
          accounts: f.witness.accounts.slice(0, 1),
        }),
      )
        .to.be.revertedWithCustomError(f.executor, "ExecutorMissingWitness")
        .withArgs(0n, 1n);
      await expect(f.executor.executeRecord(f.preRoot, "0x09", 0n, f.domainSeparator, f.witness))
        .to.be.revertedWithCustomError(f.executor, "ExecutorBadRecord")
        .withArgs(9n, 1n);
    });
  });

  describe("at the trees' capacity", function () {
    it("a header at capacity (2^32 accounts or withdrawals): new accounts and withdrawals are no-ops", async function () {
      const f = await loadFixture(witnessFixture);
      const state = f.state.clone();
      const newcomer = POOL[5];
      const deposit = ethEntry(InboxKind.Deposit, newcomer, 5n);
      const exit = ethEntry(InboxKind.ForcedWithdraw, WALLETS[1].address, 5n);
      // A signed transfer to the newcomer's address, which would create its account.
      const record = await signTransfer(WALLETS[1], f.domain, {
        from: 1n,
        to: newcomer,
        toAddress: newcomer,
        token: 0,
        amount: 1000n,
        fee: 0n,
        nonce: 0n,
      });
      const run = (root: string, step: Step, witness: unknown) =>
        executeOnChain(f, root, step, f.ctx, witness);
      // Each step is valid on the real state; only the header's counts say the trees are full.
      const fullAccounts = { ...state.header, accountCount: 1n << 32n };
      const fullWithdrawals = { ...state.header, withdrawalCount: 1n << 32n };
      for (const [header, step] of [
        [fullAccounts, { inbox: deposit }],
        [fullAccounts, { record }],
        [fullWithdrawals, { inbox: exit }],
      ] as const) {
        const result = applyStep(state.clone(), step, f.ctx);
        expect(result.valid, result.reason).to.equal(true);
        expect(await run(state.root, step, result.witness)).to.equal(result.root);
        const full = stateRoot(header);
        expect(await run(full, step, { ...result.witness, header })).to.equal(full);
      }
    });
  });
});
