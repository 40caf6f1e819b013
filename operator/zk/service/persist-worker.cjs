// Worker thread of operator/zk/service/persist.ts: writes accepted transactions to the operator's
// SQLite database on its own connection, so the API's thread never waits for a disk flush.
"use strict";
const path = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");

process.env.TS_NODE_PROJECT ??= path.join(__dirname, "..", "..", "..", "tsconfig.json");
process.env.TS_NODE_FILES ??= "true";
require("ts-node/register/transpile-only");
const { Store } = require("../../core/store.ts");
const { ZkOperatorDb } = require("./db.ts");

const store = Store.open({ dataDir: workerData.dataDir, file: workerData.file });
const db = new ZkOperatorDb(store);

parentPort.on("message", (job) => {
  if (job.close) {
    store.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    db.transaction(() => db.insertTxs(job.rows));
    parentPort.postMessage({ id: job.id });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.message) || error) });
  }
});
parentPort.postMessage({ ready: true });
