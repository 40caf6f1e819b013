/**
 * An in-process driver of the optimistic rollup's contracts, playing the sequencer, its users
 * and the game's two sides the way the real processes do (inbox calls, signed records, batches
 * with honest or deliberately doctored roots, bisection moves, one-step proofs) while keeping
 * the honest L2 state with the reference transition function. The tests, the bench and the
 * demo use it; the long-running sequencer and challenger services build on the same pieces.
 */
import {
  keccak256,
  toUtf8Bytes,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Interface,
  type Result,
  type Signer,
  type Wallet,
} from "ethers";
import type { ChallengeGame, OptimisticRollup } from "../../typechain-types";
import type { Eip712Domain } from "../lib/eip712";
import type { Hex } from "../lib/sparse-merkle";
import { executeBatch, proveStep, recordsCalldata, type BatchContent } from "./batch";
import { commitments as blobCommitments, encodeBlobs, ethersKzg } from "./blob";
import { answer, openingClaim, position } from "./game";
import type { InboxEntry, InboxKind } from "./protocol";
import { signTransfer, signWithdraw } from "./sign";
import { L2State } from "./state";

/** The contracts a driver talks to, and the challenger bond it attaches. */
export interface DriverContracts {
  rollup: OptimisticRollup;
  game: ChallengeGame;
  params: { challengerBond: bigint };
}

export interface PostedBatch {
  id: bigint;
  position: bigint;
  content: BatchContent;
  /** Honest L2 state before the batch (never mutated). */
  preState: L2State;
  /** Honest roots at every position. */
  honest: Hex[];
  /** What the poster claims (honest, or doctored after the fraudulent step). */
  claimed: Hex[];
  /** Whether each step was valid (an invalid step is a no-op). */
  valid: boolean[];
  receipt: ContractTransactionReceipt;
}

/** Roots that agree with `honest` up to position `fraudAt` and are garbage after it. */
export function doctored(honest: readonly Hex[], fraudAt: number, tag = "fraud"): Hex[] {
  return honest.map((root, j) =>
    j <= fraudAt ? root : (keccak256(toUtf8Bytes(`${tag} ${j}`)) as Hex),
  );
}

export class RollupDriver {
  state = new L2State();
  /** Inbox entries queued on L1 and not consumed by the chain. */
  pending: InboxEntry[] = [];
  /** Batches in the chain, in order (genesis excluded). */
  chain: PostedBatch[] = [];
  private readonly nonces = new Map<string, bigint>();

  constructor(
    readonly d: DriverContracts,
    readonly domain: Eip712Domain,
  ) {}

  /**
   * An independent copy: `loadFixture` restores the chain but hands every test the same fixture
   * objects, so each test must work on its own copy of the simulation.
   */
  fork(): RollupDriver {
    const copy = new RollupDriver(this.d, this.domain);
    copy.state = this.state.clone();
    copy.pending = [...this.pending];
    copy.chain = [...this.chain];
    for (const [k, v] of this.nonces) copy.nonces.set(k, v);
    return copy;
  }

  /** Sends an inbox call and records the entry as the contract queued it (its event). */
  private async queue(sent: Promise<ContractTransactionResponse>): Promise<InboxEntry> {
    const receipt = (await (await sent).wait()) as ContractTransactionReceipt;
    const args = eventArgs(receipt, this.d.rollup.interface, "InboxQueued");
    const entry: InboxEntry = {
      kind: Number(args.kind) as InboxKind,
      from: args.from as string,
      to: args.to as string,
      token: Number(args.token),
      amount: args.amount as bigint,
    };
    this.pending.push(entry);
    return entry;
  }

  depositETH(from: Signer, to: string, amount: bigint): Promise<InboxEntry> {
    return this.queue(this.d.rollup.connect(from).depositETH(to, { value: amount }));
  }

  /** Deposits a registered token (approve the rollup first); the entry holds what arrived. */
  depositERC20(from: Signer, tokenId: number, to: string, amount: bigint): Promise<InboxEntry> {
    return this.queue(this.d.rollup.connect(from).depositERC20(tokenId, to, amount));
  }

  forceTransfer(from: Signer, to: string, amount: bigint, tokenId = 0): Promise<InboxEntry> {
    return this.queue(this.d.rollup.connect(from).forceTransfer(to, tokenId, amount));
  }

  forceWithdraw(from: Signer, amount: bigint, recipient: string, tokenId = 0): Promise<InboxEntry> {
    return this.queue(this.d.rollup.connect(from).forceWithdraw(tokenId, amount, recipient));
  }

  private nextNonce(address: string): bigint {
    const key = address.toLowerCase();
    const nonce = this.nonces.get(key) ?? this.state.accountByAddress(address)?.nonce ?? 0n;
    this.nonces.set(key, nonce + 1n);
    return nonce;
  }

  /** A signed ETH transfer record from `from` (who must have an account by the time it runs). */
  async transfer(
    from: Signer,
    toAddress: string,
    amount: bigint,
    opts: { fee?: bigint; byIndex?: boolean } = {},
  ): Promise<Uint8Array> {
    const address = await from.getAddress();
    const fromIndex = this.state.indexOf(address) ?? 0n;
    const toIndex = this.state.indexOf(toAddress);
    return signTransfer(from, this.domain, {
      from: fromIndex,
      to: opts.byIndex !== false && toIndex !== undefined ? toIndex : toAddress,
      toAddress,
      token: 0,
      amount,
      fee: opts.fee ?? 0n,
      nonce: this.nextNonce(address),
    });
  }

  async withdraw(from: Signer, amount: bigint, fee = 0n): Promise<Uint8Array> {
    const address = await from.getAddress();
    return signWithdraw(from, this.domain, {
      from: this.state.indexOf(address) ?? 0n,
      token: 0,
      amount,
      fee,
      nonce: this.nextNonce(address),
    });
  }

  /**
   * Posts a batch of the first `inboxCount` pending entries (all by default) and `records`,
   * claiming the honest root, or doctored roots from step `fraudAt` on.
   */
  async post(
    records: Uint8Array[],
    opts: { signer?: Signer; inboxCount?: number; fraudAt?: number; feeAccount?: bigint } = {},
  ): Promise<PostedBatch> {
    const rollup = opts.signer ? this.d.rollup.connect(opts.signer) : this.d.rollup;
    return this.submit(records, opts, undefined, (content, prevRoot, newRoot) =>
      rollup.postBatch(
        prevRoot,
        newRoot,
        content.inbox.length,
        content.feeAccount,
        recordsCalldata(content),
      ),
    );
  }

  private async submit(
    records: Uint8Array[],
    opts: { inboxCount?: number; fraudAt?: number; feeAccount?: bigint },
    blobs: BatchContent["blobs"],
    send: (
      content: BatchContent,
      prevRoot: string,
      newRoot: string,
    ) => Promise<ContractTransactionResponse>,
  ): Promise<PostedBatch> {
    const inbox = this.pending.slice(0, opts.inboxCount ?? this.pending.length);
    const content: BatchContent = { inbox, records, feeAccount: opts.feeAccount ?? 0n, blobs };
    const preState = this.state.clone();
    const { roots: honest, results } = executeBatch(this.state, content, this.domain);
    const claimed = opts.fraudAt === undefined ? honest : doctored(honest, opts.fraudAt);
    const tx = await send(content, await this.d.rollup.headRoot(), claimed[claimed.length - 1]);
    const receipt = (await tx.wait()) as ContractTransactionReceipt;
    const event = eventArgs(receipt, this.d.rollup.interface, "BatchPosted");
    this.pending = this.pending.slice(inbox.length);
    const posted: PostedBatch = {
      id: event.id as bigint,
      position: event.position as bigint,
      content,
      preState,
      honest,
      claimed,
      valid: results.map((r) => r.valid),
      receipt,
    };
    this.chain.push(posted);
    return posted;
  }

  /**
   * Posts a batch as `post` does, with its records in EIP-4844 blobs. The poster must be a
   * `Wallet` (blob transactions are sent raw); `maxFeePerBlobGas` defaults to 10 gwei.
   */
  async postBlob(
    records: Uint8Array[],
    opts: {
      signer: Wallet;
      inboxCount?: number;
      fraudAt?: number;
      feeAccount?: bigint;
      maxFeePerBlobGas?: bigint;
    },
  ): Promise<PostedBatch> {
    const blobs = encodeBlobs(records);
    const commitments = blobCommitments(blobs);
    return this.submit(records, opts, { blobs, commitments }, (content, prevRoot, newRoot) =>
      this.d.rollup
        .connect(opts.signer)
        .postBlobBatch(
          prevRoot,
          newRoot,
          content.inbox.length,
          content.feeAccount,
          records.length,
          {
            type: 3,
            blobs: blobs.map((b) => `0x${Buffer.from(b).toString("hex")}`),
            kzg: ethersKzg,
            maxFeePerBlobGas: opts.maxFeePerBlobGas ?? 10n ** 10n,
            // Gas estimation runs without the blobs (BLOBHASH is 0 there), so it cannot be used.
            gasLimit: 1_000_000n,
          } as never,
        ),
    );
  }

  /** Mirrors a discard: `batch` and its successors leave the chain, their inbox entries return. */
  discardFrom(batch: PostedBatch): void {
    const i = this.chain.indexOf(batch);
    if (i < 0) throw new Error("batch not in the simulated chain");
    const dropped = this.chain.splice(i);
    this.pending = [...dropped.flatMap((b) => b.content.inbox), ...this.pending];
    this.state = batch.preState.clone();
    this.nonces.clear();
  }

  /** Opens a game on `batch` as `challenger`, believing `roots`. */
  async challenge(batch: PostedBatch, challenger: Signer, roots: readonly Hex[] = batch.honest) {
    const tx = await this.d.game
      .connect(challenger)
      .challenge(batch.id, openingClaim(roots), { value: this.d.params.challengerBond });
    const receipt = (await tx.wait()) as ContractTransactionReceipt;
    return {
      gameId: eventArgs(receipt, this.d.game.interface, "GameStarted").gameId as bigint,
      receipt,
    };
  }

  /**
   * Plays game `gameId` until one step is left, each side answering from the roots it believes
   * (the defender claims `defenderRoots`, the challenger `challengerRoots`). Returns the receipts.
   */
  async bisect(
    gameId: bigint,
    defender: { signer: Signer; roots: readonly Hex[] },
    challenger: { signer: Signer; roots: readonly Hex[] },
  ): Promise<ContractTransactionReceipt[]> {
    const receipts: ContractTransactionReceipt[] = [];
    for (;;) {
      const g = await this.d.game.gameOf(gameId);
      const { lo, hi } = position(g.position);
      if (hi - lo < 2) return receipts;
      const side = g.turn === 1n ? defender : challenger;
      const move = answer(side.roots, lo, hi, g.midRoot as Hex);
      const tx = await this.d.game.connect(side.signer).move(gameId, move.agree, move.midRoot);
      receipts.push((await tx.wait()) as ContractTransactionReceipt);
    }
  }

  /**
   * Opens a game on `batch` as `challenger` and plays it down to one step against `defender`
   * (who claims the batch's posted roots; the challenger believes `challengerRoots`, the honest
   * ones by default). Returns the receipts and the one-step proof of the remaining step.
   */
  async dispute(
    batch: PostedBatch,
    defender: Signer,
    challenger: Signer,
    challengerRoots: readonly Hex[] = batch.honest,
  ) {
    const opened = await this.challenge(batch, challenger, challengerRoots);
    const moves = await this.bisect(
      opened.gameId,
      { signer: defender, roots: batch.claimed },
      { signer: challenger, roots: challengerRoots },
    );
    const proof = await this.stepProof(opened.gameId, batch);
    return { gameId: opened.gameId, opened: opened.receipt, moves, proof };
  }

  /** The one-step proof of the game's remaining step (from the honest pre-state). */
  async stepProof(gameId: bigint, batch: PostedBatch) {
    const g = await this.d.game.gameOf(gameId);
    return proveStep(batch.preState, batch.content, position(g.position).lo, this.domain).proof;
  }
}

/** The arguments of the first `name` event in `receipt`, which must have one. */
function eventArgs(receipt: ContractTransactionReceipt, iface: Interface, name: string): Result {
  for (const log of receipt.logs) {
    const parsed = iface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  throw new Error(`transaction ${receipt.hash} emitted no ${name}`);
}
