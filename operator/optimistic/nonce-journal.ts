/**
 * What the user client has signed, so that it never holds two signatures that could both run.
 *
 * The sequencer's API is the client's only view of its L2 nonce, and it can lie: answer a nonce
 * one ahead, accept the signature, report it `rejected`, and serve the real nonce to the retry.
 * Both signatures are valid, and a dishonest sequencer posts both: the user pays twice, and no
 * challenger can dispute a valid batch (the fourth independent attack on issue 21). So the client
 * keeps, per sender, every nonce it signed and what the API said about it, and picks the nonce of
 * the next signature itself:
 *
 * - a signature reported `rejected`, or whose submission did not plainly succeed (a refusal, a
 *   5xx, a dropped connection, a hash that is not the transaction's), may still run: the next
 *   signature takes its nonce (it replaces it; at most one of the two can run), and the API must
 *   agree that nonce is next;
 * - otherwise the next nonce is the API's, and must be above every nonce signed and not seen run.
 *
 * Anything else is refused with a clear error; `nonce` given explicitly (the CLI's `--nonce`)
 * overrides the checks. Hashes are computed by the client, never taken from the API. The journal
 * lives in a JSON file in the data directory (mode 0600) when the client has one, in memory
 * otherwise.
 */
import fs from "node:fs";
import path from "node:path";
import { L2kitError } from "../core/errors";

export type SignedState = "open" | "rejected" | "done";

interface Entry {
  nonce: string;
  /** keccak256(sender ‖ EIP-712 digest), computed by the client. */
  hash: string;
  state: SignedState;
}

/** How many settled entries, and how many payments, are kept (by signing, never by API nonce). */
const KEEP = 1_000;

/** A payment this client signed: the transaction's hash at nonce 0 (its message), and its nonce. */
interface Payment {
  key: string;
  nonce: string;
}

/** How long a process waits for another's hold on the journal, and when a hold is stale. */
const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 60_000;

export class NonceJournal {
  private entries: Entry[] = [];
  private payments: Payment[] = [];

  /**
   * @param file Where the journal lives (unset: memory).
   * @param repeatGuard Refuse to sign a payment this client signed before at another nonce,
   *        unless told `again` (the CLI's `--again`): whatever the API said of the earlier
   *        signature, it may still run (ninth independent attack on issue 21). On by default with
   *        a file; scripts that repeat payments on purpose use the SDK without one.
   */
  constructor(
    private readonly file?: string,
    private readonly repeatGuard = file !== undefined,
  ) {
    this.load();
  }

  /**
   * Runs `fn` on the journal as it is on disk now, holding its lock file, and saves what `fn`
   * leaves: two client processes at once never erase each other's entries (sixth independent
   * attack on issue 21).
   */
  private locked<T>(fn: () => T): T {
    if (this.file === undefined) return fn();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    let fd: number | undefined;
    while (fd === undefined) {
      try {
        fd = fs.openSync(lock, "wx", 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        // Only a lock seen, and old, is taken as stale (one that just went is retried).
        const held = fs.statSync(lock, { throwIfNoEntry: false });
        if (held !== undefined && Date.now() - held.mtimeMs > LOCK_STALE_MS)
          fs.rmSync(lock, { force: true });
        else if (Date.now() > deadline)
          throw new L2kitError(
            "OPT_NONCE_JOURNAL_BUSY",
            `another l2kit process holds ${lock}; retry when it is done (or remove the file if no process is running)`,
            { lock },
          );
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
    try {
      this.load();
      const result = fn();
      this.save();
      return result;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }

  private load(): void {
    if (this.file === undefined || !fs.existsSync(this.file)) return;
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, "utf8")) as {
        entries: Entry[];
        payments?: Payment[];
      };
      this.entries = parsed.entries;
      this.payments = parsed.payments ?? [];
    } catch (error) {
      throw new L2kitError(
        "OPT_NONCE_JOURNAL_UNREADABLE",
        `${this.file} is not a readable nonce journal (${String(error)}); it records what this client signed: restore it, or move it away and pass --nonce explicitly`,
        { file: this.file },
      );
    }
  }

  /**
   * The nonce to sign at, given the API's next nonce `api`; throws when signing there could let
   * two signatures of this client run.
   */
  next(api: bigint): bigint {
    return this.locked(() => this.pick(api));
  }

  private pick(api: bigint): bigint {
    const rejected = this.entries
      .filter((e) => e.state === "rejected")
      .map((e) => BigInt(e.nonce))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (rejected.length > 0) {
      const r = rejected[0];
      // Signing at r would make every unsettled signature above it runnable again (seventh
      // independent attack on issue 21: a retry of the later of two rejected payments landed at
      // the earlier one's nonce, and both of the later one's signatures ran).
      const above = this.entries
        .filter((e) => e.state !== "done" && BigInt(e.nonce) > r)
        .map((e) => BigInt(e.nonce));
      if (above.length > 0) {
        throw new L2kitError(
          "OPT_NONCE_CONFLICT",
          `the sequencer reported this client's transaction at nonce ${r} rejected, and this client also holds unsettled signatures at nonce ${above.join(", ")}: a new signature at ${r} could let them run as well. Check each (optimistic status), then pass --nonce explicitly`,
          { rejected: r.toString(), above: above.map(String) },
        );
      }
      if (api !== r) {
        throw new L2kitError(
          "OPT_NONCE_CONFLICT",
          `the sequencer reported this client's transaction at nonce ${r} rejected, and now says the next nonce is ${api}: signing a new nonce could let both run. Check the account (optimistic account); to sign anyway, pass --nonce explicitly (--nonce ${r} replaces the rejected one)`,
          { rejected: r.toString(), api: api.toString() },
        );
      }
      return r;
    }
    const open = this.entries.filter((e) => e.state === "open").map((e) => BigInt(e.nonce));
    const highest = open.reduce((m, n) => (n > m ? n : m), -1n);
    if (api <= highest) {
      throw new L2kitError(
        "OPT_NONCE_CONFLICT",
        `the sequencer says the next nonce is ${api}, but this client signed nonce ${highest} and has not seen it run or be rejected: signing at ${api} could let both run. Wait for it (optimistic status), or pass --nonce explicitly`,
        { open: highest.toString(), api: api.toString() },
      );
    }
    return api;
  }

  /**
   * Records a signature at `nonce` with its hash, computed by the client (before it is sent); an
   * earlier one at that nonce is replaced.
   */
  signed(
    nonce: bigint,
    hash: string,
    options: { explicit?: boolean; payment?: string; again?: boolean } = {},
  ): void {
    this.locked(() => {
      const payment = options.payment?.toLowerCase();
      if (this.repeatGuard && payment !== undefined && options.again !== true) {
        const earlier = this.payments.find((p) => p.key === payment && BigInt(p.nonce) !== nonce);
        if (earlier !== undefined) {
          throw new L2kitError(
            "OPT_REPEAT_PAYMENT",
            `this client signed this same payment before, at nonce ${earlier.nonce}; whatever the sequencer said of it, that signature may still run, and signing it again at nonce ${nonce} could make both run. Re-send it at nonce ${earlier.nonce} (--nonce ${earlier.nonce}) to replace it, or pass --again if you mean to pay twice`,
            { nonce: earlier.nonce },
          );
        }
      }
      // Only the same transaction (the same hash) replaces an unsettled one at its nonce: another
      // payment there would make this client forget a signature that may still run, and a retry
      // of it would go above (eighth independent attack on issue 21). `--nonce` overrides.
      const held = this.entries.find((e) => BigInt(e.nonce) === nonce);
      if (
        options.explicit !== true &&
        held !== undefined &&
        held.state !== "done" &&
        held.hash.toLowerCase() !== hash.toLowerCase()
      ) {
        throw new L2kitError(
          "OPT_NONCE_CONFLICT",
          `this client's transaction ${held.hash} at nonce ${nonce} is ${held.state === "rejected" ? "reported rejected" : "unsettled"} and may still run: only the same transaction may replace it there. Re-send it unchanged, or pass --nonce ${nonce} to replace it with this one`,
          { nonce: nonce.toString(), held: held.hash },
        );
      }
      this.entries = this.entries.filter((e) => BigInt(e.nonce) !== nonce);
      this.entries.push({ nonce: nonce.toString(), hash, state: "open" });
      if (payment !== undefined) {
        this.payments = this.payments.filter(
          (p) => !(p.key === payment && BigInt(p.nonce) === nonce),
        );
        this.payments.push({ key: payment, nonce: nonce.toString() });
      }
      this.prune();
    });
  }

  /** What the API said about the signature at `nonce`: rejected (it may still run), or ran. */
  mark(nonce: bigint, update: { state: SignedState }): void {
    this.locked(() => {
      const e = this.entries.find((x) => BigInt(x.nonce) === nonce);
      if (e !== undefined) e.state = update.state;
    });
  }

  /** Records what the API says of the transaction `hash` (any view of it: status or wait). */
  observe(hash: string, status: string): void {
    const nonce = this.nonceOf(hash);
    if (nonce === undefined) return;
    // A rejection may be a lie (the signature may still run): the next signature replaces it.
    if (status === "rejected") this.mark(nonce, { state: "rejected" });
    else if (status === "posted" || status === "final") this.mark(nonce, { state: "done" });
  }

  /** Nonces of signatures that may still run (not seen run): open or reported rejected. */
  unsettled(): bigint[] {
    this.load();
    return this.entries.filter((e) => e.state !== "done").map((e) => BigInt(e.nonce));
  }

  /** The nonce of the signature whose hash (as the client computed it) is `hash`. */
  nonceOf(hash: string): bigint | undefined {
    this.load();
    const e = this.entries.find((x) => x.hash?.toLowerCase() === hash.toLowerCase());
    return e === undefined ? undefined : BigInt(e.nonce);
  }

  /**
   * Forgets only what no API answer can bring back: settled entries beyond the newest `KEEP`, and
   * payments beyond the newest `KEEP` signed (never by the API's nonce, which the API chooses).
   */
  private prune(): void {
    const settled = this.entries.filter((e) => e.state === "done");
    if (settled.length > KEEP) {
      const drop = new Set(settled.slice(0, settled.length - KEEP));
      this.entries = this.entries.filter((e) => !drop.has(e));
    }
    if (this.payments.length > KEEP) this.payments = this.payments.slice(-KEEP);
  }

  private save(): void {
    if (this.file === undefined) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(
      tmp,
      JSON.stringify({ entries: this.entries, payments: this.payments }, null, 1),
      {
        mode: 0o600,
      },
    );
    fs.renameSync(tmp, this.file);
  }
}
