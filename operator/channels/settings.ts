/** Configuration of the state-channel services (`npx l2kit channels ...`). */
import { optionalSetting, parse, setting, type ConfigValues } from "../core/config";

export const channelsSettings = {
  adjudicator: optionalSetting({
    env: "CHANNELS_ADJUDICATOR_ADDRESS",
    flag: "adjudicator",
    description:
      "Address of the channels' Adjudicator contract. Unset: the address `npx l2kit deploy channels` recorded for this chain.",
    placeholder: "0x<address>",
    parse: parse.address,
  }),
  paymentApp: optionalSetting({
    env: "CHANNELS_PAYMENT_APP_ADDRESS",
    flag: "payment-app",
    description:
      "Address of the PaymentApp contract payment channels use. Unset: the address `npx l2kit deploy channels` recorded for this chain.",
    placeholder: "0x<address>",
    parse: parse.address,
  }),
  ticTacToeApp: optionalSetting({
    env: "CHANNELS_TICTACTOE_APP_ADDRESS",
    flag: "tic-tac-toe-app",
    description:
      "Address of the TicTacToeApp contract games use. Unset: the address `npx l2kit deploy channels` recorded for this chain.",
    placeholder: "0x<address>",
    parse: parse.address,
  }),
};

export type ChannelsConfig = ConfigValues<typeof channelsSettings>;

const SECONDS = parse.bigint(0n, (1n << 48n) - 1n);

export const watchtowerSettings = {
  port: setting({
    env: "WATCHTOWER_API_PORT",
    flag: "port",
    description: "Port of the watchtower's HTTP API (0: any free port, printed at start).",
    default: "8647",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  minChallengeSeconds: setting({
    env: "WATCHTOWER_MIN_CHALLENGE_SECONDS",
    flag: "min-challenge-seconds",
    description:
      "Channels whose challenge period is shorter are refused: the tower must see a challenge and get its answer mined within it.",
    default: "3600",
    placeholder: "<seconds>",
    parse: parse.bigint(1n, (1n << 48n) - 1n),
  }),
  marginSeconds: setting({
    env: "WATCHTOWER_MARGIN_SECONDS",
    flag: "margin-seconds",
    description:
      "A challenge first seen with less time than this before its deadline is reported as an alarm (the tower still answers).",
    default: "600",
    placeholder: "<seconds>",
    parse: SECONDS,
  }),
};

export type WatchtowerSettings = ConfigValues<typeof watchtowerSettings>;

/** `npx l2kit channels node`: a channel client as a process. */
export const channelNodeSettings = {
  port: setting({
    env: "CHANNELS_NODE_API_PORT",
    flag: "port",
    description:
      "Port of the node's user API (open, pay, close...; on L2KIT_API_HOST, keep it private: it moves your money). 0: any free port.",
    default: "8648",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  peerHost: setting({
    env: "CHANNELS_NODE_PEER_HOST",
    flag: "peer-host",
    description:
      "Address the peer API (what other nodes call: proposals, countersignatures, claims) listens on; 0.0.0.0 to accept peers from other machines.",
    default: "127.0.0.1",
    placeholder: "<host>",
    parse: parse.string,
  }),
  peerPort: setting({
    env: "CHANNELS_NODE_PEER_PORT",
    flag: "peer-port",
    description: "Port of the node's peer API (0: any free port).",
    default: "8649",
    placeholder: "<port>",
    parse: parse.integer(0, 65_535),
  }),
  publicUrl: optionalSetting({
    env: "CHANNELS_NODE_PUBLIC_URL",
    flag: "public-url",
    description:
      "The URL peers reach this node's peer API at (sent with proposals). Unset: the address it listens on.",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
  watchtowerUrl: optionalSetting({
    env: "CHANNELS_WATCHTOWER_URL",
    flag: "watchtower-url",
    description:
      "A watchtower's API: every round the node hands it the latest fully signed state of each channel that changed, so the tower can answer stale closes while the node is offline.",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
  maxPeerDeposit: setting({
    env: "CHANNELS_MAX_PEER_DEPOSIT",
    flag: "max-peer-deposit",
    description:
      "Most the node deposits (wei) when a peer opens a channel and asks it to fund a share.",
    default: "0",
    placeholder: "<wei>",
    parse: parse.bigint(0n, (1n << 256n) - 1n),
  }),
  minChallengeSeconds: setting({
    env: "CHANNELS_MIN_CHALLENGE_SECONDS",
    flag: "min-challenge-seconds",
    description:
      "Shortest challenge period the node accepts for a channel: it must notice a stale close and answer within it (it checks every L2KIT_POLL_INTERVAL_MS).",
    default: "3600",
    placeholder: "<seconds>",
    parse: parse.bigint(1n, (1n << 48n) - 1n),
  }),
  maxChallengeSeconds: setting({
    env: "CHANNELS_MAX_CHALLENGE_SECONDS",
    flag: "max-challenge-seconds",
    description:
      "Longest challenge period the node accepts (how long a dispute may lock its funds).",
    default: "2592000",
    placeholder: "<seconds>",
    parse: parse.bigint(1n, (1n << 48n) - 1n),
  }),
  minLockSeconds: setting({
    env: "CHANNELS_MIN_LOCK_SECONDS",
    flag: "min-lock-seconds",
    description: "A hash-time lock offered to the node must leave at least this long to claim it.",
    default: "600",
    placeholder: "<seconds>",
    parse: SECONDS,
  }),
  lockMarginSeconds: setting({
    env: "CHANNELS_LOCK_MARGIN_SECONDS",
    flag: "lock-margin-seconds",
    description:
      "A forwarded lock expires at least this much earlier than the one it is paid from; an unpaid incoming lock is enforced on-chain this long before it expires.",
    default: "300",
    placeholder: "<seconds>",
    parse: SECONDS,
  }),
};

export type ChannelNodeSettings = ConfigValues<typeof channelNodeSettings>;

/** The user commands (`npx l2kit channels open|pay|...`): where the node's user API is. */
export const channelUserSettings = {
  node: setting({
    env: "CHANNELS_NODE_URL",
    flag: "node",
    description: "The channel node's user API (npx l2kit channels node).",
    default: "http://127.0.0.1:8648",
    placeholder: "<url>",
    parse: parse.url(["http:", "https:"]),
  }),
};
