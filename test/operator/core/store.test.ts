import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { StoreError } from "../../../operator/core/errors";
import { Store, type Migration } from "../../../operator/core/store";

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "accounts",
    up: "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance TEXT NOT NULL)",
  },
  {
    version: 2,
    name: "nonce",
    up: (db) => db.exec("ALTER TABLE accounts ADD COLUMN nonce INTEGER NOT NULL DEFAULT 0"),
  },
];

describe("operator/core Store", function () {
  let dir: string;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-store-"));
  });

  it("creates the data directory, uses WAL and applies migrations once", function () {
    const dataDir = path.join(dir, "nested", "data");
    let store = Store.open({ dataDir, file: "op.sqlite" });
    expect(store.db.pragma("journal_mode", { simple: true })).to.equal("wal");
    expect(store.migrate("accounts", MIGRATIONS)).to.deep.equal([1, 2]);
    store.db.prepare("INSERT INTO accounts (id, balance) VALUES (1, '10')").run();
    store.close();
    store = Store.open({ dataDir, file: "op.sqlite" });
    expect(store.migrate("accounts", MIGRATIONS)).to.deep.equal([]);
    expect(store.schemaVersion("accounts")).to.equal(2);
    expect(store.db.prepare("SELECT balance, nonce FROM accounts").get()).to.deep.equal({
      balance: "10",
      nonce: 0,
    });
    store.close();
  });

  it("keeps components' migrations apart", function () {
    const store = Store.open({ memory: true });
    store.migrate("a", MIGRATIONS.slice(0, 1));
    store.migrate("b", [{ version: 1, name: "other", up: "CREATE TABLE other (x INTEGER)" }]);
    expect(store.schemaVersion("a")).to.equal(1);
    expect(store.schemaVersion("b")).to.equal(1);
    expect(store.schemaVersion("c")).to.equal(0);
  });

  it("refuses a database written by a newer schema", function () {
    const store = Store.open({ dataDir: dir, file: "op.sqlite" });
    store.migrate("accounts", MIGRATIONS);
    expect(() => store.migrate("accounts", MIGRATIONS.slice(0, 1)))
      .to.throw(StoreError, /schema version 2, newer than this l2kit knows \(1\)/)
      .with.nested.property("fields.current", 2);
  });

  it("refuses migrations that are not numbered 1, 2, 3", function () {
    const store = Store.open({ memory: true });
    expect(() => store.migrate("x", [{ version: 2, name: "skip", up: "SELECT 1" }])).to.throw(
      StoreError,
      /numbered 1, 2, 3/,
    );
  });

  it("rolls back a failing migration entirely", function () {
    const store = Store.open({ memory: true });
    const bad: Migration[] = [
      {
        version: 1,
        name: "half",
        up: "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);",
      },
    ];
    expect(() => store.migrate("bad", bad)).to.throw(/no such table: nowhere/);
    expect(store.schemaVersion("bad")).to.equal(0);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).to.equal(
      undefined,
    );
  });

  it("commits a transaction atomically and rolls back on error", function () {
    const store = Store.open({ memory: true });
    store.migrate("accounts", MIGRATIONS);
    const insert = store.db.prepare("INSERT INTO accounts (id, balance) VALUES (?, ?)");
    store.transaction(() => {
      insert.run(1, "5");
      insert.run(2, "6");
    });
    expect(() =>
      store.transaction(() => {
        insert.run(3, "7");
        insert.run(1, "dup"); // primary key violation
      }),
    ).to.throw(/UNIQUE constraint failed/);
    expect(
      (store.db.prepare("SELECT COUNT(*) AS n FROM accounts").get() as { n: number }).n,
    ).to.equal(2);
  });

  it("refuses an async transaction body and rolls it back", function () {
    const store = Store.open({ memory: true });
    store.migrate("accounts", MIGRATIONS);
    expect(() =>
      store.transaction((async () => {
        store.db.prepare("INSERT INTO accounts (id, balance) VALUES (9, '1')").run();
      }) as unknown as () => void),
    ).to.throw(StoreError, /synchronous/);
    expect(store.db.prepare("SELECT * FROM accounts WHERE id = 9").get()).to.equal(undefined);
  });

  it("rejects a file name with a path and an unusable data directory", function () {
    expect(() => Store.open({ dataDir: dir, file: "../escape.sqlite" })).to.throw(
      StoreError,
      /path separator/,
    );
    const file = path.join(dir, "plain-file");
    fs.writeFileSync(file, "x");
    expect(() => Store.open({ dataDir: file, file: "op.sqlite" })).to.throw(
      StoreError,
      /cannot create data directory/,
    );
    expect(() => Store.open({})).to.throw(StoreError, /needs dataDir and file/);
  });
});
