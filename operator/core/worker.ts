/**
 * Worker threads for operators: CPU-bound checks (signatures) and blocking writes (SQLite commits
 * with `synchronous = FULL`) run off the API's thread.
 *
 * A worker is described by a module and the name of a factory it exports; the factory runs in
 * the worker with `init` and returns a `JobHandler`. `WorkerThread` is one such thread with
 * request/answer plumbing (answers in order; every request in flight fails when the thread dies).
 * `WorkerPool` spreads many small jobs over several threads, batching the jobs that arrive in the
 * same tick into one message per thread (a message costs tens of microseconds, a signature check
 * about a millisecond), and replaces a thread that dies.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { L2kitError } from "./errors";
import { silentLogger, type Logger } from "./log";

/** What a worker module's factory returns. `handle` runs synchronously in the worker. */
export interface JobHandler<P, R> {
  handle(payload: P): R;
  close?(): void;
}

export interface WorkerSpec {
  /** Absolute path of the module (TypeScript is fine) that exports the factory. */
  module: string;
  /** Name of the exported factory `(init) => JobHandler`. */
  factory: string;
  /** Structured-cloneable argument of the factory. */
  init?: unknown;
}

const JOB_WORKER = path.join(__dirname, "job-worker.cjs");

/** One worker thread serving requests in order. */
export class WorkerThread<P, R> {
  private readonly worker: Worker;
  readonly ready: Promise<void>;
  private readonly waiting = new Map<
    number,
    { resolve: (r: R) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private dead: Error | undefined;
  private closing = false;

  constructor(
    spec: WorkerSpec,
    private readonly name: string,
    onExit?: (error: Error) => void,
  ) {
    this.worker = new Worker(JOB_WORKER, { workerData: spec });
    let markReady: () => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.worker.on("message", (m: { ready?: boolean; id?: number; result?: R; error?: string }) => {
      if (m.ready === true) return markReady();
      const w = this.waiting.get(m.id as number);
      if (w === undefined) return;
      this.waiting.delete(m.id as number);
      if (m.error === undefined) w.resolve(m.result as R);
      else w.reject(new L2kitError("WORKER_JOB_FAILED", `${this.name}: ${m.error}`));
    });
    const die = (error: Error): void => {
      const first = this.dead === undefined;
      this.dead ??= error;
      failReady(error);
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
      if (first && !this.closing) onExit?.(error);
    };
    this.worker.on("error", (e) => die(e));
    this.worker.on("exit", (code) =>
      die(new L2kitError("WORKER_EXITED", `the ${this.name} thread exited (${code})`)),
    );
  }

  /** Requests sent and not answered. */
  get inFlight(): number {
    return this.waiting.size;
  }

  async request(payload: P): Promise<R> {
    await this.ready;
    if (this.dead !== undefined) throw this.dead;
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, payload });
    });
  }

  /** Lets the handler close (answers come in order: every request before it is done), then ends the thread. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.dead === undefined) {
      await new Promise<void>((resolve) => {
        const onMessage = (m: { closed?: boolean }): void => {
          if (m.closed !== true) return;
          this.worker.off("message", onMessage);
          resolve();
        };
        this.worker.on("message", onMessage);
        this.worker.on("exit", () => resolve());
        this.worker.postMessage({ close: true });
      });
    }
    await this.worker.terminate();
  }
}

interface Waiting<J, R> {
  job: J;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

/**
 * A pool of identical worker threads whose handler takes a list of jobs and returns one result
 * per job, in order.
 */
export class WorkerPool<J, R> {
  private readonly threads: { thread: WorkerThread<J[], R[]>; load: number }[] = [];
  private queue: Waiting<J, R>[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly log: Logger;

  constructor(
    private readonly spec: WorkerSpec,
    size: number,
    private readonly name: string,
    log: Logger = silentLogger,
    /** Most jobs per message. */
    private readonly maxPerMessage = 64,
    /** Picks the thread for a job (e.g. by sender, so per-sender caches stay warm); default: least loaded. */
    private readonly route?: (job: J, threads: number) => number,
  ) {
    this.log = log.child({ component: name });
    for (let i = 0; i < size; i++) this.threads.push(this.spawn());
  }

  /** Resolves once every thread has loaded its code. */
  async ready(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.thread.ready));
  }

  /** Runs one job; jobs submitted in the same tick travel together. */
  run(job: J): Promise<R> {
    if (this.closed)
      return Promise.reject(new L2kitError("POOL_CLOSED", `${this.name} pool closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new L2kitError("POOL_CLOSED", `${this.name} pool closed`);
    for (const w of this.queue) w.reject(error);
    this.queue = [];
    await Promise.all(this.threads.map((t) => t.thread.close()));
  }

  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    const groups: Waiting<J, R>[][] = this.threads.map(() => []);
    if (this.route !== undefined) {
      for (const w of queue) groups[this.route(w.job, this.threads.length)].push(w);
    } else {
      // Spread what is waiting over the threads, least loaded first.
      for (const w of queue) {
        let best = 0;
        for (let i = 1; i < this.threads.length; i++) {
          const load = (i: number): number => this.threads[i].load + groups[i].length;
          if (load(i) < load(best)) best = i;
        }
        groups[best].push(w);
      }
    }
    groups.forEach((group, i) => {
      for (let start = 0; start < group.length; start += this.maxPerMessage) {
        this.send(i, group.slice(start, start + this.maxPerMessage));
      }
    });
  }

  private send(index: number, batch: Waiting<J, R>[]): void {
    const t = this.threads[index];
    t.load += batch.length;
    t.thread.request(batch.map((b) => b.job)).then(
      (results) => {
        t.load -= batch.length;
        batch.forEach((b, i) => b.resolve(results[i]));
      },
      (error: Error) => {
        t.load -= batch.length;
        for (const b of batch) b.reject(error);
      },
    );
  }

  private spawn(): { thread: WorkerThread<J[], R[]>; load: number } {
    const entry = {
      load: 0,
      thread: new WorkerThread<J[], R[]>(this.spec, this.name, (error) => {
        if (this.closed) return;
        // Replace the thread so that one crash does not shrink the pool for good.
        this.log.warn("worker thread exited; replacing it", { error: error.message });
        const index = this.threads.indexOf(entry);
        if (index >= 0) this.threads[index] = this.spawn();
      }),
    };
    return entry;
  }
}
