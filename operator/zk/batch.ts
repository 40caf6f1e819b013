/**
 * The ZK rollup's state and its pure batch builder: from a state and a list of operations to the
 * next state, the pubdata, the public input and the full circuit input. The operator, the tests
 * and the bench all build batches here; `circuits/src/rollup.circom` checks exactly these rules.
 */
import { derivePublicKeyFast, signEdDSAPoseidon, verifyEdDSAPoseidon } from "./crypto/eddsa";
import { L2kitError } from "../core/errors";
import { AMOUNT, FEE } from "../lib/float";
import {
  accountLeaf,
  checkShape,
  DEPOSIT_CREATE,
  DEPOSIT_CREDIT,
  depositChainNext,
  FORCED_EXIT,
  encodePubdata,
  MAX_BALANCE,
  MAX_NONCE,
  NO_FEE_TOKEN,
  publicInputHash,
  txMessage,
  type Account,
  type BatchShape,
  type QueuedDeposit,
  type TxData,
} from "./protocol";
import { QuadMerkleTree } from "./state/tree";

export interface Signature {
  R8: [bigint, bigint];
  S: bigint;
}

export interface SignedTx extends TxData {
  signature: Signature;
}

/** The rollup's state: the account tree, the accounts, and the deposit chain consumed so far. */
export class ZkState {
  readonly tree: QuadMerkleTree;
  private readonly accounts = new Map<bigint, Account>();
  /** Hash chain of the deposits applied or refunded so far. */
  depositChain = 0n;
  /** Deposits taken from the queue so far. */
  depositsConsumed = 0;

  constructor(readonly levels: number) {
    this.tree = new QuadMerkleTree(levels);
  }

  get root(): bigint {
    return this.tree.root;
  }

  account(index: bigint): Account | undefined {
    const a = this.accounts.get(index);
    return a === undefined ? undefined : { ...a };
  }

  /** Every account, by index. */
  *entries(): IterableIterator<[bigint, Account]> {
    for (const [i, a] of this.accounts) yield [i, { ...a }];
  }

  setAccount(index: bigint, account: Account): void {
    this.accounts.set(index, { ...account });
    this.tree.set(index, accountLeaf(account));
  }

  clone(): ZkState {
    const s = new ZkState(this.levels);
    (s as { tree: QuadMerkleTree }).tree = this.tree.clone();
    for (const [i, a] of this.accounts) s.accounts.set(i, { ...a });
    s.depositChain = this.depositChain;
    s.depositsConsumed = this.depositsConsumed;
    return s;
  }
}

/** A transaction that cannot go into a batch, with the slot and the reason. */
export class BatchTxError extends L2kitError {
  constructor(
    readonly slot: number,
    readonly reason: string,
  ) {
    super("BATCH_TX_INVALID", `transaction ${slot}: ${reason}`, { slot, reason });
  }
}

export interface BatchOps {
  /** The next entries of the L1 queue (deposits, forced exits), in order (at most depositSlots). */
  deposits: readonly QueuedDeposit[];
  /**
   * Signed transactions: transfers (to > 0, at most txSlots) and withdrawals (to = 0, at most
   * withdrawSlots); the other slots are no-ops.
   */
  txs: readonly SignedTx[];
  /** Fee account indices by fee slot (at most feeSlots, distinct tokens); 0 or missing: unused. */
  feeAccounts: readonly bigint[];
  /** Check every signature (default true; the operator's mempool has already). */
  verifySignatures?: boolean;
  /**
   * Skip the value checks (nonce, balance, overflow, token, signature) and build the witness a
   * dishonest operator would. Only adversarial tests use it: the circuit must reject the result.
   */
  dishonest?: boolean;
}

export interface BuiltBatch {
  shape: BatchShape;
  oldRoot: bigint;
  newRoot: bigint;
  chainBefore: bigint;
  chainAfter: bigint;
  domain: bigint;
  pubdata: Uint8Array;
  publicInput: bigint;
  depositApplied: boolean[];
  /** Per deposit slot: the balance an applied forced exit pays out (0 otherwise). */
  exitAmounts: bigint[];
  /** Fees collected per fee slot. */
  feesCollected: bigint[];
  /** The state after the batch (the input state is not modified). */
  state: ZkState;
  /** The circuit's input signals. */
  circuitInput: Record<string, unknown>;
}

const NOOP_PRIVATE_KEY = "l2kit zk rollup no-op slot key";
let noopFiller: { ax: bigint; ay: bigint; sig: Signature } | undefined;

/** A valid key and signature for slots whose signature check is disabled: keeps the curve arithmetic well-defined. */
function noop(): { ax: bigint; ay: bigint; sig: Signature } {
  if (noopFiller === undefined) {
    const [ax, ay] = derivePublicKeyFast(NOOP_PRIVATE_KEY);
    const s = signEdDSAPoseidon(NOOP_PRIVATE_KEY, 0n);
    noopFiller = { ax, ay, sig: { R8: [s.R8[0], s.R8[1]], S: s.S } };
  }
  return noopFiller;
}

/**
 * Checks a transaction's signature against a public key, as the circuit does (low-order keys
 * refused); false for a transaction whose message cannot be computed (a non-canonical amount).
 */
export function verifyTxSignature(domain: bigint, tx: SignedTx, ax: bigint, ay: bigint): boolean {
  let message: bigint;
  try {
    message = txMessage(domain, tx);
  } catch {
    return false;
  }
  return verifyEdDSAPoseidon(message, { R8: tx.signature.R8, S: tx.signature.S }, [ax, ay]);
}

export function buildBatch(
  before: ZkState,
  shape: BatchShape,
  domain: bigint,
  ops: BatchOps,
): BuiltBatch {
  checkShape(shape);
  if (before.levels !== shape.levels)
    throw new L2kitError("BATCH_SHAPE", "state and batch shape have different tree levels", {});
  if (ops.deposits.length > shape.depositSlots)
    throw new L2kitError("BATCH_SHAPE", `more than ${shape.depositSlots} deposits`, {});
  if (ops.feeAccounts.length > shape.feeSlots)
    throw new L2kitError("BATCH_SHAPE", `more than ${shape.feeSlots} fee accounts`, {});
  const verifySignatures = ops.verifySignatures ?? true;
  const state = before.clone();
  const oldRoot = state.root;
  const chainBefore = state.depositChain;
  const inp: Record<string, unknown[]> = {};
  // Every signal value is a bigint: the witness calculator refuses arrays of mixed types.
  const big = (v: unknown): unknown =>
    typeof v === "number" ? BigInt(v) : Array.isArray(v) ? v.map(big) : v;
  const push = (k: string, v: unknown): void => {
    (inp[k] ??= []).push(big(v));
  };
  const siblingsOf = (index: bigint): bigint[][] => state.tree.proof(index).siblings;

  // Deposits.
  const depositApplied: boolean[] = [];
  /** Per deposit slot: what an applied forced exit pays its owner on L1. */
  const exitAmounts: bigint[] = [];
  for (let i = 0; i < shape.depositSlots; i++) {
    const d = ops.deposits[i];
    if (d === undefined) {
      const f = noop();
      for (const [k, v] of Object.entries({
        depActive: 0,
        depKind: 0,
        depToIdx: 0,
        depToken: 0,
        depAmount: 0,
        depAx: 0,
        depAy: 0,
        depWasEmpty: 1,
      }))
        push(k, v);
      for (const [k, v] of Object.entries({
        depOToken: 0,
        depONonce: 0,
        depOBalance: 0,
        depOAx: f.ax,
        depOAy: f.ay,
      }))
        push(k, v);
      push("depSiblings", siblingsOf(0n));
      depositApplied.push(false);
      exitAmounts.push(0n);
      continue;
    }
    const old = state.account(d.to);
    const siblings = siblingsOf(d.to);
    // The circuit's rules (DepositSlot): each is a function of the state before.
    let applied: boolean;
    if (d.kind === DEPOSIT_CREATE) applied = old === undefined;
    else if (d.kind === DEPOSIT_CREDIT)
      applied = old !== undefined && old.token === d.token && old.balance + d.amount <= MAX_BALANCE;
    else applied = old !== undefined && old.token === d.token;
    const exitAmount = d.kind === FORCED_EXIT && applied ? (old as Account).balance : 0n;
    push("depActive", 1);
    push("depKind", d.kind);
    push("depToIdx", d.to);
    push("depToken", d.token);
    push("depAmount", d.amount);
    push("depAx", d.ax);
    push("depAy", d.ay);
    push("depWasEmpty", old === undefined ? 1 : 0);
    const o = old ?? { token: 0, nonce: 0n, balance: 0n, ax: noop().ax, ay: noop().ay };
    push("depOToken", o.token);
    push("depONonce", o.nonce);
    push("depOBalance", o.balance);
    push("depOAx", o.ax);
    push("depOAy", o.ay);
    push("depSiblings", siblings);
    if (applied) {
      if (d.kind === FORCED_EXIT) state.setAccount(d.to, { ...(old as Account), balance: 0n });
      else if (d.kind === DEPOSIT_CREATE)
        state.setAccount(d.to, {
          token: d.token,
          nonce: 0n,
          balance: d.amount,
          ax: d.ax,
          ay: d.ay,
        });
      else
        state.setAccount(d.to, {
          ...(old as Account),
          balance: (old as Account).balance + d.amount,
        });
    }
    state.depositChain = depositChainNext(state.depositChain, d);
    state.depositsConsumed++;
    depositApplied.push(applied);
    exitAmounts.push(exitAmount);
  }

  // Fee accounts and their tokens (needed by the transaction slots). Read after the deposits, as
  // the circuit's fee slots are: a fee account may be created by this batch's own deposits.
  const feeTokens: bigint[] = [];
  for (let j = 0; j < shape.feeSlots; j++) {
    const idx = ops.feeAccounts[j];
    if (idx === undefined || idx === 0n) {
      feeTokens.push(NO_FEE_TOKEN);
      continue;
    }
    const acc = state.account(idx);
    if (acc === undefined)
      throw new L2kitError("BATCH_FEE_ACCOUNT", `fee account ${idx} does not exist`, { idx });
    if (feeTokens.includes(BigInt(acc.token))) {
      throw new L2kitError("BATCH_FEE_ACCOUNT", `two fee accounts of token ${acc.token}`, { idx });
    }
    feeTokens.push(BigInt(acc.token));
  }

  // Transactions: transfers fill the transfer slots, withdrawals (to = 0) the withdrawal slots,
  // each in the order given; the circuit processes every transfer before every withdrawal.
  const transfers = ops.txs.filter((tx) => tx.to !== 0n);
  const withdrawals = ops.txs.filter((tx) => tx.to === 0n);
  if (transfers.length > shape.txSlots)
    throw new L2kitError("BATCH_SHAPE", `more than ${shape.txSlots} transfers`, {});
  if (withdrawals.length > shape.withdrawSlots) {
    throw new L2kitError("BATCH_SHAPE", `more than ${shape.withdrawSlots} withdrawals`, {});
  }
  const collected = feeTokens.map(() => 0n);

  /** Validates and applies the sender side of a transaction; pushes its inputs under `p`. */
  const debit = (slot: number, tx: SignedTx, p: "tx" | "wd"): void => {
    const fail = (reason: string): never => {
      throw new BatchTxError(slot, reason);
    };
    const check = (ok: boolean, reason: string): void => {
      if (!ok && ops.dishonest !== true) fail(reason);
    };
    if (tx.from === 0n) fail("from must not be 0");
    const sender = state.account(tx.from) ?? fail(`sender ${tx.from} does not exist`);
    if (!AMOUNT.isExact(tx.amount)) fail(`amount ${tx.amount} is not exactly representable`);
    if (!FEE.isExact(tx.fee)) fail(`fee ${tx.fee} is not exactly representable`);
    check(sender.token === tx.token, `sender holds token ${sender.token}, not ${tx.token}`);
    check(
      sender.nonce === tx.nonce,
      `nonce ${tx.nonce} is not the sender's next nonce ${sender.nonce}`,
    );
    check(
      sender.balance >= tx.amount + tx.fee,
      `balance ${sender.balance} is below amount + fee ${tx.amount + tx.fee}`,
    );
    check(sender.nonce < MAX_NONCE, "the sender's nonce is exhausted");
    const feeSlot = feeTokens.indexOf(BigInt(tx.token));
    check(tx.fee === 0n || feeSlot >= 0, `no fee account of token ${tx.token} in this batch`);
    check(
      !verifySignatures || verifyTxSignature(domain, tx, sender.ax, sender.ay),
      "bad signature",
    );
    push(`${p}From`, tx.from);
    if (p === "tx") push("txTo", tx.to);
    push(`${p}Token`, tx.token);
    push(`${p}Nonce`, tx.nonce);
    push(`${p}Amount`, AMOUNT.encode(tx.amount));
    push(`${p}Fee`, FEE.encode(tx.fee));
    push(`${p}R8x`, tx.signature.R8[0]);
    push(`${p}R8y`, tx.signature.R8[1]);
    push(`${p}S`, tx.signature.S);
    push(`${p}Balance`, sender.balance);
    push(`${p}Ax`, sender.ax);
    push(`${p}Ay`, sender.ay);
    push(p === "tx" ? "txSenderSiblings" : "wdSiblings", siblingsOf(tx.from));
    state.setAccount(tx.from, {
      ...sender,
      nonce: sender.nonce + 1n,
      balance: sender.balance - tx.amount - tx.fee,
    });
    if (tx.fee > 0n && feeSlot >= 0) collected[feeSlot] += tx.fee;
  };

  /** Inputs of an empty (no-op) slot: zeros, and a valid dummy key and signature. */
  const emptyDebit = (p: "tx" | "wd"): void => {
    const f = noop();
    for (const k of ["From", "Token", "Nonce", "Amount", "Fee", "Balance"]) push(`${p}${k}`, 0);
    if (p === "tx") push("txTo", 0);
    for (const [k, v] of Object.entries({
      R8x: f.sig.R8[0],
      R8y: f.sig.R8[1],
      S: f.sig.S,
      Ax: f.ax,
      Ay: f.ay,
    }))
      push(`${p}${k}`, v);
    push(p === "tx" ? "txSenderSiblings" : "wdSiblings", siblingsOf(0n));
  };

  for (let t = 0; t < shape.txSlots; t++) {
    const tx = transfers[t];
    if (tx === undefined) {
      emptyDebit("tx");
      const f = noop();
      for (const [k, v] of Object.entries({ txRNonce: 0, txRBalance: 0, txRAx: f.ax, txRAy: f.ay }))
        push(k, v);
      push("txReceiverSiblings", siblingsOf(0n));
      continue;
    }
    debit(t, tx, "tx");
    const receiver = state.account(tx.to);
    if (receiver === undefined) throw new BatchTxError(t, `receiver ${tx.to} does not exist`);
    if (ops.dishonest !== true) {
      if (receiver.token !== tx.token)
        throw new BatchTxError(t, `receiver holds token ${receiver.token}, not ${tx.token}`);
      if (receiver.balance + tx.amount > MAX_BALANCE)
        throw new BatchTxError(t, "the receiver's balance would overflow");
    }
    push("txRNonce", receiver.nonce);
    push("txRBalance", receiver.balance);
    push("txRAx", receiver.ax);
    push("txRAy", receiver.ay);
    push("txReceiverSiblings", siblingsOf(tx.to));
    state.setAccount(tx.to, { ...receiver, balance: receiver.balance + tx.amount });
  }
  for (let w = 0; w < shape.withdrawSlots; w++) {
    const tx = withdrawals[w];
    if (tx === undefined) emptyDebit("wd");
    else debit(shape.txSlots + w, tx, "wd");
  }

  // Fees.
  for (let j = 0; j < shape.feeSlots; j++) {
    const idx = ops.feeAccounts[j];
    if (idx === undefined || idx === 0n) {
      const f = noop();
      for (const [k, v] of Object.entries({
        feeIdx: 0,
        feeNonce: 0,
        feeBalance: 0,
        feeAx: f.ax,
        feeAy: f.ay,
      }))
        push(k, v);
      push("feeSiblings", siblingsOf(0n));
      continue;
    }
    const acc = state.account(idx) as Account;
    if (acc.balance + collected[j] > MAX_BALANCE)
      throw new L2kitError("BATCH_FEE_OVERFLOW", `fee account ${idx} would overflow`, {
        idx,
        token: acc.token,
      });
    push("feeIdx", idx);
    push("feeNonce", acc.nonce);
    push("feeBalance", acc.balance);
    push("feeAx", acc.ax);
    push("feeAy", acc.ay);
    push("feeSiblings", siblingsOf(idx));
    state.setAccount(idx, { ...acc, balance: acc.balance + collected[j] });
  }

  const pubdata = encodePubdata(shape, {
    transfers: [...transfers],
    withdrawals: [...withdrawals],
    depositApplied,
    exitAmounts,
    feeAccounts: [...ops.feeAccounts],
  });
  const newRoot = state.root;
  const chainAfter = state.depositChain;
  const publicInput = publicInputHash({
    oldRoot,
    newRoot,
    chainBefore,
    chainAfter,
    domain,
    pubdata,
  });
  const circuitInput: Record<string, unknown> = {
    inputHash: publicInput,
    oldRoot,
    chainBefore,
    domain,
    feeTokens,
    ...inp,
  };
  return {
    shape,
    oldRoot,
    newRoot,
    chainBefore,
    chainAfter,
    domain,
    pubdata,
    publicInput,
    depositApplied,
    exitAmounts,
    feesCollected: collected,
    state,
    circuitInput,
  };
}
