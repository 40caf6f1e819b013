import { Command } from "commander";
import { launchWatchtower } from "../../operator/channels/watchtower/launch";
import { channelsSettings, watchtowerSettings } from "../../operator/channels/settings";
import { loadConfig } from "../../operator/core/config";
import { createLogger } from "../../operator/core/log";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import type { Io } from "../cli";
import { addConfigOptions } from "../options";
import { serveUntilSignal } from "../service";

export function channelsCommand(io: Io): Command {
  const channels = new Command("channels").description(
    "State and payment channels: the watchtower service that answers stale closes for offline clients.",
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

  channels.addCommand(watchtower);
  return channels;
}
