/**
 * The channels' watchtower: it keeps clients' latest fully signed states and, while they are
 * offline, answers any challenge that registered an older state — a `checkpoint` with the newer
 * state (or `conclude`, when the client's latest is final), sent as soon as the challenge is seen,
 * long before the deadline.
 *
 * - **Intake** (`submit`): a state is accepted only if it is signed by every participant of the
 *   channel it names, newer than the one held, for a channel whose challenge period leaves the
 *   tower time to answer (`minChallengeDuration`) and that is not final yet. It is stored before
 *   the answer.
 * - **Watch**: the adjudicator's `Challenged`, `Checkpointed`, `Progressed` and `Concluded` events
 *   (core watcher, exactly once, resumable); on registration the tower also reads the channel's
 *   current status, so a challenge that began before a client registered is seen too.
 * - **Answer** through the core publisher, keyed by channel and version: a restart never sends an
 *   answer twice, and fee bumps keep it moving. A challenge seen with less than `marginSeconds`
 *   left is reported as an alarm; one seen after its deadline is `missed`.
 */
import type { Contract, Provider } from "ethers";
import { L2kitError, TxRevertedError } from "../../core/errors";
import { L1Service } from "../../core/l1-service";
import { chainTime } from "../../core/rpc";
import type { L1PollConfig } from "../../core/settings";
import { silentLogger, type Logger } from "../../core/log";
import type { PublisherConfig, TxSigner } from "../../core/publisher";
import type { Store } from "../../core/store";
import type { WatchedEvent } from "../../core/watcher";
import type { Eip712Domain } from "../../lib/eip712";
import { adjudicatorAt, adjudicatorInterface } from "../abi";
import { ChannelError } from "../errors";
import {
  channelId as computeChannelId,
  firstBadSignature,
  signedStateStruct,
  type Channel,
  type SignedState,
} from "../state";
import { TowerDb, type TowerChannel } from "./db";

export interface WatchtowerConfig extends L1PollConfig {
  adjudicator: string;
  chainId: bigint;
  domain: Eip712Domain;
  /** First block to read (the adjudicator's deployment). */
  fromBlock: number;
  /** Channels with a shorter challenge period are refused: the tower could not answer in time. */
  minChallengeDuration: bigint;
  /** A challenge first seen with less time than this left is reported as an alarm. */
  marginSeconds: bigint;
  publisher: PublisherConfig;
}

export interface WatchtowerDeps {
  provider: Provider;
  signer: TxSigner;
  store: Store;
  log?: Logger;
}

export interface TowerView {
  channelId: string;
  version: bigint;
  onchainVersion: bigint | null;
  finalizesAt: bigint | null;
  status: TowerChannel["status"];
  answerTx: string | null;
  /** Seconds between the answer's block and the deadline. */
  margin: bigint | null;
  note: string | null;
}

export function watchtowerDbFile(chainId: bigint, adjudicator: string): string {
  return `channels-watchtower-${chainId}-${adjudicator.toLowerCase()}.sqlite`;
}

export class Watchtower {
  readonly db: TowerDb;
  private readonly log: Logger;
  private readonly service: L1Service;
  private readonly adjudicator: Contract;

  constructor(
    readonly config: WatchtowerConfig,
    private readonly deps: WatchtowerDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "channels-watchtower" });
    this.db = new TowerDb(deps.store);
    this.db.meta.bindDeployment(
      { chainId: config.chainId.toString(), adjudicator: config.adjudicator.toLowerCase() },
      "use another --data-dir",
    );
    this.adjudicator = adjudicatorAt(config.adjudicator, deps.provider);
    this.service = new L1Service(
      {
        ...config,
        name: "channels-watchtower",
        contract: config.adjudicator,
        events: ["Challenged", "Checkpointed", "Progressed", "Concluded"].map((n) =>
          adjudicatorInterface.getEvent(n)!.format("full"),
        ),
      },
      { provider: deps.provider, signer: deps.signer, store: deps.store, log: this.log },
      { onEvents: (e) => this.onEvents(e), round: () => this.answerAll() },
    );
  }

  get address(): string {
    return this.deps.signer.address;
  }

  async start(): Promise<void> {
    await this.service.start();
    this.log.info("watchtower started", {
      adjudicator: this.config.adjudicator,
      account: this.address,
      channels: this.db.all().length,
    });
  }

  async stop(): Promise<void> {
    await this.service.stop();
  }

  health(): Record<string, unknown> {
    if (this.service.lastError !== undefined) {
      throw new L2kitError("WATCHTOWER_DEGRADED", this.service.lastError, {}, 503);
    }
    return { channels: this.db.counts() };
  }

  /** Registers `signed` (every participant's signature) as `channel`'s latest state. */
  async submit(channel: Channel, signed: SignedState): Promise<TowerView> {
    const id = computeChannelId(this.config.domain, channel);
    if (channel.challengeDuration < this.config.minChallengeDuration) {
      throw new ChannelError(
        "CHALLENGE_TOO_SHORT",
        `the tower needs a challenge period of at least ${this.config.minChallengeDuration} s`,
        { challengeDuration: channel.challengeDuration.toString() },
        422,
      );
    }
    const n = channel.participants.length;
    if (signed.sigs.length !== n) {
      throw new ChannelError(
        "NOT_FULLY_SIGNED",
        `a state needs all ${n} participants' signatures`,
        { given: signed.sigs.length },
        422,
      );
    }
    const bad = firstBadSignature(this.config.domain, id, channel, signed);
    if (bad >= 0) {
      throw new ChannelError(
        "BAD_SIGNATURE",
        `signature ${bad} is not participant ${bad}'s`,
        { field: `signed.sigs[${bad}]`, participant: channel.participants[bad] },
        422,
      );
    }
    const held = this.db.get(id);
    if (held !== undefined && held.signed.state.version >= signed.state.version) {
      throw new ChannelError("STALE_STATE", "the tower holds this version or a newer one", {
        held: held.signed.state.version.toString(),
      });
    }
    const [version, finalizesAt, fingerprint] = (await this.adjudicator.status(id)) as [
      bigint,
      bigint,
      bigint,
    ];
    const now = await chainTime(this.deps.provider);
    if (finalizesAt !== 0n && finalizesAt <= now) {
      throw new ChannelError("CHANNEL_FINAL", "the channel is final on L1", { channelId: id });
    }
    this.db.saveState(id, channel, signed, fingerprint === 0n ? null : { version, finalizesAt });
    this.service.wake();
    return this.view(id)!;
  }

  view(id: string): TowerView | undefined {
    const c = this.db.get(id);
    if (c === undefined) return undefined;
    return {
      channelId: c.id,
      version: c.signed.state.version,
      onchainVersion: c.onchainVersion,
      finalizesAt: c.finalizesAt,
      status: c.status,
      answerTx: c.answerTx,
      margin: c.answeredAt === null || c.finalizesAt === null ? null : c.finalizesAt - c.answeredAt,
      note: c.note,
    };
  }

  /** After the adjudicator's events of a round: answers every stale registration. */
  private async answerAll(): Promise<void> {
    for (const c of this.db.toAnswer()) await this.answer(c);
  }

  private onEvents(events: WatchedEvent[]): void {
    for (const e of events) {
      const id = e.args.channelId as string;
      if (this.db.get(id) === undefined) continue;
      if (e.name === "Concluded") {
        this.db.setStatus(id, "closed", { note: "concluded on L1" });
      } else {
        const state = e.args.state as { version: bigint };
        this.db.registered(id, BigInt(state.version), BigInt(e.args.finalizesAt as bigint));
      }
    }
  }

  private async answer(c: TowerChannel): Promise<void> {
    const now = await chainTime(this.deps.provider);
    const deadline = c.finalizesAt!;
    if (deadline <= now) {
      this.db.setStatus(c.id, "missed", { note: `deadline ${deadline} passed before an answer` });
      this.log.error("challenge deadline passed unanswered", { channelId: c.id, deadline });
      return;
    }
    if (deadline - now < this.config.marginSeconds) {
      this.log.warn("answering a challenge close to its deadline", {
        channelId: c.id,
        secondsLeft: deadline - now,
      });
    }
    const proof = [signedStateStruct(c.signed)];
    const data = c.signed.state.isFinal
      ? adjudicatorInterface.encodeFunctionData("conclude", [c.channel, proof])
      : adjudicatorInterface.encodeFunctionData("checkpoint", [c.channel, proof]);
    this.db.setStatus(c.id, "answering");
    this.log.info("answering a stale registration", {
      channelId: c.id,
      registered: c.onchainVersion,
      ours: c.signed.state.version,
    });
    try {
      const tx = await this.service.publisher.send(`channels:${c.id}:${c.signed.state.version}`, {
        to: this.config.adjudicator,
        data,
      });
      const block = await this.deps.provider.getBlock(tx.blockNumber);
      const minedAt = BigInt(block?.timestamp ?? 0);
      this.db.registered(c.id, c.signed.state.version, c.signed.state.isFinal ? minedAt : deadline);
      this.db.setStatus(c.id, c.signed.state.isFinal ? "closed" : "answered", {
        answerTx: tx.hash,
        answeredAt: minedAt,
      });
      this.log.info("stale registration answered", {
        channelId: c.id,
        tx: tx.hash,
        marginSeconds: deadline - minedAt,
      });
    } catch (error) {
      if (!(error instanceof TxRevertedError)) throw error;
      // Someone else (the client itself) answered first, or the channel moved on: read it again.
      const [version, finalizesAt] = (await this.adjudicator.status(c.id)) as [bigint, bigint];
      this.db.registered(c.id, version, finalizesAt);
      const settled = version >= c.signed.state.version;
      this.db.setStatus(c.id, settled ? "answered" : "missed", {
        note: `answer reverted: ${error.message}`,
      });
    }
  }
}
