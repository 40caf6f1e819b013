// Worker thread of operator/zk/service/verify.ts: checks batches of transaction signatures.
// Registers the TypeScript loader the way bin/l2kit.js does, then serves jobs from the pool.
"use strict";
const path = require("node:path");
const { parentPort } = require("node:worker_threads");

process.env.TS_NODE_PROJECT ??= path.join(__dirname, "..", "..", "..", "tsconfig.json");
process.env.TS_NODE_FILES ??= "true";
require("ts-node/register/transpile-only");
const { checkSignatures } = require("./verify.ts");

parentPort.on("message", (job) => {
  try {
    parentPort.postMessage({ id: job.id, results: checkSignatures(job.domain, job.items) });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.message) || error) });
  }
});
parentPort.postMessage({ ready: true });
