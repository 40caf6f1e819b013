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
import { L2kitError } from "../../core/errors";
import { Store } from "../../core/store";
import { WorkerThread, type JobHandler } from "../../core/worker";
import type { SignedTx } from "../batch";
import { ZkOperatorDb } from "./db";

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

/** The worker side of `ThreadTxWriter`: its own connection to the store's file. */
export function txWriterHandler(init: {
  dataDir: string;
  file: string;
}): JobHandler<TxRow[], null> {
  const store = Store.open({ dataDir: init.dataDir, file: init.file });
  const db = new ZkOperatorDb(store);
  return {
    handle: (rows) => {
      db.transaction(() => db.insertTxs(rows));
      return null;
    },
    close: () => store.close(),
  };
}

/** Writes on a worker thread with its own connection to the store's file. */
export class ThreadTxWriter implements TxWriter {
  private readonly thread: WorkerThread<TxRow[], null>;

  constructor(store: Store) {
    this.thread = new WorkerThread(
      {
        module: __filename,
        factory: "txWriterHandler",
        init: { dataDir: path.dirname(store.path), file: path.basename(store.path) },
      },
      "store writer",
    );
  }

  async write(rows: readonly TxRow[]): Promise<void> {
    try {
      await this.thread.request([...rows]);
    } catch (error) {
      throw new L2kitError(
        "STORE_WRITE_FAILED",
        `writing transactions failed: ${(error as Error).message}`,
      );
    }
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
