/**
 * The round loop of a polling service (challenger, watchtower): run a round, remember whether it
 * failed, sleep until the next one or until woken, and stop cleanly (a round in progress ends,
 * then the loop does).
 */
import { describeError, L2kitError } from "./errors";
import type { Logger } from "./log";
import { sleep } from "./rpc";

export class RoundLoop {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** The last round's error, or undefined when it succeeded. */
  lastError: string | undefined;

  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly round: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Aborted once `stop` is called. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Runs the next round now instead of after the interval. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.abort.abort(new L2kitError("STOPPED", `${this.what} stopped`));
    this.wake();
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        await this.round();
        this.lastError = undefined;
      } catch (error) {
        if (signal.aborted) return;
        this.lastError = describeError(error);
        this.log.error(`${this.what} round failed`, { error: this.lastError });
      }
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        sleep(this.intervalMs, signal).then(resolve, resolve);
      });
      this.wakeUp = undefined;
    }
  }
}
