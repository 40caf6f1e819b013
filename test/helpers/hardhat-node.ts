/**
 * Starts a real `npx hardhat node` on a free loopback port for tests of operator processes, and a
 * JSON-RPC proxy in front of it that fails requests on demand (transient RPC errors).
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Network, type Wallet } from "ethers";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

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
    wallet: (i) =>
      HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(
        provider,
      ) as unknown as Wallet,
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

/**
 * A JSON-RPC proxy that forwards to `target` but fails the requests `shouldFail` picks, half as
 * HTTP 503 and half as a reset connection: the transient errors real RPC providers produce.
 */
export interface FlakyProxy {
  url: string;
  failures: number;
  requests: number;
  /** Requests seen per JSON-RPC method. */
  methods: Map<string, number>;
  setFailing(shouldFail: (n: number, method: string) => boolean): void;
  stop(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  let shouldFail: (n: number, method: string) => boolean = () => false;
  const state = { failures: 0, requests: 0, methods: new Map<string, number>() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let method = "?";
      try {
        method = (JSON.parse(body.toString()) as { method: string }).method;
      } catch {
        /* forwarded as is */
      }
      const n = ++state.requests;
      state.methods.set(method, (state.methods.get(method) ?? 0) + 1);
      if (shouldFail(n, method)) {
        state.failures++;
        if (state.failures % 2 === 0) {
          req.socket.destroy();
        } else {
          res.writeHead(503, { "content-type": "text/plain" }).end("service unavailable");
        }
        return;
      }
      const fwd = http.request(
        target,
        { method: "POST", headers: { "content-type": "application/json" } },
        (r) => {
          res.writeHead(r.statusCode ?? 500, { "content-type": "application/json" });
          r.pipe(res);
        },
      );
      fwd.on("error", () => res.writeHead(502).end());
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get failures() {
      return state.failures;
    },
    get requests() {
      return state.requests;
    },
    methods: state.methods,
    setFailing: (f) => {
      shouldFail = f;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
