/**
 * Persistent store on better-sqlite3: one SQLite file per process in the configured data
 * directory, WAL journal, foreign keys on, and per-component schema migrations.
 *
 * Several components (the publisher, a watcher, a system's operator) share one database; each
 * owns a named list of migrations, applied in order inside a transaction and recorded in
 * `schema_migrations`. A database written by a newer l2kit (a migration this code does not know)
 * is refused rather than misread.
 *
 * better-sqlite3 is synchronous, so `transaction(fn)` runs `fn` atomically: an operator can
 * persist what it accepts and advance its cursors in one step before it acknowledges anything.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { StoreError } from "./errors";
import { silentLogger, type Logger } from "./log";

export type Db = Database.Database;

export interface Migration {
  /** 1, 2, 3, ... in order, never reused. */
  version: number;
  name: string;
  up: string | ((db: Db) => void);
}

export interface StoreOptions {
  /** Directory of the database file; created when missing. Ignored with `memory`. */
  dataDir?: string;
  /** File name inside `dataDir`, e.g. `zk-operator.sqlite`. */
  file?: string;
  /** An in-memory database (tests, one-shot commands): nothing survives `close()`. */
  memory?: boolean;
  log?: Logger;
}

export class Store {
  readonly db: Db;
  readonly path: string;
  private readonly log: Logger;

  private constructor(db: Db, file: string, log: Logger) {
    this.db = db;
    this.path = file;
    this.log = log;
  }

  static open(options: StoreOptions): Store {
    const log = (options.log ?? silentLogger).child({ component: "store" });
    let file: string;
    if (options.memory === true) {
      file = ":memory:";
    } else {
      if (options.dataDir === undefined || options.file === undefined) {
        throw new StoreError("a file store needs dataDir and file", {});
      }
      if (options.file.includes("/") || options.file.includes("\\")) {
        throw new StoreError("store file name must not contain a path separator", {
          file: options.file,
        });
      }
      try {
        fs.mkdirSync(options.dataDir, { recursive: true });
      } catch (error) {
        throw new StoreError(
          `cannot create data directory ${options.dataDir}: ${(error as Error).message}`,
          {
            dataDir: options.dataDir,
          },
        );
      }
      file = path.join(options.dataDir, options.file);
    }
    let db: Db;
    try {
      db = new Database(file);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
    } catch (error) {
      throw new StoreError(`cannot open database ${file}: ${(error as Error).message}`, { file });
    }
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component TEXT NOT NULL,
      version INTEGER NOT NULL,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      PRIMARY KEY (component, version)
    )`);
    log.debug("store opened", { file });
    return new Store(db, file, log);
  }

  /** Applies `component`'s pending migrations in order; returns the versions applied. */
  migrate(component: string, migrations: readonly Migration[]): number[] {
    migrations.forEach((m, i) => {
      if (m.version !== i + 1) {
        throw new StoreError(`migrations of ${component} must be numbered 1, 2, 3, ...`, {
          component,
          position: i,
          version: m.version,
        });
      }
    });
    const current = this.schemaVersion(component);
    if (current > migrations.length) {
      throw new StoreError(
        `database ${this.path} has ${component} schema version ${current}, newer than this l2kit knows (${migrations.length}); upgrade l2kit`,
        { component, current, known: migrations.length },
      );
    }
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      this.transaction(() => {
        if (typeof m.up === "string") this.db.exec(m.up);
        else m.up(this.db);
        this.db
          .prepare(
            "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
          )
          .run(component, m.version, m.name, new Date().toISOString());
      });
      this.log.info("migration applied", { component, version: m.version, name: m.name });
      applied.push(m.version);
    }
    return applied;
  }

  schemaVersion(component: string): number {
    const row = this.db
      .prepare("SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?")
      .get(component) as { v: number | null };
    return row.v ?? 0;
  }

  /**
   * Runs `fn` in a transaction (nested calls become savepoints). `fn` must be synchronous:
   * an async function would commit before its awaits finish.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(() => {
      const result = fn();
      // Throwing here rolls the transaction back instead of committing half of an async body.
      if (result instanceof Promise)
        throw new StoreError("store transactions must be synchronous", {});
      return result;
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
