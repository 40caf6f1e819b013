/**
 * Test helpers around a real `npx hardhat node` (started by `operator/core/devnode.ts`), and a
 * JSON-RPC proxy in front of it that fails requests on demand (transient RPC errors).
 */
import http from "node:http";
import type net from "node:net";
import { pollUntil } from "../../operator/core/rpc";

export { freePort, startHardhatNode, type HardhatNode } from "../../operator/core/devnode";

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

/** Polls until `fn` gives a value (not undefined or false). */
export function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  return pollUntil(what, fn, { timeoutMs });
}
