/**
 * A key/value table in an operator's store, and the deployment binding every operator database
 * carries: the first start records which chain and contract the database serves, later starts
 * must match, so a database is never reused for another deployment.
 */
import { StoreError } from "./errors";
import type { Store } from "./store";

export class MetaTable {
  /** `table` must exist with columns (key TEXT PRIMARY KEY, value TEXT NOT NULL). */
  constructor(
    private readonly store: Store,
    private readonly table: string,
  ) {}

  get(key: string): string | undefined {
    const row = this.store.db.prepare(`SELECT value FROM ${this.table} WHERE key = ?`).get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  set(key: string, value: string): void {
    this.store.db
      .prepare(
        `INSERT INTO ${this.table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      )
      .run(key, value);
  }

  /**
   * Records `identity` on the first start and refuses a database recorded for another one;
   * `remedy` tells the user what to do then.
   */
  bindDeployment(identity: Record<string, string>, remedy: string): void {
    this.store.transaction(() => {
      for (const [k, v] of Object.entries(identity)) {
        const known = this.get(`deployment.${k}`);
        if (known === undefined) this.set(`deployment.${k}`, v);
        else if (known !== v) {
          throw new StoreError(
            `database ${this.store.path} belongs to another deployment (${k} ${known}, not ${v}); ${remedy}`,
            { key: k, known, given: v },
          );
        }
      }
    });
  }
}
