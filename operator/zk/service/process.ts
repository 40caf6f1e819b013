/**
 * Starts `npx l2kit zk operator` as a child process against a JSON-RPC node and waits until its
 * API listens: how the demo, the bench and the end-to-end tests run the real operator.
 */
import { spawnService, type ServiceProcess } from "../../core/process";

export interface ZkOperatorProcess extends ServiceProcess {
  /** The API's base URL, as the operator printed it. */
  url: string;
}

export async function spawnZkOperator(opts: {
  nodeUrl: string;
  rollup: string;
  dataDir: string;
  /** More flags, e.g. ["--max-batch-wait-ms", "500"]. */
  args?: string[];
  startTimeoutMs?: number;
}): Promise<ZkOperatorProcess> {
  const p = await spawnService(
    [
      "zk",
      "operator",
      "--network",
      "localhost",
      "--localhost-url",
      opts.nodeUrl,
      "--rollup",
      opts.rollup,
      "--data-dir",
      opts.dataDir,
      "--port",
      "0",
      ...(opts.args ?? []),
    ],
    { name: "zk operator", startTimeoutMs: opts.startTimeoutMs },
  );
  return { ...p, url: p.announced.url as string };
}
