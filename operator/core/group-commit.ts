/**
 * Group commit: rows accepted while one commit is on its way to disk wait and go together in the
 * next one, so an operator persists everything before answering without one disk flush per
 * request. One commit is in flight at a time.
 */
import { describeError } from "./errors";

interface Waiter<R> {
  row: R;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class GroupCommit<R> {
  private queue: Waiter<R>[] = [];
  private scheduled = false;
  private writing: Promise<void> | undefined;

  constructor(
    /** Writes `rows` durably (all or none). */
    private readonly write: (rows: R[]) => Promise<void>,
    /**
     * Called when a commit fails, with its rows and every row queued behind it (which may depend
     * on them): forget them all. Its result is the error each waiter is rejected with.
     */
    private readonly onFailure: (lost: R[], error: unknown) => Error,
  ) {}

  /** Resolves once `row` is durable. */
  add(row: R): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes whatever waits and resolves when nothing is in flight. */
  async drain(): Promise<void> {
    this.flush();
    while (this.writing !== undefined) await this.writing;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.writing !== undefined || this.queue.length === 0) return;
    const group = this.queue;
    this.queue = [];
    this.writing = this.write(group.map((w) => w.row))
      .then(
        () => {
          for (const w of group) w.resolve();
        },
        (error: unknown) => {
          const failed = [...group, ...this.queue];
          this.queue = [];
          let e: Error;
          try {
            e = this.onFailure(
              failed.map((w) => w.row),
              error,
            );
          } catch (inner) {
            e = new Error(describeError(inner));
          }
          for (const w of failed) w.reject(e);
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.queue.length > 0) this.flush();
      });
  }
}
