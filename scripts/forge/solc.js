#!/usr/bin/env node
// The Solidity compiler forge runs (foundry.toml `solc`): the `solc` npm package that Hardhat
// uses too, so both build with one compiler and nothing is downloaded. forge calls a native
// solc binary two ways, and this answers both: `--version`, and `--standard-json` with the input
// on stdin (forge inlines every source, so no import callback is needed; its path flags are
// ignored).
"use strict";
const solc = require("solc");

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
  );
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("scripts/forge/solc.js: only --version and --standard-json are supported\n");
  process.exit(2);
}
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString("utf8")));
});
