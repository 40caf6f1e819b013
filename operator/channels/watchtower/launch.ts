/**
 * The composition root of `npx l2kit channels watchtower`: connects to L1, finds the adjudicator,
 * opens the tower's database for that deployment, starts the tower and its HTTP API.
 */
import type { Api } from "../../core/api";
import { findDeploymentBlock } from "../../core/deployments";
import { connectL1, type L1Connection } from "../../core/l1";
import type { Logger } from "../../core/log";
import { pollOf, publisherConfig, type CoreConfig, type NetworkConfig } from "../../core/settings";
import { Store } from "../../core/store";
import type { ChannelsConfig, WatchtowerSettings } from "../settings";
import { resolveChannelsContract } from "../deployment";
import { channelsDomain } from "../state";
import { createWatchtowerApi } from "./api";
import { Watchtower, watchtowerDbFile } from "./tower";

export interface RunningWatchtower {
  tower: Watchtower;
  api: Api;
  url: string;
  l1: L1Connection;
  stop(): Promise<void>;
}

export async function launchWatchtower(
  cfg: {
    net: NetworkConfig;
    core: CoreConfig;
    channels: ChannelsConfig;
    tower: WatchtowerSettings;
  },
  log: Logger,
): Promise<RunningWatchtower> {
  const { net, core, channels, tower: settings } = cfg;
  const l1 = await connectL1(net, core);
  const adjudicator = await resolveChannelsContract(l1, "Adjudicator", channels.adjudicator);
  const store = Store.open({
    dataDir: core.dataDir,
    file: watchtowerDbFile(l1.chainId, adjudicator),
    log,
  });
  const tower = new Watchtower(
    {
      adjudicator,
      chainId: l1.chainId,
      domain: channelsDomain(l1.chainId, adjudicator),
      fromBlock: await findDeploymentBlock(l1.provider, adjudicator),
      minChallengeDuration: settings.minChallengeSeconds,
      marginSeconds: settings.marginSeconds,
      ...pollOf(core),
      publisher: publisherConfig(core),
    },
    { provider: l1.provider, signer: l1.signer, store, log },
  );
  await tower.start();
  const api = createWatchtowerApi(tower, log);
  const url = await api.listen({ host: core.apiHost, port: settings.port });
  return {
    tower,
    api,
    url,
    l1,
    stop: async () => {
      await api.close();
      await tower.stop();
      store.close();
      l1.provider.destroy();
    },
  };
}
