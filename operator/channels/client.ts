/**
 * The payment-channel client: opens and funds two-party channels, pays and is paid off-chain,
 * and leaves cooperatively or by dispute, guarding its channels against stale closes meanwhile.
 *
 * Every payment is a new state (version + 1) signed by the payer and countersigned by the payee.
 * Payments queue per channel and travel in batches of consecutive states: the payee checks each
 * state against the one before, countersigns each, and persists the batch's last state (fully
 * signed) with its payment rows in one transaction before it answers; the payer checks every
 * countersignature and persists the same before it reports the payments done. So neither side
 * ever acts on a state it has not stored, and one disk flush covers a whole batch.
 *
 * Talking to the peer goes through a `PeerLink` (in process, or HTTP for separate processes);
 * talking to L1 goes through the adjudicator with the client's own key.
 */
import { randomBytes } from "node:crypto";
import { Contract, keccak256, type ContractTransactionResponse } from "ethers";
import { InputError } from "../core/errors";
import { ChannelError } from "./errors";
import { silentLogger, type Logger } from "../core/log";
import { chainTime } from "../core/rpc";
import type { Eip712Domain } from "../lib/eip712";
import { DigestSigner, recoverDigest } from "../lib/secp256k1";
import { ChannelStore, type ChannelRow, type PaymentRow } from "./store";
import type { TowerLink } from "./watchtower/client";
import {
  channelId as computeChannelId,
  ETH,
  firstBadSignature,
  lockResolved,
  MAX_UINT48,
  MAX_UINT64,
  MAX_UINT256,
  paidOut,
  signedStateStruct,
  stateDigest,
  type Channel,
  type Lock,
  type SignedState,
  type State,
} from "./state";
import { classify, nextState, type Change } from "./transitions";
import {
  address,
  httpUrl,
  uint,
  channelToJson,
  parseChannel,
  parseSignature,
  parseSignedState,
  parseState,
  signedToJson,
  stateToJson,
  type ChannelJson,
  type SignedStateJson,
  type StateJson,
} from "./wire";

export { ChannelError };

const ERC20_ABI = [
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

export interface ProposeMessage {
  channel: ChannelJson;
  asset: string;
  /** The opening state (version 0) and the proposer's signature of it. */
  opening: StateJson;
  sig: string;
  /** Where the proposer's peer API is, when it serves one (the peer records it to answer). */
  url?: string;
}

/** One hop of a multi-hop payment: lock `amount` to `to`, expiring at `expiry` (unix seconds). */
export interface Hop {
  to: string;
  amount: string;
  expiry: string;
}

export interface UpdateMessage {
  channelId: string;
  /**
   * Consecutive states, each signed by the sender. A state that adds a lock may carry the rest of
   * its route: the receiver forwards the lock along it (the first hop is the receiver's next).
   */
  states: { state: StateJson; sig: string; route?: Hop[] }[];
}

/** What a client asks of its peer. `HttpPeerLink` and `DirectPeerLink` implement it. */
export interface PeerLink {
  /** The peer's signature on the opening state (it stores the channel first). */
  propose(msg: ProposeMessage): Promise<string>;
  /** Deposit your share now that mine is on L1; resolves once yours is mined. */
  funded(msg: { channelId: string }): Promise<void>;
  /** The peer's countersignatures of `states`, in order (stored before it answers). */
  update(msg: UpdateMessage): Promise<string[]>;
  /** The peer's latest fully signed state, to resynchronise after a broken exchange. */
  latest(msg: { channelId: string }): Promise<SignedStateJson>;
  /** The secret of a lock the peer owes me: the peer pays the lock (an unlock state) first. */
  claim(msg: { channelId: string; secret: string }): Promise<void>;
}

export interface ChannelPolicy {
  /** Shortest and longest challenge period this client accepts (seconds). */
  minChallengeDuration: bigint;
  maxChallengeDuration: bigint;
  /**
   * Most the client deposits when a peer opens a channel with it, in the asset's base units (wei,
   * or the token's smallest unit): one cap for every accepted asset, not one per asset.
   */
  maxPeerDeposit: bigint;
  /** Most states per batch sent to a peer. */
  maxBatch: number;
  /** A lock offered to this client must leave at least this long to claim it (seconds). */
  minLockSeconds: bigint;
  /**
   * A forwarded lock expires at least this much earlier than the lock it is paid from, and an
   * unpaid incoming lock whose secret this client knows is enforced on-chain this long before it
   * expires (reveal the secret to the registry, then dispute): the time a reveal needs to be mined.
   */
  lockMarginSeconds: bigint;
  /** Assets this client accepts channels in when a peer proposes one (ETH, or ERC-20 addresses). */
  assets: readonly string[];
}

export const DEFAULT_POLICY: ChannelPolicy = {
  minChallengeDuration: 60n,
  maxChallengeDuration: 30n * 24n * 3600n,
  maxPeerDeposit: 0n,
  maxBatch: 512,
  minLockSeconds: 600n,
  lockMarginSeconds: 300n,
  assets: [ETH],
};

export interface ChannelClientDeps {
  /** The client's key: it signs states and sends its L1 transactions. */
  signer: DigestSigner;
  store: ChannelStore;
  domain: Eip712Domain;
  /** The adjudicator, connected to a runner that sends with the client's key. */
  adjudicator: Contract;
  paymentApp: string;
  /** The secret registry, connected like the adjudicator (hash-time locks). */
  secretRegistry?: Contract;
  policy?: Partial<ChannelPolicy>;
  log?: Logger;
}

interface Pending {
  state: State;
  sig: string;
  change: Change;
  route?: Hop[];
  resolve: (s: SignedState) => void;
  reject: (e: Error) => void;
}

interface Live {
  row: ChannelRow;
  /** Latest fully signed state (stored). */
  committed: SignedState;
  /** Latest state this client signed as payer (queued or in flight), else `committed.state`. */
  head: State;
  queue: Pending[];
  inFlight: boolean;
  /** Incoming updates are handled one batch at a time. */
  busy: Promise<void>;
}

export class ChannelClient {
  readonly address: string;
  private readonly policy: ChannelPolicy;
  private readonly log: Logger;
  private readonly live = new Map<string, Live>();
  private readonly links = new Map<string, PeerLink>();
  /** Work started by incoming messages (forwarding, claiming), awaited by `idle`. */
  private readonly background = new Set<Promise<void>>();
  /** Locks this client paid after a claim, by hashlock. */
  /** Per asset: the tail of its deposits (approve + deposit), run one at a time. */
  private readonly depositQueues = new Map<string, Promise<void>>();
  private readonly settledLocks = new Map<string, { done: Promise<void>; resolve: () => void }>();
  /** Where peers reach this client (sent with proposals); set by a process that serves `peerRoutes`. */
  advertisedUrl: string | undefined;

  constructor(private readonly deps: ChannelClientDeps) {
    this.address = deps.signer.address;
    this.policy = { ...DEFAULT_POLICY, ...deps.policy };
    this.log = (deps.log ?? silentLogger).child({ component: "channel-client" });
    for (const row of deps.store.channels()) {
      if (row.status === "closed") continue;
      const committed = deps.store.latest(row.id);
      if (committed === undefined) continue;
      this.live.set(row.id, this.liveOf(row, committed));
    }
  }

  /** Where to reach the other participant of a channel (after a restart, links are set again). */
  connect(peer: string, link: PeerLink): void {
    this.links.set(peer.toLowerCase(), link);
  }

  // ---- opening ----

  /**
   * Opens a payment channel with `peer` in `asset` (ETH by default, or an ERC-20 the adjudicator
   * is approved for as needed): both sign the opening state, this client deposits `myDeposit`,
   * then the peer `peerDeposit`. Resolves with the channel id once the adjudicator holds both.
   */
  async open(p: {
    peer: string;
    myDeposit: bigint;
    peerDeposit?: bigint;
    asset?: string;
    challengeDuration: bigint;
    nonce?: bigint;
  }): Promise<string> {
    const asset = p.asset === undefined ? ETH : address(p.asset, "asset");
    const peerDeposit = p.peerDeposit ?? 0n;
    if (p.myDeposit < 0n || peerDeposit < 0n || p.myDeposit + peerDeposit === 0n) {
      throw new InputError("deposit", "deposits must be non-negative and not both zero");
    }
    const channel: Channel = {
      participants: [this.address, address(p.peer, "peer")],
      nonce: p.nonce ?? BigInt(`0x${randomBytes(8).toString("hex")}`),
      app: this.deps.paymentApp,
      challengeDuration: p.challengeDuration,
    };
    const id = computeChannelId(this.deps.domain, channel);
    if (this.deps.store.channel(id) !== undefined) {
      throw new InputError("nonce", "a channel with this id exists already");
    }
    const opening: State = {
      version: 0n,
      isFinal: false,
      appData: "0x",
      outcome: [{ asset, amounts: [p.myDeposit, peerDeposit], locks: [] }],
    };
    const digest = stateDigest(this.deps.domain, id, opening);
    const mySig = this.deps.signer.sign(digest);
    const link = this.linkTo(channel.participants[1]);
    const peerSig = parseSignature(
      await link.propose({
        channel: channelToJson(channel),
        asset,
        opening: stateToJson(opening),
        sig: mySig,
        ...(this.advertisedUrl === undefined ? {} : { url: this.advertisedUrl }),
      }),
      "peer signature",
    );
    this.requireSignedBy(digest, peerSig, channel.participants[1], "opening");
    const signed: SignedState = { state: opening, sigs: [mySig, peerSig] };
    // Stored before any money moves: with it, either side can recover its deposit by dispute.
    const row = this.deps.store.addChannel(id, channel, 0, asset, signed);
    this.live.set(id, this.liveOf(row, signed));
    if (p.myDeposit > 0n) await this.deposit(id, asset, 0n, p.myDeposit);
    // The peer deposits its share (if any) and marks the channel open on its side.
    await link.funded({ channelId: id });
    await this.requireFunded(id, asset, p.myDeposit + peerDeposit);
    this.deps.store.setStatus(id, "open");
    row.status = "open";
    this.log.info("channel open", { channelId: id, peer: channel.participants[1] });
    return id;
  }

  /** Answers a peer's `propose`: checks the channel against the policy, signs, stores. */
  handlePropose(msg: ProposeMessage): string {
    const channel = parseChannel(msg.channel);
    const s = parseState(msg.opening, "opening");
    const proposerSig = parseSignature(msg.sig, "sig");
    if (msg.url !== undefined) httpUrl(msg.url, "url");
    const id = computeChannelId(this.deps.domain, channel);
    const me = channel.participants.findIndex((a) => a === this.address);
    if (channel.participants.length !== 2 || me !== 1) {
      throw new ChannelError(
        "NOT_A_PARTICIPANT",
        "this client is not the second of two participants",
        {},
        422,
      );
    }
    if (channel.app !== this.deps.paymentApp) {
      throw new ChannelError(
        "UNKNOWN_APP",
        "only payment channels are accepted",
        { app: channel.app },
        422,
      );
    }
    const d = channel.challengeDuration;
    if (d < this.policy.minChallengeDuration || d > this.policy.maxChallengeDuration) {
      throw new ChannelError(
        "CHALLENGE_DURATION",
        `the challenge period must be within [${this.policy.minChallengeDuration}, ${this.policy.maxChallengeDuration}] s`,
        { challengeDuration: d.toString() },
        422,
      );
    }
    if (this.deps.store.channel(id) !== undefined) {
      throw new ChannelError("CHANNEL_EXISTS", "this channel was proposed before", {
        channelId: id,
      });
    }
    const shape =
      s.version === 0n &&
      !s.isFinal &&
      s.appData === "0x" &&
      s.outcome.length === 1 &&
      this.policy.assets.some((a) => a.toLowerCase() === s.outcome[0].asset.toLowerCase()) &&
      s.outcome[0].amounts.length === 2 &&
      s.outcome[0].locks.length === 0;
    if (!shape) {
      throw new ChannelError(
        "BAD_OPENING",
        "the opening state must be version 0, an accepted asset, two amounts, no locks",
        {},
        422,
      );
    }
    if (s.outcome[0].amounts[1] > this.policy.maxPeerDeposit) {
      throw new ChannelError(
        "DEPOSIT_TOO_LARGE",
        `this client deposits at most ${this.policy.maxPeerDeposit}`,
        { asked: s.outcome[0].amounts[1].toString() },
        422,
      );
    }
    const digest = stateDigest(this.deps.domain, id, s);
    this.requireSignedBy(digest, proposerSig, channel.participants[0], "opening");
    const mySig = this.deps.signer.sign(digest);
    const signed: SignedState = { state: s, sigs: [proposerSig, mySig] };
    this.live.set(
      id,
      this.liveOf(this.deps.store.addChannel(id, channel, 1, s.outcome[0].asset, signed), signed),
    );
    return mySig;
  }

  /** Answers a peer's `funded`: deposits this client's share on top of the peer's. */
  async handleFunded(msg: { channelId: string }): Promise<void> {
    const live = this.requireLive(msg.channelId);
    const [first, mine] = live.committed.state.outcome[0].amounts;
    if (live.row.me !== 1)
      throw new ChannelError("NOT_SECOND", "the opener deposits first", {}, 422);
    if (live.row.status !== "funding") return;
    const asset = live.row.asset;
    const held = (await this.deps.adjudicator.holdings(msg.channelId, asset)) as bigint;
    if (held < first) {
      throw new ChannelError("NOT_FUNDED", "the opener's deposit is not on L1", {
        held: held.toString(),
        expected: first.toString(),
      });
    }
    if (held === first && mine > 0n) await this.deposit(msg.channelId, asset, held, mine);
    await this.requireFunded(msg.channelId, asset, first + mine);
    this.deps.store.setStatus(msg.channelId, "open");
    live.row.status = "open";
  }

  // ---- paying ----

  /** Pays `amount` to the peer; resolves with the fully signed state once both sides stored it. */
  pay(channelId: string, amount: bigint): Promise<SignedState> {
    if (amount <= 0n) return Promise.reject(new InputError("amount", "must be positive"));
    return this.propose(channelId, { kind: "payment", amount });
  }

  /**
   * Locks `amount` for the peer under `hashlock` until `expiry` (unix seconds), optionally with the
   * route the peer should forward it along. Resolves once the lock is countersigned and stored;
   * `settled(hashlock)` resolves once this client has paid it (the payee showed the secret).
   */
  lock(
    channelId: string,
    p: { amount: bigint; hashlock: string; expiry: bigint; route?: Hop[] },
  ): Promise<SignedState> {
    const lock: Lock = {
      amount: p.amount,
      hashlock: p.hashlock.toLowerCase(),
      expiry: p.expiry,
      payer: 0,
      payee: 0,
    };
    this.settledEntry(lock.hashlock);
    return this.propose(channelId, { kind: "lock", lock }, p.route);
  }

  /** Resolves once a lock this client made under `hashlock` has been paid to its payee. */
  settled(hashlock: string): Promise<void> {
    return this.settledEntry(hashlock.toLowerCase()).done;
  }

  /** A new invoice: a fresh secret kept by this client; pay to its hashlock. */
  invoice(): { hashlock: string } {
    const secret = `0x${randomBytes(32).toString("hex")}`;
    const hashlock = hashOfSecret(secret);
    this.deps.store.saveSecret(hashlock, secret);
    return { hashlock };
  }

  /** Whether work started by incoming messages (forwarding, claiming) is still running. */
  get busy(): boolean {
    return this.background.size > 0;
  }

  /** Resolves when the work incoming messages started (forwarding, claiming) is done. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private settledEntry(hashlock: string): { done: Promise<void>; resolve: () => void } {
    let entry = this.settledLocks.get(hashlock);
    if (entry === undefined) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      entry = { done, resolve };
      this.settledLocks.set(hashlock, entry);
    }
    return entry;
  }

  private spawn(work: () => Promise<void>, what: string): void {
    const p = work().catch((error: unknown) =>
      this.log.warn(`${what} failed`, { error: String(error) }),
    );
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Signs the state `change` makes to the channel's head and queues it for the peer. */
  private propose(channelId: string, change: Change, route?: Hop[]): Promise<SignedState> {
    let live: Live;
    let state: State;
    try {
      live = this.requireLive(channelId);
      if (live.row.status !== "open") {
        throw new ChannelError("NOT_OPEN", `the channel is ${live.row.status}`, { channelId });
      }
      if (live.head.version >= MAX_UINT48) {
        throw new ChannelError("VERSIONS_EXHAUSTED", "close this channel and open another");
      }
      state = nextState(live.head, change, live.row.me);
    } catch (error) {
      return Promise.reject(error);
    }
    live.head = state;
    const sig = this.deps.signer.sign(stateDigest(this.deps.domain, channelId, state));
    return new Promise<SignedState>((resolve, reject) => {
      live.queue.push({ state, sig, change, route, resolve, reject });
      if (!live.inFlight) void this.flush(channelId, live);
    });
  }

  private async flush(channelId: string, live: Live): Promise<void> {
    live.inFlight = true;
    try {
      while (live.queue.length > 0) {
        const batch = live.queue.splice(0, this.policy.maxBatch);
        try {
          await this.sendBatch(channelId, live, batch);
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          // Whatever waits behind the batch builds on it: fail it too, then resynchronise.
          const dropped = [...batch, ...live.queue.splice(0)];
          await this.resync(channelId, live).catch((r: unknown) =>
            this.log.warn("resync failed", { channelId, error: String(r) }),
          );
          for (const p of dropped) p.reject(e);
        }
      }
    } finally {
      live.inFlight = false;
    }
  }

  private async sendBatch(channelId: string, live: Live, batch: Pending[]): Promise<void> {
    const peerIndex = 1 - live.row.me;
    const peer = live.row.channel.participants[peerIndex];
    const sigs = await this.linkTo(peer).update({
      channelId,
      states: batch.map((p) => ({
        state: stateToJson(p.state),
        sig: p.sig,
        ...(p.route === undefined ? {} : { route: p.route }),
      })),
    });
    if (!Array.isArray(sigs) || sigs.length !== batch.length) {
      throw new ChannelError("BAD_ANSWER", "the peer answered with the wrong number of signatures");
    }
    const signed = batch.map((p, i) => {
      const peerSig = parseSignature(sigs[i], `sigs[${i}]`);
      this.requireSignedBy(
        stateDigest(this.deps.domain, channelId, p.state),
        peerSig,
        peer,
        "update",
      );
      return { state: p.state, sigs: sigPair(live.row.me, p.sig, peerSig) };
    });
    const last = signed[signed.length - 1];
    const now = Date.now();
    this.deps.store.saveLatest(
      channelId,
      last,
      paymentRows(
        batch.map((p) => [p.state.version, p.change]),
        "sent",
        now,
      ),
    );
    live.committed = last;
    batch.forEach((p, i) => p.resolve(signed[i]));
  }

  /** After a broken exchange: adopt the peer's latest state if it is newer and signed by both. */
  private async resync(channelId: string, live: Live): Promise<void> {
    live.head = live.committed.state;
    const peer = live.row.channel.participants[1 - live.row.me];
    const theirs = parseSignedState(await this.linkTo(peer).latest({ channelId }), "latest");
    if (theirs.state.version <= live.committed.state.version) return;
    this.requireFullySigned(channelId, live.row.channel, theirs);
    this.deps.store.saveLatest(channelId, theirs, []);
    live.committed = theirs;
    live.head = theirs.state;
  }

  /**
   * Answers a peer's `update`: each state must be the next version, a payment to this client
   * (its amount up, the sender's down by as much, nothing else changed) signed by the sender.
   * Countersigns all, stores the last with the payment rows, then answers.
   */
  handleUpdate(msg: UpdateMessage): Promise<string[]> {
    const live = this.requireLive(msg.channelId);
    const run = live.busy.then(async () => {
      const entries = this.parseUpdate(msg);
      // Lock changes are judged by the chain's clock; plain payments need none.
      const locks = live.committed.state.outcome[0].locks.length;
      const lockChange = entries.some((e) => e.state.outcome[0]?.locks.length !== locks);
      const now = lockChange ? await this.chainTime() : 0n;
      return this.applyUpdate(msg.channelId, entries, live, now);
    });
    live.busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private parseUpdate(msg: UpdateMessage): { state: State; sig: string; route?: Hop[] }[] {
    if (
      !Array.isArray(msg.states) ||
      msg.states.length === 0 ||
      msg.states.length > this.policy.maxBatch
    ) {
      throw new InputError("states", `must hold 1 to ${this.policy.maxBatch} states`);
    }
    return msg.states.map((entry, i) => {
      const field = `states[${i}]`;
      return {
        state: parseState(entry.state, `${field}.state`),
        sig: parseSignature(entry.sig, `${field}.sig`),
        route: entry.route === undefined ? undefined : parseRoute(entry.route, `${field}.route`),
      };
    });
  }

  private applyUpdate(
    channelId: string,
    entries: { state: State; sig: string; route?: Hop[] }[],
    live: Live,
    now: bigint,
  ): string[] {
    if (live.row.status !== "open") {
      throw new ChannelError("NOT_OPEN", `the channel is ${live.row.status}`, { channelId });
    }
    if (live.inFlight || live.queue.length > 0) {
      throw new ChannelError("BUSY", "this client has its own payments in flight; retry", {}, 409);
    }
    const me = live.row.me;
    const sender = 1 - me;
    const senderAddress = live.row.channel.participants[sender];
    let prev = live.committed.state;
    const out: string[] = [];
    const changes: [bigint, Change][] = [];
    const incomingLocks: { lock: Lock; route: Hop[] | undefined }[] = [];
    let last: SignedState | undefined;
    entries.forEach(({ state, sig, route }, i) => {
      const field = `states[${i}]`;
      const change = classify(prev, state, me, sender, now, this.policy.minLockSeconds, field);
      const digest = stateDigest(this.deps.domain, channelId, state);
      this.requireSignedBy(digest, sig, senderAddress, field);
      const mine = this.deps.signer.sign(digest);
      out.push(mine);
      last = { state, sigs: sigPair(me, mine, sig) };
      changes.push([state.version, change]);
      if (change.kind === "lock") incomingLocks.push({ lock: change.lock, route });
      prev = state;
    });
    this.deps.store.saveLatest(channelId, last!, paymentRows(changes, "received", Date.now()));
    live.committed = last!;
    live.head = last!.state;
    if (last!.state.isFinal) {
      // The peer closes: it concludes on L1 with this state.
      this.deps.store.setStatus(channelId, "closing");
      live.row.status = "closing";
    }
    for (const { lock, route } of incomingLocks) {
      this.spawn(() => this.onIncomingLock(channelId, lock, route), "handling an incoming lock");
    }
    return out;
  }

  /** A lock payable to this client was stored: claim it if this client has the secret, or forward it. */
  private async onIncomingLock(
    channelId: string,
    lock: Lock,
    route: Hop[] | undefined,
  ): Promise<void> {
    const live = this.requireLive(channelId);
    const secret = this.deps.store.secret(lock.hashlock);
    if (secret !== undefined) {
      await this.linkTo(live.row.channel.participants[lock.payer]).claim({ channelId, secret });
      return;
    }
    if (route === undefined || route.length === 0) return;
    const [hop, ...rest] = route;
    const amount = BigInt(hop.amount);
    const expiry = BigInt(hop.expiry);
    if (amount > lock.amount || expiry + this.policy.lockMarginSeconds > lock.expiry) {
      this.log.warn("not forwarding a lock: fee negative or expiry too close to the incoming one", {
        hashlock: lock.hashlock,
      });
      return;
    }
    // The lock moves on in the same asset: a peer may share a channel in each of several assets.
    const next = [...this.live.entries()].find(
      ([, l]) =>
        l.row.status === "open" &&
        l.row.asset.toLowerCase() === live.row.asset.toLowerCase() &&
        l.row.channel.participants.length === 2 &&
        l.row.channel.participants[1 - l.row.me] === hop.to,
    );
    if (next === undefined) {
      this.log.warn("not forwarding a lock: no open channel to the next hop in its asset", {
        to: hop.to,
      });
      return;
    }
    await this.lock(next[0], { amount, hashlock: lock.hashlock, expiry, route: rest });
  }

  /**
   * Answers a peer's `claim`: the secret of a lock this client owes the peer. Pays the lock (an
   * unlock state, countersigned and stored by both), then claims the same hashlock from upstream.
   */
  async handleClaim(msg: { channelId: string; secret: string }): Promise<void> {
    const live = this.requireLive(msg.channelId);
    const secret = parseSecret(msg.secret);
    const hashlock = hashOfSecret(secret);
    const locks = live.head.outcome[0].locks;
    const index = locks.findIndex((l) => l.hashlock === hashlock && l.payer === live.row.me);
    if (index < 0) {
      throw new ChannelError(
        "NO_SUCH_LOCK",
        "no lock of mine under this secret",
        { hashlock },
        404,
      );
    }
    this.deps.store.saveSecret(hashlock, secret);
    await this.propose(msg.channelId, { kind: "unlock", index, lock: locks[index] });
    this.settledEntry(hashlock).resolve();
    this.spawn(() => this.claimUpstream(hashlock, secret), "claiming upstream");
  }

  /** Claims every lock payable to this client under `hashlock`, now that it knows the secret. */
  private async claimUpstream(hashlock: string, secret: string): Promise<void> {
    for (const [id, live] of this.live) {
      const lock = live.committed.state.outcome[0].locks.find(
        (l) => l.hashlock === hashlock && l.payee === live.row.me,
      );
      if (lock === undefined) continue;
      await this.linkTo(live.row.channel.participants[lock.payer]).claim({ channelId: id, secret });
    }
  }

  /** Answers a peer's `latest`. */
  handleLatest(msg: { channelId: string }): SignedStateJson {
    return signedToJson(this.requireLive(msg.channelId).committed);
  }

  // ---- reading ----

  /** The channel's row and latest fully signed state. */
  channel(channelId: string): { row: ChannelRow; latest: SignedState } {
    const live = this.live.get(channelId);
    if (live !== undefined) return { row: live.row, latest: live.committed };
    const row = this.deps.store.channel(channelId);
    const latest = this.deps.store.latest(channelId);
    if (row === undefined || latest === undefined) {
      throw new ChannelError("UNKNOWN_CHANNEL", "no such channel", { channelId }, 404);
    }
    return { row, latest };
  }

  /** The channel's log of payments sent and received (plain payments and paid locks). */
  channelPayments(channelId: string): PaymentRow[] {
    return this.deps.store.payments(channelId);
  }

  /** Every channel this client knows, closed ones included. */
  channels(): ChannelRow[] {
    return this.deps.store.channels();
  }

  /** This client's balance in the channel's latest fully signed state. */
  balance(channelId: string): bigint {
    const { row, latest } = this.channel(channelId);
    return latest.state.outcome[0].amounts[row.me];
  }

  // ---- closing ----

  /**
   * Closes cooperatively: both sign a final copy of the latest state and this client concludes it
   * on L1 (paid at once). Falls back to nothing: call `dispute` if the peer does not answer.
   */
  async close(channelId: string): Promise<ContractTransactionResponse> {
    const live = this.requireLive(channelId);
    if (live.inFlight || live.queue.length > 0) {
      throw new ChannelError("BUSY", "payments are in flight; close after they settle");
    }
    await this.propose(channelId, { kind: "close" });
    this.deps.store.setStatus(channelId, "closing");
    live.row.status = "closing";
    return this.concludeLatest(channelId, live);
  }

  /** Concludes the channel on L1 with its latest (final, fully signed) state: paid at once. */
  private async concludeLatest(
    channelId: string,
    live: Live,
  ): Promise<ContractTransactionResponse> {
    const tx = (await this.deps.adjudicator.conclude(live.row.channel, [
      signedStateStruct(live.committed),
    ])) as ContractTransactionResponse;
    await tx.wait();
    this.markClosed(channelId, live, "concluded");
    return tx;
  }

  /** Starts a unilateral close with the latest fully signed state (the peer has gone). */
  async dispute(channelId: string): Promise<{ finalizesAt: bigint }> {
    const live = this.requireLive(channelId);
    const c = live.committed;
    if (c.state.isFinal) {
      await this.concludeLatest(channelId, live);
      return { finalizesAt: 0n };
    }
    const tx = (await this.deps.adjudicator.challenge(live.row.channel, [
      signedStateStruct(c),
    ])) as ContractTransactionResponse;
    await tx.wait();
    this.deps.store.setStatus(channelId, "disputed");
    live.row.status = "disputed";
    const [, finalizesAt] = (await this.deps.adjudicator.status(channelId)) as [
      bigint,
      bigint,
      bigint,
    ];
    return { finalizesAt };
  }

  /**
   * Checks the adjudicator for a challenge on each channel and answers any that registered an
   * older state than this client's latest (checkpoint; the deadline stays). Returns the channels
   * it answered. An online client calls this at least once per challenge period.
   */
  async guard(): Promise<string[]> {
    const answered: string[] = [];
    for (const [id, live] of [...this.live]) {
      try {
        if (await this.guardChannel(id, live)) answered.push(id);
      } catch (error) {
        // One channel's failure does not leave the others unguarded.
        this.log.warn("guarding a channel failed", { channelId: id, error: String(error) });
      }
    }
    await this.guardLocks();
    return answered;
  }

  /** Answers a stale challenge on one channel; true when it sent a checkpoint. */
  private async guardChannel(id: string, live: Live): Promise<boolean> {
    const [version, finalizesAt] = (await this.deps.adjudicator.status(id)) as [
      bigint,
      bigint,
      bigint,
    ];
    if (finalizesAt === 0n) return false;
    const c = live.committed;
    if (c.state.version <= version || c.state.isFinal) return false;
    if (finalizesAt <= (await this.chainTime())) {
      this.log.error("a stale close became final before it was answered", {
        channelId: id,
        registered: version,
        ours: c.state.version,
      });
      return false;
    }
    const tx = (await this.deps.adjudicator.checkpoint(live.row.channel, [
      signedStateStruct(c),
    ])) as ContractTransactionResponse;
    await tx.wait();
    this.deps.store.setStatus(id, "disputed", `answered a challenge at version ${version}`);
    live.row.status = "disputed";
    this.log.warn("stale close answered", {
      channelId: id,
      theirs: version,
      ours: c.state.version,
    });
    return true;
  }

  /**
   * Hash-time locks: learns secrets revealed on-chain for locks this client owes (and claims
   * upstream with them), takes back its expired locks, and enforces on-chain an incoming lock
   * whose secret it knows but which its payer has not paid within `lockMarginSeconds` of expiry:
   * reveals the secret to the registry (so the lock pays it whenever it is unlocked) and disputes.
   */
  private async guardLocks(): Promise<void> {
    const registry = this.deps.secretRegistry;
    const now = await this.chainTime();
    for (const [id, live] of [...this.live]) {
      if (live.row.status !== "open") continue;
      const locks = live.committed.state.outcome[0].locks;
      for (const [index, lock] of locks.entries()) {
        if (lock.payer === live.row.me) {
          const unknown = this.deps.store.secret(lock.hashlock) === undefined;
          // The registry's events are read only once it says the secret is out (one cheap call).
          if (
            unknown &&
            registry !== undefined &&
            (await revealedAt(registry, lock.hashlock)) !== 0n
          ) {
            const events = await registry.queryFilter(
              registry.filters.SecretRevealed(lock.hashlock),
            );
            const secret = (events[0] as { args?: { secret?: string } } | undefined)?.args?.secret;
            if (secret !== undefined) {
              this.deps.store.saveSecret(lock.hashlock, secret);
              this.spawn(() => this.claimUpstream(lock.hashlock, secret), "claiming upstream");
            }
          }
          if (now > lock.expiry) {
            await this.propose(id, { kind: "expire", index, lock }).catch((e: unknown) =>
              this.log.warn("taking back an expired lock failed", {
                channelId: id,
                error: String(e),
              }),
            );
            break; // indices moved: the next round sees the rest
          }
        } else if (lock.payee === live.row.me) {
          const secret = this.deps.store.secret(lock.hashlock);
          if (secret === undefined || now + this.policy.lockMarginSeconds < lock.expiry) continue;
          if (registry !== undefined && (await revealedAt(registry, lock.hashlock)) === 0n) {
            await ((await registry.reveal(secret)) as ContractTransactionResponse).wait();
          }
          this.log.warn("an incoming lock was not paid in time: enforcing it on-chain", {
            channelId: id,
            hashlock: lock.hashlock,
          });
          await this.dispute(id);
          break;
        }
      }
    }
  }

  /**
   * Hands the channel's latest fully signed state to a watchtower, which answers stale closes
   * while this client is offline. Call it before going offline (and after payments received
   * since: the tower can only use what it was given).
   */
  async backup(channelId: string, tower: TowerLink): Promise<void> {
    const live = this.requireLive(channelId);
    await tower.submit(live.row.channel, live.committed);
  }

  /** After a dispute's deadline: pays out the registered state (ours, or the one we answered with). */
  async settle(channelId: string): Promise<ContractTransactionResponse> {
    const live = this.requireLive(channelId);
    const tx = (await this.deps.adjudicator.payout(
      live.row.channel,
      live.committed.state,
    )) as ContractTransactionResponse;
    await tx.wait();
    // Resolve the locks that can be: revealed in time (to the payee) or expired (to the payer).
    let state = paidOut(live.committed.state);
    for (const index of live.committed.state.outcome[0].locks.keys()) {
      try {
        await (
          (await this.deps.adjudicator.unlock(
            live.row.channel,
            state,
            0,
            index,
          )) as ContractTransactionResponse
        ).wait();
        state = lockResolved(state, 0, index);
      } catch (error) {
        this.log.warn("a lock could not be resolved yet", {
          channelId,
          index,
          error: String(error),
        });
      }
    }
    this.markClosed(channelId, live, "paid out after a dispute");
    return tx;
  }

  // ---- internals ----

  private liveOf(row: ChannelRow, committed: SignedState): Live {
    return {
      row,
      committed,
      head: committed.state,
      queue: [],
      inFlight: false,
      busy: Promise.resolve(),
    };
  }

  private markClosed(channelId: string, live: Live, note: string): void {
    this.deps.store.setStatus(channelId, "closed", note);
    live.row.status = "closed";
    this.live.delete(channelId);
  }

  private requireLive(channelId: string): Live {
    const live = this.live.get(channelId);
    if (live === undefined) {
      throw new ChannelError("UNKNOWN_CHANNEL", "no such open channel", { channelId }, 404);
    }
    return live;
  }

  private linkTo(peer: string): PeerLink {
    const link = this.links.get(peer.toLowerCase());
    if (link === undefined)
      throw new ChannelError("NO_LINK", "no link to this peer", { peer }, 503);
    return link;
  }

  private requireSignedBy(digest: string, sig: string, signer: string, what: string): void {
    if (recoverDigest(digest, sig) !== signer) {
      throw new ChannelError(
        "BAD_SIGNATURE",
        `the ${what} signature is not ${signer}'s`,
        { signer },
        422,
      );
    }
  }

  private requireFullySigned(channelId: string, channel: Channel, s: SignedState): void {
    const bad = firstBadSignature(this.deps.domain, channelId, channel, s);
    if (bad >= 0) {
      const signer = channel.participants[bad];
      throw new ChannelError(
        "BAD_SIGNATURE",
        `the state signature is not ${signer}'s`,
        { signer },
        422,
      );
    }
  }

  /** The chain's clock (lock expiries are judged by it). */
  private chainTime(): Promise<bigint> {
    const provider = this.deps.adjudicator.runner?.provider;
    if (provider === undefined || provider === null) {
      return Promise.resolve(BigInt(Math.floor(Date.now() / 1000)));
    }
    return chainTime(provider);
  }

  /**
   * Deposits `amount` into the channel. Deposits in one asset run one at a time (a hub answers
   * `funded` for several peers at once): an ERC-20's allowance check, approval and deposit must
   * not interleave with another's.
   */
  private deposit(
    channelId: string,
    asset: string,
    expectedHeld: bigint,
    amount: bigint,
  ): Promise<void> {
    const key = asset.toLowerCase();
    const run = (this.depositQueues.get(key) ?? Promise.resolve()).then(() =>
      this.depositNow(channelId, asset, expectedHeld, amount),
    );
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.depositQueues.set(key, tail);
    void tail.then(() => {
      if (this.depositQueues.get(key) === tail) this.depositQueues.delete(key);
    });
    return run;
  }

  private async depositNow(
    channelId: string,
    asset: string,
    expectedHeld: bigint,
    amount: bigint,
  ): Promise<void> {
    if (asset !== ETH) await this.approve(asset, amount);
    const tx = (await this.deps.adjudicator.deposit(channelId, asset, expectedHeld, amount, {
      value: asset === ETH ? amount : 0n,
    })) as ContractTransactionResponse;
    await tx.wait();
  }

  /**
   * Lets the adjudicator take `amount` more of the ERC-20 `asset`, unless its allowance covers it
   * already. A short non-zero allowance is reset to zero first (tokens such as USDT refuse to
   * change one non-zero allowance to another). Called under the asset's deposit queue.
   */
  private async approve(asset: string, amount: bigint): Promise<void> {
    const token = new Contract(asset, ERC20_ABI, this.deps.adjudicator.runner);
    const spender = await this.deps.adjudicator.getAddress();
    const allowance = (await token.allowance(this.address, spender)) as bigint;
    if (allowance >= amount) return;
    if (allowance > 0n)
      await ((await token.approve(spender, 0n)) as ContractTransactionResponse).wait();
    await (
      (await token.approve(spender, allowance + amount)) as ContractTransactionResponse
    ).wait();
  }

  private async requireFunded(channelId: string, asset: string, total: bigint): Promise<void> {
    const held = (await this.deps.adjudicator.holdings(channelId, asset)) as bigint;
    if (held !== total) {
      throw new ChannelError("NOT_FUNDED", "the channel does not hold both deposits", {
        held: held.toString(),
        expected: total.toString(),
      });
    }
  }
}

/** When the registry first saw the secret of `hashlock` (0: not yet). */
async function revealedAt(registry: Contract, hashlock: string): Promise<bigint> {
  return (await registry.revealedAt(hashlock)) as bigint;
}

/** Two participants' signatures in participant order: `mine` at index `me`, `theirs` at the other. */
function sigPair(me: number, mine: string, theirs: string): string[] {
  return me === 0 ? [mine, theirs] : [theirs, mine];
}

/** The payment log rows of a batch's changes (plain payments and paid locks). */
function paymentRows(
  changes: [bigint, Change][],
  direction: "sent" | "received",
  at: number,
): PaymentRow[] {
  const rows: PaymentRow[] = [];
  for (const [version, c] of changes) {
    if (c.kind === "payment")
      rows.push({ version, direction, amount: c.amount, at, kind: "payment" });
    if (c.kind === "unlock")
      rows.push({ version, direction, amount: c.lock.amount, at, kind: "unlock" });
  }
  return rows;
}

/** keccak256 of a 32-byte secret (what the secret registry and the adjudicator check). */
export function hashOfSecret(secret: string): string {
  return keccak256(secret).toLowerCase();
}

function parseSecret(v: unknown): string {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v)) {
    throw new InputError("secret", "must be 32 bytes of hex");
  }
  return v.toLowerCase();
}

function parseRoute(v: unknown, field: string): Hop[] {
  if (!Array.isArray(v) || v.length > 16)
    throw new InputError(field, "must be an array of at most 16 hops");
  return v.map((h, i) => {
    const o = (typeof h === "object" && h !== null ? h : {}) as Record<string, unknown>;
    return {
      to: address(o.to, `${field}[${i}].to`),
      amount: uint(o.amount, `${field}[${i}].amount`, MAX_UINT256).toString(),
      expiry: uint(o.expiry, `${field}[${i}].expiry`, MAX_UINT64).toString(),
    };
  });
}
