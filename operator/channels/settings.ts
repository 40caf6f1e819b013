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
};

export type ChannelsConfig = ConfigValues<typeof channelsSettings>;

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
    parse: parse.bigint(0n, (1n << 48n) - 1n),
  }),
};

export type WatchtowerSettings = ConfigValues<typeof watchtowerSettings>;
