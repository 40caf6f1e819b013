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

/** How many entries below the next nonce are kept (older ones can no longer matter). */
const KEEP = 256;

/** How long a process waits for another's hold on the journal, and when a hold is stale. */
const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 60_000;

export class NonceJournal {
  private entries: Entry[] = [];

  constructor(private readonly file?: string) {
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
      this.entries = (
        JSON.parse(fs.readFileSync(this.file, "utf8")) as { entries: Entry[] }
      ).entries;
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
  signed(nonce: bigint, hash: string, options: { explicit?: boolean } = {}): void {
    this.locked(() => {
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
      this.prune(nonce);
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

  /** The nonce of the signature whose hash (as the client computed it) is `hash`. */
  nonceOf(hash: string): bigint | undefined {
    this.load();
    const e = this.entries.find((x) => x.hash?.toLowerCase() === hash.toLowerCase());
    return e === undefined ? undefined : BigInt(e.nonce);
  }

  private prune(latest: bigint): void {
    this.entries = this.entries.filter(
      (e) => e.state === "rejected" || BigInt(e.nonce) + BigInt(KEEP) > latest,
    );
  }

  private save(): void {
    if (this.file === undefined) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ entries: this.entries }, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
