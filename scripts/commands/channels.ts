import { Command } from "commander";
import { launchChannelNode } from "../../operator/channels/node/launch";
import { launchWatchtower } from "../../operator/channels/watchtower/launch";
import {
  channelNodeSettings,
  channelsSettings,
  watchtowerSettings,
} from "../../operator/channels/settings";
import { loadConfig } from "../../operator/core/config";
import { createLogger } from "../../operator/core/log";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import type { Io } from "../cli";
import { addConfigOptions } from "../options";
import { serveUntilSignal } from "../service";
import { channelUserCommands } from "./channels-user";

export function channelsCommand(io: Io): Command {
  const channels = new Command("channels").description(
    "State and payment channels: a channel node (your client as a process), the user commands that drive it, and the watchtower that answers stale closes for offline clients.",
  );

  const watchtower = new Command("watchtower").description(
    "Run the watchtower: clients register their latest fully signed channel states over HTTP (OpenAPI at /openapi.json); the tower follows the adjudicator and answers any challenge that registered an older state with a checkpoint, as soon as it sees it. Stops cleanly on SIGINT/SIGTERM; a restart loses nothing and never answers twice.",
  );
  addConfigOptions(watchtower, {
    ...networkSettings,
    ...coreSettings,
    ...channelsSettings,
    ...watchtowerSettings,
  });
  watchtower.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      channels: loadConfig(channelsSettings, sources),
      tower: loadConfig(watchtowerSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchWatchtower(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        adjudicator: running.tower.config.adjudicator,
        chainId: Number(running.l1.chainId),
        account: running.tower.address,
      },
      () => running.stop(),
    );
  });

  const node = new Command("node").description(
    "Run a channel node: your payment-channel client as a process. Peers call its peer API (proposals, countersignatures, claims); you drive it through its user API (keep that private) or the `channels open|pay|...` commands. Every accepted state is stored before it is acknowledged; its guard answers stale closes, takes back expired locks and hands changed states to --watchtower-url. Stops cleanly on SIGINT/SIGTERM; a restart loses nothing and reconnects to its peers.",
  );
  addConfigOptions(node, {
    ...networkSettings,
    ...coreSettings,
    ...channelsSettings,
    ...channelNodeSettings,
  });
  node.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      channels: loadConfig(channelsSettings, sources),
      node: loadConfig(channelNodeSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchChannelNode(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        peerUrl: running.peerUrl,
        adjudicator: running.node.config.adjudicator,
        chainId: Number(running.l1.chainId),
        account: running.node.address,
      },
      () => running.stop(),
    );
  });

  channels.addCommand(node);
  channels.addCommand(watchtower);
  for (const c of channelUserCommands(io)) channels.addCommand(c);
  return channels;
}
