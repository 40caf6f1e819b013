/**
 * The composition root of `npx l2kit plasma operator`: connects to L1, finds the root chain,
 * checks that this key is its operator, opens the operator's database for that deployment,
 * starts the operator and its HTTP API.
 */
import type { Api } from "../core/api";
import { findDeploymentBlock, resolveDeployed } from "../core/deployments";
import { ConfigError } from "../core/errors";
import { connectL1, type L1Connection } from "../core/l1";
import type { Logger } from "../core/log";
import { pollOf, publisherConfig, type CoreConfig, type NetworkConfig } from "../core/settings";
import { Store } from "../core/store";
import { plasmaAt } from "./abi";
import { createPlasmaOperatorApi, createPlasmaWatcherApi } from "./api";
import { PlasmaOperator, plasmaOperatorDbFile } from "./operator";
import type { PlasmaConfig, PlasmaOperatorSettings, PlasmaWatcherSettings } from "./settings";
import { PlasmaWatcher, plasmaWatcherDbFile } from "./watcher";
import { plasmaDomain } from "./tx";

export interface RunningPlasmaOperator {
  operator: PlasmaOperator;
  api: Api;
  url: string;
  l1: L1Connection;
  stop(): Promise<void>;
}

/** The root chain's address: given, or recorded by `npx l2kit deploy plasma`; it must hold code. */
export function resolvePlasma(l1: L1Connection, given: string | undefined): Promise<string> {
  return resolveDeployed(l1, {
    given,
    futureId: "Plasma#PlasmaChain",
    setting: "PLASMA_ADDRESS",
    system: "plasma",
  });
}

export async function launchPlasmaOperator(
  cfg: {
    net: NetworkConfig;
    core: CoreConfig;
    plasma: PlasmaConfig;
    operator: PlasmaOperatorSettings;
  },
  log: Logger,
): Promise<RunningPlasmaOperator> {
  const { net, core, plasma: p, operator: settings } = cfg;
  const l1 = await connectL1(net, core);
  const plasma = await resolvePlasma(l1, p.plasma);
  const operatorAddress = (await plasmaAt(plasma, l1.provider).operator()) as string;
  if (operatorAddress !== l1.signer.address) {
    throw new ConfigError(
      "L2KIT_PRIVATE_KEY",
      `this key (${l1.signer.address}) is not the root chain's operator (${operatorAddress})`,
    );
  }
  const store = Store.open({
    dataDir: core.dataDir,
    file: plasmaOperatorDbFile(l1.chainId, plasma),
    log,
  });
  const operator = new PlasmaOperator(
    {
      plasma,
      chainId: l1.chainId,
      domain: plasmaDomain(l1.chainId, plasma),
      fromBlock: await findDeploymentBlock(l1.provider, plasma),
      blockIntervalMs: settings.blockIntervalMs,
      maxBlockTxs: settings.maxBlockTxs,
      ...pollOf(core),
      publisher: publisherConfig(core),
    },
    { provider: l1.provider, signer: l1.signer, store, log },
  );
  await operator.start();
  const api = createPlasmaOperatorApi(operator, log);
  const url = await api.listen({ host: core.apiHost, port: settings.port });
  return {
    operator,
    api,
    url,
    l1,
    stop: async () => {
      await api.close();
      await operator.stop();
      store.close();
      l1.provider.destroy();
    },
  };
}

export interface RunningPlasmaWatcher {
  watcher: PlasmaWatcher;
  url: string;
  l1: L1Connection;
  stop(): Promise<void>;
}

/** `npx l2kit plasma watcher`: its own database per deployment, its API, its round loop. */
export async function launchPlasmaWatcher(
  cfg: {
    net: NetworkConfig;
    core: CoreConfig;
    plasma: PlasmaConfig;
    watcher: PlasmaWatcherSettings;
  },
  log: Logger,
): Promise<RunningPlasmaWatcher> {
  const { net, core, plasma: p, watcher: settings } = cfg;
  const l1 = await connectL1(net, core);
  const plasma = await resolvePlasma(l1, p.plasma);
  const store = Store.open({
    dataDir: core.dataDir,
    file: plasmaWatcherDbFile(l1.chainId, plasma),
    log,
  });
  const watcher = new PlasmaWatcher(
    {
      plasma,
      chainId: l1.chainId,
      domain: plasmaDomain(l1.chainId, plasma),
      fromBlock: await findDeploymentBlock(l1.provider, plasma),
      operatorUrl: settings.operatorUrl,
      withholdingSeconds: settings.withholdingSeconds,
      ...pollOf(core),
      publisher: publisherConfig(core),
    },
    { provider: l1.provider, signer: l1.signer, store, log },
  );
  await watcher.start();
  const api = createPlasmaWatcherApi(watcher, log);
  const url = await api.listen({ host: core.apiHost, port: settings.port });
  return {
    watcher,
    url,
    l1,
    stop: async () => {
      await api.close();
      await watcher.stop();
      store.close();
      l1.provider.destroy();
    },
  };
}
