/**
 * A malicious prover against circuits/src/rollup.circom.
 *
 * The honest batch builder (operator/zk/batch.ts) only ever produces witnesses an honest operator
 * would; circuits/src/rollup.circom must also refuse every witness a dishonest one can compute.
 * This harness builds witnesses from inputs chosen by the attacker:
 *
 * - `simulate` is the attacker's prover: whatever the inputs, it computes the signals of Rollup
 *   that reach the state, the queue chain and the pubdata exactly as the witness generator does
 *   (arithmetic mod p; a Num2Bits' bits are the low bits of its input, as its hint computes them),
 *   and lists every constraint those inputs violate (the signature through the TypeScript
 *   verifier, which checks what EdDSAPoseidonVerifier checks).
 *   Its public input is Poseidon(oldRoot, newRoot, chainBefore, chainAfter, domain,
 *   sha256(pubdata) >> 3) for the roots, chain and pubdata the attacker's witness implies
 *   (publicInputHash of operator/zk/protocol.ts over pubdata the harness assembles itself), so
 *   an attack never fails on the input hash, only on the constraint it hits.
 * - Each attack computes its values itself (aliases mod p, wrap-arounds), asserts what the alias
 *   preserves (the leaf hash, the signed message, the queue chain element, the pubdata bits), so
 *   the attack is not vacuous, asserts the exact set of constraints it violates, and asserts the
 *   template and line where the circuit refuses it.
 * - The same witness is then run against a LOOSE build of the circuit: the same sources with the
 *   range checks taken out (see LOOSE_DROPPED; same line numbers). Where the loose circuit accepts
 *   the witness, the range check is all that stands between the attacker and the effect the test
 *   also asserts (a forged credit, a bounced deposit, an exit paying 0, ...): the check is
 *   necessary, and the test would fail if it were dropped. Where it refuses, the test names the
 *   next line of defence.
 * - Failure locations are matched against the failing witness's own call stack only (see
 *   lastFailure: the witness calculator's error text accumulates across calls).
 *
 * The circuits: the "test" shape of circuits/config.json, and a shape with two fee slots
 * (SHAPE_F2), each also in its loose build; all four are cached in circuits/build.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { getBytes, keccak256, toUtf8Bytes } from "ethers";
import {
  buildBatch,
  ZkState,
  type BuiltBatch,
  type Signature,
  type SignedTx,
} from "../../operator/zk/batch";
import { circuitShape, rollupSpec } from "../../operator/zk/circuits";
import {
  derivePublicKeyFast,
  signEdDSAPoseidon,
  verifyEdDSAPoseidon,
} from "../../operator/zk/crypto/eddsa";
import { SUBGROUP_ORDER } from "../../operator/zk/crypto/babyjub";
import { poseidon3, poseidon4, poseidon5 } from "../../operator/zk/crypto/poseidon";
import { AMOUNT, FEE } from "../../operator/lib/float";
import { ZkKey } from "../../operator/zk/keys";
import {
  accountLeaf,
  DEPOSIT_CREATE,
  DEPOSIT_CREDIT,
  depositChainNext,
  encodePubdata,
  FIELD,
  FORCED_EXIT,
  MAX_BALANCE,
  MAX_NONCE,
  NO_FEE_TOKEN,
  publicInputHash,
  txMessage,
  type Account,
  type BatchShape,
  type QueuedDeposit,
  type TxData,
} from "../../operator/zk/protocol";
import {
  CIRCUITS_SRC,
  compileCircuit,
  LoadedCircuit,
  REPO_ROOT,
  type CircuitSpec,
} from "../../operator/zk/setup/compile";
import { lastFailure } from "../helpers/witness";

const BUILD = path.join(REPO_ROOT, "circuits", "build");
const SHAPE = circuitShape("test");
/** The test shape has one fee slot; two are needed to attack the fee slots against each other. */
const SHAPE_F2: BatchShape = {
  levels: SHAPE.levels,
  txSlots: 1,
  withdrawSlots: 1,
  depositSlots: 1,
  feeSlots: 2,
};
const DOMAIN = 987654321987654321n;
const P = FIELD;
const ETH = 0;
/** A real second token. */
const W = 1;

const TWO32 = 1n << 32n;
const TWO40 = 1n << 40n;
const TWO48 = 1n << 48n;
const TWO64 = 1n << 64n;
const TWO128 = 1n << 128n;

const mod = (x: bigint): bigint => ((x % P) + P) % P;
/** a / b in the field. */
const div = (a: bigint, b: bigint): bigint => mod(a * inv(b));
function inv(b: bigint): bigint {
  // Fermat: b^(p-2).
  let result = 1n;
  let base = mod(b);
  let e = P - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
}

// ------------------------------------------------------------------------------------------------
// Where the circuit refuses a witness.

/**
 * "Error in template <T>_<n> line: <line>" for the first `statement` inside `template T(` of a
 * circuit source: the witness generator reports every template on the failing call stack.
 */
function at(template: string, statement: string, source = "rollup.circom"): RegExp {
  const file = path.isAbsolute(source) ? source : path.join(CIRCUITS_SRC, source);
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const start = lines.findIndex((l) => l.startsWith(`template ${template}(`));
  if (start < 0) throw new Error(`template ${template} not in ${source}`);
  const found = lines.findIndex((l, i) => i > start && l.includes(statement));
  if (found < 0) throw new Error(`${statement} not in ${template} (${source})`);
  return new RegExp(`Error in template ${template}_\\d+ line: ${found + 1}\\b`);
}

const LEAF = {
  token: at("AccountLeaf", "tokenBits.in <== token;"),
  nonce: at("AccountLeaf", "nonceBits.in <== nonce;"),
  balance: at("AccountLeaf", "balanceBits.in <== balance;"),
};
const DEBIT = {
  from: at("SignedDebit", "fromBits.in <== fromIdx;"),
  noopTo: at("SignedDebit", "isNoop * toIdx === 0;"),
  noopAmount: at("SignedDebit", "isNoop * amountPacked === 0;"),
  noopFee: at("SignedDebit", "isNoop * feePacked === 0;"),
  amount: at("SignedDebit", "amountFloat.in <== amountPacked;"),
  fee: at("SignedDebit", "feeFloat.in <== feePacked;"),
  senderLeaf: at("SignedDebit", "signal senderLeaf <== AccountLeaf()"),
  membership: at("SignedDebit", "(senderRoot - rootIn) * enabled === 0;"),
  senderLeafAfter: at("SignedDebit", "signal senderLeafAfter <== AccountLeaf()"),
  feeMatch: at("SignedDebit", "feeEnabled * (1 - matches[F]) === 0;"),
};
const TRANSFER = {
  to: at("TransferSlot", "toBits.in <== toIdx;"),
  receiverLeaf: at("TransferSlot", "signal receiverLeaf <== AccountLeaf()"),
  membership: at("TransferSlot", "(receiverRoot - debit.rootOut) * debit.enabled === 0;"),
  receiverLeafAfter: at("TransferSlot", "signal receiverLeafAfter <== AccountLeaf()"),
};
const DEPOSIT = {
  active: at("DepositSlot", "active * (1 - active) === 0;"),
  wasEmpty: at("DepositSlot", "wasEmpty * (1 - wasEmpty) === 0;"),
  kind: at("DepositSlot", "kind === isCreate + 2 * isExit;"),
  to: at("DepositSlot", "toBits.in <== toIdx;"),
  token: at("DepositSlot", "tokenBits.in <== token;"),
  amount: at("DepositSlot", "amountBits.in <== amount;"),
  oldLeaf: at("DepositSlot", "signal existingLeaf <== AccountLeaf()"),
  membership: at("DepositSlot", "(oldRoot - rootIn) * active === 0;"),
  newLeaf: at("DepositSlot", "signal newLeaf <== AccountLeaf()"),
};
const FEES = {
  idx: at("FeeSlot", "bits.in <== feeIdx;"),
  unused: at("FeeSlot", "collected * (1 - used) === 0;"),
  leaf: at("FeeSlot", "signal leaf <== AccountLeaf()"),
  membership: at("FeeSlot", "(root - rootIn) * used === 0;"),
  leafAfter: at("FeeSlot", "signal newLeaf <== AccountLeaf()"),
};
const ROLLUP = {
  prefix: at("Rollup", "depActive[i] * (1 - depActive[i - 1]) === 0;"),
  distinctFees: at("Rollup", "pairUsed[pair] * pairSame[pair] === 0;"),
  inputHash: at("Rollup", "inputHash === expected;"),
};
const SIGNATURE_S = at(
  "EdDSAPoseidonVerifier",
  "compConstant.out*enabled === 0;",
  path.join(
    path.dirname(require.resolve("circomlib/package.json")),
    "circuits",
    "eddsaposeidon.circom",
  ),
);
const FLOAT = {
  range: at("FloatDecode", "toBits.in <== in;", "float.circom"),
  canonical: at(
    "FloatDecode",
    "(1 - exponentIsZero.out) * (1 - mantissaIsFull.out) === 0;",
    "float.circom",
  ),
};

// ------------------------------------------------------------------------------------------------
// The loose circuit: rollup.circom and float.circom with their range checks taken out.

/**
 * What the loose build drops, line for line (every other line is the same, so line numbers
 * match): the `lc1 === in` of every Num2Bits in rollup.circom and float.circom (Num2BitsLoose:
 * its bits are still booleans, the low bits of the input as the witness generator's hint
 * computes them, but need not add up to it), the deposit slot's boolean checks on active and
 * wasEmpty, its kind constraint, the prefix constraint on active deposit slots and the
 * distinct-fee-token constraint. circomlib's own gadgets (LessThan, IsZero, EdDSA, SHA-256) keep
 * theirs.
 */
const LOOSE_DROPPED = [
  "active * (1 - active) === 0;",
  "wasEmpty * (1 - wasEmpty) === 0;",
  "kind === isCreate + 2 * isExit;",
  "depActive[i] * (1 - depActive[i - 1]) === 0;",
  "pairUsed[pair] * pairSame[pair] === 0;",
];
const NUM2BITS_LOOSE = `
// Num2Bits without its range check (test build only): bits are booleans, not the input's.
template Num2BitsLoose(n) {
    signal input in;
    signal output out[n];
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
    }
}
`;

function looseSpec(name: string, shape: BatchShape): CircuitSpec {
  const dir = path.join(BUILD, `rollup-${name}-loose`);
  const read = (f: string): string => fs.readFileSync(path.join(CIRCUITS_SRC, f), "utf8");
  const rollupLines = read("rollup.circom")
    .replace('include "float.circom";', 'include "float-loose.circom";')
    .replaceAll("Num2Bits(", "Num2BitsLoose(")
    .split("\n");
  for (const statement of LOOSE_DROPPED) {
    const hits = rollupLines.filter((l) => l.includes(statement)).length;
    if (hits !== 1) throw new Error(`${statement}: ${hits} lines in rollup.circom`);
    rollupLines.forEach((l, i) => {
      if (l.includes(statement)) rollupLines[i] = "";
    });
  }
  const float = read("float.circom").replaceAll("Num2Bits(", "Num2BitsLoose(") + NUM2BITS_LOOSE;
  const write = (f: string, text: string): void => {
    const file = path.join(dir, f);
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text)
      fs.writeFileSync(file, text);
  };
  fs.mkdirSync(dir, { recursive: true });
  write("rollup-loose.circom", rollupLines.join("\n"));
  write("float-loose.circom", float);
  return { ...rollupSpec(`${name}-loose`, shape), source: "rollup-loose.circom" };
}

// ------------------------------------------------------------------------------------------------
// Circuit inputs.

type Input = Record<string, unknown>;

const scalarOf = (inp: Input, k: string): bigint => mod(BigInt(inp[k] as bigint));
const arrayOf = (inp: Input, k: string): bigint[] => (inp[k] as bigint[]).map((v) => mod(v));
const siblingsOf = (inp: Input, k: string): bigint[][][] =>
  (inp[k] as bigint[][][]).map((s) => s.map((row) => row.map((v) => mod(v))));

/** Signals to replace: a bigint for a scalar, { slot: value } for an array. */
type Changes = Record<string, bigint | Record<number, unknown>>;

/** `inp` with some signals replaced (see Changes). */
function patch(inp: Input, changes: Changes): Input {
  const out: Input = { ...inp };
  for (const [k, v] of Object.entries(changes)) {
    if (typeof v === "bigint") {
      out[k] = v;
      continue;
    }
    const arr = [...(out[k] as unknown[])];
    for (const [i, x] of Object.entries(v)) arr[Number(i)] = x;
    out[k] = arr;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// The attacker's prover: Rollup's signals and constraints, for any inputs.

/** Num2Bits' hint: the low n bits of x (low first). */
const lowBits = (x: bigint, n: number): bigint[] =>
  Array.from({ length: n }, (_, i) => (mod(x) >> BigInt(i)) & 1n);
/** BigEndianBits(n, width). */
const bigEndian = (bits: bigint[], width: number): bigint[] =>
  Array.from({ length: width }, (_, m) => (width - 1 - m < bits.length ? bits[width - 1 - m] : 0n));
const isZero = (x: bigint): bigint => (mod(x) === 0n ? 1n : 0n);
const isEqual = (a: bigint, b: bigint): bigint => isZero(a - b);

/** Poseidon(token + nonce * 2^32, balance, ax, ay) over field elements, as AccountLeaf hashes it. */
function leafHash(token: bigint, nonce: bigint, balance: bigint, ax: bigint, ay: bigint): bigint {
  return poseidon4([mod(token + nonce * TWO32), mod(balance), mod(ax), mod(ay)]);
}

/** QuadMerkleRoot for boolean path bits. */
function merkleRoot(leaf: bigint, pathBits: bigint[], siblings: bigint[][]): bigint {
  let node = leaf;
  siblings.forEach((given, k) => {
    const pos = Number(pathBits[2 * k] + 2n * pathBits[2 * k + 1]);
    node = poseidon4(given.map((g, j) => (j === pos ? node : g)));
  });
  return node;
}

/** The signed message for any field values (txMessage only takes honest ones). */
function rawMessage(
  domain: bigint,
  m: { from: bigint; to: bigint; token: bigint; nonce: bigint; amount: bigint; fee: bigint },
): bigint {
  return poseidon3([
    mod(domain),
    mod(m.from + m.to * TWO32 + m.token * TWO64),
    mod(m.amount + m.fee * TWO40 + m.nonce * TWO48),
  ]);
}

interface Sim {
  /** Every constraint the inputs violate, in evaluation order (labels below). */
  violations: string[];
  newRoot: bigint;
  chainAfter: bigint;
  /** The pubdata the witness commits to (undefined if a pubdata bit is not a bit). */
  pubdata?: Uint8Array;
  /** The public input the witness implies (undefined with pubdata). */
  publicInput?: bigint;
  applied: bigint[];
  exitAmounts: bigint[];
}

/**
 * Every signal of Rollup(levels, T, W, D, F) from `inp`, as circom's witness generator computes
 * it, and the constraints violated. Labels: `<slot>.<check>`, slots dep[i], tx[t], wd[w],
 * fee[j]; leaves `<slot>.<leaf>.token|nonce|balance`.
 */
function simulate(shape: BatchShape, inp: Input): Sim {
  const L = shape.levels;
  const IB = Math.ceil((2 * L) / 8) * 8;
  const violations: string[] = [];
  const check = (ok: boolean, label: string): void => {
    if (!ok) violations.push(label);
  };
  const range = (label: string, x: bigint, n: number): bigint[] => {
    check(mod(x) < 1n << BigInt(n), label);
    return lowBits(x, n);
  };
  const leaf = (
    label: string,
    token: bigint,
    nonce: bigint,
    balance: bigint,
    ax: bigint,
    ay: bigint,
  ): bigint => {
    range(`${label}.token`, token, 32);
    range(`${label}.nonce`, nonce, 40);
    range(`${label}.balance`, balance, 128);
    return leafHash(token, nonce, balance, ax, ay);
  };
  const float = (
    label: string,
    packed: bigint,
    E: number,
    M: number,
  ): { out: bigint; bits: bigint[] } => {
    const bits = range(`${label}.range`, packed, E + M);
    let mantissa = 0n;
    for (let i = 0; i < M; i++) mantissa += bits[i] << BigInt(i);
    let exponent = 0n;
    for (let i = 0; i < E; i++) exponent += bits[M + i] << BigInt(i);
    check(exponent === 0n || 10n * mantissa > (1n << BigInt(M)) - 1n, `${label}.canonical`);
    return { out: mod(mantissa * 10n ** exponent), bits };
  };

  const domain = scalarOf(inp, "domain");
  const feeTokens = arrayOf(inp, "feeTokens");
  const oldRoot = scalarOf(inp, "oldRoot");
  const chainBefore = scalarOf(inp, "chainBefore");
  let root = oldRoot;
  let chain = chainBefore;

  // Deposits.
  const applied: bigint[] = [];
  const exitAmounts: bigint[] = [];
  const exitBits: bigint[] = [];
  const dep = (k: string): bigint[] => arrayOf(inp, `dep${k}`);
  const [active, kind, toIdx, token, amount, ax, ay, wasEmpty, oToken, oNonce, oBalance, oAx, oAy] =
    [
      "Active",
      "Kind",
      "ToIdx",
      "Token",
      "Amount",
      "Ax",
      "Ay",
      "WasEmpty",
      "OToken",
      "ONonce",
      "OBalance",
      "OAx",
      "OAy",
    ].map(dep);
  const depSiblings = siblingsOf(inp, "depSiblings");
  for (let i = 0; i < shape.depositSlots; i++) {
    const s = `dep[${i}]`;
    if (i > 0) check(mod(active[i] * (1n - active[i - 1])) === 0n, `${s}.prefix`);
    check(mod(active[i] * (1n - active[i])) === 0n, `${s}.active`);
    check(mod(wasEmpty[i] * (1n - wasEmpty[i])) === 0n, `${s}.wasEmpty`);
    const isCreate = isEqual(kind[i], 1n);
    const isExit = isEqual(kind[i], 2n);
    check(mod(kind[i] - isCreate - 2n * isExit) === 0n, `${s}.kind`);
    const isCredit = mod(1n - isCreate - isExit);
    const toBits = range(`${s}.to`, toIdx[i], 2 * L);
    range(`${s}.token`, token[i], 32);
    range(`${s}.amount`, amount[i], 128);
    const chainNext = poseidon5([
      chain,
      mod(toIdx[i] + token[i] * TWO32 + kind[i] * TWO64),
      amount[i],
      ax[i],
      ay[i],
    ]);
    chain = mod(chain + active[i] * (chainNext - chain));
    const existing = leaf(`${s}.old`, oToken[i], oNonce[i], oBalance[i], oAx[i], oAy[i]);
    const oldLeaf = mod(existing * (1n - wasEmpty[i]));
    check(
      mod((merkleRoot(oldLeaf, toBits, depSiblings[i]) - root) * active[i]) === 0n,
      `${s}.membership`,
    );
    const sameToken = isEqual(oToken[i], token[i]);
    const fitsBits = range(`${s}.fits`, oBalance[i] + amount[i] + (1n << 129n) - TWO128, 130);
    const fits = 1n - fitsBits[129];
    const accountOk = mod((1n - wasEmpty[i]) * sameToken);
    const creditValid = mod(accountOk * fits);
    const createValid = mod(isCreate * wasEmpty[i]);
    const creditApplies = mod(isCredit * creditValid);
    const exitApplies = mod(isExit * accountOk);
    const a = mod(active[i] * (createValid + creditApplies + exitApplies));
    const newToken = mod(oToken[i] + isCreate * (token[i] - oToken[i]));
    const newNonce = mod(oNonce[i] - isCreate * oNonce[i]);
    const newBalance = mod(a * (isCreate * amount[i] + isCredit * (oBalance[i] + amount[i])));
    const newAx = mod(oAx[i] + isCreate * (ax[i] - oAx[i]));
    const newAy = mod(oAy[i] + isCreate * (ay[i] - oAy[i]));
    const newLeaf = leaf(`${s}.new`, newToken, newNonce, newBalance, newAx, newAy);
    root = mod(root + a * (merkleRoot(newLeaf, toBits, depSiblings[i]) - root));
    const exitAmount = mod(mod(active[i] * exitApplies) * oBalance[i]);
    exitBits.push(...bigEndian(range(`${s}.exit`, exitAmount, 128), 128));
    applied.push(a);
    exitAmounts.push(exitAmount);
  }

  // Transfers and withdrawals.
  const collected = feeTokens.map(() => 0n);
  const debit = (p: "tx" | "wd", t: number, rootIn: bigint, to: bigint) => {
    const s = `${p}[${t}]`;
    const v = (k: string): bigint => arrayOf(inp, `${p}${k}`)[t];
    const from = v("From");
    const [tok, nonce, amountPacked, feePacked, bal, kx, ky] = [
      "Token",
      "Nonce",
      "Amount",
      "Fee",
      "Balance",
      "Ax",
      "Ay",
    ].map(v);
    const siblings = siblingsOf(inp, p === "tx" ? "txSenderSiblings" : "wdSiblings")[t];
    const fromBits = range(`${s}.from`, from, 2 * L);
    const enabled = 1n - isZero(from);
    const isNoop = 1n - enabled;
    check(mod(isNoop * to) === 0n, `${s}.noop.to`);
    check(mod(isNoop * amountPacked) === 0n, `${s}.noop.amount`);
    check(mod(isNoop * feePacked) === 0n, `${s}.noop.fee`);
    const amountF = float(`${s}.amount`, amountPacked, 5, 35);
    const feeF = float(`${s}.fee`, feePacked, 5, 3);
    const message = rawMessage(domain, {
      from,
      to,
      token: tok,
      nonce,
      amount: amountPacked,
      fee: feePacked,
    });
    const S = v("S");
    check(S < 1n << 253n, `${s}.signature.S`);
    if (enabled === 1n) {
      const sig = { R8: [v("R8x"), v("R8y")] as [bigint, bigint], S };
      check(verifyEdDSAPoseidon(message, sig, [kx, ky]), `${s}.signature`);
    }
    const senderLeaf = leaf(`${s}.sender`, tok, nonce, bal, kx, ky);
    check(
      mod((merkleRoot(senderLeaf, fromBits, siblings) - rootIn) * enabled) === 0n,
      `${s}.sender.membership`,
    );
    const after = leaf(`${s}.senderAfter`, tok, nonce + 1n, bal - amountF.out - feeF.out, kx, ky);
    const rootOut = mod(rootIn + enabled * (merkleRoot(after, fromBits, siblings) - rootIn));
    const feeEnabled = mod(feeF.out * enabled);
    let matches = 0n;
    feeTokens.forEach((ft, j) => {
      const same = isEqual(tok, ft);
      collected[j] = mod(collected[j] + feeEnabled * same);
      matches += same;
    });
    check(mod(feeEnabled * (1n - matches)) === 0n, `${s}.feeMatch`);
    return {
      enabled,
      rootOut,
      token: tok,
      amount: amountF.out,
      bits: [
        ...bigEndian(fromBits, IB),
        ...bigEndian(amountF.bits, 40),
        ...bigEndian(feeF.bits, 8),
      ],
    };
  };
  const transferBits: bigint[] = [];
  for (let t = 0; t < shape.txSlots; t++) {
    const s = `tx[${t}]`;
    const to = arrayOf(inp, "txTo")[t];
    const d = debit("tx", t, root, to);
    const toBits = range(`${s}.to`, to, 2 * L);
    check(!(d.enabled === 1n && isZero(to) === 1n), `${s}.toZero`);
    const [rNonce, rBalance, rAx, rAy] = ["RNonce", "RBalance", "RAx", "RAy"].map(
      (k) => arrayOf(inp, `tx${k}`)[t],
    );
    const siblings = siblingsOf(inp, "txReceiverSiblings")[t];
    const rLeaf = leaf(`${s}.receiver`, d.token, rNonce, rBalance, rAx, rAy);
    check(
      mod((merkleRoot(rLeaf, toBits, siblings) - d.rootOut) * d.enabled) === 0n,
      `${s}.receiver.membership`,
    );
    const rAfter = leaf(`${s}.receiverAfter`, d.token, rNonce, rBalance + d.amount, rAx, rAy);
    root = mod(d.rootOut + d.enabled * (merkleRoot(rAfter, toBits, siblings) - d.rootOut));
    transferBits.push(...d.bits.slice(0, IB), ...bigEndian(toBits, IB), ...d.bits.slice(IB));
  }
  const withdrawBits: bigint[] = [];
  for (let w = 0; w < shape.withdrawSlots; w++) {
    const d = debit("wd", w, root, 0n);
    root = d.rootOut;
    withdrawBits.push(...d.bits);
  }

  // Fees.
  const feeBits: bigint[] = [];
  const used: bigint[] = [];
  for (let j = 0; j < shape.feeSlots; j++) {
    const s = `fee[${j}]`;
    const [idx, nonce, bal, kx, ky] = ["feeIdx", "feeNonce", "feeBalance", "feeAx", "feeAy"].map(
      (k) => arrayOf(inp, k)[j],
    );
    const siblings = siblingsOf(inp, "feeSiblings")[j];
    const bits = range(`${s}.idx`, idx, 2 * L);
    feeBits.push(...bigEndian(bits, IB));
    const u = 1n - isZero(idx);
    used.push(u);
    check(mod(collected[j] * (1n - u)) === 0n, `${s}.unusedCollected`);
    const leafToken = mod(feeTokens[j] * u);
    const before = leaf(`${s}.account`, leafToken, nonce, bal, kx, ky);
    check(mod((merkleRoot(before, bits, siblings) - root) * u) === 0n, `${s}.membership`);
    const after = leaf(`${s}.accountAfter`, leafToken, nonce, bal + collected[j], kx, ky);
    root = mod(root + u * (merkleRoot(after, bits, siblings) - root));
  }
  for (let j = 0; j < shape.feeSlots; j++)
    for (let k = j + 1; k < shape.feeSlots; k++)
      check(
        used[j] * used[k] * isEqual(feeTokens[j], feeTokens[k]) === 0n,
        `fee[${j},${k}].distinct`,
      );

  // Pubdata: transfers, withdrawals, applied bits (big-endian, entry i at bit i), exits, fees.
  const depositBitCount = Math.ceil(shape.depositSlots / 8) * 8;
  const appliedBits = Array.from({ length: depositBitCount }, (_, m) => {
    const i = depositBitCount - 1 - m;
    return i < shape.depositSlots ? applied[i] : 0n;
  });
  const bits = [...transferBits, ...withdrawBits, ...appliedBits, ...exitBits, ...feeBits];
  let pubdata: Uint8Array | undefined;
  let publicInput: bigint | undefined;
  if (bits.every((b) => b === 0n || b === 1n)) {
    pubdata = new Uint8Array(bits.length / 8);
    bits.forEach((b, m) => {
      pubdata![m >> 3] |= Number(b) << (7 - (m & 7));
    });
    publicInput = publicInputHash({
      oldRoot,
      newRoot: root,
      chainBefore,
      chainAfter: chain,
      domain,
      pubdata,
    });
  } else {
    violations.push("pubdata.notBits");
  }
  check(publicInput === scalarOf(inp, "inputHash"), "inputHash");
  return {
    violations,
    newRoot: root,
    chainAfter: chain,
    pubdata,
    publicInput,
    applied,
    exitAmounts,
  };
}

/** The attacker's witness: `inp` with the public input its own transition implies. */
function withOwnPublicInput(inp: Input, shape = SHAPE): Input {
  const sim = simulate(shape, inp);
  return sim.publicInput === undefined ? inp : { ...inp, inputHash: sim.publicInput };
}

// ------------------------------------------------------------------------------------------------
// Keys and the state the attacks start from.

/** A rollup key that can sign any field element (ZkKey only signs honest transactions). */
class Key {
  private readonly secret: Uint8Array;
  readonly ax: bigint;
  readonly ay: bigint;

  constructor(readonly seed: string) {
    // ZkKey.fromSeed's derivation (checked in the control test).
    this.secret = getBytes(keccak256(toUtf8Bytes(seed)));
    [this.ax, this.ay] = derivePublicKeyFast(this.secret);
  }

  signMessage(message: bigint): Signature {
    const s = signEdDSAPoseidon(this.secret, message);
    return { R8: [s.R8[0], s.R8[1]], S: s.S };
  }

  sign(tx: TxData): SignedTx {
    return { ...tx, signature: this.signMessage(txMessage(DOMAIN, tx)) };
  }
}

const alice = new Key("alice's rollup key seed");
const bob = new Key("bob's rollup key seed..");
const operator = new Key("the operator's key seed");

const ALICE = 1n; // alice, ETH
const BOB = 2n; // bob, ETH
const OP = 3n; // the operator's ETH fee account
const ALICE_W = 4n; // alice, token W
const OP_W = 5n; // the operator's W fee account
const FRESH = 6n; // empty

const create = (to: bigint, key: Key, amount: bigint, token: number): QueuedDeposit => ({
  kind: DEPOSIT_CREATE,
  to,
  token,
  amount,
  ax: key.ax,
  ay: key.ay,
});
const credit = (to: bigint, amount: bigint, token = ETH): QueuedDeposit => ({
  kind: DEPOSIT_CREDIT,
  to,
  token,
  amount,
  ax: 0n,
  ay: 0n,
});
const exit = (to: bigint, token = ETH): QueuedDeposit => ({
  kind: FORCED_EXIT,
  to,
  token,
  amount: 0n,
  ax: 0n,
  ay: 0n,
});

interface BatchOps {
  deposits?: QueuedDeposit[];
  txs?: SignedTx[];
  feeAccounts?: bigint[];
  dishonest?: boolean;
}

function batch(state: ZkState, ops: BatchOps, shape = SHAPE): BuiltBatch {
  return buildBatch(state, shape, DOMAIN, {
    deposits: ops.deposits ?? [],
    txs: ops.txs ?? [],
    feeAccounts: ops.feeAccounts ?? [],
    dishonest: ops.dishonest,
  });
}

let worldState: ZkState | undefined;
/**
 * Accounts 1 to 5 (see ALICE ... OP_W) after three honest batches: alice (1), bob (2) and the
 * operator (3) have each sent one transaction (nonce 1); alice's W account (4) and the operator's
 * W fee account (5) have nonce 0. A fresh copy each call.
 */
function world(): ZkState {
  if (worldState === undefined) {
    let s = new ZkState(SHAPE.levels);
    s = batch(s, {
      deposits: [create(ALICE, alice, 10n ** 18n, ETH), create(BOB, bob, 5n * 10n ** 17n, ETH)],
    }).state;
    s = batch(s, {
      deposits: [create(OP, operator, 10n ** 15n, ETH), create(ALICE_W, alice, 10n ** 18n, W)],
    }).state;
    s = batch(s, {
      deposits: [create(OP_W, operator, 0n, W)],
      txs: [
        alice.sign({ from: ALICE, to: BOB, token: ETH, nonce: 0n, amount: 10n ** 17n, fee: 0n }),
        operator.sign({ from: OP, to: BOB, token: ETH, nonce: 0n, amount: 1n, fee: 0n }),
        bob.sign({ from: BOB, to: 0n, token: ETH, nonce: 0n, amount: 1n, fee: 0n }),
      ],
    }).state;
    worldState = s;
  }
  return worldState.clone();
}

const account = (s: ZkState, i: bigint): Account => {
  const a = s.account(i);
  if (a === undefined) throw new Error(`no account ${i}`);
  return a;
};
/** `s` with account `i` changed (the state an attacker pretends, or a prepared one). */
function withAccount(s: ZkState, i: bigint, change: Partial<Account>): ZkState {
  const out = s.clone();
  out.setAccount(i, { ...account(s, i), ...change });
  return out;
}

/** The nonce that makes `token` + nonce * 2^32 pack to `packed` mod p: the aliasing nonce. */
const aliasNonce = (packed: bigint, token: bigint): bigint => div(packed - token, TWO32);
const packedOf = (a: Account): bigint => BigInt(a.token) + a.nonce * TWO32;

/** Re-signs slot `t` of `p` with `key` over whatever fields the input holds (the attacker signs). */
function resign(inp: Input, p: "tx" | "wd", t: number, key: Key): Input {
  const sig = key.signMessage(messageOf(inp, p, t));
  return patch(inp, {
    [`${p}R8x`]: { [t]: sig.R8[0] },
    [`${p}R8y`]: { [t]: sig.R8[1] },
    [`${p}S`]: { [t]: sig.S },
  });
}

/** The message slot `t` of `p` carries, whatever its fields. */
function messageOf(inp: Input, p: "tx" | "wd", t: number): bigint {
  const v = (k: string): bigint => arrayOf(inp, `${p}${k}`)[t];
  return rawMessage(scalarOf(inp, "domain"), {
    from: v("From"),
    to: p === "tx" ? v("To") : 0n,
    token: v("Token"),
    nonce: v("Nonce"),
    amount: v("Amount"),
    fee: v("Fee"),
  });
}

/** The queue chain's packed field of deposit slot `i`. */
const chainField = (inp: Input, i: number): bigint =>
  mod(
    arrayOf(inp, "depToIdx")[i] +
      arrayOf(inp, "depToken")[i] * TWO32 +
      arrayOf(inp, "depKind")[i] * TWO64,
  );

// ------------------------------------------------------------------------------------------------
// Attacks.

interface Built {
  /** The attacker's witness. Its inputHash is replaced by the one its transition implies. */
  input: Input;
  /** The honest witness the attack perturbs, when there is one: it must pass. */
  control?: Input;
  /** A public input the attacker claims instead (for attacks on what is committed). */
  claim?: bigint;
  /** What the attack achieves where the loose circuit accepts it. */
  effect?: (sim: Sim) => void;
}

interface Attack {
  title: string;
  /** Builds the witness, asserting first what the attack preserves (it is not vacuous). */
  build: () => Built;
  /** Exactly the constraints the witness violates (simulate's labels). */
  violates: string[];
  /** Where the circuit refuses it (the first violated constraint it evaluates). */
  rejectedAt: RegExp[];
  /** The loose circuit: accepts it (the range check is necessary), or refuses it there. */
  loose: "accepts" | RegExp[];
  /** Built for SHAPE_F2 instead of the test shape. */
  f2?: boolean;
}

const AMT = 10n ** 17n;
const DEP_KEYS = [
  "depActive",
  "depKind",
  "depToIdx",
  "depToken",
  "depAmount",
  "depAx",
  "depAy",
  "depWasEmpty",
  "depOToken",
  "depONonce",
  "depOBalance",
  "depOAx",
  "depOAy",
  "depSiblings",
];

// ------------------------------------------------------------------------------------------------
// The attacks' common setup.

/**
 * A transfer of AMT ETH from alice (1) to bob (2) at alice's next nonce in world() (1), no fee,
 * with `change`, signed by `key` (alice unless said).
 */
const aliceToBob = (change: Partial<TxData> = {}, key = alice): SignedTx =>
  key.sign({ from: ALICE, to: BOB, token: ETH, nonce: 1n, amount: AMT, fee: 0n, ...change });

/** world() and an honest (unless `ops.dishonest`) batch over it. */
function overWorld(ops: BatchOps, shape = SHAPE): { s: ZkState; b: BuiltBatch } {
  const s = world();
  return { s, b: batch(s, ops, shape) };
}

/** world() and the one-transfer batch of aliceToBob(change), with `ops` (fee accounts, ...). */
function aliceBatch(
  change: Partial<TxData> = {},
  ops: Omit<BatchOps, "txs"> = {},
): { s: ZkState; b: BuiltBatch; tx: SignedTx } {
  const tx = aliceToBob(change);
  return { ...overWorld({ ...ops, txs: [tx] }), tx };
}

/**
 * The attack on the batch `b`: its witness with `changes` (then slot 0 of `resign` re-signed by
 * alice, the attacker, over the changed fields), and `b`'s own witness as the control.
 */
function mutate(
  b: BuiltBatch,
  changes: Changes,
  more: { resign?: "tx" | "wd"; effect?: (sim: Sim) => void } = {},
): Built {
  const input = patch(b.circuitInput, changes);
  return {
    input: more.resign === undefined ? input : resign(input, more.resign, 0, alice),
    control: b.circuitInput,
    effect: more.effect,
  };
}

/** The effect of an attack that leaves the new root `b`'s. */
const sameRoot =
  (b: BuiltBatch) =>
  (sim: Sim): void => {
    expect(sim.newRoot).to.equal(b.newRoot);
  };

/**
 * The attack on the queue: `b`'s witness with deposit slot 0 changed (asserted to keep the
 * queue chain element the contract hashed), `b`'s own witness as the control.
 */
function sameQueueEntry(
  b: BuiltBatch,
  changes: Changes,
  effect: (sim: Sim) => void,
  what?: string,
): Built {
  const input = patch(b.circuitInput, changes);
  expect(chainField(input, 0), what).to.equal(chainField(b.circuitInput, 0));
  return { input, control: b.circuitInput, effect };
}

/** Asserts that account `i`'s leaf in `s` is also the leaf of `token` at `nonce` (an alias). */
function expectLeafReadsAs(
  s: ZkState,
  i: bigint,
  token: bigint,
  nonce: bigint,
  what?: string,
): void {
  const a = account(s, i);
  expect(leafHash(token, nonce, a.balance, a.ax, a.ay), what).to.equal(s.tree.get(i));
}

/** The nonce at which account `i`'s leaf in `s` reads as one of `token` (asserted). */
function aliasAs(s: ZkState, i: bigint, token: number, what?: string): bigint {
  const nonce = aliasNonce(packedOf(account(s, i)), BigInt(token));
  expectLeafReadsAs(s, i, BigInt(token), nonce, what);
  return nonce;
}

/**
 * The attack on deposit slot 0 of `b` (over `s`): account `i`'s old leaf read as one of token W,
 * at the nonce that makes it the same leaf.
 */
function oldLeafAsW(s: ZkState, b: BuiltBatch, i: bigint, effect: (sim: Sim) => void): Built {
  const nonce = aliasAs(s, i, W);
  return mutate(b, { depOToken: { 0: BigInt(W) }, depONonce: { 0: nonce } }, { effect });
}

/** Account `i` of `s` read as token + 2^32 with its nonce one less: the same leaf (asserted). */
function tokenPlus2To32(s: ZkState, i: bigint): { token: bigint; nonce: bigint } {
  const a = account(s, i);
  const alias = { token: BigInt(a.token) + TWO32, nonce: a.nonce - 1n };
  expectLeafReadsAs(s, i, alias.token, alias.nonce);
  return alias;
}

/**
 * aliceToBob() proven over the attacker's view of the tree, alice's account with `change`: the
 * witness claims the real old root. The honest batch of the same transfer is the control.
 */
function overPretendedAlice(change: Partial<Account>): Built {
  const s = world();
  const tx = aliceToBob();
  const b = batch(withAccount(s, ALICE, change), { txs: [tx] });
  return {
    input: patch(b.circuitInput, { oldRoot: s.root }),
    control: batch(s, { txs: [tx] }).circuitInput,
  };
}

/** `b`'s witness with slot 0's transfer changed, asserted to keep the message `signed` signs. */
function keepsSigned(b: BuiltBatch, changes: Changes, signed: SignedTx, what?: string): Input {
  const input = patch(b.circuitInput, changes);
  expect(messageOf(input, "tx", 0), what).to.equal(txMessage(DOMAIN, signed));
  return input;
}

/** `b`'s witness with fee slot `j` filled by the attacker: account `i` of `b`'s state. */
function fillFeeSlot(b: BuiltBatch, j: number, i: bigint): Input {
  const acc = account(b.state, i);
  return patch(b.circuitInput, {
    feeTokens: { [j]: BigInt(acc.token) },
    feeIdx: { [j]: i },
    feeNonce: { [j]: acc.nonce },
    feeBalance: { [j]: acc.balance },
    feeAx: { [j]: acc.ax },
    feeAy: { [j]: acc.ay },
    feeSiblings: { [j]: b.state.tree.proof(i).siblings },
  });
}

// ------------------------------------------------------------------------------------------------
// The attacks.

/** Aliasing of the leaf packing token + nonce * 2^32, in every leaf the circuit reads. */
const ALIASING: Attack[] = [
  {
    title: "receiver nonce alias: a transfer of token W credits an ETH account (attack 1)",
    build: () => {
      const s = world();
      const b0 = account(s, BOB);
      const tx = aliceToBob({ from: ALICE_W, token: W, nonce: 0n });
      expect(() => batch(s, { txs: [tx] })).to.throw(/receiver holds token 0, not 1/);
      // The dishonest builder's witness reads bob's leaf with token W: the alias fixes its nonce.
      const b = batch(s, { txs: [tx], dishonest: true });
      const rNonce = aliasAs(s, BOB, W, "bob's leaf");
      expect(rNonce >= TWO40, "the aliasing nonce is no 40-bit number").to.equal(true);
      return {
        input: patch(b.circuitInput, { txRNonce: { 0: rNonce } }),
        control: batch(s, { txs: [alice.sign({ ...tx, to: OP_W })] }).circuitInput,
        effect: (sim) => {
          const stolen = withAccount(
            withAccount(s, ALICE_W, { nonce: 1n, balance: 10n ** 18n - AMT }),
            BOB,
            {
              balance: b0.balance + AMT,
            },
          );
          expect(sim.newRoot, "W paid, ETH credited").to.equal(stolen.root);
        },
      };
    },
    violates: ["tx[0].receiver.nonce", "tx[0].receiverAfter.nonce"],
    rejectedAt: [LEAF.nonce, TRANSFER.receiverLeaf],
    loose: "accepts",
  },
  {
    title: "sender token/nonce alias: alice's ETH balance spent as token W",
    build: () => {
      const s = world();
      const a = account(s, ALICE);
      const nonce = aliasAs(s, ALICE, W, "alice's ETH leaf");
      const tx = aliceToBob({ to: ALICE_W, token: W });
      expect(() => batch(s, { txs: [tx] })).to.throw(/sender holds token 0, not 1/);
      const b = batch(s, { txs: [tx], dishonest: true });
      expect(
        leafHash(BigInt(W), nonce + 1n, a.balance - AMT, a.ax, a.ay),
        "the leaf after",
      ).to.equal(b.state.tree.get(ALICE));
      return {
        // Alice is the attacker: she signs token W with the aliasing nonce.
        input: resign(patch(b.circuitInput, { txNonce: { 0: nonce } }), "tx", 0, alice),
        control: batch(s, { txs: [alice.sign({ ...tx, to: BOB, token: ETH })] }).circuitInput,
        effect: (sim) => {
          expect(sim.newRoot).to.equal(b.state.root);
          expect(account(b.state, ALICE).balance, "ETH paid").to.equal(a.balance - AMT);
          expect(account(b.state, ALICE_W).balance, "W credited").to.equal(10n ** 18n + AMT);
        },
      };
    },
    violates: ["tx[0].sender.nonce", "tx[0].senderAfter.nonce"],
    rejectedAt: [LEAF.nonce, DEBIT.senderLeaf],
    loose: "accepts",
  },
  {
    title: "fee-slot nonce alias: a fee paid in W credited to the operator's ETH account",
    build: () => {
      const s = world();
      const op = account(s, OP);
      const fee = 10n ** 15n;
      const tx = aliceToBob({ from: ALICE_W, to: OP_W, token: W, nonce: 0n, fee });
      // Honest: the W fee goes to the W fee account. The attacker names the ETH account instead.
      const b = batch(s, { txs: [tx], feeAccounts: [OP], dishonest: true });
      const nonce = aliasAs(s, OP, W, "the ETH fee account's leaf");
      return {
        input: patch(b.circuitInput, { feeTokens: { 0: BigInt(W) }, feeNonce: { 0: nonce } }),
        control: batch(s, { txs: [tx], feeAccounts: [OP_W] }).circuitInput,
        effect: (sim) => {
          expect(sim.newRoot, "W fee credited as ETH").to.equal(
            withAccount(b.state, OP, { balance: op.balance + fee }).root,
          );
        },
      };
    },
    violates: ["fee[0].account.nonce", "fee[0].accountAfter.nonce"],
    rejectedAt: [LEAF.nonce, FEES.leaf],
    loose: "accepts",
  },
  {
    title: "fee-slot feeTokens alias: the ETH fee account used as token 2^32 (its nonce one less)",
    build: () => {
      const s = world();
      const { token, nonce } = tokenPlus2To32(s, OP);
      expect(token, "the unused slots' token").to.equal(NO_FEE_TOKEN);
      const b = batch(s, { feeAccounts: [OP] });
      // Harmless here (no transaction token is 2^32 or more), refused all the same.
      return mutate(
        b,
        { feeTokens: { 0: token }, feeNonce: { 0: nonce } },
        { effect: (sim) => expect(sim.newRoot).to.equal(s.root) },
      );
    },
    violates: ["fee[0].account.token", "fee[0].accountAfter.token"],
    rejectedAt: [LEAF.token, FEES.leaf],
    loose: "accepts",
  },
  {
    title:
      "deposit oToken/oNonce alias: a valid top-up reads as a token mismatch and bounces (attack 2)",
    build: () => {
      const { s, b } = overWorld({ deposits: [credit(BOB, 5n)] });
      expect(b.depositApplied[0]).to.equal(true);
      return oldLeafAsW(s, b, BOB, (sim) => {
        expect(sim.applied[0], "marked unapplied: the contract refunds it").to.equal(0n);
        expect(sim.newRoot, "bob is not credited").to.equal(s.root);
        expect(sim.chainAfter, "the contract's chain").to.equal(b.chainAfter);
      });
    },
    violates: ["dep[0].old.nonce", "dep[0].new.nonce"],
    rejectedAt: [LEAF.nonce, DEPOSIT.oldLeaf],
    loose: "accepts",
  },
  {
    title: "forced-exit oToken/oNonce alias: the exit pays 0 instead of the balance",
    build: () => {
      const { s, b } = overWorld({ deposits: [exit(BOB)] });
      expect(b.exitAmounts[0]).to.equal(account(s, BOB).balance);
      return oldLeafAsW(s, b, BOB, (sim) => {
        expect(sim.exitAmounts[0], "paid on L1").to.equal(0n);
        expect(sim.newRoot, "the balance stays on L2").to.equal(s.root);
        expect(sim.chainAfter, "the exit is consumed").to.equal(b.chainAfter);
      });
    },
    violates: ["dep[0].old.nonce", "dep[0].new.nonce"],
    rejectedAt: [LEAF.nonce, DEPOSIT.oldLeaf],
    loose: "accepts",
  },
  {
    title:
      "deposit oToken out of range (2^32, its nonce one less): the same bounce through the token part",
    build: () => {
      const { s, b } = overWorld({ deposits: [credit(BOB, 5n)] });
      const { token, nonce } = tokenPlus2To32(s, BOB);
      return mutate(
        b,
        { depOToken: { 0: token }, depONonce: { 0: nonce } },
        {
          effect: (sim) => {
            expect(sim.applied[0]).to.equal(0n);
            expect(sim.newRoot).to.equal(s.root);
          },
        },
      );
    },
    violates: ["dep[0].old.token", "dep[0].new.token"],
    rejectedAt: [LEAF.token, DEPOSIT.oldLeaf],
    loose: "accepts",
  },
];

/** Values of 2^k or more in every k-bit field, each keeping what an honest witness would have. */
const RANGES: Attack[] = [
  {
    title:
      "token >= 2^32 at a sender: a withdrawal in token 2^32 with the nonce one less (same leaf)",
    build: () => {
      const { s, b } = aliceBatch({ to: 0n });
      const { token, nonce } = tokenPlus2To32(s, ALICE);
      return mutate(
        b,
        { wdToken: { 0: token }, wdNonce: { 0: nonce } },
        { resign: "wd", effect: sameRoot(b) },
      );
    },
    violates: ["wd[0].sender.token", "wd[0].senderAfter.token"],
    rejectedAt: [LEAF.token, DEBIT.senderLeaf, /Error in template WithdrawSlot_\d+/],
    loose: "accepts",
  },
  {
    title: "queue token >= 2^32: a forced exit read as a create of token 2^32 (same chain element)",
    build: () => {
      const { s, b } = overWorld({ deposits: [exit(BOB)] });
      return sameQueueEntry(
        b,
        { depKind: { 0: 1n }, depToken: { 0: BigInt(ETH) + TWO32 } },
        (sim) => {
          expect(sim.chainAfter).to.equal(b.chainAfter);
          expect(sim.exitAmounts[0], "instead of bob's balance").to.equal(0n);
          expect(sim.newRoot).to.equal(s.root);
        },
        "toIdx + token 2^32 + kind 2^64",
      );
    },
    violates: ["dep[0].token", "dep[0].new.token"],
    rejectedAt: [DEPOSIT.token],
    loose: "accepts",
  },
  {
    title: "nonce >= 2^40: an exhausted nonce 2^40 - 1 is not bumped to 2^40",
    build: () => {
      const s = withAccount(world(), ALICE, { nonce: MAX_NONCE });
      const tx = aliceToBob({ nonce: MAX_NONCE });
      expect(() => batch(s, { txs: [tx] })).to.throw(/nonce is exhausted/);
      const b = batch(s, { txs: [tx], dishonest: true });
      expect(account(b.state, ALICE).nonce).to.equal(TWO40);
      return { input: b.circuitInput, effect: (sim) => expect(sim.newRoot).to.equal(b.state.root) };
    },
    violates: ["tx[0].senderAfter.nonce"],
    rejectedAt: [LEAF.nonce, DEBIT.senderLeafAfter],
    loose: "accepts",
  },
  {
    title: "balance >= 2^128 at a sender: 2^128 + its balance (the same 128 low bits)",
    build: () => {
      const a = account(world(), ALICE);
      expect((a.balance + TWO128) % TWO128).to.equal(a.balance);
      // The attacker's own view of the tree: alice's leaf with 2^128 more.
      return overPretendedAlice({ balance: a.balance + TWO128 });
    },
    violates: ["tx[0].sender.balance", "tx[0].sender.membership", "tx[0].senderAfter.balance"],
    rejectedAt: [LEAF.balance, DEBIT.senderLeaf],
    loose: [DEBIT.membership],
  },
  {
    title: "balance >= 2^128 after a transfer: a receiver credited past 2^128 - 1",
    build: () => {
      const s = withAccount(world(), BOB, { balance: MAX_BALANCE - 5n });
      const tx = (amount: bigint): SignedTx => aliceToBob({ amount });
      expect(() => batch(s, { txs: [tx(10n)] })).to.throw(/would overflow/);
      const b = batch(s, { txs: [tx(10n)], dishonest: true });
      return {
        input: b.circuitInput,
        control: batch(s, { txs: [tx(5n)] }).circuitInput, // exactly 2^128 - 1
        effect: (sim) => expect(sim.newRoot).to.equal(b.state.root),
      };
    },
    violates: ["tx[0].receiverAfter.balance"],
    rejectedAt: [LEAF.balance, TRANSFER.receiverLeafAfter],
    loose: "accepts",
  },
  {
    title: "balance >= 2^128 after the fees: a fee account credited past 2^128 - 1",
    build: () => {
      const s = withAccount(world(), OP, { balance: MAX_BALANCE - 5n });
      const tx = (fee: bigint): SignedTx => aliceToBob({ fee });
      expect(() => batch(s, { txs: [tx(10n)], feeAccounts: [OP] })).to.throw(/would overflow/);
      // The builder refuses outright; the attacker fills the fee slot itself.
      const b = batch(s, { txs: [tx(10n)], dishonest: true });
      return {
        input: fillFeeSlot(b, 0, OP),
        control: batch(s, { txs: [tx(5n)], feeAccounts: [OP] }).circuitInput, // exactly 2^128 - 1
        effect: (sim) =>
          expect(sim.newRoot).to.equal(
            withAccount(b.state, OP, { balance: MAX_BALANCE + 5n }).root,
          ),
      };
    },
    violates: ["fee[0].accountAfter.balance"],
    rejectedAt: [LEAF.balance, FEES.leafAfter],
    loose: "accepts",
  },
  {
    title: "deposit amount >= 2^128: a create of 2^128",
    build: () => {
      const { s, b } = overWorld({ deposits: [create(FRESH, bob, TWO128, ETH)] });
      return {
        input: b.circuitInput,
        control: batch(s, { deposits: [create(FRESH, bob, MAX_BALANCE, ETH)] }).circuitInput,
        effect: (sim) => expect(sim.newRoot).to.equal(b.state.root),
      };
    },
    violates: ["dep[0].amount", "dep[0].new.balance"],
    rejectedAt: [DEPOSIT.amount],
    loose: "accepts",
  },
  {
    title: "deposit amount p - 1: a credit of -1 that LessThan(129) finds fitting, and debits bob",
    build: () => {
      const { s, b } = overWorld({ deposits: [credit(BOB, P - 1n)] });
      const b0 = account(s, BOB);
      expect(b.depositApplied[0], "the builder: it cannot fit").to.equal(false);
      expect(mod(b0.balance + P - 1n)).to.equal(b0.balance - 1n);
      return {
        input: b.circuitInput,
        effect: (sim) => {
          expect(sim.applied[0]).to.equal(1n);
          expect(sim.newRoot).to.equal(withAccount(s, BOB, { balance: b0.balance - 1n }).root);
        },
      };
    },
    violates: ["dep[0].amount"],
    rejectedAt: [DEPOSIT.amount],
    loose: "accepts",
  },
  {
    title:
      "from index >= 4^levels: from + 2^32 with to - 1 keeps the signed message and redirects it",
    build: () => {
      const s = world();
      const signed = aliceToBob({ to: OP });
      const b = batch(s, { txs: [{ ...signed, to: BOB }], dishonest: true });
      const from = ALICE + (OP - BOB) * TWO32;
      const input = keepsSigned(b, { txFrom: { 0: from } }, signed, "what alice signed");
      expect(from % 16n, "the path of account 1").to.equal(ALICE);
      return {
        input,
        control: batch(s, { txs: [signed] }).circuitInput,
        effect: (sim) => {
          expect(sim.newRoot, "bob paid instead of the operator").to.equal(b.state.root);
          expect(sim.pubdata!.subarray(0, 2)).to.deep.equal(Uint8Array.from([1, 2]));
        },
      };
    },
    violates: ["tx[0].from"],
    rejectedAt: [DEBIT.from],
    loose: "accepts",
  },
  {
    title: "to index >= 4^levels: a transfer to 2 + 16",
    build: () => {
      const { b } = aliceBatch();
      return mutate(b, { txTo: { 0: BOB + 16n } }, { resign: "tx", effect: sameRoot(b) });
    },
    violates: ["tx[0].to"],
    rejectedAt: [TRANSFER.to],
    loose: "accepts",
  },
  {
    title: "withdrawal from index >= 4^levels: from 1 + 16",
    build: () => {
      const { b } = aliceBatch({ to: 0n });
      return mutate(b, { wdFrom: { 0: ALICE + 16n } }, { resign: "wd", effect: sameRoot(b) });
    },
    violates: ["wd[0].from"],
    rejectedAt: [DEBIT.from, /Error in template WithdrawSlot_\d+/],
    loose: "accepts",
  },
  {
    title:
      "deposit index >= 4^levels: toIdx + 2^32 with token - 1 turns a W create into an ETH account",
    build: () => {
      const { s, b } = overWorld({ deposits: [create(FRESH, alice, 10n ** 18n, W)] });
      return sameQueueEntry(
        b,
        { depToIdx: { 0: FRESH + TWO32 }, depToken: { 0: BigInt(W) - 1n } },
        (sim) => {
          const minted = s.clone();
          minted.setAccount(FRESH, {
            token: ETH,
            nonce: 0n,
            balance: 10n ** 18n,
            ax: alice.ax,
            ay: alice.ay,
          });
          expect(sim.newRoot, "an ETH account funded by a W deposit").to.equal(minted.root);
          expect(sim.chainAfter).to.equal(b.chainAfter);
        },
      );
    },
    violates: ["dep[0].to"],
    rejectedAt: [DEPOSIT.to],
    loose: "accepts",
  },
  {
    title: "fee index >= 4^levels: fee account 3 + 16",
    build: () => {
      const { b } = aliceBatch({ fee: 10n ** 15n }, { feeAccounts: [OP] });
      return mutate(
        b,
        { feeIdx: { 0: OP + 16n } },
        { effect: (sim) => expect(sim.pubdata).to.deep.equal(b.pubdata) },
      );
    },
    violates: ["fee[0].idx"],
    rejectedAt: [FEES.idx],
    loose: "accepts",
  },
  {
    title:
      "packed amount >= 2^40: amount + 2^40 with fee - 1 keeps the signed message (the fee vanishes)",
    build: () => {
      const s = world();
      const signed = aliceToBob({ fee: 1n });
      const b = batch(s, { txs: [{ ...signed, fee: 0n }], feeAccounts: [OP], dishonest: true });
      const input = keepsSigned(b, { txAmount: { 0: AMOUNT.encode(AMT) + TWO40 } }, signed);
      return {
        input,
        control: batch(s, { txs: [signed], feeAccounts: [OP] }).circuitInput,
        effect: (sim) => expect(sim.newRoot, "no fee paid").to.equal(b.state.root),
      };
    },
    violates: ["tx[0].amount.range"],
    rejectedAt: [FLOAT.range, DEBIT.amount],
    loose: "accepts",
  },
  {
    title: "packed fee >= 2^8: fee + 2^8 with nonce - 1 keeps the signed message",
    build: () => {
      const s = world();
      const signed = aliceToBob({ fee: 1n });
      // The attacker's view: alice at nonce 0, so that only the fee's range and membership fail.
      const b = batch(withAccount(s, ALICE, { nonce: 0n }), {
        txs: [{ ...signed, nonce: 0n }],
        feeAccounts: [OP],
        dishonest: true,
      });
      const input = keepsSigned(
        b,
        { oldRoot: s.root, txFee: { 0: FEE.encode(1n) + 256n } },
        signed,
      );
      return { input, control: batch(s, { txs: [signed], feeAccounts: [OP] }).circuitInput };
    },
    violates: ["tx[0].fee.range", "tx[0].sender.membership"],
    rejectedAt: [FLOAT.range, DEBIT.fee],
    loose: [DEBIT.membership],
  },
  {
    title: "signature S >= l: S + l, the same point S * B8 (a malleated signature)",
    build: () => {
      const { b, tx } = aliceBatch();
      const S = tx.signature.S + SUBGROUP_ORDER;
      expect(S < 1n << 253n, "it passes Num2Bits(253)").to.equal(true);
      expect(S % SUBGROUP_ORDER).to.equal(tx.signature.S);
      return mutate(b, { txS: { 0: S } });
    },
    violates: ["tx[0].signature"],
    rejectedAt: [SIGNATURE_S, /Error in template SignedDebit_\d+/],
    loose: [SIGNATURE_S],
  },
  {
    title: "FloatDecode canonical: the amount 10^17 signed as 10^9 * 10^8",
    build: () => {
      const { b } = aliceBatch();
      const nonCanonical = (8n << 35n) | (10n ** 9n);
      expect(AMOUNT.isCanonical(nonCanonical)).to.equal(false);
      const { mantissa, exponent } = AMOUNT.split(nonCanonical);
      expect(mantissa * 10n ** BigInt(exponent)).to.equal(AMT);
      return mutate(b, { txAmount: { 0: nonCanonical } }, { resign: "tx" });
    },
    violates: ["tx[0].amount.canonical"],
    rejectedAt: [FLOAT.canonical, DEBIT.amount],
    loose: [FLOAT.canonical],
  },
  {
    title: "FloatDecode canonical: a zero fee signed as 0 * 10^1",
    build: () => {
      const { b } = aliceBatch();
      const zero = 1n << 3n;
      expect(FEE.isCanonical(zero)).to.equal(false);
      expect(FEE.split(zero).mantissa).to.equal(0n);
      return mutate(b, { txFee: { 0: zero } }, { resign: "tx" });
    },
    violates: ["tx[0].fee.canonical"],
    rejectedAt: [FLOAT.canonical, DEBIT.fee],
    loose: [FLOAT.canonical],
  },
  {
    title:
      "kind 3: a forced exit read as kind 3 with token - 2^32 (same chain element), a bounced credit",
    build: () => {
      const { s, b } = overWorld({ deposits: [exit(BOB)] });
      return sameQueueEntry(
        b,
        { depKind: { 0: 3n }, depToken: { 0: mod(BigInt(ETH) - TWO32) } },
        (sim) => {
          expect(sim.chainAfter).to.equal(b.chainAfter);
          expect(sim.exitAmounts[0]).to.equal(0n);
          expect(sim.newRoot).to.equal(s.root);
        },
      );
    },
    violates: ["dep[0].kind", "dep[0].token"],
    rejectedAt: [DEPOSIT.kind],
    loose: "accepts",
  },
  {
    title: "kind p - 1: a forced exit read as kind -1 with token + 3 * 2^32 (same chain element)",
    build: () => {
      const { b } = overWorld({ deposits: [exit(BOB)] });
      return sameQueueEntry(
        b,
        { depKind: { 0: P - 1n }, depToken: { 0: BigInt(ETH) + 3n * TWO32 } },
        (sim) => expect(sim.exitAmounts[0]).to.equal(0n),
      );
    },
    violates: ["dep[0].kind", "dep[0].token"],
    rejectedAt: [DEPOSIT.kind],
    loose: "accepts",
  },
  {
    title:
      "non-boolean active: one slot consumes two queue entries and skips the forced exit behind it",
    build: () => {
      const entries = [credit(BOB, 5n, W), exit(ALICE)];
      const { s, b } = overWorld({ deposits: entries });
      expect(b.exitAmounts[1], "honest: alice's exit pays her balance").to.equal(
        account(s, ALICE).balance,
      );
      // Slot 0 takes entry 0 with active = (chain after both - chain before) / (chain after one - chain before).
      const c0 = s.depositChain;
      const c1 = depositChainNext(c0, entries[0]);
      const active = div(b.chainAfter - c0, c1 - c0);
      expect(mod(c0 + active * (c1 - c0))).to.equal(b.chainAfter);
      return mutate(
        batch(s, { deposits: [entries[0]] }),
        { depActive: { 0: active } },
        {
          effect: (sim) => {
            expect(sim.chainAfter, "the contract takes both entries").to.equal(b.chainAfter);
            expect(sim.exitAmounts, "the exit pays 0").to.deep.equal([0n, 0n]);
            expect(sim.newRoot, "alice keeps her balance on L2").to.equal(s.root);
          },
        },
      );
    },
    violates: ["dep[0].active"],
    rejectedAt: [DEPOSIT.active],
    loose: "accepts",
  },
  {
    title:
      "non-boolean wasEmpty: 1 - L/E makes a fake leaf E of token W prove membership, and bounces an exit",
    build: () => {
      const { s, b } = overWorld({ deposits: [exit(BOB)] });
      const b0 = account(s, BOB);
      const real = s.tree.get(BOB);
      const fake = leafHash(BigInt(W), b0.nonce, b0.balance, b0.ax, b0.ay);
      const wasEmpty = mod(1n - div(real, fake));
      expect(mod(fake * (1n - wasEmpty)), "oldLeaf = the real leaf").to.equal(real);
      return mutate(
        b,
        { depWasEmpty: { 0: wasEmpty }, depOToken: { 0: BigInt(W) } },
        {
          effect: (sim) => {
            expect(sim.exitAmounts[0]).to.equal(0n);
            expect(sim.newRoot).to.equal(s.root);
          },
        },
      );
    },
    violates: ["dep[0].wasEmpty"],
    rejectedAt: [DEPOSIT.wasEmpty],
    loose: "accepts",
  },
  {
    title:
      "active slots not a prefix: an entry in slot 1 sets applied bit 1, which the contract never reads",
    build: () => {
      const { b } = overWorld({ deposits: [credit(BOB, 5n)] });
      const swapped: Record<string, Record<number, unknown>> = {};
      for (const k of DEP_KEYS) {
        const v = b.circuitInput[k] as unknown[];
        swapped[k] = { 0: v[1], 1: v[0] };
      }
      return mutate(b, swapped, {
        effect: (sim) => {
          expect(sim.applied, "applied, but bit 0 (the entry's) is 0: refunded too").to.deep.equal([
            0n,
            1n,
          ]);
          expect(sim.chainAfter).to.equal(b.chainAfter);
          expect(sim.newRoot).to.equal(b.newRoot);
        },
      });
    },
    violates: ["dep[1].prefix"],
    rejectedAt: [ROLLUP.prefix],
    loose: "accepts",
  },
];

/** p - x: values that wrap the field. */
const WRAPS: Attack[] = [
  {
    title: "balance p - 1 at a sender",
    build: () => overPretendedAlice({ balance: P - 1n }),
    violates: ["tx[0].sender.balance", "tx[0].sender.membership", "tx[0].senderAfter.balance"],
    rejectedAt: [LEAF.balance, DEBIT.senderLeaf],
    loose: [DEBIT.membership],
  },
  {
    title: "an amount above the balance: the sender's balance wraps to p - (amount - balance)",
    build: () => {
      const s = world();
      const a = account(s, ALICE);
      const amount = 2n * 10n ** 18n;
      const tx = aliceToBob({ amount });
      expect(() => batch(s, { txs: [tx] })).to.throw(/is below amount \+ fee/);
      const b = batch(s, { txs: [tx], dishonest: true });
      const wrapped = mod(a.balance - amount);
      expect(wrapped).to.equal(P - (amount - a.balance));
      expect(wrapped >= TWO128).to.equal(true);
      return {
        input: b.circuitInput,
        effect: (sim) => {
          expect(sim.newRoot, "bob credited 2 ETH alice never had").to.equal(b.state.root);
          expect(account(b.state, BOB).balance).to.equal(account(s, BOB).balance + amount);
        },
      };
    },
    violates: ["tx[0].senderAfter.balance"],
    rejectedAt: [LEAF.balance, DEBIT.senderLeafAfter],
    loose: "accepts",
  },
  {
    title: "nonce p - 1 at a sender, so that nonce + 1 = 0 (honest token)",
    build: () => {
      const s = world();
      const a = account(s, ALICE);
      const tx = aliceToBob();
      const pretend = withAccount(s, ALICE, { nonce: P - 1n });
      const b = batch(pretend, { txs: [{ ...tx, nonce: P - 1n }], dishonest: true });
      // The leaf written after would have nonce 0: alice's old signatures would replay.
      expect(b.state.tree.get(ALICE)).to.equal(
        accountLeaf({ ...a, nonce: 0n, balance: a.balance - AMT }),
      );
      return {
        input: resign(patch(b.circuitInput, { oldRoot: s.root }), "tx", 0, alice),
        control: batch(s, { txs: [tx] }).circuitInput,
      };
    },
    violates: ["tx[0].sender.nonce", "tx[0].sender.membership"],
    rejectedAt: [LEAF.nonce, DEBIT.senderLeaf],
    loose: [DEBIT.membership],
  },
  {
    title: "nonce p - 1 at a sender with token + (nonce + 1) 2^32: the same leaf before and after",
    build: () => {
      const { s, b } = aliceBatch({ to: 0n });
      const a = account(s, ALICE);
      const token = BigInt(ETH) + (a.nonce + 1n) * TWO32;
      expectLeafReadsAs(s, ALICE, token, P - 1n);
      expect(leafHash(token, 0n, a.balance - AMT, a.ax, a.ay)).to.equal(b.state.tree.get(ALICE));
      return mutate(
        b,
        { wdToken: { 0: token }, wdNonce: { 0: P - 1n } },
        { resign: "wd", effect: sameRoot(b) },
      );
    },
    violates: ["wd[0].sender.token", "wd[0].sender.nonce", "wd[0].senderAfter.token"],
    rejectedAt: [LEAF.token, DEBIT.senderLeaf],
    loose: "accepts",
  },
  {
    title: "a forced exit over balance p - 1: the exit amount would be p - 1",
    build: () => mutate(overWorld({ deposits: [exit(BOB)] }).b, { depOBalance: { 0: P - 1n } }),
    violates: ["dep[0].old.balance", "dep[0].membership", "dep[0].exit"],
    rejectedAt: [LEAF.balance, DEPOSIT.oldLeaf],
    loose: [DEPOSIT.membership],
  },
  {
    title: "a receiver balance p - 1: the credited balance would wrap to amount - 1",
    build: () => {
      const { b } = aliceBatch();
      expect(mod(P - 1n + AMT)).to.equal(AMT - 1n);
      return mutate(b, { txRBalance: { 0: P - 1n } });
    },
    violates: ["tx[0].receiver.balance", "tx[0].receiver.membership"],
    rejectedAt: [LEAF.balance, TRANSFER.receiverLeaf],
    loose: [TRANSFER.membership],
  },
  {
    title: "a fee account balance p - 1: the credited balance would wrap to fee - 1",
    build: () =>
      mutate(aliceBatch({ fee: 10n ** 15n }, { feeAccounts: [OP] }).b, {
        feeBalance: { 0: P - 1n },
      }),
    violates: ["fee[0].account.balance", "fee[0].membership"],
    rejectedAt: [LEAF.balance, FEES.leaf],
    loose: [FEES.membership],
  },
];

/**
 * Attacks that violate exactly `violates` and that both circuits refuse `where` (no range check
 * is involved).
 */
const refusedInBoth =
  (violates: string[], where: RegExp[]) =>
  (title: string, build: () => Built): Attack => ({
    title,
    build,
    violates,
    rejectedAt: where,
    loose: where,
  });

/** A deposit slot misreporting the leaf it reads: refused at its membership check. */
const misreportedDeposit = refusedInBoth(["dep[0].membership"], [DEPOSIT.membership]);

/** Leaves of another account or token, misreported queue entries, and claims the circuit computes. */
const MISREPORTS: Attack[] = [
  {
    title: "a leaf of another account at an index: bob spends account 1 with his own leaf and key",
    build: () => {
      const s = world();
      const b0 = account(s, BOB);
      const pretend = withAccount(s, ALICE, { ...b0 });
      expect(pretend.tree.get(ALICE), "bob's leaf, hash for hash").to.equal(s.tree.get(BOB));
      const tx = aliceToBob({ nonce: b0.nonce }, bob);
      return { input: patch(batch(pretend, { txs: [tx] }).circuitInput, { oldRoot: s.root }) };
    },
    violates: ["tx[0].sender.membership"],
    rejectedAt: [DEBIT.membership],
    loose: [DEBIT.membership],
  },
  {
    title: "a leaf of another token at an index: a W transfer to bob's ETH account, honest nonce",
    build: () => ({
      input: aliceBatch({ from: ALICE_W, token: W, nonce: 0n }, { dishonest: true }).b.circuitInput,
    }),
    violates: ["tx[0].receiver.membership"],
    rejectedAt: [TRANSFER.membership],
    loose: [TRANSFER.membership],
  },
  {
    title: "a fee account of another token: W fees into the ETH fee account, honest nonce",
    build: () => {
      const { b } = aliceBatch(
        { from: ALICE_W, to: OP_W, token: W, nonce: 0n, fee: 10n ** 15n },
        { feeAccounts: [OP], dishonest: true },
      );
      return { input: patch(b.circuitInput, { feeTokens: { 0: BigInt(W) } }) };
    },
    violates: ["fee[0].membership"],
    rejectedAt: [FEES.membership],
    loose: [FEES.membership],
  },
  misreportedDeposit(
    "a deposit over a leaf of another token, honest nonce: the top-up would bounce",
    () => mutate(overWorld({ deposits: [credit(BOB, 5n)] }).b, { depOToken: { 0: BigInt(W) } }),
  ),
  misreportedDeposit(
    "wasEmpty = 1 over an existing account: a valid top-up reported as a credit to nobody",
    () => mutate(overWorld({ deposits: [credit(BOB, 5n)] }).b, { depWasEmpty: { 0: 1n } }),
  ),
  misreportedDeposit(
    "wasEmpty = 0 over an empty index: a create reported as taken and bounced",
    () => {
      const { s, b } = overWorld({ deposits: [create(FRESH, bob, 7n, ETH)] });
      expect(s.tree.get(FRESH)).to.equal(0n);
      return mutate(b, { depWasEmpty: { 0: 0n } });
    },
  ),
  misreportedDeposit(
    "a forced exit over a leaf with a smaller balance: the exit would pay balance - 1",
    () => {
      const s = world();
      const b0 = account(s, BOB);
      const b = batch(withAccount(s, BOB, { balance: b0.balance - 1n }), { deposits: [exit(BOB)] });
      expect(b.exitAmounts[0]).to.equal(b0.balance - 1n);
      return {
        input: patch(b.circuitInput, { oldRoot: s.root }),
        control: batch(s, { deposits: [exit(BOB)] }).circuitInput,
      };
    },
  ),
];

/**
 * Claims about what the circuit computes itself: `b`'s honest witness (also the control) with a
 * public input over the attacker's pubdata and root. Only the input hash can fail.
 */
function claiming(
  b: BuiltBatch,
  newRoot: bigint,
  applied: boolean[],
  exitAmounts: bigint[],
): Built {
  const pubdata = encodePubdata(SHAPE, {
    transfers: [],
    withdrawals: [],
    depositApplied: applied,
    exitAmounts,
    feeAccounts: [],
  });
  const claim = publicInputHash({
    oldRoot: b.oldRoot,
    newRoot,
    chainBefore: b.chainBefore,
    chainAfter: b.chainAfter,
    domain: DOMAIN,
    pubdata,
  });
  return { input: b.circuitInput, control: b.circuitInput, claim };
}

/** A claim attack: only the input hash can fail. */
const claimAttack = refusedInBoth(["inputHash"], [ROLLUP.inputHash]);

/** The honest batch of the queue entry `entry` over world(), claimed as applying nothing. */
function claimedUnapplied(entry: QueuedDeposit): Built {
  const { s, b } = overWorld({ deposits: [entry] });
  return claiming(b, s.root, [false, false], [0n, 0n]);
}

const CLAIMS: Attack[] = [
  claimAttack(
    "a forced exit whose exit amount is not the balance (balance - 1 paid, 1 left)",
    () => {
      const { s, b } = overWorld({ deposits: [exit(BOB)] });
      const b0 = account(s, BOB);
      const root = withAccount(s, BOB, { balance: 1n }).root;
      return claiming(b, root, [true, false], [b0.balance - 1n, 0n]);
    },
  ),
  claimAttack("a forced exit claimed unapplied (pays 0, balance kept)", () =>
    claimedUnapplied(exit(BOB)),
  ),
  claimAttack("a valid credit claimed unapplied (refunded, not credited)", () =>
    claimedUnapplied(credit(BOB, 5n)),
  ),
  claimAttack("an overflowing credit claimed applied, its balance wrapped mod 2^128", () => {
    const s = withAccount(world(), BOB, { balance: MAX_BALANCE - 5n });
    const b = batch(s, { deposits: [credit(BOB, 10n)] });
    expect(b.depositApplied[0]).to.equal(false);
    const root = withAccount(s, BOB, { balance: (MAX_BALANCE - 5n + 10n) % TWO128 }).root;
    return claiming(b, root, [true, false], [0n, 0n]);
  }),
];

/** No-op slots and fee slots. */
const SLOTS: Attack[] = [
  ...(
    [
      ["to", "txTo", BOB, 0n, DEBIT.noopTo],
      ["an amount", "txAmount", AMOUNT.encode(AMT), AMT, DEBIT.noopAmount],
      ["a fee", "txFee", FEE.encode(10n), 10n, DEBIT.noopFee],
    ] as const
  ).map(([what, key, value, balance, where]): Attack => ({
    title: `a no-op slot (from = 0) carrying ${what}: pubdata that no account signed`,
    // A no-op's (unchecked) leaf still goes through AccountLeaf: its balance covers the debit.
    build: () => mutate(batch(world(), {}), { [key]: { 0: value }, txBalance: { 0: balance } }),
    violates: [`tx[0].noop.${key === "txTo" ? "to" : key === "txAmount" ? "amount" : "fee"}`],
    rejectedAt: [where],
    loose: [where],
  })),
  {
    title: "a fee collected into an unused fee slot (feeIdx = 0): debited, credited to no one",
    build: () => {
      const { s, b, tx } = aliceBatch({ fee: 10n ** 15n }, { dishonest: true });
      return {
        input: patch(b.circuitInput, { feeTokens: { 0: BigInt(ETH) } }),
        control: batch(s, { txs: [tx], feeAccounts: [OP] }).circuitInput,
      };
    },
    violates: ["fee[0].unusedCollected"],
    rejectedAt: [FEES.unused],
    loose: [FEES.unused],
  },
  ...[10n ** 15n, 0n].map((fee): Attack => ({
    title:
      fee > 0n
        ? "two used fee slots of one token, a fee paid: the fee would be credited twice"
        : "two used fee slots of one token, no fee paid",
    f2: true,
    build: () => {
      const s = world();
      const tx = aliceToBob({ fee });
      expect(() => batch(s, { txs: [tx], feeAccounts: [OP, BOB] }, SHAPE_F2)).to.throw(
        /two fee accounts of token 0/,
      );
      // Fee slot 0 honest (the operator), slot 1 filled by the attacker: bob's ETH account.
      const b = batch(s, { txs: [tx], feeAccounts: [OP] }, SHAPE_F2);
      return {
        input: fillFeeSlot(b, 1, BOB),
        control: b.circuitInput,
        effect: (sim) => expect(sim.newRoot, "nothing credited twice").to.equal(b.newRoot),
      };
    },
    // A fee must match exactly one fee slot (matches = 2 fails), so the pair check is only
    // reached when no fee is paid in that token: then it has nothing to prevent.
    violates: fee > 0n ? ["tx[0].feeMatch", "fee[0,1].distinct"] : ["fee[0,1].distinct"],
    rejectedAt: fee > 0n ? [DEBIT.feeMatch] : [ROLLUP.distinctFees],
    loose: fee > 0n ? [DEBIT.feeMatch] : "accepts",
  })),
];

// ------------------------------------------------------------------------------------------------

async function expectFail(circuit: LoadedCircuit, input: Input, ...where: RegExp[]): Promise<void> {
  const err = await circuit.witness(input).catch((e: unknown) => e);
  expect(err, "the witness should not exist").to.be.instanceOf(Error);
  expect(String(err)).to.match(/Assert Failed/);
  const stack = lastFailure(String(err));
  for (const w of where) expect(stack, stack).to.match(w);
}

describe("circuits/src/rollup.circom against a malicious prover", function () {
  let real: LoadedCircuit;
  let loose: LoadedCircuit;
  let realF2: LoadedCircuit;
  let looseF2: LoadedCircuit;

  before(async function () {
    this.timeout(1_800_000);
    const load = async (spec: CircuitSpec): Promise<LoadedCircuit> =>
      LoadedCircuit.load(await compileCircuit(spec, BUILD));
    real = await load(rollupSpec("test", SHAPE));
    loose = await load(looseSpec("test", SHAPE));
    realF2 = await load(rollupSpec("malicious-f2", SHAPE_F2));
    looseF2 = await load(looseSpec("malicious-f2", SHAPE_F2));
  });

  /** The witness exists, and its public input is the one the attacker's prover computes. */
  async function expectPass(circuit: LoadedCircuit, input: Input, shape = SHAPE): Promise<void> {
    const sim = simulate(shape, input);
    expect(sim.violations, "the prover model finds no violation").to.deep.equal([]);
    const w = await circuit.witness(input);
    expect(circuit.signal(w, "main.inputHash")).to.equal(sim.publicInput);
  }

  async function run(attack: Attack): Promise<void> {
    const shape = attack.f2 === true ? SHAPE_F2 : SHAPE;
    const [circuit, looseCircuit] = attack.f2 === true ? [realF2, looseF2] : [real, loose];
    const built = attack.build();
    if (built.control !== undefined) await expectPass(circuit, built.control, shape);
    const input =
      built.claim === undefined
        ? withOwnPublicInput(built.input, shape)
        : { ...built.input, inputHash: built.claim };
    const sim = simulate(shape, input);
    expect(sim.violations, "the constraints the witness violates").to.deep.equal(attack.violates);
    await expectFail(circuit, input, ...attack.rejectedAt);
    if (attack.loose === "accepts") {
      await looseCircuit.witness(input);
      built.effect?.(sim);
    } else {
      await expectFail(looseCircuit, input, ...attack.loose);
    }
  }

  describe("control: the attacker's prover is the circuit", function () {
    it("its keys are the wallet's (ZkKey.fromSeed)", function () {
      for (const k of [alice, bob, operator]) {
        const z = ZkKey.fromSeed(k.seed);
        expect([k.ax, k.ay]).to.deep.equal([z.ax, z.ay]);
      }
    });

    it("it reproduces the public input of honest batches, which both circuits accept", async function () {
      const s = world();
      const batches = [
        batch(new ZkState(SHAPE.levels), {
          deposits: [create(ALICE, alice, 100n, ETH), create(BOB, bob, 7n, W)],
        }),
        batch(s, {
          deposits: [credit(BOB, 5n), exit(ALICE_W, W)],
          txs: [
            aliceToBob({ fee: 10n ** 15n }),
            bob.sign({ from: BOB, to: OP, token: ETH, nonce: 1n, amount: 3n, fee: 0n }),
            operator.sign({ from: OP, to: 0n, token: ETH, nonce: 1n, amount: 10n ** 14n, fee: 7n }),
          ],
          feeAccounts: [OP],
        }),
        // Unapplied entries: a credit of the wrong token, an exit of the wrong token, a taken index.
        batch(s, { deposits: [credit(BOB, 5n, W), exit(BOB, W)] }),
        batch(s, { deposits: [create(BOB, alice, 1n, ETH)] }),
      ];
      expect(batches[1].exitAmounts).to.deep.equal([0n, 10n ** 18n]);
      expect(batches[2].depositApplied).to.deep.equal([false, false]);
      for (const b of batches) {
        const sim = simulate(SHAPE, b.circuitInput);
        expect(sim.violations).to.deep.equal([]);
        expect(sim.publicInput).to.equal(b.publicInput);
        expect(sim.newRoot).to.equal(b.newRoot);
        expect(sim.chainAfter).to.equal(b.chainAfter);
        expect(Buffer.from(sim.pubdata!)).to.deep.equal(Buffer.from(b.pubdata));
        await expectPass(real, b.circuitInput);
        await expectPass(loose, b.circuitInput);
      }
    });

    it("LessThan(129) in a credit: balance + amount = 2^128 - 1 applies, 2^128 bounces", async function () {
      const s = withAccount(world(), BOB, { balance: MAX_BALANCE - 5n });
      const fits = batch(s, { deposits: [credit(BOB, 5n)] });
      const over = batch(s, { deposits: [credit(BOB, 6n)] });
      expect([fits.depositApplied[0], over.depositApplied[0]]).to.deep.equal([true, false]);
      expect(account(fits.state, BOB).balance).to.equal(MAX_BALANCE);
      for (const b of [fits, over]) {
        expect(simulate(SHAPE, b.circuitInput).publicInput).to.equal(b.publicInput);
        await expectPass(real, b.circuitInput);
      }
    });

    it("a mutated honest witness without recomputed inputHash fails at the input hash (the harness recomputes it)", async function () {
      const b = batch(world(), { deposits: [credit(BOB, 5n)] });
      const input = patch(b.circuitInput, { depAmount: { 0: 6n } });
      expect(simulate(SHAPE, input).violations).to.deep.equal(["inputHash"]);
      await expectFail(real, input, ROLLUP.inputHash);
      // With its own public input the same witness is valid: it is a different (valid) batch.
      await expectPass(real, withOwnPublicInput(input));
    });
  });

  const groups: [string, Attack[]][] = [
    ["aliasing of the packed leaf field token + nonce * 2^32", ALIASING],
    ["values >= 2^k in k-bit fields, and non-booleans", RANGES],
    ["p - x wrap-arounds", WRAPS],
    ["leaves of another account or token, misreported entries", MISREPORTS],
    ["claims the circuit computes itself", CLAIMS],
    ["no-op and fee slots", SLOTS],
  ];
  for (const [name, attacks] of groups) {
    describe(name, function () {
      for (const attack of attacks) it(attack.title, () => run(attack));
    });
  }
});
