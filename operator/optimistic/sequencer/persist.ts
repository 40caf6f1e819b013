/**
 * Where the sequencer writes accepted transactions before it answers: on a writer thread with its
 * own connection to the store's file (a commit with `synchronous = FULL` waits for the disk, which
 * must not stall the API's thread), or inline for an in-memory store (tests).
 */
import path from "node:path";
import { L2kitError } from "../../core/errors";
import { Store } from "../../core/store";
import { WorkerThread, type JobHandler } from "../../core/worker";
import { SequencerDb, type AcceptedRow } from "./db";

/** The worker side of `txWriter`. */
export function sequencerWriterHandler(init: {
  dataDir: string;
  file: string;
}): JobHandler<AcceptedRow[], null> {
  const store = Store.open({ dataDir: init.dataDir, file: init.file });
  const db = new SequencerDb(store);
  return {
    handle: (rows) => {
      db.transaction(() => db.insertTxs(rows));
      return null;
    },
    close: () => store.close(),
  };
}

export interface TxWriter {
  /** Resolves once the writer can take transactions (its thread has started). */
  ready(): Promise<void>;
  write(rows: AcceptedRow[]): Promise<void>;
  close(): Promise<void>;
}

export function txWriter(db: SequencerDb): TxWriter {
  if (db.store.path === ":memory:") {
    return {
      ready: async () => undefined,
      write: async (rows) => db.transaction(() => db.insertTxs(rows)),
      close: async () => undefined,
    };
  }
  const thread = new WorkerThread<AcceptedRow[], null>(
    {
      module: __filename,
      factory: "sequencerWriterHandler",
      init: { dataDir: path.dirname(db.store.path), file: path.basename(db.store.path) },
    },
    "store writer",
  );
  return {
    ready: () => thread.ready,
    write: async (rows) => {
      try {
        await thread.request(rows);
      } catch (error) {
        throw new L2kitError(
          "STORE_WRITE_FAILED",
          `writing transactions failed: ${(error as Error).message}`,
        );
      }
    },
    close: () => thread.close(),
  };
}
