/**
 * The composition root of `npx l2kit optimistic challenger`: connects to L1, finds the rollup,
 * its game and their parameters, opens this account's database for the deployment, and starts.
 */
import { findDeploymentBlock } from "../../core/deployments";
import { connectL1, type L1Connection } from "../../core/l1";
import type { Logger } from "../../core/log";
import { pollOf, publisherConfig, type CoreConfig, type NetworkConfig } from "../../core/settings";
import { Store } from "../../core/store";
import { challengeGameAt, optimisticRollupAt } from "../abi";
import { rollupDomain } from "../protocol";
import { resolveRollup } from "../sequencer/launch";
import type { ChallengerSettings, OptimisticConfig } from "../settings";
import { createChallengerApi } from "./api";
import { Challenger, challengerDbFile } from "./challenger";
import { BeaconBlobSource } from "../l1-batches";

export interface RunningChallenger {
  challenger: Challenger;
  l1: L1Connection;
  /** The status API's URL. */
  url: string;
  stop(): Promise<void>;
}

export async function launchChallenger(
  cfg: { net: NetworkConfig; core: CoreConfig; opt: OptimisticConfig; chal: ChallengerSettings },
  log: Logger,
): Promise<RunningChallenger> {
  const { net, core, opt, chal } = cfg;
  const l1 = await connectL1(net, core);
  const address = await resolveRollup(l1, opt.rollup);
  const rollup = optimisticRollupAt(address, l1.provider);
  const gameAddress = (await rollup.game()) as string;
  const game = challengeGameAt(gameAddress, l1.provider);
  const store = Store.open({
    dataDir: core.dataDir,
    file: challengerDbFile(l1.chainId, address, l1.signer.address),
    log,
  });
  const challenger = new Challenger(
    {
      rollup: address,
      game: gameAddress,
      chainId: l1.chainId,
      domain: rollupDomain(l1.chainId, address),
      fromBlock: await findDeploymentBlock(l1.provider, address),
      challengerBond: (await game.challengerBond()) as bigint,
      challengeWindowSeconds: Number(await rollup.challengeWindow()),
      blobBatches: (await rollup.blobBatches()) as boolean,
      ...(opt.beaconUrl === undefined
        ? {}
        : { blobSource: new BeaconBlobSource(opt.beaconUrl, l1.provider) }),
      challenge: chal.challenge,
      defend: chal.defend,
      ...pollOf(core),
      publisher: publisherConfig(core),
    },
    { provider: l1.provider, signer: l1.signer, store, log },
  );
  await challenger.start();
  const api = createChallengerApi(challenger, log);
  const url = await api.listen({ host: core.apiHost, port: chal.port });
  return {
    challenger,
    l1,
    url,
    stop: async () => {
      await api.close();
      await challenger.stop();
      store.close();
      l1.provider.destroy();
    },
  };
}
