/**
 * The composition root of `npx l2kit zk operator`: from configuration to a running operator and
 * its HTTP API. It connects to L1, finds the rollup and the shape registered for the circuit,
 * checks that this account may submit batches, opens the deployment's own database, and starts.
 */
import { ConfigError, L2kitError } from "../../core/errors";
import { findDeploymentBlock, recordedAddress } from "../../core/deployments";
import { connectL1, type L1Connection } from "../../core/l1";
import type { Logger } from "../../core/log";
import type { Api } from "../../core/api";
import { pollOf, publisherConfig, type CoreConfig, type NetworkConfig } from "../../core/settings";
import { Store } from "../../core/store";
import { zkRollupAt } from "../abi";
import { registeredShapes } from "../client";
import { circuitShape } from "../circuits";
import type { BatchShape } from "../protocol";
import { setupCircuit } from "../setup/pipeline";
import type { ZkConfig, ZkOperatorConfig as ZkOperatorSettings } from "../settings";
import { createZkApi } from "./api";
import { operatorDbFile, ZkOperator } from "./operator";

/** The ZkRollup address `npx l2kit deploy zk-rollup` recorded for `chainId`, if any. */
export function recordedRollupAddress(chainId: bigint): string | undefined {
  return recordedAddress(chainId, "ZkRollup#ZkRollup");
}

/** Finds the shape id registered with exactly `shape`'s sizes. */
export async function findShapeId(
  rollup: ReturnType<typeof zkRollupAt>,
  shape: BatchShape,
  circuit: string,
): Promise<number> {
  const registered = Object.entries(await registeredShapes(rollup)).find(
    ([, s]) =>
      s.txSlots === shape.txSlots &&
      s.withdrawSlots === shape.withdrawSlots &&
      s.depositSlots === shape.depositSlots &&
      s.feeSlots === shape.feeSlots,
  );
  if (registered === undefined) {
    throw new L2kitError(
      "ZK_SHAPE_NOT_REGISTERED",
      `no shape of circuit ${circuit} is registered in the rollup; deploy with it (npx l2kit deploy zk-rollup)`,
      { circuit },
    );
  }
  return Number(registered[0]);
}

export interface RunningZkOperator {
  operator: ZkOperator;
  api: Api;
  url: string;
  l1: L1Connection;
  store: Store;
  stop(): Promise<void>;
}

export async function launchZkOperator(
  cfg: {
    net: NetworkConfig;
    core: CoreConfig;
    zk: ZkConfig;
    op: ZkOperatorSettings;
  },
  log: Logger,
): Promise<RunningZkOperator> {
  const { net, core, zk, op } = cfg;
  const l1 = await connectL1(net, core);
  const address = op.rollup ?? recordedRollupAddress(l1.chainId);
  if (address === undefined) {
    throw new ConfigError(
      "ZK_ROLLUP_ADDRESS",
      `no rollup given and none deployed on chain ${l1.chainId}: run npx l2kit deploy zk-rollup or pass --rollup`,
    );
  }
  if ((await l1.provider.getCode(address)) === "0x")
    throw new ConfigError("ZK_ROLLUP_ADDRESS", `no contract at ${address} on chain ${l1.chainId}`);
  const rollup = zkRollupAt(address, l1.provider);
  const shape = circuitShape(op.circuit);
  const levels = Number(await rollup.levels());
  if (levels !== shape.levels) {
    throw new ConfigError(
      "ZK_CIRCUIT",
      `circuit ${op.circuit} has ${shape.levels} levels; the rollup has ${levels}`,
      op.circuit,
    );
  }
  if (!(await rollup.isOperator(l1.signer.address))) {
    throw new L2kitError(
      "ZK_NOT_OPERATOR",
      `${l1.signer.address} is not a registered operator of ${address}; the rollup's owner calls setOperator`,
      { account: l1.signer.address },
    );
  }
  const shapeId = await findShapeId(rollup, shape, op.circuit);
  const setup = await setupCircuit(op.circuit, { buildDir: zk.zkBuildDir, ptau: zk.ptau, log });
  const deadlineMs = Number(await rollup.depositDeadline()) * 1000;
  if (op.maxBatchWaitMs * 2 > deadlineMs) {
    throw new ConfigError(
      "ZK_MAX_BATCH_WAIT_MS",
      `must leave time before the rollup's deposit deadline (${deadlineMs / 1000} s): at most half of it`,
      String(op.maxBatchWaitMs),
    );
  }
  const store = Store.open({
    dataDir: core.dataDir,
    file: operatorDbFile(l1.chainId, address),
    log,
  });
  const operator = new ZkOperator(
    {
      rollup: address,
      domain: BigInt(await rollup.domain()),
      chainId: l1.chainId,
      shape,
      shapeId,
      circuit: { name: op.circuit, wasm: setup.build.wasm, zkey: setup.zkey },
      fromBlock: await findDeploymentBlock(l1.provider, address),
      maxBatchWaitMs: op.maxBatchWaitMs,
      proverNice: op.proverNice,
      feeAccounts: op.feeAccounts ?? new Map(),
      minFee: op.minFee,
      maxPendingTxs: op.maxPendingTxs,
      verifyWorkers: op.verifyWorkers,
      ...pollOf(core),
      publisher: publisherConfig(core),
    },
    { provider: l1.provider, signer: l1.signer, store, log },
  );
  await operator.start();
  const api = createZkApi(operator, { log, bodyLimit: core.apiBodyLimit });
  const url = await api.listen({ host: core.apiHost, port: op.port });
  const stop = async (): Promise<void> => {
    await api.close();
    await operator.stop();
    store.close();
    l1.provider.destroy();
  };
  return { operator, api, url, l1, store, stop };
}
