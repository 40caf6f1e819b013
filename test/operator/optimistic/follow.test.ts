/**
 * Issue 21: the sequencer follows the canonical chain on L1, batches posted by others included,
 * and the challenger says what it cannot do. A co-sequencer posts a valid batch carrying a
 * transaction the sequencer also holds, then an invalid one; the sequencer adopts the first,
 * waits (and says so) on the second, and resumes by itself once the challenger has it discarded.
 * Blob batches are read from a beacon API (`startBeaconApi`) and checked against their hashes.
 */
import { expect } from "chai";
import { type Contract, parseEther, type Wallet } from "ethers";
import { pollUntil } from "../../../operator/core/rpc";
import type { Hex } from "../../../operator/lib/sparse-merkle";
import { challengeGameAt } from "../../../operator/optimistic/abi";
import { createChallengerApi } from "../../../operator/optimistic/challenger/api";
import { Challenger } from "../../../operator/optimistic/challenger/challenger";
import { createSequencerApi } from "../../../operator/optimistic/sequencer/api";
import type { SignedL2Tx } from "../../../operator/optimistic/sequencer/db";
import type { Sequencer } from "../../../operator/optimistic/sequencer/sequencer";
import type { HardhatNode } from "../../helpers/hardhat-node";
import { gameOver, mine } from "../../helpers/optimistic-node";
import {
  PARAMS,
  log,
  postForeign,
  startWorld,
  transferRecord,
  type World,
} from "../../helpers/optimistic-world";

describe("optimistic rollup: following batches posted by others, and a challenger that tells", function () {
  this.timeout(300_000);
  let w: World;
  let node: HardhatNode;
  let rollup: Contract;
  let seq: Sequencer;
  let chal: Challenger;
  let watcher: Challenger;
  let beacon: NonNullable<World["beacon"]>;
  const store = (name: string) => w.store(name);
  const sign = (from: Wallet, to: string, amount: bigint): Promise<SignedL2Tx> =>
    w.sign(from, to, amount);

  /**
   * The co-sequencer posts `txs` (transfers between existing accounts), in calldata or in blobs,
   * claiming `claim(honest root)` (or the honest root).
   */
  const postAsCoSequencer = (txs: SignedL2Tx[], claim?: (honest: Hex) => Hex, inBlobs = false) => {
    const state = w.chainState();
    return postForeign(
      w,
      txs.map((tx) => transferRecord(state, tx)),
      claim,
      inBlobs,
    );
  };

  before(async function () {
    // Long enough for the co-sequencer to post a transaction the sequencer holds first.
    w = await startWorld({ maxBatchWaitMs: 3_000, blobs: true });
    ({ node, rollup, seq, chal } = w);
    beacon = w.beacon!;
    // A watcher that does not dispute: it must alarm about an invalid batch it leaves alone.
    watcher = new Challenger(
      { ...chal.config, challenge: false },
      { provider: node.provider, signer: node.wallet(7), store: store("watcher"), log: log() },
    );
    await watcher.start();
  });

  after(async function () {
    await watcher?.stop();
    await w?.stop();
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

  it("reads blob batches from the beacon API: adopts a valid one, and disputes a fraudulent one with a KZG one-step proof and wins", async function () {
    // The co-sequencer was slashed and deregistered by the last test; the owner registers it again.
    await (await rollup.setSequencer(node.wallet(6).address, true)).wait();
    const valid = await postAsCoSequencer(
      [await sign(node.wallet(2), node.wallet(1).address, parseEther("0.25"))],
      undefined,
      true,
    );
    await pollUntil(
      "the blob batch adopted",
      () => (seq.db.foreignCounts().adopted === 2 ? true : undefined),
      { timeoutMs: 90_000 },
    );
    expect(seq.headRoot).to.equal(valid.honest);
    await pollUntil("the challenger verified it", async () =>
      chal.status().verifiedPosition === Number(valid.position) ? true : undefined,
    );
    // A fraudulent blob batch of three transfers: a game of several moves, ended by a proof that
    // opens the blob's field elements.
    const fraud = await postAsCoSequencer(
      [
        await sign(node.wallet(1), node.wallet(3).address, parseEther("0.1")),
        await sign(node.wallet(3), node.wallet(2).address, parseEther("0.1")),
        await sign(node.wallet(2), node.wallet(1).address, parseEther("0.1")),
      ],
      () => `0x${"cd".repeat(32)}` as Hex,
      true,
    );
    const game = challengeGameAt((await rollup.game()) as string, node.provider);
    const gameId = await pollUntil(
      "the dispute",
      () => chal.db.games().find((g) => g.batchId === Number(fraud.id))?.gameId,
      { timeoutMs: 90_000 },
    );
    await mine(node, PARAMS.clockBudget + 1n); // the co-sequencer never answers
    expect((await gameOver(game, BigInt(gameId))).status).to.equal(3n); // ChallengerWon
    await pollUntil(
      "the sequencer healthy again",
      async () => ((await health(seqApi())).status === 200 ? true : undefined),
      { timeoutMs: 90_000 },
    );
    expect(await rollup.headRoot()).to.equal(seq.headRoot);
    // The blobs are in the challenger's database, for proofs after the beacon forgets them.
    expect(chal.db.blobs(Number(fraud.id)).blobs).to.have.length(1);
  });

  it("refuses blobs that do not match their versioned hashes, and alarms until it can read the batch", async function () {
    await (await rollup.setSequencer(node.wallet(6).address, true)).wait();
    beacon.lie = true;
    const batch = await postAsCoSequencer(
      [await sign(node.wallet(1), node.wallet(2).address, parseEther("0.01"))],
      undefined,
      true,
    );
    const api = createChallengerApi(chal);
    const alarm = await pollUntil(
      "the unreadable alarm",
      async () => {
        const h = await health(api);
        // (First "not read yet" while the beacon block is not mined, then the refusal.)

        return JSON.stringify(h.body).includes("no blob with versioned hash") ? h : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(alarm.status).to.equal(503);
    expect(JSON.stringify(alarm.body)).to.contain("OPT_BATCH_UNREADABLE");
    beacon.lie = false;
    await pollUntil(
      "the batch read and verified",
      async () => (chal.status().verifiedPosition === Number(batch.position) ? true : undefined),
      { timeoutMs: 90_000 },
    );
    // The alarm resolves with the round that read it.
    await pollUntil("the alarm resolved", async () =>
      (await health(api)).status === 200 ? true : undefined,
    );
    await api.close();
  });

  it("alarms, until resolved, when the rollup takes blob batches it cannot read", async function () {
    const blind = new Challenger(
      { ...chal.config, blobSource: undefined },
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
