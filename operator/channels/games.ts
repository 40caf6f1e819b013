/**
 * Tic-tac-toe games between two channel nodes, persisted: each game is a channel of the
 * `TicTacToeApp` whose player (`TicTacToePlayer`) stores its proof (the last two states with their
 * movers' signatures) before it sends or acknowledges a move. The opener proposes the game (both
 * sign the opening state; the invited player is X and moves first), both deposit the stake, then
 * moves go peer to peer. `guard` (a node runs it every round) follows the adjudicator: it learns
 * moves made on-chain, answers a challenge that registered an older position, warns when the
 * node must move on-chain, concludes a game that ended off-chain and pays out one that ended (or
 * timed out) on-chain.
 */
import { randomBytes } from "node:crypto";
import type { Contract, ContractTransactionResponse } from "ethers";
import { InputError } from "../core/errors";
import { silentLogger, type Logger } from "../core/log";
import { chainTime } from "../core/rpc";
import type { Eip712Domain } from "../lib/eip712";
import { recoverDigest, type DigestSigner } from "../lib/secp256k1";
import type { ChannelPolicy } from "./client";
import { ChannelError } from "./errors";
import {
  channelId as computeChannelId,
  ETH,
  fingerprint,
  stateDigest,
  type Channel,
  type SignedState,
} from "./state";
import { GameStore, type GameRow, type GameStatus } from "./store";
import { decodeBoard, TicTacToePlayer, type GameLink, type MoveMessage } from "./tictactoe";
import {
  address,
  channelToJson,
  httpUrl,
  parseChannel,
  parseSignature,
  parseState,
  stateToJson,
  uint,
  type ChannelJson,
  type StateJson,
} from "./wire";

export interface GameProposeMessage {
  channel: ChannelJson;
  opening: StateJson;
  sig: string;
  /** Where the proposer's peer API is (the invited node records it). */
  url?: string;
}

/** What a game node asks of the other player's node. */
export interface GamePeerLink extends GameLink {
  propose(msg: GameProposeMessage): Promise<string>;
  funded(msg: { channelId: string }): Promise<void>;
}

export interface GameView {
  id: string;
  status: GameStatus;
  note: string | null;
  me: number;
  channel: ChannelJson;
  stake: bigint;
  version: bigint;
  /** X, O or . per cell, row by row. */
  board: string[];
  mine: "X" | "O";
  /** Whose turn it is: "me", "peer", or null when the game is over. */
  turn: "me" | "peer" | null;
  isFinal: boolean;
  /** What the adjudicator registered, when the game went on-chain. */
  onchain?: { version: bigint; finalizesAt: bigint };
}

export class GameTable {
  private readonly players = new Map<
    string,
    {
      row: GameRow;
      player: TicTacToePlayer;
      /** What L1 registered, as the last round saw it (a game on-chain). */
      onchain?: { version: bigint; finalizesAt: bigint };
    }
  >();
  private readonly log: Logger;
  private readonly store: GameStore;

  constructor(
    private readonly deps: {
      signer: DigestSigner;
      store: GameStore;
      domain: Eip712Domain;
      adjudicator: Contract;
      ticTacToeApp: string;
      policy: Pick<
        ChannelPolicy,
        "minChallengeDuration" | "maxChallengeDuration" | "maxPeerDeposit"
      >;
      /** The link to a peer's node (a node's recorded URLs). */
      linkTo: (peer: string) => GamePeerLink;
      log?: Logger;
    },
  ) {
    this.store = deps.store;
    this.log = (deps.log ?? silentLogger).child({ component: "games" });
    for (const row of this.store.games()) if (row.status !== "closed") this.load(row);
  }

  /** Opens a game with `peer` for `stake` each; resolves once both stakes are deposited. */
  async open(p: {
    peer: string;
    stake: bigint;
    challengeDuration: bigint;
    url?: string;
  }): Promise<string> {
    if (p.stake <= 0n) throw new InputError("stake", "must be positive");
    const channel: Channel = {
      participants: [this.deps.signer.address, address(p.peer, "peer")],
      nonce: BigInt(`0x${randomBytes(8).toString("hex")}`),
      app: this.deps.ticTacToeApp,
      challengeDuration: p.challengeDuration,
    };
    const id = computeChannelId(this.deps.domain, channel);
    const opening = TicTacToePlayer.opening(p.stake);
    const digest = stateDigest(this.deps.domain, id, opening);
    const mine = this.deps.signer.sign(digest);
    const link = this.deps.linkTo(channel.participants[1]);
    const theirs = parseSignature(
      await link.propose({
        channel: channelToJson(channel),
        opening: stateToJson(opening),
        sig: mine,
        ...(p.url === undefined ? {} : { url: p.url }),
      }),
      "peer signature",
    );
    if (recoverDigest(digest, theirs) !== channel.participants[1]) {
      throw new ChannelError("BAD_SIGNATURE", "the opening signature is not the peer's", {}, 422);
    }
    // Stored before any money moves: with it, either side can get its stake back by dispute.
    const row = this.store.addGame(id, channel, 0, [{ state: opening, sigs: [mine, theirs] }]);
    this.load(row);
    await this.send(this.deps.adjudicator.deposit(id, ETH, 0n, p.stake, { value: p.stake }));
    await link.funded({ channelId: id });
    const held = (await this.deps.adjudicator.holdings(id, ETH)) as bigint;
    if (held !== 2n * p.stake) {
      throw new ChannelError("NOT_FUNDED", "the game does not hold both stakes", {
        held: held.toString(),
      });
    }
    this.setStatus(id, "playing");
    this.log.info("game open", { channelId: id, peer: channel.participants[1] });
    return id;
  }

  /** Answers a proposal: checks the game against the policy, signs its opening, stores it. */
  handlePropose(msg: GameProposeMessage): string {
    const channel = parseChannel(msg.channel);
    const opening = parseState(msg.opening, "opening");
    const sig = parseSignature(msg.sig, "sig");
    if (msg.url !== undefined) httpUrl(msg.url, "url");
    const id = computeChannelId(this.deps.domain, channel);
    if (channel.participants.length !== 2 || channel.participants[1] !== this.deps.signer.address) {
      throw new ChannelError("NOT_A_PARTICIPANT", "this node is not the invited player", {}, 422);
    }
    if (channel.app !== this.deps.ticTacToeApp) {
      throw new ChannelError("UNKNOWN_APP", "not the tic-tac-toe app", { app: channel.app }, 422);
    }
    const { minChallengeDuration: min, maxChallengeDuration: max } = this.deps.policy;
    if (channel.challengeDuration < min || channel.challengeDuration > max) {
      throw new ChannelError(
        "CHALLENGE_DURATION",
        `the challenge period must be ${min} to ${max} seconds`,
        {},
        422,
      );
    }
    const stake = opening.outcome[0]?.amounts[0] ?? 0n;
    const expected = TicTacToePlayer.opening(stake);
    if (
      stake <= 0n ||
      stateDigest(this.deps.domain, id, opening) !== stateDigest(this.deps.domain, id, expected)
    ) {
      throw new ChannelError("BAD_OPENING", "not the opening of a game for equal stakes", {}, 422);
    }
    if (stake > this.deps.policy.maxPeerDeposit) {
      throw new ChannelError(
        "DEPOSIT_TOO_LARGE",
        `this node stakes at most ${this.deps.policy.maxPeerDeposit} wei`,
        {},
        422,
      );
    }
    if (this.store.game(id) !== undefined) {
      throw new ChannelError("CHANNEL_EXISTS", "this game was proposed already", {}, 409);
    }
    const digest = stateDigest(this.deps.domain, id, expected);
    if (recoverDigest(digest, sig) !== channel.participants[0]) {
      throw new ChannelError("BAD_SIGNATURE", "the opening is not signed by its proposer", {}, 422);
    }
    const mine = this.deps.signer.sign(digest);
    this.load(this.store.addGame(id, channel, 1, [{ state: expected, sigs: [sig, mine] }]));
    return mine;
  }

  /** The opener deposited its stake: deposit ours. */
  async handleFunded(msg: { channelId: string }): Promise<void> {
    const { row } = this.require(msg.channelId);
    if (row.status !== "funding") {
      throw new ChannelError("NOT_FUNDING", "the game is funded already", {}, 409);
    }
    const stake = row.proof[0].state.outcome[0].amounts[1];
    const held = (await this.deps.adjudicator.holdings(row.id, ETH)) as bigint;
    if (held !== stake) {
      throw new ChannelError("NOT_FUNDED", "the opener's stake is not deposited", {
        held: held.toString(),
      });
    }
    await this.send(this.deps.adjudicator.deposit(row.id, ETH, stake, stake, { value: stake }));
    this.setStatus(row.id, "playing");
  }

  /**
   * Plays `cell`: off-chain, or on-chain (`progress`) when the game is registered on L1 at a
   * position where it is this node's turn.
   */
  async move(channelId: string, cell: unknown): Promise<GameView> {
    const c = uint(cell, "cell", 8n);
    const { row, player } = this.require(channelId);
    if (row.status === "funding" && !(await this.promoteIfFunded(row))) {
      throw new ChannelError("NOT_FUNDED", "the game is not funded yet", {}, 409);
    }
    const onchain = await this.sync(row, player);
    if (onchain.finalizesAt !== 0n) {
      if (onchain.version !== player.latest.state.version) {
        throw new ChannelError(
          "OUT_OF_STEP",
          "the registered position is not this node's latest; a guard round will sort it out",
          {},
          409,
        );
      }
      await player.respond(Number(c));
    } else {
      if (player.turn !== row.me) {
        throw new ChannelError("NOT_YOUR_TURN", "it is the other player's turn", {}, 422);
      }
      player.connect(this.deps.linkTo(row.channel.participants[1 - row.me]));
      await player.play(Number(c));
    }
    return this.view(channelId);
  }

  /** Answers the other player's move (checked and stored before the answer). */
  async handleMove(msg: MoveMessage): Promise<void> {
    const { row, player } = this.require(
      typeof msg.channelId === "string" ? msg.channelId.toLowerCase() : "",
    );
    // A lost `funded` answer leaves the opener in "funding" with both stakes in.
    if (row.status === "funding") await this.promoteIfFunded(row);
    if (row.status !== "playing") {
      throw new ChannelError("NOT_PLAYING", `the game is ${row.status}`, {}, 409);
    }
    if (typeof msg.cell !== "number") throw new InputError("cell", "must be 0 to 8");
    player.handleMove({ channelId: row.id, cell: msg.cell, sig: parseSignature(msg.sig, "sig") });
  }

  /** Registers the latest position on L1: the other player must move there or forfeit. */
  async challenge(channelId: string): Promise<GameView> {
    const { row, player } = this.require(channelId);
    if (player.turn === row.me) {
      throw new ChannelError("YOUR_TURN", "it is this node's turn: move instead", {}, 409);
    }
    await player.challenge();
    this.setStatus(row.id, "challenged");
    return this.view(channelId);
  }

  /** One round over every open game (see the module's comment). */
  async guard(): Promise<void> {
    for (const { row, player } of [...this.players.values()]) {
      try {
        if (row.status === "funding" && !(await this.promoteIfFunded(row))) {
          // Not funded, but registered on L1 (a challenge of the opening): guard it all the same.
          if ((await this.status(row.id)).finalizesAt === 0n) continue;
        }
        await this.guardOne(row, player);
      } catch (error) {
        this.log.warn("guarding a game failed", { channelId: row.id, error: String(error) });
      }
    }
  }

  view(channelId: string): GameView {
    const live = this.players.get(channelId);
    const row = live?.row ?? this.store.game(channelId);
    if (row === undefined)
      throw new ChannelError("UNKNOWN_GAME", "no such game", { channelId }, 404);
    const latest = (live?.player.latest ?? row.proof[row.proof.length - 1]).state;
    const b = decodeBoard(latest.appData);
    const board = Array.from({ length: 9 }, (_, i) =>
      (b.xs >> i) & 1 ? "X" : (b.os >> i) & 1 ? "O" : ".",
    );
    const turn = live?.player.turn ?? null;
    return {
      id: row.id,
      status: row.status,
      note: row.note,
      me: row.me,
      channel: channelToJson(row.channel),
      stake: row.proof[0].state.outcome[0].amounts[row.me],
      version: latest.version,
      board,
      mine: b.xPlayer === row.me ? "X" : "O",
      turn: latest.isFinal || turn === null ? null : turn === row.me ? "me" : "peer",
      isFinal: latest.isFinal,
      onchain: live?.onchain,
    };
  }

  games(): GameView[] {
    return this.store.games().map((g) => this.view(g.id));
  }

  // ---- internals ----

  private async guardOne(row: GameRow, player: TicTacToePlayer): Promise<void> {
    const onchain = await this.sync(row, player);
    const latest = player.latest.state;
    if (onchain.finalizesAt === 0n) {
      if (latest.isFinal) {
        await this.finish(row, () => player.conclude(), "concluded: the game ended off-chain");
      }
      return;
    }
    // Concluded or paid out on L1 by the other side (or by this node before a crash).
    if (((await this.deps.adjudicator.holdings(row.id, ETH)) as bigint) === 0n) {
      this.close(row, "closed on L1");
      return;
    }
    if (row.status !== "challenged") this.setStatus(row.id, "challenged");
    const now = await chainTime(this.deps.adjudicator.runner!.provider!);
    const registeredIsOurs =
      onchain.version === latest.version && onchain.fingerprint === fingerprint(row.id, latest);
    if (latest.isFinal) {
      // A final position ends any challenge: paid at once if it is the one registered (a winning
      // move made on-chain), else concluded with its proof (a stale position was registered).
      await this.finish(
        row,
        () => (registeredIsOurs ? player.payout(latest) : player.conclude()),
        "the game is over: paid out on L1",
      );
      return;
    }
    if (onchain.version < latest.version) {
      if (now < onchain.finalizesAt) {
        await player.checkpoint();
        this.log.warn("answered a challenge that registered an older position", {
          channelId: row.id,
        });
      }
      return;
    }
    if (!registeredIsOurs) return; // a registration this node cannot place
    if (now >= onchain.finalizesAt) {
      await this.finish(row, () => player.payout(latest), "paid out on L1 after the challenge");
    } else if (player.turn === row.me) {
      this.log.warn("the game is on-chain and it is this node's move", {
        channelId: row.id,
        before: onchain.finalizesAt,
      });
    }
  }

  /** Marks a game whose stakes are both in as playing (after a lost `funded` answer). */
  private async promoteIfFunded(row: GameRow): Promise<boolean> {
    const stake = row.proof[0].state.outcome[0].amounts[0];
    const held = (await this.deps.adjudicator.holdings(row.id, ETH)) as bigint;
    if (held < 2n * stake) return false;
    this.setStatus(row.id, "playing");
    return true;
  }

  private async status(
    id: string,
  ): Promise<{ version: bigint; finalizesAt: bigint; fingerprint: bigint }> {
    const [version, finalizesAt, fp] = (await this.deps.adjudicator.status(id)) as [
      bigint,
      bigint,
      bigint,
    ];
    return { version, finalizesAt, fingerprint: fp };
  }

  /** Reads what L1 registered and learns a move the other player made there. */
  private async sync(
    row: GameRow,
    player: TicTacToePlayer,
  ): Promise<{ version: bigint; finalizesAt: bigint; fingerprint: bigint }> {
    const onchain = await this.status(row.id);
    const { version, finalizesAt } = onchain;
    if (finalizesAt !== 0n && version === player.latest.state.version + 1n) {
      if (player.learnOnChainMove(version, onchain.fingerprint)) {
        this.log.info("learned a move made on-chain", { channelId: row.id, version });
      }
    }
    const live = this.players.get(row.id);
    if (live !== undefined)
      live.onchain = finalizesAt === 0n ? undefined : { version, finalizesAt };
    return onchain;
  }

  /** Sends a closing transaction; if it fails because the other side closed first, that is fine. */
  private async finish(
    row: GameRow,
    tx: () => Promise<ContractTransactionResponse>,
    note: string,
  ): Promise<void> {
    try {
      await tx();
    } catch (error) {
      if (((await this.deps.adjudicator.holdings(row.id, ETH)) as bigint) !== 0n) throw error;
    }
    this.close(row, note);
  }

  private close(row: GameRow, note: string): void {
    this.store.setStatus(row.id, "closed", note);
    row.status = "closed";
    row.note = note;
    this.players.delete(row.id);
    this.log.info("game over", { channelId: row.id, note });
  }

  private load(row: GameRow): void {
    const player = new TicTacToePlayer(
      row.channel,
      {
        signer: this.deps.signer,
        domain: this.deps.domain,
        adjudicator: this.deps.adjudicator,
        onChange: (proof: SignedState[]) => this.store.saveProof(row.id, proof),
      },
      row.proof,
    );
    this.players.set(row.id, { row, player });
  }

  private require(channelId: string): { row: GameRow; player: TicTacToePlayer } {
    const live = this.players.get(channelId.toLowerCase());
    if (live === undefined) {
      throw new ChannelError("UNKNOWN_GAME", "no such game in play", { channelId }, 404);
    }
    return live;
  }

  private setStatus(id: string, status: GameStatus): void {
    this.store.setStatus(id, status);
    const live = this.players.get(id);
    if (live !== undefined) live.row.status = status;
  }

  private async send(p: Promise<unknown>): Promise<void> {
    await ((await p) as ContractTransactionResponse).wait();
  }
}
