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
import type { Contract, ContractTransactionResponse } from "ethers";
import { InputError, L2kitError } from "../core/errors";
import { silentLogger, type Logger } from "../core/log";
import type { Eip712Domain } from "../lib/eip712";
import { DigestSigner, recoverDigest } from "../lib/secp256k1";
import { ChannelStore, type ChannelRow, type PaymentRow } from "./store";
import type { TowerLink } from "./watchtower/client";
import {
  channelId as computeChannelId,
  ETH,
  MAX_UINT48,
  signedStateStruct,
  stateDigest,
  type Channel,
  type SignedState,
  type State,
} from "./state";
import {
  address,
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

/** A peer refused a message, or the exchange broke; `code` says which. */
export class ChannelError extends L2kitError {
  constructor(code: string, message: string, fields: Record<string, unknown> = {}, status = 409) {
    super(code, message, fields, status);
  }
}

export interface ProposeMessage {
  channel: ChannelJson;
  asset: string;
  /** The opening state (version 0) and the proposer's signature of it. */
  opening: StateJson;
  sig: string;
}

export interface UpdateMessage {
  channelId: string;
  /** Consecutive states, each signed by the sender. */
  states: { state: StateJson; sig: string }[];
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
}

export interface ChannelPolicy {
  /** Shortest and longest challenge period this client accepts (seconds). */
  minChallengeDuration: bigint;
  maxChallengeDuration: bigint;
  /** Most the client deposits when a peer opens a channel with it. */
  maxPeerDeposit: bigint;
  /** Most states per batch sent to a peer. */
  maxBatch: number;
}

export const DEFAULT_POLICY: ChannelPolicy = {
  minChallengeDuration: 60n,
  maxChallengeDuration: 30n * 24n * 3600n,
  maxPeerDeposit: 0n,
  maxBatch: 512,
};

export interface ChannelClientDeps {
  /** The client's key: it signs states and sends its L1 transactions. */
  signer: DigestSigner;
  store: ChannelStore;
  domain: Eip712Domain;
  /** The adjudicator, connected to a runner that sends with the client's key. */
  adjudicator: Contract;
  paymentApp: string;
  policy?: Partial<ChannelPolicy>;
  log?: Logger;
}

interface Pending {
  state: State;
  sig: string;
  amount: bigint;
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
   * Opens a payment channel with `peer` in `asset` (ETH by default): both sign the opening state,
   * this client deposits `myDeposit`, then the peer `peerDeposit`. Resolves with the channel id
   * once the adjudicator holds both.
   */
  async open(p: {
    peer: string;
    myDeposit: bigint;
    peerDeposit?: bigint;
    asset?: string;
    challengeDuration: bigint;
    nonce?: bigint;
  }): Promise<string> {
    const asset = p.asset ?? ETH;
    if (asset !== ETH) throw new InputError("asset", "this client funds ETH channels only");
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
      }),
      "peer signature",
    );
    this.requireSignedBy(digest, peerSig, channel.participants[1], "opening");
    const signed: SignedState = { state: opening, sigs: [mySig, peerSig] };
    // Stored before any money moves: with it, either side can recover its deposit by dispute.
    this.deps.store.addChannel(id, channel, 0, asset, signed);
    const row = this.deps.store.channel(id)!;
    this.live.set(id, this.liveOf(row, signed));
    if (p.myDeposit > 0n) await this.deposit(id, 0n, p.myDeposit);
    // The peer deposits its share (if any) and marks the channel open on its side.
    await link.funded({ channelId: id });
    await this.requireFunded(id, p.myDeposit + peerDeposit);
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
      s.outcome[0].asset === ETH &&
      s.outcome[0].amounts.length === 2 &&
      s.outcome[0].locks.length === 0;
    if (!shape) {
      throw new ChannelError(
        "BAD_OPENING",
        "the opening state must be version 0, ETH, two amounts, no locks",
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
    this.deps.store.addChannel(id, channel, 1, ETH, signed);
    this.live.set(id, this.liveOf(this.deps.store.channel(id)!, signed));
    return mySig;
  }

  /** Answers a peer's `funded`: deposits this client's share on top of the peer's. */
  async handleFunded(msg: { channelId: string }): Promise<void> {
    const live = this.requireLive(msg.channelId);
    const [first, mine] = live.committed.state.outcome[0].amounts;
    if (live.row.me !== 1)
      throw new ChannelError("NOT_SECOND", "the opener deposits first", {}, 422);
    if (live.row.status !== "funding") return;
    const held = (await this.deps.adjudicator.holdings(msg.channelId, ETH)) as bigint;
    if (held < first) {
      throw new ChannelError("NOT_FUNDED", "the opener's deposit is not on L1", {
        held: held.toString(),
        expected: first.toString(),
      });
    }
    if (held === first && mine > 0n) await this.deposit(msg.channelId, held, mine);
    await this.requireFunded(msg.channelId, first + mine);
    this.deps.store.setStatus(msg.channelId, "open");
    live.row.status = "open";
  }

  // ---- paying ----

  /** Pays `amount` to the peer; resolves with the fully signed state once both sides stored it. */
  pay(channelId: string, amount: bigint): Promise<SignedState> {
    const live = this.requireLive(channelId);
    if (live.row.status !== "open") {
      return Promise.reject(
        new ChannelError("NOT_OPEN", `the channel is ${live.row.status}`, { channelId }),
      );
    }
    if (amount <= 0n) return Promise.reject(new InputError("amount", "must be positive"));
    const me = live.row.me;
    const peer = 1 - me;
    const amounts = [...live.head.outcome[0].amounts];
    if (amounts[me] < amount) {
      return Promise.reject(
        new ChannelError(
          "INSUFFICIENT_BALANCE",
          "the channel balance does not cover the payment",
          {
            balance: amounts[me].toString(),
            amount: amount.toString(),
          },
          422,
        ),
      );
    }
    if (live.head.version >= MAX_UINT48) {
      return Promise.reject(
        new ChannelError("VERSIONS_EXHAUSTED", "close this channel and open another"),
      );
    }
    amounts[me] -= amount;
    amounts[peer] += amount;
    const state: State = {
      ...live.head,
      version: live.head.version + 1n,
      outcome: [{ ...live.head.outcome[0], amounts }],
    };
    live.head = state;
    const sig = this.deps.signer.sign(stateDigest(this.deps.domain, channelId, state));
    return new Promise<SignedState>((resolve, reject) => {
      live.queue.push({ state, sig, amount, resolve, reject });
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
      states: batch.map((p) => ({ state: stateToJson(p.state), sig: p.sig })),
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
      const pair = ["", ""];
      pair[live.row.me] = p.sig;
      pair[peerIndex] = peerSig;
      return { state: p.state, sigs: pair };
    });
    const last = signed[signed.length - 1];
    const now = Date.now();
    this.deps.store.saveLatest(
      channelId,
      last,
      batch.map((p) => ({
        version: p.state.version,
        direction: "sent",
        amount: p.amount,
        at: now,
      })),
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
    const run = live.busy.then(() => this.applyUpdate(msg, live));
    live.busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private applyUpdate(msg: UpdateMessage, live: Live): string[] {
    if (live.row.status !== "open") {
      throw new ChannelError("NOT_OPEN", `the channel is ${live.row.status}`, {
        channelId: msg.channelId,
      });
    }
    if (
      !Array.isArray(msg.states) ||
      msg.states.length === 0 ||
      msg.states.length > this.policy.maxBatch
    ) {
      throw new InputError("states", `must hold 1 to ${this.policy.maxBatch} states`);
    }
    if (live.inFlight || live.queue.length > 0) {
      throw new ChannelError("BUSY", "this client has its own payments in flight; retry", {}, 409);
    }
    const me = live.row.me;
    const sender = 1 - me;
    const senderAddress = live.row.channel.participants[sender];
    let prev = live.committed.state;
    const payments: PaymentRow[] = [];
    const out: string[] = [];
    let last: SignedState | undefined;
    const now = Date.now();
    msg.states.forEach((entry, i) => {
      const state = parseState(entry.state, `states[${i}].state`);
      const sig = parseSignature(entry.sig, `states[${i}].sig`);
      const amount = paymentAmount(prev, state, me, sender, i);
      const digest = stateDigest(this.deps.domain, msg.channelId, state);
      this.requireSignedBy(digest, sig, senderAddress, `states[${i}]`);
      const mine = this.deps.signer.sign(digest);
      out.push(mine);
      const pair = ["", ""];
      pair[sender] = sig;
      pair[me] = mine;
      last = { state, sigs: pair };
      if (amount > 0n)
        payments.push({ version: state.version, direction: "received", amount, at: now });
      prev = state;
    });
    this.deps.store.saveLatest(msg.channelId, last!, payments);
    live.committed = last!;
    live.head = last!.state;
    if (last!.state.isFinal) {
      // The peer closes: it concludes on L1 with this state.
      this.deps.store.setStatus(msg.channelId, "closing");
      live.row.status = "closing";
    }
    return out;
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
  async close(channelId: string, link?: PeerLink): Promise<ContractTransactionResponse> {
    const live = this.requireLive(channelId);
    if (live.inFlight || live.queue.length > 0) {
      throw new ChannelError("BUSY", "payments are in flight; close after they settle");
    }
    const peerIndex = 1 - live.row.me;
    const peer = live.row.channel.participants[peerIndex];
    const final: State = {
      ...live.committed.state,
      version: live.committed.state.version + 1n,
      isFinal: true,
    };
    const digest = stateDigest(this.deps.domain, channelId, final);
    const mine = this.deps.signer.sign(digest);
    const [theirs] = await (link ?? this.linkTo(peer)).update({
      channelId,
      states: [{ state: stateToJson(final), sig: mine }],
    });
    const peerSig = parseSignature(theirs, "peer signature");
    this.requireSignedBy(digest, peerSig, peer, "final");
    const pair = ["", ""];
    pair[live.row.me] = mine;
    pair[peerIndex] = peerSig;
    const signed = { state: final, sigs: pair };
    this.deps.store.saveLatest(channelId, signed, []);
    live.committed = signed;
    this.deps.store.setStatus(channelId, "closing");
    live.row.status = "closing";
    const tx = (await this.deps.adjudicator.conclude(live.row.channel, [
      signedStateStruct(signed),
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
      const tx = (await this.deps.adjudicator.conclude(live.row.channel, [
        signedStateStruct(c),
      ])) as ContractTransactionResponse;
      await tx.wait();
      this.markClosed(channelId, live, "concluded");
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
    for (const [id, live] of this.live) {
      const [version, finalizesAt] = (await this.deps.adjudicator.status(id)) as [
        bigint,
        bigint,
        bigint,
      ];
      if (finalizesAt === 0n) continue;
      const c = live.committed;
      if (c.state.version <= version || c.state.isFinal) continue;
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
      answered.push(id);
    }
    return answered;
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
    const digest = stateDigest(this.deps.domain, channelId, s.state);
    channel.participants.forEach((p, i) =>
      this.requireSignedBy(digest, s.sigs[i] ?? "", p, "state"),
    );
  }

  private async deposit(channelId: string, expectedHeld: bigint, amount: bigint): Promise<void> {
    const tx = (await this.deps.adjudicator.deposit(channelId, ETH, expectedHeld, amount, {
      value: amount,
    })) as ContractTransactionResponse;
    await tx.wait();
  }

  private async requireFunded(channelId: string, total: bigint): Promise<void> {
    const held = (await this.deps.adjudicator.holdings(channelId, ETH)) as bigint;
    if (held !== total) {
      throw new ChannelError("NOT_FUNDED", "the channel does not hold both deposits", {
        held: held.toString(),
        expected: total.toString(),
      });
    }
  }
}

/**
 * How much `next` pays participant `me` over `prev`: it must be the next version, not final unless
 * it changes nothing (a cooperative close), with only `me`'s amount up and `sender`'s down by as
 * much, the same asset, app data and locks.
 */
export function paymentAmount(
  prev: State,
  next: State,
  me: number,
  sender: number,
  index = 0,
): bigint {
  const field = `states[${index}]`;
  if (prev.isFinal)
    throw new ChannelError("CHANNEL_FINAL", "nothing follows a final state", { field });
  if (next.version !== prev.version + 1n) {
    throw new ChannelError("VERSION", `expected version ${prev.version + 1n}`, {
      field,
      expected: (prev.version + 1n).toString(),
      given: next.version.toString(),
    });
  }
  const a = prev.outcome[0];
  const b = next.outcome[0];
  const same =
    next.appData === prev.appData &&
    next.outcome.length === 1 &&
    b.asset === a.asset &&
    b.amounts.length === a.amounts.length &&
    b.locks.length === 0 &&
    a.locks.length === 0;
  if (!same) throw new ChannelError("NOT_A_PAYMENT", "only the amounts may change", { field }, 422);
  const gained = b.amounts[me] - a.amounts[me];
  const paid = a.amounts[sender] - b.amounts[sender];
  if (next.isFinal) {
    if (gained !== 0n || paid !== 0n) {
      throw new ChannelError(
        "NOT_A_PAYMENT",
        "a final state must keep the amounts",
        { field },
        422,
      );
    }
    return 0n;
  }
  if (gained <= 0n || gained !== paid) {
    throw new ChannelError(
      "NOT_A_PAYMENT",
      "a payment moves a positive amount from the sender to me",
      { field },
      422,
    );
  }
  return gained;
}
