/**
 * Where the operator writes accepted transactions before it answers.
 *
 * With `synchronous = FULL` every commit waits for the disk, and better-sqlite3 waits on the
 * calling thread: done on the API's thread, each flush would stall every request in flight. So a
 * file-backed store gets a writer thread with its own connection: the API thread keeps parsing
 * and verifying while one commit is on its way to disk, and everything accepted meanwhile goes
 * into the next commit (group commit). An in-memory store (tests) is written inline.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { L2kitError } from "../../core/errors";
import type { Store } from "../../core/store";
import type { SignedTx } from "../batch";
import type { ZkOperatorDb } from "./db";

export interface TxRow {
  id: number;
  hash: string;
  tx: SignedTx;
  acceptedAt: number;
}

export interface TxWriter {
  /** Resolves once `rows` are committed (durable). */
  write(rows: readonly TxRow[]): Promise<void>;
  close(): Promise<void>;
}

/** Writes on the calling thread (in-memory stores). */
export class InlineTxWriter implements TxWriter {
  constructor(private readonly db: ZkOperatorDb) {}

  async write(rows: readonly TxRow[]): Promise<void> {
    this.db.transaction(() => this.db.insertTxs(rows));
  }

  async close(): Promise<void> {}
}

/** Writes on a worker thread with its own connection to the store's file. */
export class ThreadTxWriter implements TxWriter {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dead: Error | undefined;

  constructor(store: Store) {
    this.worker = new Worker(path.join(__dirname, "persist-worker.cjs"), {
      workerData: { dataDir: path.dirname(store.path), file: path.basename(store.path) },
    });
    let markReady: () => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.worker.on("message", (m: { ready?: boolean; id?: number; error?: string }) => {
      if (m.ready === true) return markReady();
      const w = this.waiting.get(m.id as number);
      if (w === undefined) return;
      this.waiting.delete(m.id as number);
      if (m.error === undefined) w.resolve();
      else
        w.reject(new L2kitError("STORE_WRITE_FAILED", `writing transactions failed: ${m.error}`));
    });
    const die = (error: Error): void => {
      this.dead ??= error;
      failReady(error);
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    this.worker.on("error", (e) => die(e));
    this.worker.on("exit", (code) =>
      die(new L2kitError("STORE_WRITER_EXITED", `the store writer thread exited (${code})`)),
    );
  }

  async write(rows: readonly TxRow[]): Promise<void> {
    await this.ready;
    if (this.dead !== undefined) throw this.dead;
    const id = this.nextId++;
    await new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows });
    });
  }

  async close(): Promise<void> {
    if (this.dead !== undefined) return;
    // Writes are answered in order, so once `close` is answered every write before it is done.
    await new Promise<void>((resolve) => {
      const onMessage = (m: { closed?: boolean }): void => {
        if (m.closed !== true) return;
        this.worker.off("message", onMessage);
        resolve();
      };
      this.worker.on("message", onMessage);
      this.worker.postMessage({ close: true });
    });
    await this.worker.terminate();
  }
}
