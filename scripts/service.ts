/** How CLI commands run a long-lived service: announce it, then serve until SIGINT/SIGTERM. */
import { Shutdown } from "../operator/core/api";
import type { Logger } from "../operator/core/log";
import type { Io } from "./cli";

/**
 * Prints `announcement` as one JSON line (`{"event":"listening",...}`: what scripts and tests
 * wait for), then resolves after a signal has stopped the service cleanly.
 */
export async function serveUntilSignal(
  io: Io,
  log: Logger,
  announcement: Record<string, unknown>,
  stop: () => Promise<void>,
): Promise<void> {
  io.out(JSON.stringify({ event: "listening", ...announcement }));
  const shutdown = new Shutdown(log);
  shutdown.add("service", stop);
  await new Promise<void>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.once(sig, () => {
        log.info("signal received; shutting down", { signal: sig });
        void shutdown.shutdown().finally(resolve);
      });
    }
  });
}
