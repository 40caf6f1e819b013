/**
 * What a polling L1 service is made of (the channels' watchtower, the Plasma operator and
 * watcher): a watcher that follows one contract's events, a publisher that sends its
 * transactions, and a round loop that polls the watcher and runs the service's round. Started and
 * stopped together; `lastError` is the last round's failure (for `/health`).
 */
import type { Provider } from "ethers";
import type { Logger } from "./log";
import { RoundLoop } from "./loop";
import { Publisher, type PublisherConfig, type TxSigner } from "./publisher";
import { pollOf, type L1PollConfig } from "./settings";
import type { Store } from "./store";
import { Watcher, type WatchedEvent } from "./watcher";

export interface L1ServiceConfig extends L1PollConfig {
  /** Names the watcher's cursor and the round loop. */
  name: string;
  /** The contract followed and the events read from it (full ABI fragments). */
  contract: string;
  events: readonly string[];
  fromBlock: number;
  publisher: PublisherConfig;
}

export class L1Service {
  readonly publisher: Publisher;
  readonly watcher: Watcher;
  private readonly loop: RoundLoop;

  constructor(
    config: L1ServiceConfig,
    deps: { provider: Provider; signer: TxSigner; store: Store; log: Logger },
    work: { onEvents: (events: WatchedEvent[]) => void; round: () => Promise<void> },
  ) {
    this.publisher = new Publisher(config.publisher, deps);
    this.watcher = new Watcher(
      {
        name: `${config.name}-${config.contract.toLowerCase()}`,
        addresses: [config.contract],
        abi: config.events,
        fromBlock: config.fromBlock,
        ...pollOf(config),
      },
      { provider: deps.provider, store: deps.store, log: deps.log, handlers: work },
    );
    this.loop = new RoundLoop(
      config.name,
      config.pollIntervalMs,
      async () => {
        await this.watcher.poll();
        await work.round();
      },
      deps.log,
    );
  }

  /** The last round's error, or undefined when it succeeded. */
  get lastError(): string | undefined {
    return this.loop.lastError;
  }

  async start(): Promise<void> {
    await this.publisher.start();
    this.loop.start();
  }

  /** Runs the next round now. */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    this.publisher.stop();
    await this.loop.stop();
  }
}
