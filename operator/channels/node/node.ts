/**
 * A channel client as a long-running process (`npx l2kit channels node`): the `ChannelClient`
 * with its SQLite store, the peers' URLs it reconnects to after a restart, a round loop that
 * guards its channels (stale closes answered, expired locks taken back, unpaid locks enforced)
 * and hands every changed channel's latest state to a watchtower when one is configured.
 */
import type { Signer } from "ethers";
import { ApiError } from "../../core/http-client";
import { InputError, L2kitError } from "../../core/errors";
import { RoundLoop } from "../../core/loop";
import { silentLogger, type Logger } from "../../core/log";
import type { Store } from "../../core/store";
import { DigestSigner } from "../../lib/secp256k1";
import { adjudicatorAt, secretRegistryAt } from "../abi";
import { ChannelClient, DEFAULT_POLICY, type ChannelPolicy, type Hop } from "../client";
import { ChannelError } from "../errors";
import { GameTable, type GameView } from "../games";
import { HttpGamePeerLink, HttpPeerLink } from "../peer-api";
import { channelsDomain, type SignedState } from "../state";
import { ChannelStore, GameStore, type ChannelRow } from "../store";
import { WatchtowerApi } from "../watchtower/client";
import { address, channelToJson, httpUrl, signedToJson, type ChannelJson } from "../wire";

export interface ChannelNodeConfig {
  chainId: bigint;
  adjudicator: string;
  paymentApp: string;
  secretRegistry: string;
  /** The tic-tac-toe app: games are offered and accepted when set. */
  ticTacToeApp?: string;
  pollIntervalMs: number;
  /** A watchtower to hand every changed channel's latest state to. */
  watchtowerUrl?: string;
  policy: Partial<ChannelPolicy>;
}

export interface ChannelNodeDeps {
  /** The node's key: it signs states (and `runner` sends its L1 transactions with it). */
  privateKey: string;
  /** Sends the node's L1 transactions (one at a time: a `SerialSigner`). */
  runner: Signer;
  store: Store;
  log?: Logger;
}

/** What the user API shows of a channel. Amounts are wei. */
export interface ChannelView {
  id: string;
  status: ChannelRow["status"];
  note: string | null;
  me: number;
  /** The channel's parameters (participants, nonce, app, challengeDuration): what L1 calls take. */
  channel: ChannelJson;
  version: bigint;
  isFinal: boolean;
  balance: bigint;
  peerBalance: bigint;
  locks: { amount: bigint; hashlock: string; expiry: bigint; incoming: boolean }[];
  sent: bigint;
  received: bigint;
  payments: number;
  backedUpVersion?: bigint;
  /** Why the watchtower refused the latest state, when it did (the node tries every round). */
  backupError?: string;
}

export class ChannelNode {
  readonly client: ChannelClient;
  readonly channelStore: ChannelStore;
  /** Tic-tac-toe games (when the node knows the app). */
  readonly games: GameTable | undefined;
  private readonly log: Logger;
  /** Where each peer's peer API is (lower-case address). */
  private readonly peerUrls = new Map<string, string>();
  private readonly loop: RoundLoop;
  private readonly tower: WatchtowerApi | undefined;
  /** The version each channel was last handed to the tower at (this process's run). */
  private readonly backedUp = new Map<string, bigint>();
  /** Why the tower refused a channel's latest state (last attempt). */
  private readonly backupErrors = new Map<string, string>();

  constructor(
    readonly config: ChannelNodeConfig,
    deps: ChannelNodeDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ component: "channel-node" });
    this.channelStore = new ChannelStore(deps.store);
    this.client = new ChannelClient({
      signer: new DigestSigner(deps.privateKey),
      store: this.channelStore,
      domain: channelsDomain(config.chainId, config.adjudicator),
      adjudicator: adjudicatorAt(config.adjudicator, deps.runner),
      paymentApp: config.paymentApp,
      secretRegistry: secretRegistryAt(config.secretRegistry, deps.runner),
      policy: config.policy,
      log: this.log,
    });
    const policy = { ...DEFAULT_POLICY, ...config.policy };
    this.games =
      config.ticTacToeApp === undefined
        ? undefined
        : new GameTable({
            signer: new DigestSigner(deps.privateKey),
            store: new GameStore(deps.store),
            domain: channelsDomain(config.chainId, config.adjudicator),
            adjudicator: adjudicatorAt(config.adjudicator, deps.runner),
            ticTacToeApp: config.ticTacToeApp,
            policy,
            linkTo: (peer) => {
              const url = this.peerUrls.get(peer.toLowerCase());
              if (url === undefined) {
                throw new ChannelError("NO_LINK", "no URL recorded for this peer", { peer }, 503);
              }
              return new HttpGamePeerLink(url);
            },
            log: this.log,
          });
    this.tower =
      config.watchtowerUrl === undefined ? undefined : new WatchtowerApi(config.watchtowerUrl);
    this.loop = new RoundLoop("channel node", config.pollIntervalMs, () => this.round(), this.log);
  }

  get address(): string {
    return this.client.address;
  }

  /** Reconnects to the peers it knows and starts guarding. */
  start(publicUrl: string): void {
    this.client.advertisedUrl = publicUrl;
    for (const p of this.channelStore.peers()) this.connectPeer(p.address, p.url);
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.client.idle();
  }

  /** Runs a guard round now (after a user action that an answer may depend on). */
  wake(): void {
    this.loop.wake();
  }

  health(): Record<string, unknown> {
    if (this.loop.lastError !== undefined) {
      throw new L2kitError("CHANNEL_NODE_DEGRADED", this.loop.lastError, {}, 503);
    }
    return { channels: this.client.channels().filter((c) => c.status !== "closed").length };
  }

  /** Records where `peer`'s peer API is, and talks to it there from now on. */
  addPeer(peer: unknown, url: unknown): { address: string; url: string } {
    const a = address(peer, "address");
    const u = httpUrl(url, "url");
    if (a === this.address) throw new InputError("address", "is this node's own address");
    this.channelStore.savePeer(a, u);
    this.connectPeer(a, u);
    return { address: a, url: u };
  }

  peers(): { address: string; url: string }[] {
    return this.channelStore.peers();
  }

  /**
   * Opens a payment channel with `peer` (whose URL is recorded, or given here): this node deposits
   * `deposit`, the peer `peerDeposit` if its policy allows.
   */
  async open(p: {
    peer: string;
    url?: string;
    deposit: bigint;
    peerDeposit: bigint;
    challengeDuration: bigint;
  }): Promise<ChannelView> {
    if (p.url !== undefined) this.addPeer(p.peer, p.url);
    const id = await this.client.open({
      peer: p.peer,
      myDeposit: p.deposit,
      peerDeposit: p.peerDeposit,
      challengeDuration: p.challengeDuration,
    });
    this.loop.wake();
    return this.view(id);
  }

  async pay(channelId: string, amount: bigint): Promise<ChannelView> {
    await this.client.pay(channelId, amount);
    return this.view(channelId);
  }

  /**
   * Locks `amount` to the peer under `hashlock`, to be forwarded along `route`. With `waitMs`,
   * waits up to that long for the lock to be paid (the payee showed the secret).
   */
  async lock(
    channelId: string,
    p: { amount: bigint; hashlock: string; expiry: bigint; route?: Hop[]; waitMs?: number },
  ): Promise<{ channel: ChannelView; settled: boolean }> {
    await this.client.lock(channelId, p);
    let settled = false;
    if (p.waitMs !== undefined && p.waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      settled = await Promise.race([
        this.client.settled(p.hashlock).then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), p.waitMs))),
      ]);
      clearTimeout(timer);
    }
    return { channel: this.view(channelId), settled };
  }

  /** The game table, or a 409 when the node was started without the tic-tac-toe app. */
  requireGames(): GameTable {
    if (this.games === undefined) {
      throw new L2kitError(
        "NO_GAMES",
        "this node plays no games: start it with --tic-tac-toe-app (or deploy channels)",
        {},
        409,
      );
    }
    return this.games;
  }

  /** Opens a tic-tac-toe game with `peer` for `stake` each (the peer plays X and moves first). */
  async openGame(p: {
    peer: string;
    url?: string;
    stake: bigint;
    challengeDuration: bigint;
  }): Promise<GameView> {
    const games = this.requireGames();
    if (p.url !== undefined) this.addPeer(p.peer, p.url);
    const id = await games.open({
      peer: p.peer,
      stake: p.stake,
      challengeDuration: p.challengeDuration,
      url: this.client.advertisedUrl,
    });
    return games.view(id);
  }

  async close(channelId: string): Promise<{ tx: string; channel: ChannelView }> {
    const tx = await this.client.close(channelId);
    return { tx: tx.hash, channel: this.view(channelId) };
  }

  async dispute(channelId: string): Promise<{ finalizesAt: bigint; channel: ChannelView }> {
    const { finalizesAt } = await this.client.dispute(channelId);
    return { finalizesAt, channel: this.view(channelId) };
  }

  async settle(channelId: string): Promise<{ tx: string; channel: ChannelView }> {
    const tx = await this.client.settle(channelId);
    return { tx: tx.hash, channel: this.view(channelId) };
  }

  /** Hands the channel's latest state to the configured watchtower now. */
  async backup(channelId: string): Promise<{ version: bigint }> {
    if (this.tower === undefined) {
      throw new L2kitError(
        "NO_WATCHTOWER",
        "no watchtower configured: start the node with --watchtower-url",
        {},
        409,
      );
    }
    const { row, latest } = this.client.channel(channelId);
    await this.submitToTower(row, latest);
    return { version: latest.state.version };
  }

  /** The channel as the user API shows it. */
  view(channelId: string): ChannelView {
    const { row, latest } = this.client.channel(channelId);
    const outcome = latest.state.outcome[0];
    let sent = 0n;
    let received = 0n;
    const payments = this.client.channelPayments(channelId);
    for (const p of payments) {
      if (p.direction === "sent") sent += p.amount;
      else received += p.amount;
    }
    return {
      id: row.id,
      status: row.status,
      note: row.note,
      me: row.me,
      channel: channelToJson(row.channel),
      version: latest.state.version,
      isFinal: latest.state.isFinal,
      balance: outcome.amounts[row.me],
      peerBalance: outcome.amounts[1 - row.me],
      locks: outcome.locks.map((l) => ({
        amount: l.amount,
        hashlock: l.hashlock,
        expiry: l.expiry,
        incoming: l.payee === row.me,
      })),
      sent,
      received,
      payments: payments.length,
      backedUpVersion: this.backedUp.get(row.id),
      backupError: this.backupErrors.get(row.id),
    };
  }

  /** The channel's latest fully signed state, as JSON (what a dispute would register). */
  latest(channelId: string): unknown {
    return signedToJson(this.client.channel(channelId).latest);
  }

  channels(): ChannelView[] {
    return this.client.channels().map((c) => this.view(c.id));
  }

  private connectPeer(peer: string, url: string): void {
    this.peerUrls.set(peer.toLowerCase(), url);
    this.client.connect(peer, new HttpPeerLink(url));
  }

  /** One guard round; each part runs even when another failed (the first failure is rethrown). */
  private async round(): Promise<void> {
    const failures: unknown[] = [];
    const part = async (work: () => Promise<unknown>): Promise<void> => {
      await work().catch((error: unknown) => failures.push(error));
    };
    await part(() => this.client.guard());
    if (this.games !== undefined) await part(() => this.games!.guard());
    await part(() => this.backupChanged());
    if (failures.length > 0) throw failures[0];
  }

  /** Hands the tower every channel whose latest state it has not taken yet. */
  private async backupChanged(): Promise<void> {
    if (this.tower !== undefined) {
      for (const row of this.client.channels()) {
        if (row.status === "closed") continue;
        const { latest } = this.client.channel(row.id);
        if (this.backedUp.get(row.id) === latest.state.version) continue;
        await this.submitToTower(row, latest).catch((error: unknown) =>
          this.log.warn("handing a state to the watchtower failed", {
            channelId: row.id,
            error: String(error),
          }),
        );
      }
    }
  }

  /**
   * Hands `latest` to the tower. Only an acceptance (or the tower holding this version already)
   * counts as backed up; a refusal is kept for the channel's view and tried again next round.
   */
  private async submitToTower(row: ChannelRow, latest: SignedState): Promise<void> {
    try {
      await this.tower!.submit(row.channel, latest);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "STALE_STATE")) {
        this.backupErrors.set(row.id, error instanceof L2kitError ? error.code : String(error));
        throw error;
      }
    }
    this.backupErrors.delete(row.id);
    this.backedUp.set(row.id, latest.state.version);
  }
}

/** Where a node keeps its store: one file per chain, adjudicator and account. */
export function channelNodeDbFile(chainId: bigint, adjudicator: string, account: string): string {
  return `channels-node-${chainId}-${adjudicator.toLowerCase()}-${account.toLowerCase()}.sqlite`;
}
