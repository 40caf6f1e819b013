/**
 * The ZK rollup's user client (SDK): deposits and claims on L1, transfers and withdrawals through
 * an operator's API, and the exodus exit, which needs nothing but L1: it rebuilds the state from
 * the rollup's events and calldata, proves the account's leaf against the last verified root, and
 * withdraws.
 */
import { Contract, type ContractTransactionReceipt, type Signer } from "ethers";
import { InputError, L2kitError } from "../core/errors";
import { ApiError, callContract, JsonApi } from "../core/http-client";
import { zkRollupAt, zkRollupInterface } from "./abi";
import { AMOUNT, FEE } from "../lib/float";
import type { SignedTx } from "./batch";
import type { ZkKey } from "./keys";
import { FORCED_EXIT, type BatchShape } from "./protocol";
import { rebuildFromL1 } from "./reconstruct";

/** An operator API answer other than success, with its status and body. */
export class ZkApiError extends ApiError {
  constructor(httpStatus: number, body: Record<string, unknown>, url: string) {
    super(httpStatus, body, url, "ZK_API_ERROR");
  }
}

export interface AccountView {
  index: bigint;
  token: number;
  balance: bigint;
  nonce: bigint;
  ax: bigint;
  ay: bigint;
  pending: { nonce: bigint; balance: bigint; incoming: bigint };
}

export interface TxView {
  hash: string;
  type: "transfer" | "withdraw";
  status: "pending" | "sealed" | "proven" | "submitted" | "final";
  batch?: number;
  l1Tx?: string;
  [k: string]: unknown;
}

const ERC20_ABI = [
  "function approve(address spender, uint256 amount) returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
];

export interface ZkClientOptions {
  /** The rollup contract's address. */
  rollup: string;
  /** The user's L1 account (deposits, claims, exodus). */
  signer: Signer;
  /** The user's rollup key. */
  key: ZkKey;
  /** The operator's API, e.g. http://127.0.0.1:8645 (not needed for L1-only actions). */
  operatorUrl?: string;
}

export class ZkClient {
  readonly rollup: Contract;
  /** The operator's API (it may move, e.g. after an operator restart on another port). */
  operatorUrl: string | undefined;
  private domainCache: bigint | undefined;

  constructor(private readonly opts: ZkClientOptions) {
    this.rollup = zkRollupAt(opts.rollup, opts.signer);
    this.operatorUrl = opts.operatorUrl;
  }

  get key(): ZkKey {
    return this.opts.key;
  }

  async domain(): Promise<bigint> {
    this.domainCache ??= BigInt(await this.rollup.domain());
    return this.domainCache;
  }

  // ------------------------------------------------------------------------------ L1

  /**
   * Deposits `amount` of `token` (0 = ETH) into a new account with this client's key, or into
   * existing account `accountIndex`. Approves an ERC-20 first when needed.
   */
  async deposit(p: { token?: number; amount: bigint; accountIndex?: bigint }): Promise<{
    accountIndex: bigint;
    depositNumber: bigint;
    l1Tx: string;
  }> {
    const token = p.token ?? 0;
    if (p.amount <= 0n) throw new InputError("amount", "must be positive");
    const index = p.accountIndex ?? 0n;
    const [ax, ay] = index === 0n ? [this.key.ax, this.key.ay] : [0n, 0n];
    let receipt: ContractTransactionReceipt | null;
    if (token === 0) {
      receipt = await l1("depositETH", async () =>
        (await this.rollup.depositETH(index, ax, ay, { value: p.amount })).wait(),
      );
    } else {
      const tokenAddress = (await this.rollup.tokenAddress(token)) as string;
      const erc20 = new Contract(tokenAddress, ERC20_ABI, this.opts.signer);
      const owner = await this.opts.signer.getAddress();
      if (((await erc20.allowance(owner, this.opts.rollup)) as bigint) < p.amount)
        await (await erc20.approve(this.opts.rollup, p.amount)).wait();
      receipt = await l1("depositERC20", async () =>
        (await this.rollup.depositERC20(token, p.amount, index, ax, ay)).wait(),
      );
    }
    for (const log of receipt?.logs ?? []) {
      const parsed = zkRollupInterface.parseLog(log);
      if (parsed?.name === "DepositQueued") {
        return {
          accountIndex: parsed.args.accountIndex as bigint,
          depositNumber: parsed.args.depositNumber as bigint,
          l1Tx: receipt?.hash as string,
        };
      }
    }
    throw new L2kitError("ZK_DEPOSIT_NO_EVENT", "the deposit transaction emitted no DepositQueued");
  }

  /** What the user can claim on L1 in `token` (withdrawals, refunds, exodus exits). */
  async claimable(token = 0): Promise<bigint> {
    return (await this.rollup.pendingWithdrawals(
      await this.opts.signer.getAddress(),
      token,
    )) as bigint;
  }

  /** Pays out everything claimable in `token` to the user's L1 account. */
  async claim(token = 0): Promise<{ amount: bigint; l1Tx: string }> {
    const amount = await this.claimable(token);
    if (amount === 0n)
      throw new L2kitError("ZK_NOTHING_TO_CLAIM", `nothing to claim in token ${token}`, { token });
    const receipt = await l1("withdraw", async () => (await this.rollup.withdraw(token)).wait());
    return { amount, l1Tx: receipt.hash as string };
  }

  // ------------------------------------------------------------------------------ L2 (operator)

  async account(index: bigint): Promise<AccountView> {
    const a = (await this.get(`/v1/accounts/${index}`)) as Record<string, unknown>;
    const p = a.pending as Record<string, string>;
    return {
      index: BigInt(a.index as string),
      token: Number(a.token),
      balance: BigInt(a.balance as string),
      nonce: BigInt(a.nonce as string),
      ax: BigInt(a.ax as string),
      ay: BigInt(a.ay as string),
      pending: {
        nonce: BigInt(p.nonce),
        balance: BigInt(p.balance),
        incoming: BigInt(p.incoming),
      },
    };
  }

  /** Signs and submits a transfer; the nonce is the account's next one unless given. */
  async transfer(p: {
    from: bigint;
    to: bigint;
    amount: bigint;
    fee?: bigint;
    nonce?: bigint;
  }): Promise<{ hash: string }> {
    if (p.to === 0n) throw new InputError("to", "must be an account index (use withdraw to exit)");
    return this.send({ ...p, to: p.to });
  }

  /** Signs and submits a withdrawal to the account's L1 owner. */
  async withdraw(p: {
    from: bigint;
    amount: bigint;
    fee?: bigint;
    nonce?: bigint;
  }): Promise<{ hash: string }> {
    return this.send({ ...p, to: 0n });
  }

  async status(hash: string): Promise<TxView> {
    return (await this.get(`/v1/transactions/${hash}`)) as TxView;
  }

  /** Polls a transaction until it reaches `status` (default: final on L1). */
  async waitFor(
    hash: string,
    status: TxView["status"] = "final",
    options: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<TxView> {
    const order = ["pending", "sealed", "proven", "submitted", "final"];
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    for (;;) {
      const t = await this.status(hash);
      if (order.indexOf(t.status) >= order.indexOf(status)) return t;
      if (Date.now() > deadline)
        throw new L2kitError("ZK_WAIT_TIMEOUT", `transaction ${hash} is still ${t.status}`, {
          hash,
        });
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
  }

  private async send(p: {
    from: bigint;
    to: bigint;
    amount: bigint;
    fee?: bigint;
    nonce?: bigint;
  }): Promise<{ hash: string }> {
    AMOUNT.requireExact(p.amount, "amount");
    const fee = FEE.requireExact(p.fee ?? 0n, "fee");
    const account = await this.account(p.from);
    const nonce = p.nonce ?? account.pending.nonce;
    const signed = this.key.sign(await this.domain(), {
      from: p.from,
      to: p.to,
      token: account.token,
      nonce,
      amount: p.amount,
      fee,
    });
    return (await this.post("/v1/transactions", txRequestBody(signed))) as { hash: string };
  }

  // ------------------------------------------------------------------------------ forced exit

  /**
   * Asks on L1 for the whole balance of account `accountIndex` (yours), without the operator:
   * the request joins the priority queue, a batch must process it before the deadline (its
   * balance becomes claimable with `claim`), or anyone may start exodus mode.
   */
  async forceExit(accountIndex: bigint): Promise<{ entryNumber: bigint; l1Tx: string }> {
    const receipt = await l1("forceExit", async () =>
      (await this.rollup.forceExit(accountIndex)).wait(),
    );
    for (const log of receipt?.logs ?? []) {
      const parsed = zkRollupInterface.parseLog(log);
      if (parsed?.name === "ForcedExitRequested")
        return { entryNumber: parsed.args.entryNumber as bigint, l1Tx: receipt?.hash as string };
    }
    throw new L2kitError("ZK_FORCE_EXIT_NO_EVENT", "forceExit emitted no ForcedExitRequested");
  }

  /**
   * Waits until forced exit `entryNumber` of account `accountIndex` is processed (what it paid is
   * then claimable) or exodus mode starts (then exit with `exodus`). Polls L1 every
   * `intervalMs`; `signal` interrupts it.
   */
  async waitForForcedExit(
    accountIndex: bigint,
    entryNumber: bigint,
    opts: { intervalMs?: number; signal?: AbortSignal; onWait?: (deadline: bigint) => void } = {},
  ): Promise<
    | { status: "processed"; amount: bigint; token: number; batch: bigint }
    | { status: "exodus"; deadline: bigint }
  > {
    const interval = opts.intervalMs ?? 2_000;
    const queued = (await this.rollup.queuedDeposit(entryNumber)) as { expiresAt: bigint };
    const deadline = queued.expiresAt;
    for (;;) {
      if (opts.signal?.aborted === true)
        throw new L2kitError("ZK_INTERRUPTED", "stopped waiting for the forced exit");
      if (((await this.rollup.depositsProcessed()) as bigint) >= entryNumber) {
        const logs = await this.rollup.queryFilter(
          this.rollup.filters.ForcedExitCredited(null, entryNumber, accountIndex),
        );
        const e = logs[0] as unknown as
          { args: { amount: bigint; tokenId: bigint; batchNumber: bigint } } | undefined;
        if (e === undefined)
          throw new L2kitError("ZK_FORCE_EXIT_NO_EVENT", "processed, but no ForcedExitCredited");
        return {
          status: "processed",
          amount: e.args.amount,
          token: Number(e.args.tokenId),
          batch: e.args.batchNumber,
        };
      }
      if ((await this.rollup.exodusMode()) as boolean) return { status: "exodus", deadline };
      opts.onWait?.(deadline);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  // ------------------------------------------------------------------------------ exodus

  /**
   * An unprocessed queue entry past its expiry (exodus may start with it); throws
   * `ZK_EXODUS_NOT_DUE` with the earliest expiry when there is none. Any waiting entry counts:
   * expiries are not in queue order.
   */
  async expiredEntry(): Promise<bigint> {
    const provider = this.opts.signer.provider;
    if (provider === null) throw new L2kitError("ZK_NO_PROVIDER", "the signer has no provider");
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const processed = (await this.rollup.depositsProcessed()) as bigint;
    const count = (await this.rollup.depositCount()) as bigint;
    let earliest: bigint | undefined;
    for (let n = processed + 1n; n <= count; n++) {
      const { expiresAt } = (await this.rollup.queuedDeposit(n)) as { expiresAt: bigint };
      if (expiresAt < now) return n;
      if (earliest === undefined || expiresAt < earliest) earliest = expiresAt;
    }
    throw new L2kitError(
      "ZK_EXODUS_NOT_DUE",
      earliest === undefined
        ? "exodus is not due: no deposit or forced exit waits in the queue"
        : `exodus is not due: the first queue entry to expire does so at ${new Date(Number(earliest) * 1000).toISOString()}`,
      { earliest },
    );
  }

  /**
   * Leaves the rollup in exodus mode using L1 data alone: starts exodus mode if a queue entry
   * has waited past the deadline, rebuilds the state from L1, exits account `accountIndex` (or,
   * without it, every account your L1 address owns that has not exited) with a Merkle proof
   * against the last verified root, and refunds every unprocessed deposit you made. What it
   * credits is paid out by `claim`, per token.
   */
  async exodus(accountIndex?: bigint): Promise<{
    exits: { account: bigint; token: number; amount: bigint }[];
    refunds: { deposit: number; token: number; amount: bigint }[];
  }> {
    if (!((await this.rollup.exodusMode()) as boolean)) {
      const due = await this.expiredEntry();
      await l1("activateExodus", async () => (await this.rollup.activateExodus(due)).wait());
    }
    const provider = this.opts.signer.provider;
    if (provider === null) throw new L2kitError("ZK_NO_PROVIDER", "the signer has no provider");
    const rebuilt = await rebuildFromL1({
      provider,
      rollup: this.opts.rollup,
      levels: Number(await this.rollup.levels()),
      domain: await this.domain(),
      shapes: await registeredShapes(this.rollup),
    });
    const onChainRoot = (await this.rollup.stateRoot()) as bigint;
    if (rebuilt.state.root !== onChainRoot) {
      throw new L2kitError(
        "ZK_REBUILD_MISMATCH",
        `the state rebuilt from L1 has root ${rebuilt.state.root}, the rollup ${onChainRoot}`,
      );
    }
    const me = (await this.opts.signer.getAddress()).toLowerCase();
    const mine = (d: { depositor: string }): boolean => d.depositor.toLowerCase() === me;
    // The accounts to exit: the one asked for, or every verified account this address created.
    let accounts: bigint[];
    if (accountIndex !== undefined) {
      if (rebuilt.state.account(accountIndex) === undefined)
        throw new L2kitError(
          "ZK_NO_ACCOUNT",
          `account ${accountIndex} is not in the verified state (an unprocessed deposit that would create it is refunded by zk exit without --account)`,
          { accountIndex },
        );
      accounts = [accountIndex];
    } else {
      accounts = [];
      for (const d of rebuilt.deposits)
        if (d.kind === 1 && mine(d) && rebuilt.state.account(d.to) !== undefined)
          if (!((await this.rollup.exited(d.to)) as boolean)) accounts.push(d.to);
    }
    const exits: { account: bigint; token: number; amount: bigint }[] = [];
    for (const i of accounts) {
      const account = rebuilt.state.account(i)!;
      const { siblings } = rebuilt.state.tree.proof(i);
      await l1("exodusWithdraw", async () =>
        (
          await this.rollup.exodusWithdraw(
            i,
            account.nonce,
            account.balance,
            account.ax,
            account.ay,
            siblings,
          )
        ).wait(),
      );
      exits.push({ account: i, token: account.token, amount: account.balance });
    }
    // Refunds: every deposit of this address no batch took (forced exits hold nothing).
    const refunds: { deposit: number; token: number; amount: bigint }[] = [];
    const processed = Number(await this.rollup.depositsProcessed());
    for (let n = processed + 1; n <= rebuilt.deposits.length; n++) {
      const d = rebuilt.deposits[n - 1];
      if (!mine(d) || d.kind === FORCED_EXIT) continue;
      if ((await this.rollup.depositRefunded(n)) as boolean) continue;
      await l1("refundDeposit", async () => (await this.rollup.refundDeposit(n)).wait());
      refunds.push({ deposit: n, token: d.token, amount: d.amount });
    }
    if (exits.length === 0 && refunds.length === 0)
      throw new L2kitError(
        "ZK_EXODUS_NOTHING",
        `${me} has no account left to exit and no unprocessed deposit to refund`,
      );
    return { exits, refunds };
  }

  // ------------------------------------------------------------------------------ HTTP

  private readonly api = new JsonApi(
    "operator",
    () => this.operatorUrl,
    (status, body, url) => new ZkApiError(status, body, url),
  );

  private get(path: string): Promise<unknown> {
    return this.api.get(path);
  }

  private post(path: string, body: unknown): Promise<unknown> {
    return this.api.post(path, body);
  }
}

/** The body of `POST /v1/transactions` for a signed transfer (to > 0) or withdrawal (to = 0). */
export function txRequestBody(signed: SignedTx): Record<string, unknown> {
  return {
    type: signed.to === 0n ? "withdraw" : "transfer",
    from: signed.from.toString(),
    ...(signed.to === 0n ? {} : { to: signed.to.toString() }),
    token: signed.token,
    nonce: signed.nonce.toString(),
    amount: signed.amount.toString(),
    fee: signed.fee.toString(),
    signature: {
      r8x: signed.signature.R8[0].toString(),
      r8y: signed.signature.R8[1].toString(),
      s: signed.signature.S.toString(),
    },
  };
}

/**
 * Runs an L1 call of the rollup; a revert comes back as a `ContractRevertError` (code
 * `ZK_ROLLUP_REVERTED`) naming the contract's error and its arguments.
 */
function l1<T>(call: string, fn: () => Promise<T>): Promise<T> {
  return callContract("ZK_ROLLUP_REVERTED", zkRollupInterface, call, fn);
}

/** Every batch shape registered in the rollup, by id. */
export async function registeredShapes(rollup: Contract): Promise<Record<number, BatchShape>> {
  const levels = Number(await rollup.levels());
  const shapes: Record<number, BatchShape> = {};
  for (let id = 0; id < 64; id++) {
    const s = (await rollup.shapeOf(id)) as {
      txSlots: bigint;
      withdrawSlots: bigint;
      depositSlots: bigint;
      feeSlots: bigint;
      verifier: string;
    };
    if (/^0x0{40}$/i.test(s.verifier)) continue;
    shapes[id] = {
      levels,
      txSlots: Number(s.txSlots),
      withdrawSlots: Number(s.withdrawSlots),
      depositSlots: Number(s.depositSlots),
      feeSlots: Number(s.feeSlots),
    };
  }
  return shapes;
}
