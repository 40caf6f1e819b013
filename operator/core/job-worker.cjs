// The worker thread behind operator/core/worker.ts. Registers the TypeScript loader the way
// bin/l2kit.js does, builds its handler from `workerData` (a module and the name of the factory
// it exports) and serves requests in order: { id, payload } -> { id, result } or { id, error }.
"use strict";
const path = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");

process.env.TS_NODE_PROJECT ??= path.join(__dirname, "..", "..", "tsconfig.json");
process.env.TS_NODE_FILES ??= "true";
require("ts-node/register/transpile-only");

const handler = require(workerData.module)[workerData.factory](workerData.init);

parentPort.on("message", (m) => {
  if (m.close) {
    if (handler.close) handler.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, result: handler.handle(m.payload) });
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
  }
});
parentPort.postMessage({ ready: true });
