/**
 * Issue 21: the sequencer follows the canonical chain on L1, batches posted by others included,
 * and the challenger says what it cannot do. A co-sequencer posts a valid batch carrying a
 * transaction the sequencer also holds, then an invalid one; the sequencer adopts the first,
 * waits (and says so) on the second, and resumes by itself once the challenger has it discarded.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Contract, parseEther, type Wallet } from "ethers";
import hre from "hardhat";
import { deployOptimisticRollupWithSigner } from "../../../deploy";
import { createLogger } from "../../../operator/core/log";
import { pollUntil } from "../../../operator/core/rpc";
import { Store } from "../../../operator/core/store";
import { AMOUNT, FEE } from "../../../operator/lib/float";
import type { Eip712Domain } from "../../../operator/lib/eip712";
import type { Hex } from "../../../operator/lib/sparse-merkle";
import { challengeGameAt, optimisticRollupAt } from "../../../operator/optimistic/abi";
import { executeBatch, recordsCalldata } from "../../../operator/optimistic/batch";
import { createChallengerApi } from "../../../operator/optimistic/challenger/api";
import {
  Challenger,
  type ChallengerConfig,
} from "../../../operator/optimistic/challenger/challenger";
import { signL2Tx } from "../../../operator/optimistic/client";
import { compactSignature, encodeRecord } from "../../../operator/optimistic/codec";
import { RecordKind, rollupDomain } from "../../../operator/optimistic/protocol";
import { createSequencerApi } from "../../../operator/optimistic/sequencer/api";
import type { SignedL2Tx } from "../../../operator/optimistic/sequencer/db";
import { Sequencer, type SequencerConfig } from "../../../operator/optimistic/sequencer/sequencer";
import { L2State } from "../../../operator/optimistic/state";
import { startHardhatNode, type HardhatNode } from "../../helpers/hardhat-node";
import { FAST_PUBLISHER, gameOver, mine } from "../../helpers/optimistic-node";

const PARAMS = {
  challengeWindow: 1000n,
  forceDelay: 600n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 300n,
  clockExtension: 60n,
};

const log = () => (process.env.L2KIT_TEST_LOG ? createLogger({ level: "debug" }) : undefined);

describe("optimistic rollup: following batches posted by others, and a challenger that tells", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  let dir: string;
  let domain: Eip712Domain;
  let rollup: Contract;
  let seq: Sequencer;
  let chal: Challenger;
  let watcher: Challenger;
  const closers: (() => Promise<void> | void)[] = [];
  const nonces = new Map<string, bigint>();

  function store(name: string): Store {
    const s = Store.open({ dataDir: dir, file: `${name}.sqlite` });
    closers.push(() => s.close());
    return s;
  }

  const sign = async (from: Wallet, to: string, amount: bigint): Promise<SignedL2Tx> => {
    const key = from.address.toLowerCase();
    const nonce = nonces.get(key) ?? 0n;
    nonces.set(key, nonce + 1n);
    return signL2Tx(from, domain, { type: "transfer", to, amount, nonce });
  };

  /** The L2 state of the sequencer's live chain, replayed from its database. */
  function sequencerState(): L2State {
    const state = new L2State();
    for (const b of seq.db.liveBatches()) executeBatch(state, seq.db.content(b), domain);
    return state;
  }

  /** The co-sequencer posts `txs` (transfers between existing accounts) claiming `root` (or the honest root). */
  async function postAsCoSequencer(txs: SignedL2Tx[], claim?: (honest: Hex) => Hex) {
    const state = sequencerState();
    const records = txs.map((tx) =>
      encodeRecord({
        kind: RecordKind.Transfer,
        from: state.indexOf(tx.sender)!,
        to: state.indexOf(tx.recipient!)!,
        token: tx.token,
        amountPacked: AMOUNT.encode(tx.amount, "amount"),
        feePacked: FEE.encode(tx.fee, "fee"),
        signature: compactSignature(tx.signature),
      }),
    );
    const prevRoot = state.root;
    const content = { inbox: [], records, feeAccount: 0n };
    const honest = executeBatch(state, content, domain).roots.at(-1)!;
    const co = rollup.connect(node.wallet(6)) as Contract;
    const receipt = await (
      await co.postBatch(prevRoot, claim?.(honest) ?? honest, 0, 0, recordsCalldata(content), {
        value: PARAMS.batchBond,
      })
    ).wait();
    const posted = receipt.logs
      .map((l: { topics: string[]; data: string }) => rollup.interface.parseLog(l))
      .find((l: { name: string } | null) => l?.name === "BatchPosted");
    return { id: posted.args.id as bigint, position: posted.args.position as bigint, honest };
  }

  before(async function () {
    node = await startHardhatNode();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-follow-"));
    const d = await deployOptimisticRollupWithSigner(hre, node.wallet(0), PARAMS);
    rollup = optimisticRollupAt(d.rollup, node.wallet(0));
    domain = rollupDomain(31337n, d.rollup);
    // A second registered sequencer (a co-sequencer, or any bonded address once the inbox is overdue).
    await (await rollup.setSequencer(node.wallet(6).address, true)).wait();
    const poll = { confirmations: 1, pollIntervalMs: 50, rpcRetries: 2, rpcRetryDelayMs: 50 };
    const seqConfig: SequencerConfig = {
      rollup: d.rollup,
      chainId: 31337n,
      domain,
      fromBlock: d.deployBlock,
      batchBond: PARAMS.batchBond,
      bondTopUp: PARAMS.batchBond * 4n,
      challengeWindowSeconds: Number(PARAMS.challengeWindow),
      // Long enough for the co-sequencer to post a transaction the sequencer holds first.
      maxBatchWaitMs: 3_000,
      maxBatchRecords: 100,
      maxBatchInbox: 16,
      minFee: 0n,
      maxPendingTxs: 1000,
      verifyWorkers: 1,
      ...poll,
      publisher: FAST_PUBLISHER,
    };
    seq = new Sequencer(seqConfig, {
      provider: node.provider,
      signer: node.wallet(0),
      store: store("sequencer"),
      log: log(),
    });
    await seq.start();
    closers.push(() => seq.stop());
    const chalConfig: ChallengerConfig = {
      rollup: d.rollup,
      game: d.game,
      chainId: 31337n,
      domain,
      fromBlock: d.deployBlock,
      challengerBond: PARAMS.challengerBond,
      challengeWindowSeconds: Number(PARAMS.challengeWindow),
      blobBatches: false,
      alarmRepeatMs: 0,
      challenge: true,
      defend: false,
      ...poll,
      publisher: FAST_PUBLISHER,
    };
    chal = new Challenger(chalConfig, {
      provider: node.provider,
      signer: node.wallet(5),
      store: store("challenger"),
      log: log(),
    });
    await chal.start();
    closers.push(() => chal.stop());
    // A watcher that does not dispute: it must alarm about an invalid batch it leaves alone.
    watcher = new Challenger(
      { ...chalConfig, challenge: false },
      { provider: node.provider, signer: node.wallet(7), store: store("watcher"), log: log() },
    );
    await watcher.start();
    closers.push(() => watcher.stop());
    for (const i of [1, 2, 3]) {
      const w = node.wallet(i);
      await (
        await (rollup.connect(w) as Contract).depositETH(w.address, { value: parseEther("10") })
      ).wait();
    }
    await pollUntil("the deposits' batch", async () => Number(await rollup.batchCount()) === 2);
  });

  after(async function () {
    for (const close of closers.reverse()) await close();
    await node?.stop();
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  const seqApi = () => createSequencerApi(seq, {});
  const health = async (
    api: ReturnType<typeof seqApi> | ReturnType<typeof createChallengerApi>,
  ) => {
    const res = await api.inject({ method: "GET", url: "/health" });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  it("adopts a valid batch another address posted, binds the transaction it carried, and builds on it", async function () {
    const carried = await sign(node.wallet(1), node.wallet(2).address, parseEther("1"));
    // The sequencer holds the transaction (pending); the co-sequencer posts it first.
    const { hash } = await seq.submit(carried);
    const foreign = await postAsCoSequencer([carried]);
    await pollUntil("the foreign batch adopted", () => seq.status().foreignBatches, {
      timeoutMs: 30_000,
    }).then(() =>
      pollUntil("adoption", () => (seq.db.foreignCounts().adopted === 1 ? true : undefined), {
        timeoutMs: 30_000,
      }),
    );
    const view = seq.tx(hash)!;
    expect(view).to.deep.include({
      status: "batched",
      view: "posted",
      batchId: Number(foreign.id),
    });
    expect(seq.headRoot).to.equal(foreign.honest);
    // The sequencer's next batch builds on it; the challenger verified both.
    const next = await sign(node.wallet(2), node.wallet(3).address, parseEther("2"));
    const { hash: nextHash } = await seq.submit(next);
    await pollUntil(
      "the next batch on L1",
      async () => (seq.tx(nextHash)?.view === "posted" ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect(await rollup.headRoot()).to.equal(seq.headRoot);
    expect((await rollup.batchAt((await rollup.batchCount()) - 1n)).sequencer).to.equal(
      node.wallet(0).address,
    );
    await pollUntil("the challenger verified all", async () =>
      chal.status().verifiedPosition === Number(await rollup.batchCount()) - 1 ? true : undefined,
    );
    const api = seqApi();
    expect((await health(api)).status).to.equal(200);
    await api.close();
  });

  it("waits on an invalid batch another address posted, says why, and resumes by itself once it is discarded", async function () {
    const fraud = await postAsCoSequencer(
      [await sign(node.wallet(3), node.wallet(1).address, parseEther("1"))],
      () => `0x${"ab".repeat(32)}` as Hex,
    );
    const api = seqApi();
    const waiting = await pollUntil(
      "the sequencer waiting",
      async () => {
        const h = await health(api);
        // "reading batch …" first, then "… is invalid …".
        return h.status === 503 && JSON.stringify(h.body).includes("is invalid")
          ? h.body
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(JSON.stringify(waiting)).to.contain(`batch ${fraud.id}`).and.to.contain("invalid");
    expect(seq.status().waiting).to.be.a("string");
    // Transactions are still accepted meanwhile; none is posted on the invalid batch.
    const during = await sign(node.wallet(1), node.wallet(2).address, parseEther("0.5"));
    const { hash } = await seq.submit(during);
    // The watcher that does not dispute alarms, on /health and /v1/status.
    const watcherApi = createChallengerApi(watcher);
    const alarm = await pollUntil(
      "the watcher's alarm",
      async () => {
        const h = await health(watcherApi);
        return h.status === 503 ? h.body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(JSON.stringify(alarm)).to.contain("OPT_INVALID_UNDISPUTED");
    const status = (await watcherApi.inject({ method: "GET", url: "/v1/status" })).json();
    expect(status.alarms).to.have.length(1);
    expect(status.alarms[0]).to.deep.include({
      code: "OPT_INVALID_UNDISPUTED",
      batchId: Number(fraud.id),
      position: Number(fraud.position),
    });
    expect(status.invalid).to.deep.equal([Number(fraud.id)]);
    // The challenger disputes; the co-sequencer never answers; its clock runs out.
    const gameId = await pollUntil("the dispute", () => chal.db.games()[0]?.gameId, {
      timeoutMs: 30_000,
    });
    await mine(node, PARAMS.clockBudget + 1n);
    const game = challengeGameAt((await rollup.game()) as string, node.provider);
    expect((await gameOver(game, BigInt(gameId))).status).to.equal(3n); // ChallengerWon
    // Discarded: the sequencer resumes by itself and posts what it accepted meanwhile.
    await pollUntil(
      "the transaction accepted while waiting, posted",
      async () => (seq.tx(hash)?.view === "posted" ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect(await rollup.headRoot()).to.equal(seq.headRoot);
    expect((await health(api)).status).to.equal(200);
    await pollUntil("the watcher's alarm resolved", async () =>
      (await health(watcherApi)).status === 200 ? true : undefined,
    );
    const chalStatus = (await createChallengerApi(chal).inject({ url: "/v1/status" })).json();
    expect(chalStatus.games[0]).to.deep.include({ status: "won", role: "challenger" });
    expect(chalStatus.alarms).to.deep.equal([]);
    await api.close();
    await watcherApi.close();
  });

  it("alarms, until resolved, when the rollup takes blob batches it cannot read", async function () {
    const blind = new Challenger(
      { ...chal.config, blobBatches: true },
      { provider: node.provider, signer: node.wallet(8), store: store("blind"), log: log() },
    );
    await blind.tick();
    const api = createChallengerApi(blind);
    const h = await health(api);
    expect(h.status).to.equal(503);
    expect(JSON.stringify(h.body)).to.contain("OPT_BLOBS_UNREADABLE");
    await api.close();
    await blind.stop();
  });
});
