/**
 * A Plasma deployment on a `npx hardhat node` with its operator and watcher running in process
 * (each with its own SQLite file under `dir`, their APIs on free ports): what the operator,
 * watcher and client tests start from. `stopOperator` takes the operator away (withholding).
 */
import hre from "hardhat";
import { deployPlasmaWithSigner } from "../../deploy";
import type { Api } from "../../operator/core/api";
import { Store } from "../../operator/core/store";
import { plasmaAt } from "../../operator/plasma/abi";
import { createPlasmaOperatorApi, createPlasmaWatcherApi } from "../../operator/plasma/api";
import { PlasmaOperator } from "../../operator/plasma/operator";
import { plasmaDomain } from "../../operator/plasma/tx";
import { PlasmaWatcher } from "../../operator/plasma/watcher";
import type { HardhatNode } from "./hardhat-node";
import { FAST_PUBLISHER } from "./optimistic-node";

export async function startPlasma(node: HardhatNode, dir: string, minExitPeriod: bigint) {
  const d = await deployPlasmaWithSigner(hre, node.wallet(0), { minExitPeriod });
  const domain = plasmaDomain(31337n, d.plasma);
  const common = {
    plasma: d.plasma,
    chainId: 31337n,
    domain,
    fromBlock: d.deployBlock,
    confirmations: 1,
    pollIntervalMs: 50,
    rpcRetries: 2,
    rpcRetryDelayMs: 50,
    publisher: FAST_PUBLISHER,
  };
  const opStore = Store.open({ dataDir: dir, file: "operator.sqlite" });
  const operator = new PlasmaOperator(
    { ...common, blockIntervalMs: 100, maxBlockTxs: 100 },
    { provider: node.provider, signer: node.wallet(0), store: opStore },
  );
  await operator.start();
  const opApi: Api = createPlasmaOperatorApi(operator);
  const operatorUrl = await opApi.listen({ host: "127.0.0.1", port: 0 });
  let operatorUp = true;
  const stopOperator = async (): Promise<void> => {
    if (!operatorUp) return;
    operatorUp = false;
    await opApi.close();
    await operator.stop();
    opStore.close();
  };

  const wStore = Store.open({ dataDir: dir, file: "watcher.sqlite" });
  const watcher = new PlasmaWatcher(
    { ...common, operatorUrl, withholdingSeconds: 1 },
    { provider: node.provider, signer: node.wallet(5), store: wStore },
  );
  await watcher.start();
  const wApi = createPlasmaWatcherApi(watcher);
  const watcherUrl = await wApi.listen({ host: "127.0.0.1", port: 0 });
  return {
    d,
    domain,
    plasma: plasmaAt(d.plasma, node.provider),
    operator,
    operatorUrl,
    stopOperator,
    watcher,
    watcherUrl,
    stop: async (): Promise<void> => {
      await stopOperator();
      await wApi.close();
      await watcher.stop();
      wStore.close();
    },
  };
}
