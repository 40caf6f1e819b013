/**
 * A plain keep-alive HTTP client for the ingest figures: the load generator shares the machine's
 * cores with the operator it measures, so it should cost as little as possible.
 */
import http from "node:http";

export interface JsonPoster {
  post(body: string): Promise<{ status: number; text: string }>;
  close(): void;
}

export function jsonPoster(url: string, maxSockets: number): JsonPoster {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  return {
    post: (body) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          target,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Posts every sender's bodies in order, senders concurrently; returns accepted per second. */
export async function postConcurrently(
  poster: JsonPoster,
  perSender: readonly (readonly string[])[],
): Promise<{ accepted: number; seconds: number; perSecond: number }> {
  let accepted = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    perSender.map(async (seq) => {
      for (const body of seq) {
        const res = await poster.post(body);
        if (res.status !== 202) throw new Error(`transaction refused: ${res.status} ${res.text}`);
        accepted++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { accepted, seconds, perSecond: accepted / seconds };
}
