/**
 * The optimistic rollup's user side, as an SDK: signing L2 transactions for the sequencer's API,
 * and `OptimisticClient`, which does everything a user does (deposit, transfer, withdraw, prove a
 * withdrawal after finality, claim on L1, force a transaction through the L1 inbox). The CLI
 * (`npx l2kit optimistic deposit|transfer|...`) is a thin layer over it.
 */
import {
  concat,
  Contract,
  keccak256,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Provider,
  type Wallet,
} from "ethers";
import { L2kitError } from "../core/errors";
import { ApiError, callContract, JsonApi } from "../core/http-client";
import type { Eip712Domain, TypedDataSigner } from "../lib/eip712";
import { AMOUNT, FEE } from "../lib/float";
import { optimisticRollupAt, optimisticRollupInterface } from "./abi";
import { NonceJournal } from "./nonce-journal";
import { checkAddress, checkToken, rollupDomain, TRANSFER, WITHDRAW } from "./protocol";
import type { SignedL2Tx } from "./sequencer/db";
import type { TxBody } from "./sequencer/api";

export interface L2TxParams {
  type: "transfer" | "withdraw";
  /** Recipient address (transfers). */
  to?: string;
  token?: number;
  amount: bigint;
  fee?: bigint;
  nonce: bigint;
}

/** Signs a transfer or withdrawal as `signer` (the sender's L1 key owns its L2 account). */
export async function signL2Tx(
  signer: TypedDataSigner & { getAddress(): Promise<string> },
  domain: Eip712Domain,
  p: L2TxParams,
): Promise<SignedL2Tx> {
  const token = checkToken(p.token ?? 0);
  const common = { token, amount: p.amount, fee: p.fee ?? 0n, nonce: p.nonce };
  const sender = await signer.getAddress();
  if (p.type === "transfer") {
    const to = checkAddress(p.to ?? "", "to");
    const signature = await TRANSFER.sign(signer, domain, { to, ...common });
    return { type: "transfer", sender, recipient: to, ...common, signature };
  }
  const signature = await WITHDRAW.sign(signer, domain, common);
  return { type: "withdraw", sender, ...common, signature };
}

/**
 * The hash the sequencer gives a transaction: keccak256(sender ‖ EIP-712 digest). The client
 * computes it itself: the journal and `waitFor` never take the API's word for which transaction a
 * hash names.
 */
export function l2TxHash(tx: SignedL2Tx, domain: Eip712Domain): string {
  const common = { token: tx.token, amount: tx.amount, fee: tx.fee, nonce: tx.nonce };
  const digest =
    tx.type === "transfer"
      ? TRANSFER.digest(domain, { to: tx.recipient as string, ...common })
      : WITHDRAW.digest(domain, common);
  return keccak256(concat([tx.sender, digest]));
}

/** The `POST /v1/transactions` body of a signed transaction. */
export function txRequestBody(tx: SignedL2Tx): TxBody {
  return {
    type: tx.type,
    from: tx.sender,
    ...(tx.recipient === undefined ? {} : { to: tx.recipient }),
    token: tx.token,
    nonce: tx.nonce.toString(),
    amount: tx.amount.toString(),
    fee: tx.fee.toString(),
    signature: tx.signature,
  };
}

/** A transaction as `GET /v1/transactions/:hash` reports it. */
export interface L2TxView extends Omit<TxBody, "signature"> {
  hash: string;
  status: "pending" | "rejected" | "sealed" | "posted" | "final";
  reason?: string;
  batch?: number;
  batchId?: number;
  requeuedAfterDiscard?: number;
}

export interface L2AccountView {
  address: string;
  index: string;
  nonce: string;
  balances: Record<string, string>;
  pending: { nonce: string; balances: Record<string, string> };
}

export interface WithdrawalView {
  id: string;
  recipient: string;
  token: number;
  amount: string;
  final: boolean;
}

export interface OptimisticClientOptions {
  rollup: string;
  /** The user's L1 key: it owns the L2 account and pays for L1 calls. */
  signer: Wallet;
  /** The sequencer's API (transfers, withdrawals, proofs); L1 calls work without it. */
  sequencerUrl?: string;
  /**
   * Where this client records the nonces it signed (`NonceJournal`), so that a lying API cannot
   * get two signatures that both run; unset: kept in memory for this client's life.
   */
  nonceJournal?: string;
}

const STATUS_ORDER = ["pending", "sealed", "posted", "final"] as const;

/**
 * The optimistic rollup's user client: L1 calls (deposits, forced transactions through the inbox,
 * withdrawal proofs, claims) and the sequencer's API (signed transfers and withdrawals, accounts,
 * proofs). Reverts come back with the contract's error decoded; API refusals as `ApiError`.
 */
export class OptimisticClient {
  readonly rollup: Contract;
  private readonly api: JsonApi;
  private domainCache: Eip712Domain | undefined;
  private readonly journal: NonceJournal;

  constructor(private readonly opts: OptimisticClientOptions) {
    this.rollup = optimisticRollupAt(opts.rollup, opts.signer);
    this.api = new JsonApi("sequencer", () => opts.sequencerUrl);
    this.journal = new NonceJournal(opts.nonceJournal);
  }

  get address(): string {
    return this.opts.signer.address;
  }

  async domain(): Promise<Eip712Domain> {
    if (this.domainCache === undefined) {
      const { chainId } = await (this.opts.signer.provider as Provider).getNetwork();
      this.domainCache = rollupDomain(chainId, this.opts.rollup);
    }
    return this.domainCache;
  }

  // ---- L1 ----

  /** Deposits ETH (token 0) or a registered ERC-20 (approving it first) to `to` on L2. */
  async deposit(p: { amount: bigint; token?: number; to?: string }): Promise<string> {
    const to = checkAddress(p.to ?? this.address, "to");
    const token = checkToken(p.token ?? 0);
    if (token === 0)
      return this.l1("depositETH", () => this.rollup.depositETH(to, { value: p.amount }));
    const erc20 = new Contract(
      (await this.rollup.tokenAddress(token)) as string,
      ["function approve(address spender, uint256 amount) returns (bool)"],
      this.opts.signer,
    );
    await (await erc20.approve(this.opts.rollup, p.amount)).wait();
    return this.l1("depositERC20", () => this.rollup.depositERC20(token, to, p.amount));
  }

  /**
   * Refuses a forced transaction while this client holds signatures that may still run: a forced
   * transaction does not consume the L2 nonce, so a signature the sequencer held back can still run
   * after it, and the user pays twice (tenth independent attack on issue 21). `again` overrides.
   */
  private checkNothingHeld(again: boolean | undefined): void {
    if (again === true) return;
    const held = this.journal.unsettled();
    if (held.length > 0) {
      throw new L2kitError(
        "OPT_SIGNATURES_UNSETTLED",
        `this client holds signed transactions at nonce ${held.join(", ")} that the sequencer has not been seen to run; a forced transaction does not cancel them, and they may still run after it. Check each (optimistic status). Safe way out from a sequencer that censors you: force-withdraw your whole balance (whichever runs first, the other fails for want of funds; force-withdraw again what is left), then pay on L1. To force anyway, pass --again`,
        { nonces: held.map(String) },
      );
    }
  }

  /** Forces a transfer of the caller's L2 funds through the L1 inbox (when the sequencer ignores it). */
  async forceTransfer(p: {
    to: string;
    amount: bigint;
    token?: number;
    again?: boolean;
  }): Promise<string> {
    this.checkNothingHeld(p.again);
    return this.l1("forceTransfer", () =>
      this.rollup.forceTransfer(checkAddress(p.to, "to"), checkToken(p.token ?? 0), p.amount),
    );
  }

  /** Forces a withdrawal of the caller's L2 funds to `recipient` on L1 through the inbox. */
  async forceWithdraw(p: {
    amount: bigint;
    token?: number;
    recipient?: string;
    again?: boolean;
  }): Promise<string> {
    this.checkNothingHeld(p.again);
    return this.l1("forceWithdraw", () =>
      this.rollup.forceWithdraw(
        checkToken(p.token ?? 0),
        p.amount,
        checkAddress(p.recipient ?? this.address, "recipient"),
      ),
    );
  }

  /** Proves withdrawal `id` (from the sequencer's proof against the last final batch). */
  async proveWithdrawal(id: bigint): Promise<string> {
    const p = (await this.api.get(`/v1/withdrawals/${id}/proof`)) as {
      position: number;
      header: Record<string, string>;
      withdrawal: { recipient: string; token: number; amount: string };
      bitmap: string;
      siblings: string[];
    };
    return this.l1("proveWithdrawal", () =>
      this.rollup.proveWithdrawal(
        p.position,
        p.header,
        id,
        p.withdrawal.recipient,
        p.withdrawal.token,
        p.withdrawal.amount,
        p.bitmap,
        p.siblings,
      ),
    );
  }

  /** Pays out everything credited to this account in `token` on L1 (withdrawals, rewards). */
  claim(token = 0): Promise<string> {
    return this.l1("claim", () => this.rollup.claim(checkToken(token)));
  }

  /** What `claim(token)` would pay now. */
  async claimable(token = 0): Promise<bigint> {
    return (await this.rollup.claimable(this.address, token)) as bigint;
  }

  // ---- L2, through the sequencer ----

  async account(address = this.address): Promise<L2AccountView> {
    return (await this.api.get(`/v1/accounts/${address}`)) as L2AccountView;
  }

  async withdrawals(address = this.address): Promise<WithdrawalView[]> {
    return (
      (await this.api.get(`/v1/accounts/${address}/withdrawals`)) as {
        withdrawals: WithdrawalView[];
      }
    ).withdrawals;
  }

  /** `again`: the same payment was signed before and is meant to be paid once more. */
  async transfer(p: {
    to: string;
    amount: bigint;
    fee?: bigint;
    token?: number;
    nonce?: bigint;
    again?: boolean;
  }) {
    return this.send({ type: "transfer", ...p });
  }

  async withdraw(p: {
    amount: bigint;
    fee?: bigint;
    token?: number;
    nonce?: bigint;
    again?: boolean;
  }) {
    return this.send({ type: "withdraw", ...p });
  }

  /** What the sequencer says of a transaction; the journal records a rejection (it may still run). */
  async status(hash: string): Promise<L2TxView> {
    const view = (await this.api.get(`/v1/transactions/${hash}`)) as L2TxView;
    this.journal.observe(hash, view.status);
    return view;
  }

  /** Polls a transaction until it reaches `status` (throws if it is rejected). */
  async waitFor(
    hash: string,
    status: (typeof STATUS_ORDER)[number] = "posted",
    options: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<L2TxView> {
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    for (;;) {
      // `status` records what the API says in the journal.
      const t = await this.status(hash);
      if (t.status === "rejected") {
        throw new L2kitError("OPT_TX_REJECTED", `transaction ${hash} was rejected: ${t.reason}`, {
          hash,
          reason: t.reason,
        });
      }
      if (STATUS_ORDER.indexOf(t.status) >= STATUS_ORDER.indexOf(status)) return t;
      if (Date.now() > deadline)
        throw new L2kitError("OPT_WAIT_TIMEOUT", `transaction ${hash} is still ${t.status}`, {
          hash,
        });
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
  }

  private async send(
    p: Omit<L2TxParams, "nonce"> & { nonce?: bigint; again?: boolean },
  ): Promise<{ hash: string }> {
    AMOUNT.requireExact(p.amount, "amount");
    const fee = FEE.requireExact(p.fee ?? 0n, "fee");
    const nonce = p.nonce ?? this.journal.next(BigInt((await this.account()).pending.nonce));
    const signed = await signL2Tx(this.opts.signer, await this.domain(), { ...p, fee, nonce });
    // Recorded before it leaves: from now on the signature may run.
    const hash = l2TxHash(signed, await this.domain());
    this.journal.signed(nonce, hash, {
      explicit: p.nonce !== undefined,
      // The payment without nonce and fee: a re-send with a higher fee is the same payment.
      payment: l2TxHash({ ...signed, nonce: 0n, fee: 0n }, await this.domain()),
      again: p.again === true,
    });
    let answer: unknown;
    try {
      answer = await this.api.post("/v1/transactions", txRequestBody(signed));
    } catch (error) {
      // Refused, failed or unanswered: the API may hold the signature all the same (a 5xx after
      // storing it, a connection that dropped after the body went). The next signature takes
      // this nonce (fifth independent attack on issue 21).
      this.journal.mark(nonce, { state: "rejected" });
      throw error;
    }
    const given = (answer as { hash?: unknown } | null)?.hash;
    if (typeof given !== "string" || given.toLowerCase() !== hash.toLowerCase()) {
      this.journal.mark(nonce, { state: "rejected" });
      throw new L2kitError(
        "OPT_BAD_TX_HASH",
        `the sequencer answered hash ${String(given)} for transaction ${hash} (nonce ${nonce}): it is not this transaction's; the next transaction will replace it at nonce ${nonce}`,
        { hash, given: String(given) },
      );
    }
    return { hash };
  }

  private async l1(call: string, fn: () => Promise<ContractTransactionResponse>): Promise<string> {
    return callContract("OPT_ROLLUP_REVERTED", optimisticRollupInterface, call, async () => {
      const receipt = (await (await fn()).wait()) as ContractTransactionReceipt;
      return receipt.hash;
    });
  }
}
