// Worker process of operator/zk/prover.ts: proves one batch with snarkjs and reports snarkjs'
// log lines as progress. A process rather than a worker thread: snarkjs' curve library spreads
// its own work over worker threads, which it can only start from a main thread. Plain
// JavaScript so that it runs without a TypeScript loader.
"use strict";
const snarkjs = require("snarkjs");

const forward = (level) => (msg) => process.send({ type: "log", level, msg: String(msg) });
const logger = {
  debug: forward("debug"),
  info: forward("info"),
  warn: forward("warn"),
  error: forward("error"),
};

process.once("message", ({ input, wasm, zkey }) => {
  snarkjs.groth16.fullProve(input, wasm, zkey, logger).then(
    ({ proof, publicSignals }) =>
      process.send({ type: "done", proof, publicSignals }, () => process.exit(0)),
    (error) =>
      process.send(
        { type: "error", message: error instanceof Error ? error.message : String(error) },
        () => process.exit(1),
      ),
  );
});
