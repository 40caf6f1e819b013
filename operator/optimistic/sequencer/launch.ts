/**
 * The composition root of `npx l2kit optimistic sequencer`: from configuration to a running
 * sequencer and its HTTP API. It connects to L1, finds the rollup and its parameters, checks that
 * this account may post batches (and that a fault is only ever injected on a local test chain),
 * opens the deployment's own database, and starts.
 */
import type { Api } from "../../core/api";
import { findDeploymentBlock, recordedAddress } from "../../core/deployments";
import { ConfigError, L2kitError } from "../../core/errors";
import { connectL1, LOCAL_CHAIN_ID, type L1Connection } from "../../core/l1";
import type { Logger } from "../../core/log";
import { pollOf, publisherConfig, type CoreConfig, type NetworkConfig } from "../../core/settings";
import { Store } from "../../core/store";
import { optimisticRollupAt } from "../abi";
import { rollupDomain } from "../protocol";
import type { OptimisticConfig, SequencerSettings } from "../settings";
import { createSequencerApi } from "./api";
import { Sequencer, sequencerDbFile } from "./sequencer";
import { BeaconBlobSource } from "../l1-batches";

/** The rollup this command serves: `--rollup`, else what `npx l2kit deploy` recorded. */
export async function resolveRollup(l1: L1Connection, given: string | undefined): Promise<string> {
  const address = given ?? recordedAddress(l1.chainId, "OptimisticRollup#OptimisticRollup");
  if (address === undefined) {
    throw new ConfigError(
      "OPTIMISTIC_ROLLUP_ADDRESS",
      `no rollup given and none deployed on chain ${l1.chainId}: run npx l2kit deploy optimistic-rollup or pass --rollup`,
    );
  }
  if ((await l1.provider.getCode(address)) === "0x")
    throw new ConfigError(
      "OPTIMISTIC_ROLLUP_ADDRESS",
      `no contract at ${address} on chain ${l1.chainId}`,
    );
  return address;
}

/** Refuses `--fault-at-batch` on any chain but the local test chain. */
export function checkFaultInjection(chainId: bigint, faultAtBatch: number | undefined): void {
  if (faultAtBatch !== undefined && chainId !== LOCAL_CHAIN_ID) {
    throw new ConfigError(
      "OPTIMISTIC_FAULT_AT_BATCH",
      `--fault-at-batch posts a wrong state root and loses the bond; it is refused on chain ${chainId} (only the local test chain ${LOCAL_CHAIN_ID} allows it)`,
      String(faultAtBatch),
    );
  }
}

export interface RunningSequencer {
  sequencer: Sequencer;
  api: Api;
  url: string;
  l1: L1Connection;
  stop(): Promise<void>;
}

export async function launchSequencer(
  cfg: { net: NetworkConfig; core: CoreConfig; opt: OptimisticConfig; seq: SequencerSettings },
  log: Logger,
): Promise<RunningSequencer> {
  const { net, core, opt, seq } = cfg;
  const l1 = await connectL1(net, core);
  checkFaultInjection(l1.chainId, seq.faultAtBatch);
  const address = await resolveRollup(l1, opt.rollup);
  const rollup = optimisticRollupAt(address, l1.provider);
  if (!(await rollup.isSequencer(l1.signer.address))) {
    throw new L2kitError(
      "OPT_NOT_SEQUENCER",
      `${l1.signer.address} is not a registered sequencer of ${address}; the rollup's owner calls setSequencer`,
      { account: l1.signer.address },
    );
  }
  const forceDelayMs = Number(await rollup.forceDelay()) * 1000;
  if (seq.maxBatchWaitMs * 2 > forceDelayMs) {
    throw new ConfigError(
      "OPTIMISTIC_MAX_BATCH_WAIT_MS",
      `must leave time before the rollup's forceDelay (${forceDelayMs / 1000} s): at most half of it`,
      String(seq.maxBatchWaitMs),
    );
  }
  const batchBond = (await rollup.batchBond()) as bigint;
  if (((await rollup.blobBatches()) as boolean) && opt.beaconUrl === undefined) {
    log.warn(
      "the rollup takes blob batches and no beacon API is configured (L2KIT_BEACON_URL): a blob batch posted by another address cannot be followed, and posting stops at it",
    );
  }
  const store = Store.open({
    dataDir: core.dataDir,
    file: sequencerDbFile(l1.chainId, address),
    log,
  });
  const sequencer = new Sequencer(
    {
      rollup: address,
      chainId: l1.chainId,
      domain: rollupDomain(l1.chainId, address),
      fromBlock: await findDeploymentBlock(l1.provider, address),
      batchBond,
      bondTopUp: seq.bondTopUp ?? batchBond * 4n,
      challengeWindowSeconds: Number(await rollup.challengeWindow()),
      maxBatchWaitMs: seq.maxBatchWaitMs,
      maxBatchRecords: seq.maxBatchRecords,
      maxBatchInbox: seq.maxBatchInbox,
      feeAccount: seq.feeAccount,
      minFee: seq.minFee,
      maxPendingTxs: seq.maxPendingTxs,
      verifyWorkers: seq.verifyWorkers,
      faultAtBatch: seq.faultAtBatch,
      ...(opt.beaconUrl === undefined
        ? {}
        : { blobSource: new BeaconBlobSource(opt.beaconUrl, l1.provider) }),
      ...pollOf(core),
      publisher: publisherConfig(core),
    },
    { provider: l1.provider, signer: l1.signer, store, log },
  );
  await sequencer.start();
  const api = createSequencerApi(sequencer, { log, bodyLimit: core.apiBodyLimit });
  const url = await api.listen({ host: core.apiHost, port: seq.port });
  return {
    sequencer,
    api,
    url,
    l1,
    stop: async () => {
      await api.close();
      await sequencer.stop();
      store.close();
      l1.provider.destroy();
    },
  };
}
