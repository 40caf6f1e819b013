/**
 * Starts a real `npx hardhat node` on a free loopback port: the L1 that tests and the bench run
 * operator processes against (the embedded network lives inside one process only).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { hardhatDevKey } from "./l1";

export interface HardhatNode {
  url: string;
  provider: JsonRpcProvider;
  wallet(index: number): Wallet;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const bootstrap = require.resolve("hardhat/internal/cli/bootstrap.js");
  const env = { ...process.env };
  delete env.HARDHAT_NETWORK;
  const child: ChildProcess = spawn(
    process.execPath,
    [bootstrap, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: path.resolve(__dirname, "..", ".."),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hardhat node did not start:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, Network.from(31337n), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  return {
    url,
    provider,
    wallet: (i) => new Wallet(hardhatDevKey(i), provider),
    rpc: (method, params = []) => provider.send(method, params),
    stop: async () => {
      provider.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
