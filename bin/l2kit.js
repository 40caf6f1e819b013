#!/usr/bin/env node
// Entry point of `npx l2kit`: runs the TypeScript CLI through ts-node (transpile only; `npm run
// lint` type-checks). Registered the same way Hardhat registers it, so loading Hardhat's
// TypeScript config later reuses this registration instead of adding a second one. tsconfig.json
// tells ts-node to transpile with swc (`"ts-node": { "swc": true }`, the WebAssembly build
// @swc/wasm, which installs from the registry on every platform): a process starts in 1.5 s
// instead of 3, which every CLI call, spawned service and worker thread pays.
"use strict";
const path = require("node:path");

process.env.TS_NODE_PROJECT ??= path.join(__dirname, "..", "tsconfig.json");
process.env.TS_NODE_FILES ??= "true";
require("ts-node/register/transpile-only");

require("../scripts/cli.ts")
  .main(process.argv)
  .then(
    // A finished command exits at once: worker threads (proving, setup) and RPC polling would
    // otherwise keep the process alive.
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
