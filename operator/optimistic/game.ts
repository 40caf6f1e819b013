/**
 * How a player of `ChallengeGame` chooses its moves, given the roots it believes in. The honest
 * challenger and defender (and the tests' dishonest ones, with doctored root lists) all use this,
 * so the contract's interval arithmetic has exactly one off-chain twin.
 */
import type { Hex } from "../lib/sparse-merkle";

export const NO_CLAIM: Hex = `0x${"0".repeat(64)}`;

/** The interval of a packed `Position` (contracts/optimistic/GameTypes.sol: lo << 32 | hi). */
export function position(packed: bigint): { lo: number; hi: number } {
  return { lo: Number(packed >> 32n), hi: Number(packed & 0xffffffffn) };
}

/** Midpoint of [lo, hi] as the contract computes it. */
export function midpoint(lo: number, hi: number): number {
  return lo + ((hi - lo) >> 1);
}

/** The claim at the midpoint of [lo, hi] (none once one step is left). */
export function claimAt(roots: readonly Hex[], lo: number, hi: number): Hex {
  return hi - lo >= 2 ? roots[midpoint(lo, hi)] : NO_CLAIM;
}

/** The opening claim of a challenger who believes `roots` (roots[k] = state after k steps). */
export function openingClaim(roots: readonly Hex[]): Hex {
  return claimAt(roots, 0, roots.length - 1);
}

/**
 * The move answering the opponent's claim `theirMid` at the midpoint of [lo, hi]: agree when it
 * matches our root there, and claim our root at the new interval's midpoint.
 */
export function answer(
  roots: readonly Hex[],
  lo: number,
  hi: number,
  theirMid: Hex,
): { agree: boolean; midRoot: Hex; lo: number; hi: number } {
  const mid = midpoint(lo, hi);
  const agree = roots[mid].toLowerCase() === theirMid.toLowerCase();
  const [newLo, newHi] = agree ? [mid, hi] : [lo, mid];
  return { agree, midRoot: claimAt(roots, newLo, newHi), lo: newLo, hi: newHi };
}

/**
 * The most moves a game on n steps takes before one step is left: the challenge, then one answer
 * per halving (the upper half, ceil(w / 2), is the larger): ceil(log2 n) + 1.
 */
export function maxMoves(n: number): number {
  let moves = 1;
  for (let width = n; width >= 2; width -= width >> 1) moves++;
  return moves;
}
