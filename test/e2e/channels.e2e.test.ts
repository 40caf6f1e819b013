/**
 * State and payment channels end to end with real processes on a `npx hardhat node`: three
 * channel nodes (`npx l2kit channels node`) and a watchtower (`npx l2kit channels watchtower`),
 * driven through the nodes' user APIs and the `npx l2kit channels ...` commands. Two nodes make
 * 1,000 payments (one is killed with SIGKILL on the way and resumes) and close; a node goes offline
 * while its peer closes with a stale state and the watchtower answers; a payment routed from
 * Alice through Bob to Carol with a hash-time lock; tic-tac-toe games between two nodes, one won
 * off-chain and concluded, one where the loser stalls and is forced to move on-chain.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseEther, type Contract } from "ethers";
import hre from "hardhat";
import { deployChannelsWithSigner } from "../../deploy";
import { adjudicatorAt } from "../../operator/channels/abi";
import {
  spawnChannelNode,
  spawnWatchtower,
  type ChannelsTarget,
} from "../../operator/channels/processes";
import { parseChannel, parseSignedState, type SignedStateJson } from "../../operator/channels/wire";
import { signedStateStruct } from "../../operator/channels/state";
import type { ServiceProcess } from "../../operator/core/process";
import { pollUntil } from "../../operator/core/rpc";
import { freePort, startHardhatNode, type HardhatNode } from "../helpers/hardhat-node";
import { mine } from "../helpers/optimistic-node";

const CLI = path.join(__dirname, "..", "..", "bin", "l2kit.js");
const PERIOD = 600n;
const NODE_FLAGS = [
  "--max-peer-deposit",
  parseEther("5").toString(),
  "--min-challenge-seconds",
  "60",
  "--min-lock-seconds",
  "60",
  "--lock-margin-seconds",
  "30",
];

type Json = Record<string, unknown>;

describe("channels end to end with real processes: nodes, watchtower, user CLI", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let dir: string;
  let target: ChannelsTarget;
  let adjudicator: Contract;
  const running = new Map<string, ServiceProcess>();

  async function call(
    who: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${running.get(who)!.announced.url as string}${p}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }
  async function ok(who: string, p: string, body?: unknown): Promise<Json> {
    const r = await call(who, p, body);
    expect(r.status, `${who} ${p}: ${JSON.stringify(r.body)}`).to.equal(200);
    return r.body;
  }
  function cli(who: string, args: string[]): { status: number | null; out: Json; stderr: string } {
    const r = spawnSync(
      process.execPath,
      [CLI, "channels", ...args, "--node", running.get(who)!.announced.url as string],
      { encoding: "utf8" },
    );
    return {
      status: r.status,
      out: r.status === 0 ? (JSON.parse(r.stdout) as Json) : {},
      stderr: r.stderr,
    };
  }
  /** Each node keeps its peer port across restarts: its peers reach it where they knew it. */
  const peerPorts = new Map<string, number>();
  async function start(who: string, account: number, args: string[] = []): Promise<void> {
    if (!peerPorts.has(who)) peerPorts.set(who, await freePort());
    running.set(
      who,
      await spawnChannelNode(target, account, [
        ...NODE_FLAGS,
        "--peer-port",
        String(peerPorts.get(who)),
        ...args,
      ]),
    );
  }
  const accountOf = (who: string): string => running.get(who)!.announced.account as string;
  const peerUrlOf = (who: string): string => running.get(who)!.announced.peerUrl as string;

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-channels-e2e-"));
    const d = await deployChannelsWithSigner(hre, node.wallet(0));
    target = {
      nodeUrl: node.url,
      dataDir: dir,
      adjudicator: d.adjudicator,
      paymentApp: d.paymentApp,
      ticTacToeApp: d.ticTacToeApp,
    };
    adjudicator = adjudicatorAt(d.adjudicator, node.provider);
    running.set("tower", await spawnWatchtower(target, 5, ["--min-challenge-seconds", "60"]));
    const towerUrl = running.get("tower")!.announced.url as string;
    await start("alice", 1);
    await start("bob", 2, ["--watchtower-url", towerUrl]);
    await start("carol", 3);
  });

  after(async function () {
    for (const p of running.values()) await p.kill();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("opens, makes 1,000 payments across a SIGKILL of the payer, and closes with both paid exactly", async function () {
    const bob = accountOf("bob");
    const opened = await ok("alice", "/v1/channels", {
      peer: bob,
      url: peerUrlOf("bob"),
      deposit: parseEther("2").toString(),
      peerDeposit: parseEther("1").toString(),
      challengeDuration: PERIOD.toString(),
    });
    const id = opened.id as string;
    expect(opened.status).to.equal("open");
    expect(await adjudicator.holdings(id, "0x0000000000000000000000000000000000000000")).to.equal(
      parseEther("3"),
    );

    // 600 payments of 1,000 wei, 50 at a time (the node batches them to the peer).
    for (let i = 0; i < 12; i++) {
      await Promise.all(
        Array.from({ length: 50 }, () => ok("alice", `/v1/channels/${id}/pay`, { amount: "1000" })),
      );
    }
    // Killed without a goodbye; restarted on the same peer port, it resumes from its store.
    await running.get("alice")!.kill();
    await start("alice", 1);
    for (let i = 0; i < 8; i++) {
      await Promise.all(
        Array.from({ length: 50 }, () => ok("alice", `/v1/channels/${id}/pay`, { amount: "1000" })),
      );
    }
    // Bob pays back through the CLI (he reaches the restarted Alice at the URL she proposed with).
    const back = cli("bob", ["pay", "--channel", id, "--amount", "500"]);
    expect(back.status, back.stderr).to.equal(0);

    const a = await ok("alice", `/v1/channels/${id}`);
    const b = (await ok("bob", `/v1/channels/${id}`)) as Json;
    expect(a.version).to.equal("1001");
    expect(b.version).to.equal("1001");
    expect(a.sent).to.equal("1000000");
    expect(b.received).to.equal("1000000");
    expect(b.payments).to.equal(1001);
    expect(BigInt(b.balance as string)).to.equal(parseEther("1") + 1_000_000n - 500n);

    // Garbage through the CLI and the API: a clear error, nothing changed.
    const bad = cli("alice", ["pay", "--channel", id, "--amount", "-5"]);
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.match(/--amount/);
    const junk = await call("alice", `/v1/channels/${id}/pay`, { amount: "1e3" });
    expect(junk.status).to.equal(400);
    const tooMuch = await call("alice", `/v1/channels/${id}/pay`, {
      amount: parseEther("100").toString(),
    });
    expect(tooMuch.status, JSON.stringify(tooMuch.body)).to.equal(422);
    expect(tooMuch.body.error).to.equal("INSUFFICIENT_BALANCE");
    expect((await ok("alice", `/v1/channels/${id}`)).version).to.equal("1001");

    // Cooperative close through the CLI: Alice concludes, both are paid at once.
    const bobBefore = await node.provider.getBalance(bob);
    const closed = cli("alice", ["close", "--channel", id]);
    expect(closed.status, closed.stderr).to.equal(0);
    expect((closed.out.channel as Json).status).to.equal("closed");
    expect(await node.provider.getBalance(bob)).to.equal(bobBefore + BigInt(b.balance as string));
    expect(await adjudicator.holdings(id, "0x0000000000000000000000000000000000000000")).to.equal(
      0n,
    );
  });

  it("answers a stale close through the watchtower while the victim is offline; the victim settles after", async function () {
    const bob = accountOf("bob");
    const opened = await ok("alice", "/v1/channels", {
      peer: bob,
      deposit: parseEther("1").toString(),
      challengeDuration: PERIOD.toString(),
    });
    const id = opened.id as string;
    for (let i = 0; i < 5; i++) await ok("alice", `/v1/channels/${id}/pay`, { amount: "100" });
    const stale = await ok("alice", `/v1/channels/${id}/latest`);
    const channel = parseChannel((await ok("alice", `/v1/channels/${id}`)).channel);
    for (let i = 0; i < 5; i++) await ok("alice", `/v1/channels/${id}/pay`, { amount: "100000" });
    // Bob's node hands every changed channel to the tower in its rounds.
    const towerUrl = running.get("tower")!.announced.url as string;
    await pollUntil(
      "the tower to hold version 10",
      async () => {
        const r = await fetch(`${towerUrl}/v1/channels/${id}`);
        return r.status === 200 && ((await r.json()) as Json).version === "10";
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await running.get("bob")!.kill();
    // Alice turns dishonest: her node is stopped and she registers the old state herself.
    await running.get("alice")!.stop();
    const old = parseSignedState(stale as unknown as SignedStateJson, "stale");
    await (
      await (adjudicator.connect(node.wallet(1)) as Contract).challenge(channel, [
        signedStateStruct(old),
      ])
    ).wait();
    await pollUntil(
      "the tower's checkpoint",
      async () => ((await adjudicator.status(id)) as bigint[])[0] === 10n,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await mine(node, PERIOD + 1n);

    // Bob comes back after the deadline and settles the state the tower registered.
    await start("bob", 2, ["--watchtower-url", towerUrl]);
    const before = await node.provider.getBalance(bob);
    const settled = cli("bob", ["settle", "--channel", id]);
    expect(settled.status, settled.stderr).to.equal(0);
    const receipt = await node.provider.getTransactionReceipt(settled.out.tx as string);
    const gas = receipt!.gasUsed * receipt!.gasPrice;
    expect(await node.provider.getBalance(bob)).to.equal(before - gas + 500_500n);
    await start("alice", 1);
  });

  it("routes a hash-time-locked payment from Alice through Bob to Carol", async function () {
    const [bob, carol] = [accountOf("bob"), accountOf("carol")];
    const ab = (
      await ok("alice", "/v1/channels", {
        peer: bob,
        deposit: parseEther("1").toString(),
        challengeDuration: PERIOD.toString(),
      })
    ).id as string;
    const opened = cli("bob", [
      "open",
      "--peer",
      carol,
      "--peer-url",
      peerUrlOf("carol"),
      "--deposit",
      parseEther("1").toString(),
      "--challenge-seconds",
      PERIOD.toString(),
    ]);
    expect(opened.status, opened.stderr).to.equal(0);
    const bc = opened.out.id as string;

    const invoice = cli("carol", ["invoice"]);
    expect(invoice.status, invoice.stderr).to.equal(0);
    const hashlock = invoice.out.hashlock as string;
    const now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
    const paid = cli("alice", [
      "lock",
      "--channel",
      ab,
      "--amount",
      "1010",
      "--hashlock",
      hashlock,
      "--expiry",
      String(now + 3600n),
      "--route",
      `${carol}:1000:${now + 3000n}`,
      "--wait-ms",
      "60000",
    ]);
    expect(paid.status, paid.stderr).to.equal(0);
    expect(paid.out.settled).to.equal(true);

    await pollUntil(
      "Carol's payment",
      async () => (await ok("carol", `/v1/channels/${bc}`)).received === "1000",
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const atBob = await ok("bob", `/v1/channels/${ab}`);
    expect(atBob.received).to.equal("1010");
    expect((await ok("bob", `/v1/channels/${bc}`)).sent).to.equal("1000");
    expect((await ok("alice", `/v1/channels/${ab}`)).locks).to.deep.equal([]);
  });

  it("plays tic-tac-toe to payout: a game won off-chain is concluded, a staller is challenged, forced to move on-chain and beaten", async function () {
    const bob = accountOf("bob");
    const stake = parseEther("1");
    const adjudicatorBalance = () => node.provider.getBalance(target.adjudicator);
    const openGame = async (): Promise<string> => {
      const g = await ok("alice", "/v1/games", {
        peer: bob,
        url: peerUrlOf("bob"),
        stake: stake.toString(),
        challengeDuration: PERIOD.toString(),
      });
      expect(g.mine).to.equal("O");
      expect(g.turn).to.equal("peer");
      return g.id as string;
    };
    const move = (who: string, id: string, cell: number): Json => {
      const r = cli(who, ["game", "move", "--game", id, "--cell", String(cell)]);
      expect(r.status, r.stderr).to.equal(0);
      return r.out;
    };
    const closed = (who: string, id: string) =>
      pollUntil(
        `${who}'s game to close`,
        async () => (await ok(who, `/v1/games/${id}`)).status === "closed",
        { timeoutMs: 30_000, intervalMs: 100 },
      );

    // A game won off-chain: Bob (X) takes the top row; a guard round concludes it at once.
    const first = await openGame();
    const held = await adjudicatorBalance();
    for (const [who, cell] of [
      ["bob", 0],
      ["alice", 3],
      ["bob", 1],
      ["alice", 4],
    ] as const)
      move(who, first, cell);
    // Out of turn and taken cells are refused, and change nothing.
    const early = cli("alice", ["game", "move", "--game", first, "--cell", "8"]);
    expect(early.status).to.not.equal(0);
    expect(early.stderr).to.match(/NOT_YOUR_TURN/);
    const taken = await call("bob", `/v1/games/${first}/move`, { cell: 4 });
    expect(taken.status).to.equal(422);
    expect(taken.body.error).to.equal("CELL_TAKEN");
    const bobBefore = await node.provider.getBalance(bob);
    const won = move("bob", first, 2);
    expect(won.isFinal).to.equal(true);
    expect(won.board).to.deep.equal(["X", "X", "X", "O", "O", ".", ".", ".", "."]);
    await closed("alice", first);
    await closed("bob", first);
    expect(await adjudicatorBalance()).to.equal(held - 2n * stake);
    expect((await node.provider.getBalance(bob)) - bobBefore > 2n * stake - parseEther("0.01")).to
      .be.true;

    // A staller: Bob threatens two lines, Alice stops answering; Bob registers the position.
    const second = await openGame();
    for (const [who, cell] of [
      ["bob", 4],
      ["alice", 1],
      ["bob", 0],
      ["alice", 8],
      ["bob", 6],
    ] as const)
      move(who, second, cell);
    const challenged = cli("bob", ["game", "challenge", "--game", second]);
    expect(challenged.status, challenged.stderr).to.equal(0);
    expect(challenged.out.status).to.equal("challenged");
    const onchain = await pollUntil(
      "Alice's node to see the challenge",
      async () => (await ok("alice", `/v1/games/${second}`)).onchain as Json | undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(onchain.version).to.equal("5");
    // Forced on-chain, Alice blocks one line with a move on L1 (progress)...
    const aliceMove = move("alice", second, 2);
    expect(aliceMove.version).to.equal("6");
    expect(((await adjudicator.status(second)) as bigint[])[0]).to.equal(6n);
    // ...Bob's node learns it from L1 and Bob completes the other line on-chain.
    const bobBefore2 = await node.provider.getBalance(bob);
    const last = move("bob", second, 3);
    expect(last.isFinal).to.equal(true);
    expect(last.board).to.deep.equal(["X", "O", "O", "X", "X", ".", "X", ".", "O"]);
    await closed("bob", second);
    await closed("alice", second);
    expect(
      await adjudicator.holdings(second, "0x0000000000000000000000000000000000000000"),
    ).to.equal(0n);
    expect((await node.provider.getBalance(bob)) - bobBefore2 > 2n * stake - parseEther("0.01")).to
      .be.true;
  });
});
