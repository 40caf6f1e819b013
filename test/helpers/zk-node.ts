/**
 * The ZK rollup on a test's `npx hardhat node`: deployed with its account 0 as owner and operator,
 * and an in-process operator's configuration for it.
 */
import path from "node:path";
import hre from "hardhat";
import { deployZkRollupWithSigner } from "../../deploy";
import { zkRollupAt } from "../../operator/zk/abi";
import { circuitShape } from "../../operator/zk/circuits";
import { Store } from "../../operator/core/store";
import { createZkApi } from "../../operator/zk/service/api";
import { ZkOperator, type ZkOperatorConfig } from "../../operator/zk/service/operator";
import { REPO_ROOT } from "../../operator/zk/setup/compile";
import type { HardhatNode } from "./hardhat-node";
import { FAST_PUBLISHER } from "./optimistic-node";

export function deployZkRollupOnNode(
  node: HardhatNode,
  options: { depositDeadline?: number; circuit?: string } = {},
): Promise<{ rollup: string; shapeId: number; deployBlock: number }> {
  return deployZkRollupWithSigner(hre, node.wallet(0), {
    depositDeadline: 3600,
    ...options,
  });
}

/**
 * An in-process operator's configuration for a rollup deployed by `deployZkRollupOnNode` with the
 * test circuit: fast polling, one confirmation, one verify worker; `overrides` on top.
 */
export async function zkOperatorTestConfig(
  node: HardhatNode,
  deployment: { rollup: string; shapeId: number; deployBlock: number },
  overrides: Partial<ZkOperatorConfig> = {},
): Promise<ZkOperatorConfig> {
  const build = path.join(REPO_ROOT, "circuits", "build", "rollup-test");
  return {
    rollup: deployment.rollup,
    domain: BigInt(await zkRollupAt(deployment.rollup, node.provider).domain()),
    chainId: 31337n,
    shape: circuitShape("test"),
    shapeId: deployment.shapeId,
    circuit: {
      name: "test",
      wasm: path.join(build, "rollup-test_js", "rollup-test.wasm"),
      zkey: path.join(build, "rollup-test.zkey"),
    },
    fromBlock: deployment.deployBlock,
    maxBatchWaitMs: 300,
    proverNice: 10,
    feeAccounts: new Map(),
    minFee: 0n,
    maxPendingTxs: 1000,
    verifyWorkers: 1,
    confirmations: 1,
    pollIntervalMs: 50,
    rpcRetries: 2,
    rpcRetryDelayMs: 50,
    publisher: FAST_PUBLISHER,
    ...overrides,
  };
}

/** An in-process operator with its HTTP API, as tests run it. */
export interface RunningZkOperator {
  operator: ZkOperator;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts an in-process operator on the SQLite file `zk-operator.sqlite` of `dataDir` (so a restart
 * reopens the same database), signing with the node's account 0, and its API on a free port.
 */
export async function startZkOperator(
  node: HardhatNode,
  config: ZkOperatorConfig,
  dataDir: string,
): Promise<RunningZkOperator> {
  const store = Store.open({ dataDir, file: "zk-operator.sqlite" });
  const operator = new ZkOperator(config, {
    provider: node.provider,
    signer: node.wallet(0),
    store,
  });
  await operator.start();
  const api = createZkApi(operator, {});
  const url = await api.listen({ host: "127.0.0.1", port: 0 });
  return {
    operator,
    url,
    stop: async () => {
      await api.close();
      await operator.stop();
      store.close();
    },
  };
}
