/**
 * What each design assumes, in words (the report's assumptions table), and the anchors' published
 * figures the report sets beside the measured ones. The anchors' figures are not measured here:
 * they come from ../shared/ANCHORS.md (read from the anchors' own repositories) and the report
 * labels them as such.
 */
import type { ComparedSystem } from "./types";

export interface Assumptions {
  label: string;
  dataAvailability: string;
  liveness: string;
  operatorTrust: string;
  exitsAndWithdrawals: string;
}

export const ASSUMPTIONS: Record<ComparedSystem, Assumptions> = {
  l1: {
    label: "L1 (ERC-20)",
    dataAvailability: "every transaction on L1",
    liveness: "none beyond L1",
    operatorTrust: "none",
    exitsAndWithdrawals: "nothing to exit",
  },
  "zk-rollup": {
    label: "ZK rollup",
    dataAvailability: "on L1: every batch's pubdata in calldata; the state can be rebuilt from L1",
    liveness:
      "an operator (and prover) to include transfers; if it leaves a deposit unprocessed past its deadline, exodus mode: users withdraw with a Merkle proof against the last verified root",
    operatorTrust:
      "none for safety: a Groth16 proof checks every transition; the trusted setup must not be subverted",
    exitsAndWithdrawals: "final once the batch's proof is verified",
  },
  "optimistic-rollup": {
    label: "Optimistic rollup",
    dataAvailability: "on L1: every batch's transactions in calldata",
    liveness:
      "one honest, online challenger within every challenge window; a sequencer, or the forced-inclusion inbox after its delay",
    operatorTrust:
      "none for safety if one honest challenger watches; a bonded sequencer can only delay",
    exitsAndWithdrawals: "after the challenge window closes unchallenged",
  },
  channels: {
    label: "Payment channels",
    dataAvailability:
      "off-chain: each party keeps its latest signed state (or hands it to a watchtower)",
    liveness:
      "each party (or its watchtower) online once per challenge period to answer a stale close; known, online counterparties to pay",
    operatorTrust:
      "none: a hub can refuse to route but not take funds; it must lock collateral for what it forwards",
    exitsAndWithdrawals: "cooperative close at once; a dispute waits the challenge period",
  },
  plasma: {
    label: "Plasma (MVP)",
    dataAvailability:
      "off-chain: only block roots on L1; the operator must serve blocks, or users exit",
    liveness:
      "users (or a watcher) check every block and exit within the exit period if data is withheld",
    operatorTrust:
      "the operator can withhold data or include invalid transactions; users are safe only by exiting in time",
    exitsAndWithdrawals:
      "exit with an inclusion proof and a bond; paid after the exit period, in queue order",
  },
};

/** Anchor figures: published, not measured here; each with where it comes from. */
export const ANCHORS: readonly { system: ComparedSystem; figure: string; source: string }[] = [
  {
    system: "zk-rollup",
    figure: "300 gas per transfer + 51k per batch (commit)",
    source: "zkSync Lite",
  },
  { system: "zk-rollup", figure: "375 gas per trade (rollup mode)", source: "Loopring 3" },
  {
    system: "zk-rollup",
    figure: "~12 bytes of pubdata per transfer (target)",
    source: "Vitalik's rollup guide",
  },
  {
    system: "optimistic-rollup",
    figure: "~613 gas per transaction over calldata, batch of 200",
    source: "OVM 1.0",
  },
  { system: "optimistic-rollup", figure: "7-day challenge window", source: "Optimism, Arbitrum" },
  {
    system: "channels",
    figure: "cooperative exit 111,514 gas; challenge + transfer 195,172",
    source: "Nitro (statechannels)",
  },
  { system: "channels", figure: "open 111,094 gas; cooperative settle 112,270", source: "Raiden" },
  {
    system: "plasma",
    figure: "processExit ~107k gas; challenge ~233k",
    source: "OMG plasma-framework sizing comments",
  },
  { system: "plasma", figure: "minimum exit period 1 week", source: "OMG, Plasma MVP" },
];
