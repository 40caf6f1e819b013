/**
 * The optimistic rollup's challenger: a watcher that keeps the sequencer honest.
 *
 * - **Sync from L1 alone** (`../l1-batches.ts`, the sync the sequencer uses too): inbox entries
 *   and batches come from the rollup's events; a batch's records come from its posting
 *   transaction's calldata (`postBatch`), checked against the record root the contract computed.
 *   The contract takes batches only that way (or in blobs, where the deployment allows them), so
 *   every batch it accepted is readable. Blob batches are read from a blob source (a consensus
 *   client's beacon API, `L2KIT_BEACON_URL`), checked against their versioned hashes, and their
 *   blobs kept in the database for the game's one-step proofs. A transaction or blob not served
 *   yet is read again next round; a batch that cannot be read (no blob source, or calldata that
 *   does not hold the records) is `unreadable`.
 * - **Alarms**: an unreadable batch, an invalid batch not under dispute, a rollup that takes blob
 *   batches this challenger cannot read, are alarms: logged again every `alarmRepeatMs` while the
 *   batch's window is open (and for good once such a batch is final), served on `/v1/status`, and
 *   they turn `/health` red (`./api.ts`).
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
import { splitRecords } from "../codec";
import { SignatureChecker } from "../ecdsa";
import { answer, openingClaim, position } from "../game";
import { GENESIS_ROOT } from "../protocol";
import {
  postedBatchFromEvent,
  readBatchRecords,
  readBlobBatch,
  type BlobSource,
} from "../l1-batches";
import { recordFromBlobs } from "../blob";
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
  /** Whether the rollup takes blob batches (`blobBatches`), which this challenger cannot read. */
  blobBatches: boolean;
  /** Where blob batches' blobs come from (`L2KIT_BEACON_URL`); unset: blob batches are unreadable. */
  blobSource?: BlobSource;
  /** How often an active alarm is logged again (default 60 s). */
  alarmRepeatMs?: number;
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

export { recordsFromCalldata } from "../l1-batches";

/** Something the challenger cannot do its job through: it turns `/health` red until resolved. */
export interface Alarm {
  code:
    | "OPT_BLOBS_UNREADABLE"
    | "OPT_BATCH_UNREADABLE"
    | "OPT_INVALID_UNDISPUTED"
    | "OPT_UNVERIFIED_FINAL"
    | "OPT_INVALID_FINAL";
  message: string;
  batchId?: number;
  position?: number;
  /** Unix seconds at which the batch's window closes (the alarm is about that window). */
  windowEndsAt?: number;
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
  /** The alarms of the last round, and when each was last logged (by key). */
  private alarms: Alarm[] = [];
  private readonly alarmLogged = new Map<string, number>();
  private lastRoundAt: number | undefined;
  /** Why the last attempt to open a dispute failed, while it fails. */
  private disputeError: string | undefined;

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
    if (this.config.challenge) {
      // A failing dispute (a short balance, a refused transaction) must not keep this round from
      // playing the games already open (third independent attack on issue 21).
      try {
        await this.openDisputes();
        this.disputeError = undefined;
      } catch (error) {
        if (this.loop.signal.aborted) return;
        this.disputeError = describeError(error);
        this.log.error("opening a dispute failed", { error: this.disputeError });
      }
    }
    await this.playGames();
    await this.raiseAlarms();
    this.lastRoundAt = Date.now();
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
          this.db.insertBatch(postedBatchFromEvent(e));
          break;
        case "BlobsPosted":
          this.db.markBlob(Number(a.id), a.versionedHashes as string[]);
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
      if (b.blob || Number(onChain.blobCount) > 0) {
        const read = await readBlobBatch(this.config.blobSource, b, b.blobHashes);
        if ("data" in read) {
          // The blobs are kept: the game's one-step proof opens them, after the consensus
          // clients have dropped them.
          this.db.storeBlobs(b.id, read.data.blobs, read.data.commitments);
          this.db.fill(b.id, postedAt, "0x");
        } else if (read.retry) this.db.noteUnread(b.id, postedAt, read.unreadable);
        else this.db.fill(b.id, postedAt, null, read.unreadable);
        continue;
      }
      const read = await readBatchRecords(this.deps.provider, b);
      if ("records" in read) this.db.fill(b.id, postedAt, read.records);
      else if (read.retry) this.db.noteUnread(b.id, postedAt, read.unreadable);
      else this.db.fill(b.id, postedAt, null, read.unreadable);
    }
  }

  // ------------------------------------------------------------------------------ alarms

  /** Recomputes the alarms from the stored chain and logs each again every `alarmRepeatMs`. */
  private async raiseAlarms(): Promise<void> {
    const head = await this.deps.provider.getBlock("latest");
    const now = head?.timestamp ?? Math.floor(Date.now() / 1000);
    const window = this.config.challengeWindowSeconds;
    const alarms: Alarm[] = [];
    if (this.config.blobBatches && this.config.blobSource === undefined) {
      alarms.push({
        code: "OPT_BLOBS_UNREADABLE",
        message:
          "the rollup takes blob batches (blobBatches is on) and this challenger has no blob source (L2KIT_BEACON_URL): a blob batch could not be verified or disputed",
      });
    }
    for (const b of this.db.chain()) {
      const windowEndsAt = b.postedAt === null ? undefined : b.postedAt + window;
      const where = { batchId: b.id, position: b.position, windowEndsAt };
      if (b.records === null && b.postedAt !== null) {
        const final = b.status === "final";
        alarms.push({
          code: final ? "OPT_UNVERIFIED_FINAL" : "OPT_BATCH_UNREADABLE",
          message: final
            ? `batch ${b.id} at position ${b.position} became final unverified (${b.note ?? "its records were never read"}); no later batch can be verified`
            : `batch ${b.id} at position ${b.position} cannot be read, so it cannot be verified or disputed: ${b.note ?? "its records are not read yet"}; its window closes at ${windowEndsAt}`,
          ...where,
        });
        // Nothing after it can be verified: one alarm says so.
        break;
      }
      if (b.verdict !== "invalid") continue;
      if (b.status === "final") {
        alarms.push({
          code: "OPT_INVALID_FINAL",
          message: `batch ${b.id} at position ${b.position} claims a wrong root and became final without a successful dispute`,
          ...where,
        });
        continue;
      }
      if (!this.db.disputing(b.id) && (windowEndsAt ?? 0) > now) {
        const lost = this.db.gamesOnBatch(b.id, "challenger").filter((g) => g.status === "lost");
        alarms.push({
          code: "OPT_INVALID_UNDISPUTED",
          message: this.config.challenge
            ? `batch ${b.id} at position ${b.position} claims a wrong root and is not disputed ${lost.length > 0 ? `any more (game ${lost.map((g) => g.gameId).join(", ")} lost; disputing again)` : "yet"}${this.disputeError === undefined ? "" : ` (the last attempt failed: ${this.disputeError})`}; its window closes at ${windowEndsAt}`
            : `batch ${b.id} at position ${b.position} claims a wrong root, and this challenger does not dispute (challenge is off); its window closes at ${windowEndsAt}`,
          ...where,
        });
      }
    }
    this.alarms = alarms;
    const repeat = this.config.alarmRepeatMs ?? 60_000;
    const keys = new Set<string>();
    for (const alarm of alarms) {
      const key = `${alarm.code}:${alarm.batchId ?? ""}`;
      keys.add(key);
      const last = this.alarmLogged.get(key);
      if (last !== undefined && Date.now() - last < repeat) continue;
      this.alarmLogged.set(key, Date.now());
      this.log.error("ALARM", { ...alarm });
    }
    for (const key of [...this.alarmLogged.keys()]) {
      if (keys.has(key)) continue;
      this.alarmLogged.delete(key);
      this.log.info("alarm resolved", { alarm: key });
    }
  }

  /** Health details; throws while an alarm is active or the last round failed. */
  health(): Record<string, unknown> {
    if (this.alarms.length > 0) {
      throw new L2kitError(
        "OPT_CHALLENGER_ALARM",
        this.alarms.map((a) => `${a.code}: ${a.message}`).join("; "),
      );
    }
    const lastError = this.loop.lastError;
    if (lastError !== undefined)
      throw new L2kitError("OPT_CHALLENGER_ROUND_FAILING", `the last round failed: ${lastError}`);
    return {
      verifiedPosition: this.verifiedPosition,
      lastRoundAt: this.lastRoundAt === undefined ? null : new Date(this.lastRoundAt).toISOString(),
    };
  }

  // ------------------------------------------------------------------------------ verify

  /** How verification runs steps: no witnesses, signatures through the prepared-key checker. */
  private readonly execution: Pick<StepContext, "checkSignature" | "witness"> = {
    witness: false,
    checkSignature: (digest, signature, owner) => this.checker.check(digest, signature, owner),
  };

  private content(b: ChainBatch): BatchContent {
    if (b.blob) {
      const blobs = this.db.blobs(b.id);
      return {
        inbox: this.db.inbox.range(b.inboxStart, b.inboxCount),
        records: Array.from({ length: b.recordCount }, (_, i) => recordFromBlobs(blobs.blobs, i)),
        feeAccount: BigInt(b.feeAccount),
        blobs,
      };
    }
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
    // Independent attack on issue 21: a challenger that lost a game (down while its clock ran)
    // went silent and the fraud finalised. A lost game is no dispute: open another while the
    // window is open.
    if (invalid === undefined || this.db.disputing(invalid.id)) return;
    const earlier = this.db.gamesOnBatch(invalid.id, "challenger").length;
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
    const sent = await this.send(`challenge-${invalid.id}${earlier === 0 ? "" : `-${earlier}`}`, {
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
    // The game starts from the previous batch's claimed root; roots computed from an honest
    // state that differs (an earlier batch is invalid) would lose it. The batch falls with the
    // invalid one anyway.
    const agreed =
      this.db.chain().find((b) => b.position === this.db.batch(row.batchId)!.position - 1)
        ?.stateRoot ?? GENESIS_ROOT;
    if (d.roots[0].toLowerCase() !== agreed.toLowerCase()) {
      this.log.warn("not playing a game on a batch that builds on an invalid one", {
        gameId: row.gameId,
        batchId: row.batchId,
      });
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
      challenge: this.config.challenge,
      defend: this.config.defend,
      blobBatches: this.config.blobBatches,
      blobSource: this.config.blobSource?.name ?? null,
      batches: chain.length,
      verifiedPosition: this.verifiedPosition,
      verified: chain.filter((b) => b.verdict === "valid").length,
      final: chain.filter((b) => b.status === "final").length,
      invalid: chain.filter((b) => b.verdict === "invalid").map((b) => b.id),
      unreadable: chain.filter((b) => b.records === null && b.postedAt !== null).map((b) => b.id),
      games: this.db.games(),
      alarms: this.alarms,
      lastRoundAt: this.lastRoundAt === undefined ? null : new Date(this.lastRoundAt).toISOString(),
      lastError: this.loop.lastError ?? null,
    };
  }
}
