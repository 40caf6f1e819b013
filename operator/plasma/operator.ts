/**
 * The Plasma operator (`npx l2kit plasma operator`): accepts signed transactions into its ledger
 * (checked and stored before the answer), follows the root chain's deposits and exits (core
 * watcher: exactly once, resumable), builds a block from the mempool every `blockIntervalMs` (or
 * as soon as `maxBlockTxs` wait) and commits its root through the core publisher, keyed by block
 * number so that a restart never submits a block twice or skips one.
 */
import type { Provider } from "ethers";
import { L2kitError } from "../core/errors";
import { L1Service } from "../core/l1-service";
import { silentLogger, type Logger } from "../core/log";
import type { PublisherConfig, TxSigner } from "../core/publisher";
import type { L1PollConfig } from "../core/settings";
import type { Store } from "../core/store";
import type { WatchedEvent } from "../core/watcher";
import type { Eip712Domain } from "../lib/eip712";
import type { Hex } from "../lib/sparse-merkle";
import { plasmaInterface } from "./abi";
import { PlasmaLedger, type SignedTx } from "./ledger";
import { CHILD_BLOCK_INTERVAL } from "./tx";

export interface PlasmaOperatorConfig extends L1PollConfig {
  plasma: string;
  chainId: bigint;
  domain: Eip712Domain;
  /** First L1 block to read (the root chain's deployment). */
  fromBlock: number;
  /** How long the mempool may wait for a block (ms). */
  blockIntervalMs: number;
  /** A block holds at most this many transactions; a full mempool makes one at once. */
  maxBlockTxs: number;
  publisher: PublisherConfig;
}

export interface PlasmaOperatorDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

export function plasmaOperatorDbFile(chainId: bigint, plasma: string): string {
  return `plasma-operator-${chainId}-${plasma.toLowerCase()}.sqlite`;
}

export class PlasmaOperator {
  readonly ledger: PlasmaLedger;
  private readonly log: Logger;
  private readonly service: L1Service;
  private lastBlockAt = Date.now();

  constructor(
    readonly config: PlasmaOperatorConfig,
    private readonly deps: PlasmaOperatorDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "plasma-operator" });
    this.ledger = new PlasmaLedger(deps.store, config.domain);
    this.service = new L1Service(
      {
        ...config,
        name: "plasma-operator",
        contract: config.plasma,
        events: ["Deposited", "ExitStarted"].map((n) =>
          plasmaInterface.getEvent(n)!.format("full"),
        ),
      },
      { provider: deps.provider, signer: deps.signer, store: deps.store, log: this.log },
      { onEvents: (e) => this.onEvents(e), round: () => this.round() },
    );
  }

  get address(): string {
    return this.deps.signer.address;
  }

  async start(): Promise<void> {
    await this.service.start();
    this.log.info("plasma operator started", {
      plasma: this.config.plasma,
      lastBlock: this.ledger.lastBlock()?.toString() ?? null,
      mempool: this.ledger.mempoolSize(),
    });
  }

  async stop(): Promise<void> {
    await this.service.stop();
  }

  health(): Record<string, unknown> {
    if (this.service.lastError !== undefined) {
      throw new L2kitError("PLASMA_OPERATOR_DEGRADED", this.service.lastError, {}, 503);
    }
    return { mempool: this.ledger.mempoolSize() };
  }

  /** Accepts a signed transaction (see `PlasmaLedger.submit`); a full mempool wakes the builder. */
  submit(signed: SignedTx): Hex {
    const hash = this.ledger.submit(signed);
    if (this.ledger.mempoolSize() >= this.config.maxBlockTxs) this.service.wake();
    return hash;
  }

  /** After a round's L1 events: a block if one is due, then every built block not yet on L1. */
  private async round(): Promise<void> {
    const waiting = this.ledger.mempoolSize();
    const due =
      waiting >= this.config.maxBlockTxs ||
      (waiting > 0 && Date.now() - this.lastBlockAt >= this.config.blockIntervalMs);
    if (due) {
      const number = (this.ledger.lastBlock() ?? 0n) + CHILD_BLOCK_INTERVAL;
      const block = this.ledger.buildBlock(number, this.config.maxBlockTxs);
      if (block !== undefined) {
        this.lastBlockAt = Date.now();
        this.log.info("block built", { number, txs: block.txs.length, root: block.root });
      }
    }
    for (const number of this.ledger.unsubmitted()) {
      const block = this.ledger.block(number)!;
      const tx = await this.service.publisher.send(`plasma:block:${number}`, {
        to: this.config.plasma,
        data: plasmaInterface.encodeFunctionData("submitBlock", [number, block.root]),
      });
      this.ledger.markSubmitted(number, tx.hash);
      this.log.info("block submitted", { number, l1Tx: tx.hash });
    }
  }

  private onEvents(events: WatchedEvent[]): void {
    for (const e of events) {
      if (e.name === "Deposited") {
        this.ledger.addDeposit(e.args.blockNumber as bigint, {
          owner: e.args.owner as string,
          token: e.args.token as string,
          amount: e.args.amount as bigint,
        });
      } else if (e.name === "ExitStarted") {
        this.ledger.markExiting(e.args.utxoPos as bigint);
      }
    }
  }
}
