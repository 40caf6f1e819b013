/**
 * The optimistic rollup's challenger: a watcher that keeps the sequencer honest.
 *
 * - **Sync from L1 alone**: inbox entries and batches come from the rollup's events; a batch's
 *   records come from its posting transaction's calldata (`postBatch`), checked against the
 *   record root the contract computed. A batch whose records cannot be read that way (posted
 *   through another contract, or in blobs with no blob source) is reported `unreadable`: an alarm,
 *   since it cannot be verified.
 * - **Verify**: every batch is re-executed, in chain order, with the reference transition function;
 *   a batch whose claimed root differs from the honest one is invalid. Only the first invalid
 *   batch is disputed: every later batch builds on its root and leaves the chain with it.
 * - **Dispute** within the window with `challengerBond`, then **play** the bisection game to the
 *   end: answer each claim from the honest roots, call `timeout` when the opponent's clock has run
 *   out, submit the one-step proof when one step is left, and collect the bond and reward.
 * - **Defend** (watchdog mode, with the sequencer's key): answer games opened on valid batches the
 *   same way, from the defender's side.
 *
 * Persistence: the chain as read from L1, the verdicts and the games are in SQLite; a restarted
 * challenger replays the stored chain to rebuild the honest state and the roots of each game's
 * batch, reads each game's position from L1 and carries on. Every L1 transaction goes through the
 * core publisher under a key naming the game and its move, so a restart never sends one twice.
 */
import type { Contract, Provider } from "ethers";
import { describeError, L2kitError, TxRevertedError } from "../../core/errors";
import { pollOf, type L1PollConfig } from "../../core/settings";
import { silentLogger, type Logger } from "../../core/log";
import { RoundLoop } from "../../core/loop";
import {
  Publisher,
  type PublishedTx,
  type PublisherConfig,
  type TxSigner,
} from "../../core/publisher";
import type { Store } from "../../core/store";
import { Watcher, type WatchedEvent } from "../../core/watcher";
import type { Eip712Domain } from "../../lib/eip712";
import type { Hex } from "../../lib/sparse-merkle";
import {
  challengeGameAt,
  challengeGameInterface,
  optimisticRollupAt,
  optimisticRollupInterface,
} from "../abi";
import { executeBatch, proveStep, type BatchContent } from "../batch";
import { recordTree, splitRecords } from "../codec";
import { SignatureChecker } from "../ecdsa";
import { answer, openingClaim, position } from "../game";
import { L2State } from "../state";
import type { StepContext } from "../transition";
import { ChallengerDb, type ChainBatch, type GameRow } from "./db";

export interface ChallengerConfig extends L1PollConfig {
  rollup: string;
  game: string;
  chainId: bigint;
  domain: Eip712Domain;
  fromBlock: number;
  challengerBond: bigint;
  challengeWindowSeconds: number;
  /** Dispute invalid batches (the challenger's job); off for a pure watchdog. */
  challenge: boolean;
  /** Defend valid batches this account posted when someone disputes them (watchdog mode). */
  defend: boolean;
  publisher: PublisherConfig;
}

export interface ChallengerDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

/**
 * The records of a batch posted by a direct `postBatch` call with calldata `data`, checked against
 * the batch's record count and the record root the contract computed; throws otherwise.
 */
export function recordsFromCalldata(data: string, recordCount: number, recordRoot: string): Hex {
  const parsed = optimisticRollupInterface.parseTransaction({ data });
  if (parsed?.name !== "postBatch") throw new Error("not a direct postBatch call");
  const records = parsed.args.records as Hex;
  const split = splitRecords(Buffer.from(records.slice(2), "hex"));
  if (split.length !== recordCount || recordTree(split).root !== recordRoot.toLowerCase())
    throw new Error("the calldata does not match the batch's record root");
  return records;
}

/** The challenger's database file for one deployment and account. */
export function challengerDbFile(chainId: bigint, rollup: string, account: string): string {
  return `optimistic-challenger-${chainId}-${rollup.toLowerCase()}-${account.toLowerCase()}.sqlite`;
}

/** Game status values of `IChallengeGame.Status`. */
const STATUS = { Active: 1n, DefenderWon: 2n, ChallengerWon: 3n, Closed: 4n } as const;
/** Party values of `IChallengeGame.Party`. */
const PARTY = { Defender: 1n, Challenger: 2n } as const;

interface Disputed {
  preState: L2State;
  content: BatchContent;
  roots: Hex[];
}

export class Challenger {
  readonly db: ChallengerDb;
  private readonly log: Logger;
  private readonly publisher: Publisher;
  private readonly watcher: Watcher;
  private readonly rollup: Contract;
  private readonly game: Contract;
  /** Honest state after the last verified batch, and that batch's position. */
  private state = new L2State();
  private verifiedPosition = 0;
  /** The roots and pre-state of batches in a game we play, by batch id. */
  private readonly inPlay = new Map<number, Disputed>();
  private readonly checker = new SignatureChecker();
  private readonly loop: RoundLoop;

  constructor(
    readonly config: ChallengerConfig,
    private readonly deps: ChallengerDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "optimistic-challenger" });
    this.db = new ChallengerDb(deps.store);
    this.db.meta.bindDeployment(
      {
        chainId: config.chainId.toString(),
        rollup: config.rollup.toLowerCase(),
        account: deps.signer.address.toLowerCase(),
      },
      "use another --data-dir",
    );
    this.rollup = optimisticRollupAt(config.rollup, deps.provider);
    this.game = challengeGameAt(config.game, deps.provider);
    this.loop = new RoundLoop("challenger", config.pollIntervalMs, () => this.tick(), this.log);
    this.publisher = new Publisher(config.publisher, {
      provider: deps.provider,
      signer: deps.signer,
      store: deps.store,
      log: this.log,
    });
    const rollupEvents = [
      "InboxQueued",
      "BatchPosted",
      "BlobsPosted",
      "BatchFinalized",
      "BatchesDiscarded",
    ];
    const gameEvents = ["GameStarted", "GameResolved", "GameClosed"];
    this.watcher = new Watcher(
      {
        name: `optimistic-challenger-${config.rollup.toLowerCase()}`,
        addresses: [config.rollup, config.game],
        abi: [
          ...rollupEvents.map((n) => optimisticRollupInterface.getEvent(n)!.format("full")),
          ...gameEvents.map((n) => challengeGameInterface.getEvent(n)!.format("full")),
        ],
        fromBlock: config.fromBlock,
        ...pollOf(config),
      },
      {
        provider: deps.provider,
        store: deps.store,
        log: this.log,
        handlers: {
          onEvents: (e) => this.onEvents(e),
          onRewind: (block) => {
            this.db.deleteFrom(block);
            this.reset();
          },
        },
      },
    );
    this.reset();
  }

  get address(): string {
    return this.deps.signer.address;
  }

  async start(): Promise<void> {
    await this.publisher.start();
    this.loop.start();
    this.log.info("challenger started", {
      rollup: this.config.rollup,
      account: this.address,
      challenge: this.config.challenge,
      defend: this.config.defend,
      activeGames: this.db.games("active").length,
    });
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    this.publisher.stop();
    await this.loop.stop();
  }

  /** One round: read L1, verify what is new, open disputes, play every game. */
  async tick(): Promise<void> {
    await this.watcher.poll();
    await this.fillRecords();
    this.verify();
    if (this.config.challenge) await this.openDisputes();
    await this.playGames();
  }

  // ------------------------------------------------------------------------------ L1 sync

  private onEvents(events: WatchedEvent[]): void {
    for (const e of events) {
      const a = e.args;
      switch (e.name) {
        case "InboxQueued":
          this.db.inbox.appendEvent(e);
          break;
        case "BatchPosted":
          this.db.insertBatch({
            id: Number(a.id),
            position: Number(a.position),
            sequencer: a.sequencer as string,
            stateRoot: a.stateRoot as Hex,
            recordRoot: a.recordRoot as Hex,
            inboxStart: Number(a.inboxStart),
            inboxCount: Number(a.inboxCount),
            recordCount: Number(a.recordCount),
            feeAccount: Number(a.feeAccount),
            l1Tx: e.transactionHash,
            block: e.blockNumber,
          });
          break;
        case "BlobsPosted":
          this.db.markBlob(Number(a.id));
          break;
        case "BatchFinalized":
          this.db.finalUpTo(Number(a.position));
          break;
        case "BatchesDiscarded": {
          const from = Number(a.fromPosition);
          this.db.discardFrom(from);
          this.log.warn("batches discarded", {
            fromPosition: from,
            invalidBatchId: a.invalidBatchId,
          });
          if (from <= this.verifiedPosition) this.reset();
          break;
        }
        case "GameStarted": {
          const defender = (a.defender as string).toLowerCase();
          const challenger = (a.challenger as string).toLowerCase();
          const me = this.address.toLowerCase();
          const role = challenger === me ? "challenger" : defender === me ? "defender" : undefined;
          if (role === "defender" && !this.config.defend) {
            this.log.warn("a batch of this account is disputed, and defending is off", {
              gameId: a.gameId,
              batchId: a.batchId,
            });
          }
          if (role === "challenger" || (role === "defender" && this.config.defend)) {
            this.db.insertGame({
              gameId: Number(a.gameId),
              batchId: Number(a.batchId),
              role,
              openedAt: Date.now(),
            });
          }
          break;
        }
        case "GameResolved":
        case "GameClosed":
          // The game loop reads the outcome from L1 and settles it.
          break;
      }
    }
  }

  /** Reads the records of new batches from their posting transactions. */
  private async fillRecords(): Promise<void> {
    for (const b of this.db.unfilled()) {
      const onChain = await this.rollup.batchById(b.id);
      const postedAt = Number(onChain.postedAt);
      if (b.blob) {
        this.db.fill(
          b.id,
          postedAt,
          null,
          "records are in blobs and this node serves no blob data",
        );
        continue;
      }
      const tx = await this.deps.provider.getTransaction(b.l1Tx);
      let records: Hex | null = null;
      let unreadable: string | undefined;
      try {
        if (tx === null) throw new Error("the node does not know the transaction");
        records = recordsFromCalldata(tx.data, b.recordCount, b.recordRoot);
      } catch (error) {
        unreadable = `records not readable from transaction ${b.l1Tx}: ${describeError(error)}`;
        this.log.error("batch unreadable: it cannot be verified", { id: b.id, reason: unreadable });
      }
      this.db.fill(b.id, postedAt, records, unreadable);
    }
  }

  // ------------------------------------------------------------------------------ verify

  /** How verification runs steps: no witnesses, signatures through the prepared-key checker. */
  private readonly execution: Pick<StepContext, "checkSignature" | "witness"> = {
    witness: false,
    checkSignature: (digest, signature, owner) => this.checker.check(digest, signature, owner),
  };

  private content(b: ChainBatch): BatchContent {
    return {
      inbox: this.db.inbox.range(b.inboxStart, b.inboxCount),
      records: splitRecords(Buffer.from((b.records as string).slice(2), "hex")),
      feeAccount: BigInt(b.feeAccount),
    };
  }

  /** Forgets the honest state: the next round replays the stored chain from genesis. */
  private reset(): void {
    this.state = new L2State();
    this.verifiedPosition = 0;
    this.inPlay.clear();
  }

  /** Re-executes the chain's batches in order, from the last verified one. */
  private verify(): void {
    for (const b of this.db.chain(this.verifiedPosition)) {
      if (b.position !== this.verifiedPosition + 1) return;
      if (b.verdict === "unreadable") return;
      if (b.records === null || b.postedAt === null) return;
      if (this.inPlay.has(b.id)) return; // found invalid, still in the chain: wait for its discard
      const executed = executeBatch(
        this.state,
        this.content(b),
        this.config.domain,
        this.execution,
      );
      const honest = executed.roots[executed.roots.length - 1];
      if (honest.toLowerCase() === b.stateRoot.toLowerCase()) {
        if (b.verdict !== "valid") this.db.setVerdict(b.id, "valid");
        this.verifiedPosition = b.position;
        continue;
      }
      // Invalid (rare): replay the state before it, which the game needs; later batches build on
      // its root and fall with it.
      if (b.verdict !== "invalid") {
        this.db.setVerdict(b.id, "invalid", `claims ${b.stateRoot}, honest root ${honest}`);
        this.log.warn("invalid batch", {
          id: b.id,
          position: b.position,
          claimed: b.stateRoot,
          honest,
        });
      }
      const d = this.prepare(b.id) as Disputed;
      this.state = d.preState.clone();
      return;
    }
  }

  /**
   * The honest pre-state and roots of batch `id` (replaying the stored chain before it), for a
   * game on a batch this round of verification did not keep (a valid batch, after a restart).
   */
  private prepare(id: number): Disputed | undefined {
    const known = this.inPlay.get(id);
    if (known !== undefined) return known;
    const target = this.db.batch(id);
    if (target === undefined || target.records === null) return undefined;
    const state = new L2State();
    for (const b of this.db.chain()) {
      if (b.position >= target.position) break;
      if (b.records === null) return undefined;
      executeBatch(state, this.content(b), this.config.domain, this.execution);
    }
    const preState = state.clone();
    const content = this.content(target);
    const roots = executeBatch(state, content, this.config.domain, this.execution).roots;
    const d = { preState, content, roots };
    this.inPlay.set(id, d);
    return d;
  }

  // ------------------------------------------------------------------------------ disputes

  private async openDisputes(): Promise<void> {
    const invalid = this.db.firstInvalid();
    if (invalid === undefined || this.db.gameOnBatch(invalid.id, "challenger") !== undefined)
      return;
    const d = this.prepare(invalid.id);
    if (d === undefined) return;
    const head = await this.deps.provider.getBlock("latest");
    if (
      head !== null &&
      head.timestamp >= (invalid.postedAt ?? 0) + this.config.challengeWindowSeconds
    ) {
      this.log.error("an invalid batch's window closed before it could be disputed", {
        id: invalid.id,
      });
      return;
    }
    this.log.warn("disputing batch", { id: invalid.id, position: invalid.position });
    const sent = await this.send(`challenge-${invalid.id}`, {
      to: this.config.game,
      data: challengeGameInterface.encodeFunctionData("challenge", [
        invalid.id,
        openingClaim(d.roots),
      ]),
      value: this.config.challengerBond,
    });
    const receipt = await this.deps.provider.getTransactionReceipt(sent.hash);
    for (const log of receipt?.logs ?? []) {
      const parsed = challengeGameInterface.parseLog(log);
      if (parsed?.name !== "GameStarted") continue;
      const gameId = Number(parsed.args.gameId);
      this.db.insertGame({ gameId, batchId: invalid.id, role: "challenger", openedAt: Date.now() });
      this.db.recordMove(gameId, sent.gasUsed, Date.now());
      this.log.info("game opened", { gameId, batchId: invalid.id, gasUsed: sent.gasUsed });
    }
  }

  // ------------------------------------------------------------------------------ games

  private async playGames(): Promise<void> {
    for (const row of this.db.games("active")) {
      try {
        await this.play(row);
      } catch (error) {
        if (this.loop.signal.aborted) return;
        this.log.error("game move failed", { gameId: row.gameId, error: describeError(error) });
      }
    }
    await this.collect();
  }

  /** Records the outcome of a game that is over on L1; false while it is still on. */
  private settle(row: GameRow, status: bigint): boolean {
    if (status === STATUS.Active) return false;
    const won =
      (status === STATUS.ChallengerWon && row.role === "challenger") ||
      (status === STATUS.DefenderWon && row.role === "defender");
    const outcome = status === STATUS.Closed ? "closed" : won ? "won" : "lost";
    this.db.resolveGame(row.gameId, outcome, Date.now());
    this.log.info("game over", {
      gameId: row.gameId,
      outcome,
      gasUsed: this.db.game(row.gameId)?.gasUsed,
    });
    return true;
  }

  private async play(row: GameRow): Promise<void> {
    const g = await this.game.gameOf(row.gameId);
    if (this.settle(row, g.status as bigint)) return;
    if (!(await this.rollup.isAlive(row.batchId))) {
      await this.send(`game-${row.gameId}-close`, {
        to: this.config.game,
        data: challengeGameInterface.encodeFunctionData("close", [row.gameId]),
      });
      return;
    }
    const d = this.prepare(row.batchId);
    if (d === undefined) return; // its records are not read yet: next round
    if (row.role === "defender" && this.db.batch(row.batchId)?.verdict === "invalid") {
      // A watchdog never defends a fraud: it lets the game run out.
      return;
    }
    const { lo, hi } = position(g.position as bigint);
    const mine = row.role === "challenger" ? PARTY.Challenger : PARTY.Defender;
    if (hi - lo === 1) {
      const { proof } = proveStep(d.preState, d.content, lo, this.config.domain);
      await this.act(
        row,
        `game-${row.gameId}-step`,
        challengeGameInterface.encodeFunctionData("step", [row.gameId, proof]),
      );
      return;
    }
    if ((g.turn as bigint) === mine) {
      const m = answer(d.roots, lo, hi, g.midRoot as Hex);
      await this.act(
        row,
        `game-${row.gameId}-move-${g.moves}`,
        challengeGameInterface.encodeFunctionData("move", [row.gameId, m.agree, m.midRoot]),
      );
      return;
    }
    if (((await this.game.timeLeft(row.gameId)) as bigint) === 0n) {
      await this.act(
        row,
        `game-${row.gameId}-timeout-${g.moves}`,
        challengeGameInterface.encodeFunctionData("timeout", [row.gameId]),
      );
    }
  }

  private async act(row: GameRow, key: string, data: string): Promise<void> {
    const sent = await this.send(key, { to: this.config.game, data });
    this.db.recordMove(row.gameId, sent.gasUsed, Date.now());
    this.log.info("game transaction", { gameId: row.gameId, key, gasUsed: sent.gasUsed });
    this.settle(row, (await this.game.gameOf(row.gameId)).status as bigint);
  }

  /** Withdraws won bonds from the game and rewards from the rollup. */
  private async collect(): Promise<void> {
    const bonds = (await this.game.balanceOf(this.address)) as bigint;
    if (bonds > 0n) {
      const block = await this.deps.provider.getBlockNumber();
      await this.send(`game-withdraw-${block}`, {
        to: this.config.game,
        data: challengeGameInterface.encodeFunctionData("withdraw", []),
      }).catch((error: unknown) =>
        this.log.warn("withdrawing bonds failed", { error: describeError(error) }),
      );
    }
    const reward = (await this.rollup.claimable(this.address, 0)) as bigint;
    if (reward > 0n) {
      const block = await this.deps.provider.getBlockNumber();
      await this.send(`rollup-claim-${block}`, {
        to: this.config.rollup,
        data: optimisticRollupInterface.encodeFunctionData("claim", [0]),
      }).catch((error: unknown) =>
        this.log.warn("claiming the reward failed", { error: describeError(error) }),
      );
    }
  }

  private async send(
    key: string,
    request: { to: string; data: string; value?: bigint },
  ): Promise<PublishedTx> {
    try {
      return await this.publisher.send(key, request);
    } catch (error) {
      if (error instanceof TxRevertedError && error.revertData !== undefined) {
        const parsed =
          challengeGameInterface.parseError(error.revertData) ??
          optimisticRollupInterface.parseError(error.revertData);
        if (parsed !== null)
          throw new L2kitError(
            "OPT_TX_REFUSED",
            `${key}: ${parsed.name}(${parsed.args.join(", ")})`,
            {
              key,
            },
          );
      }
      throw error;
    }
  }

  // ------------------------------------------------------------------------------ queries

  status(): Record<string, unknown> {
    const chain = this.db.chain();
    return {
      rollup: this.config.rollup,
      account: this.address,
      batches: chain.length,
      verifiedPosition: this.verifiedPosition,
      invalid: chain.filter((b) => b.verdict === "invalid").map((b) => b.id),
      unreadable: chain.filter((b) => b.verdict === "unreadable").map((b) => b.id),
      games: this.db.games(),
      lastError: this.loop.lastError ?? null,
    };
  }
}
