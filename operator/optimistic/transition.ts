/**
 * The optimistic rollup's state-transition function: the reference that the sequencer, the
 * challenger, the one-step-proof builder and the tests all run, and that
 * `contracts/optimistic/OneStepExecutor.sol` must agree with on every step (property-tested).
 *
 * A step is one L1 inbox entry or one posted record. A step that is invalid for any reason
 * (unknown account, bad signature, wrong nonce, short balance, non-canonical float, overflow)
 * changes nothing: the post-state root equals the pre-state root. A batch is therefore always
 * executable, and fraud can only be a wrong root.
 *
 * Witness order is part of the protocol: the executor consumes account, address and withdrawal
 * witnesses in exactly the order this function produces them, and stops at the same point when a
 * step is invalid. Keep the two in the same order (the comments below number the accesses).
 */
import { getAddress } from "ethers";
import type { Eip712Domain } from "../lib/eip712";
import { AMOUNT, FEE } from "../lib/float";
import type { Hex } from "../lib/sparse-merkle";
import { decodeRecord } from "./codec";
import { recoverSigner } from "./ecdsa";
import {
  EMPTY_BALANCES_ROOT,
  InboxKind,
  MAX_ACCOUNTS,
  MAX_NONCE,
  MAX_UINT256,
  MAX_WITHDRAWALS,
  RecordKind,
  TRANSFER,
  WITHDRAW,
  type CompactSignature,
  type InboxEntry,
  type L2Record,
  type StateHeader,
} from "./protocol";
import type { AccountState, L2State, Withdrawal } from "./state";

/** One account read (and possibly written) at one token, with proofs against the current trees. */
export interface AccountWitness {
  owner: string;
  nonce: bigint;
  balancesRoot: Hex;
  accountBitmap: bigint;
  accountSiblings: Hex[];
  balance: bigint;
  balanceBitmap: bigint;
  balanceSiblings: Hex[];
}

/** One address-tree lookup: the leaf (account index + 1, or 0) and its proof. */
export interface AddressWitness {
  leaf: bigint;
  bitmap: bigint;
  siblings: Hex[];
}

/** Proof that the next withdrawal slot is empty. */
export interface WithdrawalWitness {
  bitmap: bigint;
  siblings: Hex[];
}

export interface StepWitness {
  header: StateHeader;
  accounts: AccountWitness[];
  addresses: AddressWitness[];
  withdrawals: WithdrawalWitness[];
}

export type Step = { inbox: InboxEntry } | { record: Uint8Array };

export interface StepContext {
  /** Account that receives the batch's fees (named in the batch header). */
  feeAccount: bigint;
  /** EIP-712 domain of the rollup (chain id and contract address). */
  domain: Eip712Domain;
  /**
   * Whether `signature` over `digest` is `owner`'s. Default: recover the signer (OpenZeppelin's
   * rules). The sequencer passes the verdicts its mempool's workers already reached, so sealing
   * a batch does not verify every signature a second time on the API's thread.
   */
  checkSignature?: (digest: string, signature: CompactSignature, owner: string) => boolean;
  /**
   * Record the witness of each step (default). The sequencer, which only needs the resulting
   * state, turns it off: Merkle proofs of every access are most of a step's cost.
   */
  witness?: boolean;
}

export interface StepResult {
  valid: boolean;
  /** Why the step was a no-op. */
  reason?: string;
  /** State root after the step (the pre-state root when invalid). */
  root: Hex;
  witness: StepWitness;
  /** The withdrawal the step made, if any. */
  withdrawal?: Withdrawal;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

class StepInvalid extends Error {}

/** The header of a step run without a witness (never read). */
const NO_HEADER: StateHeader = {
  accountsRoot: `0x${"0".repeat(64)}`,
  addressesRoot: `0x${"0".repeat(64)}`,
  withdrawalsRoot: `0x${"0".repeat(64)}`,
  accountCount: 0n,
  withdrawalCount: 0n,
};

/** Applies one step to `state` (in place) and returns the witness the executor needs for it. */
export function applyStep(state: L2State, step: Step, ctx: StepContext): StepResult {
  const preRoot = state.root;
  const witness: StepWitness = {
    header: ctx.witness === false ? NO_HEADER : state.header,
    accounts: [],
    addresses: [],
    withdrawals: [],
  };
  const run = new StepRun(state, witness, ctx);
  state.begin();
  try {
    if ("inbox" in step) run.inbox(step.inbox);
    else run.record(step.record);
    state.commit();
    return { valid: true, root: state.root, witness, withdrawal: run.withdrawal };
  } catch (error) {
    state.rollback();
    if (!(error instanceof StepInvalid)) throw error;
    return { valid: false, reason: error.message, root: preRoot, witness };
  }
}

class StepRun {
  withdrawal?: Withdrawal;

  constructor(
    private readonly state: L2State,
    private readonly witness: StepWitness,
    private readonly ctx: StepContext,
  ) {}

  record(bytes: Uint8Array): void {
    let rec: L2Record;
    try {
      rec = decodeRecord(bytes);
    } catch {
      // Only a blob slot can hold a malformed record (calldata framing is checked on posting).
      throw new StepInvalid("malformed record");
    }
    if (!AMOUNT.isCanonical(rec.amountPacked))
      throw new StepInvalid("amount is not a canonical float40");
    if (!FEE.isCanonical(rec.feePacked)) throw new StepInvalid("fee is not a canonical float8");
    const amount = AMOUNT.decode(rec.amountPacked);
    const fee = FEE.decode(rec.feePacked);

    // Access 1: the sender, debited amount + fee, nonce + 1.
    const from = this.accessIndex(rec.from, rec.token);
    if (!from) throw new StepInvalid(`no account ${rec.from}`);
    if (from.nonce === MAX_NONCE) throw new StepInvalid("nonce exhausted");
    const nonce = from.nonce;
    const balance = this.state.balance(from.index, rec.token);
    if (balance < amount + fee) throw new StepInvalid("insufficient balance");
    this.state.updateAccount(from, rec.token, balance - amount - fee, nonce + 1n);

    if (rec.kind === RecordKind.Withdraw) {
      const digest = WITHDRAW.digest(this.ctx.domain, { token: rec.token, amount, fee, nonce });
      this.checkSigner(digest, rec.signature, from.owner);
      this.payFee(rec.token, fee);
      this.appendWithdrawal(from.owner, rec.token, amount);
      return;
    }

    // Access 2: the recipient (looked up by index, or by address and created if new).
    let to: AccountState | undefined;
    let toAddress: string;
    let create = false;
    if (rec.kind === RecordKind.Transfer) {
      to = this.accessIndex(rec.to, rec.token);
      if (!to) throw new StepInvalid(`no account ${rec.to}`);
      toAddress = to.owner;
    } else {
      toAddress = getAddress(rec.to);
      if (toAddress === ZERO_ADDRESS) throw new StepInvalid("recipient is the zero address");
      ({ account: to, create } = this.resolveForCredit(toAddress, rec.token));
    }
    const digest = TRANSFER.digest(this.ctx.domain, {
      to: toAddress,
      token: rec.token,
      amount,
      fee,
      nonce,
    });
    this.checkSigner(digest, rec.signature, from.owner);
    this.credit(to, create ? toAddress : null, rec.token, amount);
    // Access 3: the fee account.
    this.payFee(rec.token, fee);
  }

  inbox(entry: InboxEntry): void {
    switch (entry.kind) {
      case InboxKind.Deposit:
        this.creditAddress(entry.to, entry.token, entry.amount);
        return;
      case InboxKind.ForcedTransfer:
        this.debitByAddress(entry.from, entry.token, entry.amount);
        this.creditAddress(entry.to, entry.token, entry.amount);
        return;
      case InboxKind.ForcedWithdraw: {
        this.debitByAddress(entry.from, entry.token, entry.amount);
        this.appendWithdrawal(entry.to, entry.token, entry.amount);
        return;
      }
      default:
        throw new StepInvalid(`unknown inbox kind ${entry.kind as number}`);
    }
  }

  /** Reads account `index` at `token` (recording its witness); undefined when it does not exist. */
  private accessIndex(index: bigint, token: number): AccountState | undefined {
    const account = this.state.account(index);
    if (this.ctx.witness === false) return account;
    const proof = this.state.accountProof(index);
    if (!account) {
      this.witness.accounts.push({
        owner: ZERO_ADDRESS,
        nonce: 0n,
        balancesRoot: EMPTY_BALANCES_ROOT,
        accountBitmap: proof.bitmap,
        accountSiblings: proof.siblings,
        balance: 0n,
        balanceBitmap: 0n,
        balanceSiblings: [],
      });
      return undefined;
    }
    const balanceProof = account.balances.compressedProof(BigInt(token));
    this.witness.accounts.push({
      owner: account.owner,
      nonce: account.nonce,
      balancesRoot: account.balances.root,
      accountBitmap: proof.bitmap,
      accountSiblings: proof.siblings,
      balance: this.state.balance(index, token),
      balanceBitmap: balanceProof.bitmap,
      balanceSiblings: balanceProof.siblings,
    });
    return account;
  }

  /** Looks `address` up in the address tree (recording the witness). */
  private lookup(address: string): bigint | undefined {
    const index = this.state.indexOf(address);
    if (this.ctx.witness === false) return index;
    const proof = this.state.addressProof(address);
    this.witness.addresses.push({
      leaf: index === undefined ? 0n : index + 1n,
      bitmap: proof.bitmap,
      siblings: proof.siblings,
    });
    return index;
  }

  /**
   * The account to credit at `address`: its existing one, or (when it has none) the empty slot
   * `accountCount`, which `credit` then creates.
   */
  private resolveForCredit(
    address: string,
    token: number,
  ): { account: AccountState | undefined; create: boolean } {
    const index = this.lookup(address);
    if (index !== undefined) return { account: this.accessIndex(index, token), create: false };
    if (this.state.accountCount === MAX_ACCOUNTS) throw new StepInvalid("account tree is full");
    this.accessIndex(this.state.accountCount, token);
    return { account: undefined, create: true };
  }

  private credit(
    account: AccountState | undefined,
    createFor: string | null,
    token: number,
    amount: bigint,
  ): void {
    const target = account ?? this.state.createAccount(createFor as string);
    const balance = this.state.balance(target.index, token);
    if (balance + amount > MAX_UINT256) throw new StepInvalid("recipient balance would overflow");
    this.state.updateAccount(target, token, balance + amount);
  }

  /** Credits `address`'s account, created if it has none; the zero address owns nothing. */
  private creditAddress(address: string, token: number, amount: bigint): void {
    if (BigInt(address) === 0n) throw new StepInvalid("recipient is the zero address");
    const { account, create } = this.resolveForCredit(address, token);
    this.credit(account, create ? address : null, token, amount);
  }

  private debitByAddress(address: string, token: number, amount: bigint): void {
    const index = this.lookup(address);
    if (index === undefined) throw new StepInvalid(`no account for ${address}`);
    const account = this.accessIndex(index, token) as AccountState;
    const balance = this.state.balance(index, token);
    if (balance < amount) throw new StepInvalid("insufficient balance");
    this.state.updateAccount(account, token, balance - amount);
  }

  private payFee(token: number, fee: bigint): void {
    if (fee === 0n) return;
    const account = this.accessIndex(this.ctx.feeAccount, token);
    if (!account) throw new StepInvalid(`fee account ${this.ctx.feeAccount} does not exist`);
    this.credit(account, null, token, fee);
  }

  private appendWithdrawal(recipient: string, token: number, amount: bigint): void {
    if (this.state.withdrawalCount === MAX_WITHDRAWALS)
      throw new StepInvalid("withdrawal tree is full");
    if (this.ctx.witness !== false) {
      const proof = this.state.withdrawalProof(this.state.withdrawalCount);
      this.witness.withdrawals.push({ bitmap: proof.bitmap, siblings: proof.siblings });
    }
    this.withdrawal = this.state.appendWithdrawal(recipient, token, amount);
  }

  private checkSigner(digest: string, signature: CompactSignature, owner: string): void {
    const valid = this.ctx.checkSignature
      ? this.ctx.checkSignature(digest, signature, owner)
      : recoverSigner(digest, signature) === owner;
    if (!valid) throw new StepInvalid("bad signature");
  }
}
