import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ROOT, run, spawnCli } from "../helpers/cli";

describe("scripts/cli (npx l2kit)", function () {
  it("lists its commands in --help, and every command has --help", async function () {
    const top = await run(["--help"]);
    expect(top.code).to.equal(0);
    for (const c of ["demo", "bench", "deploy", "config"])
      expect(top.out).to.match(new RegExp(`\\n  ${c} `));
    const bench = await run(["bench", "--help"]);
    expect(bench.code).to.equal(0);
    for (const o of ["--json <file>", "--only <systems...>", "--quick", "--network"])
      expect(bench.out).to.include(o);
    for (const c of ["demo", "deploy", "config"])
      expect((await run([c, "--help"])).code).to.equal(0);
  });

  it("answers usage errors with exit code 2 and a specific message", async function () {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["frobnicate"], {}, /unknown command 'frobnicate'/],
      [["bench", "--bogus"], {}, /unknown option '--bogus'/],
      [
        ["bench", "--network", "mars"],
        {},
        /--network="mars": must be one of hardhat, localhost, remote/,
      ],
      [["bench", "--json", ""], {}, /--json: must name a file/],
      [["bench", "--users", "5"], {}, /--users: needs --compare/],
      [["bench", "--report-dir", "r"], {}, /--report-dir: needs --compare/],
      [["bench", "--no-throughput"], {}, /--no-throughput: needs --compare/],
      [["bench", "--compare", "--users", "1"], {}, /--users: must be a whole number from 2 to 64/],
      [["bench", "--compare", "--transfers", "12abc"], {}, /--transfers: must be a whole number/],
      [["bench", "--compare", "--seed", "-3"], {}, /--seed: must be a whole number/],
      [
        ["bench", "--compare", "--users", "3", "--withdrawals", "4"],
        {},
        /--withdrawals: at most one per user/,
      ],
      [["bench", "--compare", "--only", "nowhere"], {}, /unknown system "nowhere" for --compare/],
      [["bench", "--compare", "--large"], {}, /--large: is not used with --compare/],
      [
        ["bench", "--compare", "--report-dir", "package.json"],
        {},
        /--report-dir: cannot write to "package.json"/,
      ],
      [
        ["bench", "--compare", "--users", "8", "--tokens", "2"],
        {},
        /--users: the ZK rollup's test circuit holds 15 accounts/,
      ],
      [["bench", "--network", "remote"], {}, /L2KIT_RPC_URL: required with --network remote/],
      [
        ["deploy", "nowhere"],
        {},
        /'nowhere' is invalid for argument 'system'. Allowed choices are baseline/,
      ],
      [["deploy"], {}, /missing required argument 'system'/],
      [["optimistic", "deposit", "--amount", "-5"], {}, /--amount/],
      [["optimistic", "transfer", "--to", "0x1234", "--amount", "1"], {}, /--to/],
      [["optimistic", "prove", "--id", "one"], {}, /--id/],
      [["optimistic", "status", "--hash", "0xzz"], {}, /--hash: must be 32 bytes of hex/],
      [["optimistic", "force-withdraw", "--amount", "1", "--token", "70000"], {}, /--token/],
      [
        ["optimistic", "sequencer", "--max-batch-wait-ms", "soon"],
        {},
        /--max-batch-wait-ms="soon"/,
      ],
      [["optimistic", "challenger", "--defend", "maybe"], {}, /--defend="maybe"/],
      [["channels", "watchtower", "--port", "70000"], {}, /--port="70000"/],
      [
        ["channels", "watchtower", "--min-challenge-seconds", "0"],
        {},
        /--min-challenge-seconds="0"/,
      ],
      [["channels", "watchtower", "--adjudicator", "0x12"], {}, /--adjudicator="0x12"/],
      [["channels", "node", "--peer-port", "70000"], {}, /--peer-port="70000"/],
      [["channels", "node", "--watchtower-url", "ftp://x"], {}, /--watchtower-url="ftp:\/\/x"/],
      [["channels", "node", "--max-peer-deposit", "1.5"], {}, /--max-peer-deposit="1.5"/],
      [["channels", "node", "--tic-tac-toe-app", "0xzz"], {}, /--tic-tac-toe-app="0xzz"/],
      [
        ["channels", "pay", "--channel", "0x12", "--amount", "1"],
        {},
        /--channel: must be 32 bytes/,
      ],
      [["channels", "pay", "--channel", `0x${"ab".repeat(32)}`, "--amount", "-1"], {}, /--amount/],
      [["channels", "pay", "--channel", `0x${"ab".repeat(32)}`], {}, /required option '--amount/],
      [["channels", "open", "--peer", "bob", "--deposit", "1"], {}, /--peer/],
      [
        [
          "channels",
          "lock",
          "--channel",
          `0x${"ab".repeat(32)}`,
          "--amount",
          "1",
          "--hashlock",
          `0x${"cd".repeat(32)}`,
          "--expiry",
          "9",
          "--route",
          "0x12:1",
        ],
        {},
        /--route: each hop is <address>:<amount>:<expiry>/,
      ],
      [["channels", "status", "--node", "not a url"], {}, /--node="not a url"/],
      [["plasma", "operator", "--max-block-txs", "70000"], {}, /--max-block-txs="70000"/],
      [["plasma", "operator", "--plasma", "0x12"], {}, /--plasma="0x12"/],
      [["plasma", "operator", "--block-interval-ms", "0"], {}, /--block-interval-ms="0"/],
      [["plasma", "watcher", "--operator-url", "nope"], {}, /--operator-url="nope"/],
      [["plasma", "watcher", "--withholding-seconds", "0"], {}, /--withholding-seconds="0"/],
      [["plasma", "deposit", "--amount", "0"], {}, /--amount/],
      [["plasma", "transfer", "--to", "bob", "--amount", "1"], {}, /--to/],
      [
        ["plasma", "transfer", "--to", "0x0000000000000000000000000000000000000001"],
        {},
        /required option '--amount/,
      ],
      [["plasma", "exit", "--pos", "-3"], {}, /--pos|unknown option/],
      [["zk", "force-exit", "--account", "0"], {}, /--account/],
      [["zk", "force-exit", "--account", "two"], {}, /--account/],
      [["zk", "exit", "--account", "-1"], {}, /--account|unknown option/],
      [["plasma", "process", "--max", "0"], {}, /--max/],
      [["demo", "--only", "plasmaa"], {}, /--only: unknown scenario "plasmaa"/],
      [
        ["config"],
        { L2KIT_CONFIRMATIONS: "abc" },
        /L2KIT_CONFIRMATIONS="abc": must be an integer from 1 to 10000/,
      ],
      [
        ["bench", "--localhost-url", "not a url"],
        {},
        /--localhost-url="not a url": must be an absolute URL/,
      ],
      [
        ["demo", "--network", "remote", "--rpc-url", "http://127.0.0.1:1"],
        {},
        /L2KIT_PRIVATE_KEY: required/,
      ],
      [["zk", "operator"], {}, /L2KIT_NETWORK="hardhat": an operator process needs a node/],
      [
        ["zk", "operator", "--fee-accounts", "0:x"],
        {},
        /--fee-accounts="0:x": must be token:accountIndex pairs/,
      ],
      [
        ["zk", "operator", "--port", "70000"],
        {},
        /--port="70000": must be an integer from 0 to 65535/,
      ],
      [
        ["zk", "transfer", "--from", "abc", "--to", "2", "--amount", "1"],
        {},
        /--from: must be a non-negative whole number/,
      ],
      [
        ["zk", "withdraw", "--from", "1", "--amount", "1.5"],
        {},
        /--amount: must be a non-negative whole number/,
      ],
      [
        ["zk", "deposit", "--amount", "1", "--token", "-1"],
        {},
        /--token: must be an integer from 0/,
      ],
      [["zk", "status", "--hash", "0x12"], {}, /--hash: must be 0x and 64 hex digits/],
      [["zk", "transfer", "--from", "1", "--to", "2"], {}, /required option '--amount <units>'/],
    ];
    for (const [args, env, message] of cases) {
      const r = await run(args, env);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.err, args.join(" ")).to.match(message);
    }
  });

  it("prints the configuration with secrets redacted and warns about unknown variables", async function () {
    const key = `0x${"42".repeat(32)}`;
    const r = await run(["config"], { L2KIT_PRIVATE_KEY: key, L2KIT_CONFIRMATONS: "3" });
    expect(r.code).to.equal(0);
    const cfg = JSON.parse(r.out) as Record<string, string>;
    expect(cfg.L2KIT_PRIVATE_KEY).to.equal("<redacted>");
    expect(r.out).to.not.include("4242");
    expect(cfg.L2KIT_NETWORK).to.equal("hardhat");
    expect(r.err).to.include("L2KIT_CONFIRMATONS is set but l2kit reads no such variable");
  });

  it("prints .env.example exactly as committed", async function () {
    const r = await run(["config", "--env-example"]);
    expect(`${r.out}\n`).to.equal(fs.readFileSync(path.join(ROOT, ".env.example"), "utf8"));
  });

  // The baseline and the two channel systems: the whole bench (every system, ZK proving included)
  // runs in .ci/run as `npm run bench -- --quick --json bench.json`, outside the suite's time.
  it("runs the bench end to end and writes JSON records (bin/l2kit.js)", function () {
    this.timeout(300_000);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-cli-")), "bench.json");
    const r = spawnCli([
      "bench",
      "--quick",
      "--only",
      "payment-channel",
      "state-channel",
      "--json",
      file,
    ]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/l1-erc20\s+erc20-transfer-gas/);
    expect(r.err).to.match(/\[3\/3\] state-channel: done in/);
    const records = JSON.parse(fs.readFileSync(file, "utf8")) as {
      system: string;
      metric: string;
      value: number;
      unit: string;
    }[];
    const gas = (m: string): number => records.find((x) => x.metric === m)!.value;
    // An ERC-20 transfer costs more than a plain ETH transfer, and a new holder more than an existing one.
    expect(gas("eth-transfer-gas")).to.equal(21_000);
    expect(gas("erc20-transfer-gas")).to.be.greaterThan(21_000);
    expect(gas("erc20-transfer-new-holder-gas")).to.be.greaterThan(gas("erc20-transfer-gas"));
    expect(records.find((x) => x.metric === "eth-transfer-gas / L1")!.value).to.be.below(1);
    // Only the systems asked for, each compared with the baseline measured in the same run.
    expect([...new Set(records.map((x) => x.system))]).to.have.members([
      "l1-erc20",
      "payment-channel",
      "state-channel",
    ]);
    const perPayment = records.find((x) => x.metric === "l1-gas-per-payment / L1")!.value;
    expect(perPayment).to.be.greaterThan(0).and.below(1);
  });

  it("plays a workload with --compare and writes the report, its chart and the records (bin/l2kit.js)", function () {
    this.timeout(300_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-compare-"));
    const file = path.join(dir, "records.json");
    const r = spawnCli([
      "bench",
      "--compare",
      "--quick",
      "--no-throughput",
      "--only",
      "plasma",
      "--users",
      "3",
      "--transfers",
      "4",
      "--withdrawals",
      "1",
      "--seed",
      "5",
      "--report-dir",
      dir,
      "--json",
      file,
    ]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/3 users, 1 token, 4 transfers, 1 withdrawal, seed 5/);
    expect(r.out).to.match(/L1 \(ERC-20\)\s+[\d,]+\s+1(\.\d+)?x/);
    expect(r.out).to.match(/Plasma \(MVP\)\s+[\d,]+\s+[\d.]+x\s+.*14 d/);
    const report = fs.readFileSync(path.join(dir, "REPORT.md"), "utf8");
    expect(report).to.include(
      "--compare --quick --no-throughput --only plasma --users 3 --tokens 1 --transfers 4 --withdrawals 1 --seed 5",
    );
    expect(report).to.include("](comparison.svg)");
    expect(report).to.not.include("ZK rollup |");
    const svg = fs.readFileSync(path.join(dir, "comparison.svg"), "utf8");
    expect(svg).to.match(/^<svg[^>]*>/);
    expect(svg.match(/<polyline/g)).to.have.length(2);
    const records = JSON.parse(fs.readFileSync(file, "utf8")) as {
      system: string;
      metric: string;
      value: number;
      unit: string;
    }[];
    const perTransfer = records.find(
      (x) => x.system === "plasma" && x.metric === "workload: L1 gas per transfer, all phases",
    );
    expect(perTransfer?.unit).to.equal("gas");
    const ratio = records.find(
      (x) => x.system === "plasma" && x.metric === "workload: L1 gas per transfer, all phases / L1",
    );
    const baseline = records.find((x) => x.metric === "erc20-transfer-gas")!.value;
    expect(ratio?.value).to.be.closeTo(perTransfer!.value / baseline, 1e-4);
  });

  it("runs the demo end to end (bin/l2kit.js)", function () {
    // Three Groth16 proofs of the test circuit among the rest: minutes on a loaded 2-core machine.
    this.timeout(300_000);
    const r = spawnCli(["demo"]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include("Layer 1 baseline");
    expect(r.out).to.match(/ERC-20 transfer to an existing holder: [\d,]+ gas/);
    expect(r.out).to.match(/one-step proof: L1 executes the disputed transfer itself/);
    expect(r.out).to.match(/1,000 payments of .* [\d,]+ payments\/s, no L1 transaction/);
    expect(r.out).to.match(/alice's guard sees the stale state and answers with version 5/);
    expect(r.out).to.match(
      /pays alice 0\.5 ETH and bob 0\.5 ETH: the stale close gained bob nothing/,
    );
    expect(r.out).to.include("carol received 0.1 ETH, bob kept 0.001 ETH as his fee");
    expect(r.out).to.match(/the payout pays bob the 1\.0 ETH pot \([\d,]+ gas\)/);
    expect(r.out).to.include(
      "balances on the child chain: alice 1.5 ETH, bob 1.1 ETH, carol 0.4 ETH",
    );
    expect(r.out).to.match(/the watcher shows her signed spend and cancels the exit/);
    expect(r.out).to.include("carol is paid 0.41 ETH");
    // The short comparison: every system played the same workload and ended with its balances.
    expect(r.out).to.include("workload: 3 users, 1 token, 4 transfers, 1 withdrawal, seed 1");
    for (const system of ["zk-rollup", "optimistic-rollup", "channels", "plasma"])
      expect(r.out).to.include(`${system} played the workload and ended with its balances`);
    for (const row of [
      "L1 \\(ERC-20\\)",
      "ZK rollup",
      "Optimistic rollup",
      "Payment channels",
      "Plasma \\(MVP\\)",
    ])
      expect(r.out).to.match(new RegExp(`  ${row}\\s+[\\d,]+\\s+[\\d.]+x\\s`));
    expect(r.out).to.include("demo finished");
  });

  it("generates and verifies a development powers of tau, and rejects a corrupted one (bin/l2kit.js)", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-cli-ptau-"));
    const file = path.join(dir, "dev.ptau");
    const made = spawnCli(["zk", "ptau", "--power", "3", "--out", file]);
    expect(made.code, made.err).to.equal(0);
    expect(made.err).to.include("INSECURE");
    expect(made.err).to.include("Lagrange sections: 100%");
    const again = spawnCli(["zk", "ptau", "--power", "3", "--out", file]);
    expect(again.out).to.include("exists (use --force to regenerate)");
    const ok = spawnCli(["zk", "ptau-verify", file]);
    expect(ok.code, ok.err).to.equal(0);
    expect(ok.out).to.include("valid powers of tau");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const bad = spawnCli(["zk", "ptau-verify", file]);
    expect(bad.code).to.equal(1);
    expect(bad.err).to.include("PTAU_INVALID");
  });

  it("reports an unreachable node as an error, not a hang", function () {
    const r = spawnCli([
      "deploy",
      "baseline",
      "--network",
      "localhost",
      "--localhost-url",
      "http://127.0.0.1:9",
    ]);
    expect(r.code).to.equal(1);
    expect(r.err).to.include("RPC_UNREACHABLE");
  });
});

describe("scripts/cli deploy on a hardhat node (--network localhost)", function () {
  const journal = path.join(ROOT, "deploy", "deployments", "chain-31337");
  const backup = `${journal}.test-backup`;

  before(function () {
    if (fs.existsSync(journal)) fs.renameSync(journal, backup);
  });

  after(function () {
    fs.rmSync(journal, { recursive: true, force: true });
    if (fs.existsSync(backup)) fs.renameSync(backup, journal);
  });

  const deployOn = (url: string, ...extra: string[]) =>
    spawnCli(["deploy", "baseline", ...extra, "--network", "localhost", "--localhost-url", url]);

  it("deploys, reuses the journal, and discards it when the local chain was restarted", async function () {
    const { startHardhatNode } = await import("../helpers/hardhat-node");
    let node = await startHardhatNode();
    try {
      const first = deployOn(node.url);
      expect(first.code, first.err).to.equal(0);
      const deployed = JSON.parse(first.out) as {
        chainId: number;
        addresses: { BaselineToken: string };
      };
      expect(deployed.chainId).to.equal(31337);
      expect(await node.provider.getCode(deployed.addresses.BaselineToken)).to.not.equal("0x");
      expect(fs.existsSync(path.join(journal, "deployed_addresses.json"))).to.equal(true);

      // Same chain: Ignition reuses the deployment.
      const again = deployOn(node.url);
      expect(again.code, again.err).to.equal(0);
      expect(JSON.parse(again.out)).to.deep.equal(deployed);

      // A restarted node has none of it: the stale journal is discarded and the module redeployed.
      await node.stop();
      node = await startHardhatNode();
      const fresh = deployOn(node.url);
      expect(fresh.code, fresh.err).to.equal(0);
      expect(fresh.err).to.include("the local chain was restarted");
      const redeployed = JSON.parse(fresh.out) as { addresses: { BaselineToken: string } };
      expect(await node.provider.getCode(redeployed.addresses.BaselineToken)).to.not.equal("0x");

      const reset = deployOn(node.url, "--reset");
      expect(reset.code, reset.err).to.equal(0);
      expect(reset.err).to.include("reset: removed");
      expect(JSON.parse(reset.out)).to.not.deep.equal(JSON.parse(fresh.out));
    } finally {
      await node.stop();
    }
  });
});
