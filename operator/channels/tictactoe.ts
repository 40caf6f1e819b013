/**
 * The seeds' tic-tac-toe over a state channel, off-chain side: the same rules as
 * `contracts/channels/apps/TicTacToeApp.sol` (tested against it), and a player that plays moves
 * signed by their mover alone, keeps the last two states as its proof, and goes on-chain when the
 * other player stalls: `challenge` with that proof (the other must move on-chain with `progress`
 * or forfeit the pot), `respond` when challenged, `conclude` a finished game.
 */
import { AbiCoder, type Contract, type ContractTransactionResponse } from "ethers";
import type { Eip712Domain } from "../lib/eip712";
import { DigestSigner, recoverDigest } from "../lib/secp256k1";
import { ChannelError } from "./errors";
import {
  channelId as computeChannelId,
  ETH,
  fingerprint,
  moverOf,
  paidOut,
  sigStruct,
  signedStateStruct,
  stateDigest,
  type Channel,
  type SignedState,
  type State,
} from "./state";

const LINES = [0x007, 0x038, 0x1c0, 0x049, 0x092, 0x124, 0x111, 0x054];
const FULL = 0x1ff;
const coder = AbiCoder.defaultAbiCoder();

export interface Board {
  /** The participant playing X (who moves first). */
  xPlayer: number;
  xs: number;
  os: number;
}

export const won = (cells: number): boolean => LINES.some((l) => (cells & l) === l);
const count = (cells: number): number => {
  let n = 0;
  for (let c = cells; c !== 0; c &= c - 1) n++;
  return n;
};

export function encodeBoard(b: Board): string {
  return coder.encode(["uint8", "uint16", "uint16"], [b.xPlayer, b.xs, b.os]);
}

export function decodeBoard(appData: string): Board {
  const [xPlayer, xs, os] = coder.decode(["uint8", "uint16", "uint16"], appData);
  return { xPlayer: Number(xPlayer), xs: Number(xs), os: Number(os) };
}

/** Whose turn it is on `b` (a participant index), or null when the game is over. */
export function turnOf(b: Board): number | null {
  if (won(b.xs) || won(b.os) || (b.xs | b.os) === FULL) return null;
  return count(b.xs) === count(b.os) ? b.xPlayer : 1 - b.xPlayer;
}

/**
 * The state after participant `mover` takes `cell` (0-8, 3 * row + column) in `prev`, with the
 * outcome the rules give it: a win or a full board is final (pot to the winner, or split), any
 * other move gives the mover the pot should the other player stop answering.
 */
export function moveState(prev: State, cell: number, mover: number): State {
  if (prev.isFinal) throw new ChannelError("GAME_OVER", "the game is over");
  const b = decodeBoard(prev.appData);
  const turn = turnOf(b);
  if (turn === null) throw new ChannelError("GAME_OVER", "the game is over");
  if (turn !== mover) {
    throw new ChannelError("NOT_YOUR_TURN", `it is participant ${turn}'s turn`, { turn }, 422);
  }
  if (!Number.isInteger(cell) || cell < 0 || cell > 8) {
    throw new ChannelError("BAD_CELL", "a cell is 0 to 8", { cell }, 400);
  }
  const bit = 1 << cell;
  if (((b.xs | b.os) & bit) !== 0) {
    throw new ChannelError("CELL_TAKEN", `cell ${cell} is taken`, { cell }, 422);
  }
  const xTurn = mover === b.xPlayer;
  const next: Board = { ...b, xs: xTurn ? b.xs | bit : b.xs, os: xTurn ? b.os : b.os | bit };
  const pot = prev.outcome[0].amounts[0] + prev.outcome[0].amounts[1];
  const amounts = [0n, 0n];
  let isFinal = false;
  if (won(xTurn ? next.xs : next.os)) {
    amounts[mover] = pot;
    isFinal = true;
  } else if ((next.xs | next.os) === FULL) {
    amounts[1] = pot / 2n;
    amounts[0] = pot - pot / 2n;
    isFinal = true;
  } else {
    amounts[mover] = pot;
  }
  return {
    version: prev.version + 1n,
    isFinal,
    appData: encodeBoard(next),
    outcome: [{ ...prev.outcome[0], amounts, locks: [] }],
  };
}

/** What a player sends the other: its move, signed by it alone. */
export interface MoveMessage {
  channelId: string;
  cell: number;
  sig: string;
}

export interface GameLink {
  /** Delivers a move; the other player checks and stores it before answering. */
  move(msg: MoveMessage): Promise<void>;
}

/**
 * One player of a tic-tac-toe channel. Holds the last two states with their signatures: a
 * support proof for the latest one (each signed by its mover; the opening state by both).
 */
export class TicTacToePlayer {
  readonly id: string;
  readonly me: number;
  /** Newest last; at most two. */
  private proof: SignedState[];
  private link: GameLink | undefined;

  constructor(
    readonly channel: Channel,
    private readonly deps: {
      signer: DigestSigner;
      domain: Eip712Domain;
      adjudicator: Contract;
      /** Told the new proof after every change, before the change is acted on (persist it here). */
      onChange?: (proof: SignedState[]) => void;
    },
    /** The opening state signed by both, or a stored proof (newest last). */
    proof: SignedState | SignedState[],
  ) {
    this.id = computeChannelId(deps.domain, channel);
    this.me = channel.participants.indexOf(deps.signer.address);
    if (this.me < 0 || channel.participants.length !== 2) {
      throw new ChannelError("NOT_A_PARTICIPANT", "a game is between two participants", {}, 422);
    }
    this.proof = Array.isArray(proof) ? proof.slice(-2) : [proof];
  }

  /** The whole proof (newest last): what a store keeps. */
  get states(): SignedState[] {
    return [...this.proof];
  }

  /** Whose turn it is (a participant index), or null when the game is over. */
  get turn(): number | null {
    return this.latest.state.isFinal ? null : turnOf(this.board);
  }

  /** The opening state of a game for `stake` each, X played by participant 1 (moves at version 1). */
  static opening(stake: bigint): State {
    return {
      version: 0n,
      isFinal: false,
      appData: encodeBoard({ xPlayer: 1, xs: 0, os: 0 }),
      outcome: [{ asset: ETH, amounts: [stake, stake], locks: [] }],
    };
  }

  connect(link: GameLink): void {
    this.link = link;
  }

  get latest(): SignedState {
    return this.proof[this.proof.length - 1];
  }

  get board(): Board {
    return decodeBoard(this.latest.state.appData);
  }

  /** Plays `cell`, signs the move and hands it to the other player. */
  async play(cell: number): Promise<State> {
    const state = moveState(this.latest.state, cell, this.me);
    const sig = this.deps.signer.sign(stateDigest(this.deps.domain, this.id, state));
    this.remember({ state, sig: [sig] });
    if (this.link === undefined)
      throw new ChannelError("NO_LINK", "no link to the other player", {}, 503);
    await this.link.move({ channelId: this.id, cell, sig });
    return state;
  }

  /** Answers the other player's move: it must follow the rules and carry its mover's signature. */
  handleMove(msg: MoveMessage): void {
    if (msg.channelId !== this.id)
      throw new ChannelError("UNKNOWN_CHANNEL", "not this game", {}, 404);
    const other = 1 - this.me;
    const state = moveState(this.latest.state, msg.cell, other);
    const digest = stateDigest(this.deps.domain, this.id, state);
    if (recoverDigest(digest, msg.sig) !== this.channel.participants[other]) {
      throw new ChannelError("BAD_SIGNATURE", "the move is not signed by its mover", {}, 422);
    }
    this.remember({ state, sig: [msg.sig] });
  }

  /** Registers the latest position on-chain: the other player must move there or forfeit. */
  async challenge(): Promise<ContractTransactionResponse> {
    return this.send(this.deps.adjudicator.challenge(this.channel, this.proofStructs()));
  }

  /**
   * When challenged: plays `cell` on-chain from the registered position. The move becomes this
   * player's position only once `progress` is mined (a failed transaction leaves nothing behind;
   * a crash after it is mined is repaired by `learnOnChainMove`).
   */
  async respond(cell: number): Promise<ContractTransactionResponse> {
    const from = this.latest.state;
    const state = moveState(from, cell, this.me);
    const sig = this.deps.signer.sign(stateDigest(this.deps.domain, this.id, state));
    const tx = await this.send(
      this.deps.adjudicator.progress(this.channel, from, state, sigStruct(sig)),
    );
    this.remember({ state, sig: [sig] });
    return tx;
  }

  /** Learns a move the other player made on-chain (from its `Progressed` event). */
  observeOnChainMove(state: State): void {
    const expected = moverOf(this.channel, state.version);
    if (expected === this.me) return;
    // Its signature is on L1 already; what matters here is the position.
    this.proof = [this.latest, { state, sigs: [] }].slice(-2);
    this.deps.onChange?.(this.states);
  }

  /**
   * Learns a move made on-chain from what the adjudicator registered (`status`): the one move from
   * the latest position whose state has that fingerprint (or, once paid out, the fingerprint of
   * that state paid out). The other player's move is kept without a signature (it is on L1); this
   * player's own (a `respond` mined before a crash) is signed again. False when the registered
   * state is not one move ahead of ours.
   */
  learnOnChainMove(version: bigint, registered: bigint): boolean {
    const from = this.latest.state;
    if (version !== from.version + 1n || from.isFinal) return false;
    const mover = turnOf(decodeBoard(from.appData));
    if (mover === null) return false;
    for (let cell = 0; cell < 9; cell++) {
      let next: State;
      try {
        next = moveState(from, cell, mover);
      } catch {
        continue;
      }
      if (
        fingerprint(this.id, next) !== registered &&
        fingerprint(this.id, paidOut(next)) !== registered
      ) {
        continue;
      }
      if (mover === this.me) {
        const sig = this.deps.signer.sign(stateDigest(this.deps.domain, this.id, next));
        this.remember({ state: next, sig: [sig] });
      } else {
        this.observeOnChainMove(next);
      }
      return true;
    }
    return false;
  }

  /** Answers a challenge that registered an older position with ours (the deadline stays). */
  async checkpoint(): Promise<ContractTransactionResponse> {
    return this.send(this.deps.adjudicator.checkpoint(this.channel, this.proofStructs()));
  }

  /** Ends a finished game at once (the last two moves prove the result). */
  async conclude(): Promise<ContractTransactionResponse> {
    if (!this.latest.state.isFinal) throw new ChannelError("GAME_NOT_OVER", "the game is not over");
    return this.send(this.deps.adjudicator.conclude(this.channel, this.proofStructs()));
  }

  /** After a challenge's deadline: pays the registered position's outcome. */
  async payout(state: State = this.latest.state): Promise<ContractTransactionResponse> {
    return this.send(this.deps.adjudicator.payout(this.channel, state));
  }

  private proofStructs() {
    return this.proof.map((s) =>
      signedStateStruct({
        state: s.state,
        sigs: s.sigs,
      }),
    );
  }

  private remember(s: { state: State; sig: string[] }): void {
    this.proof = [...this.proof, { state: s.state, sigs: s.sig }].slice(-2);
    this.deps.onChange?.(this.states);
  }

  private async send(p: Promise<unknown>): Promise<ContractTransactionResponse> {
    const tx = (await p) as ContractTransactionResponse;
    await tx.wait();
    return tx;
  }
}
