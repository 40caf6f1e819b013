/**
 * The workload on the optimistic rollup, through its real operator: the `Sequencer` service runs
 * in this process on the bench's EVM (its watcher, publisher, mempool and SQLite store, with its
 * HTTP API on a loopback port) and every user is an `OptimisticClient`. Users deposit their ERC-20
 * tokens through the L1 inbox, send signed transfers to the sequencer's API, which seals them into
 * batches posted as calldata with a claimed state root; once the challenge window has passed (the
 * chain's clock is moved forward), the sequencer finalises the batches and the withdrawers prove
 * their withdrawals against the final state and claim them on L1.
 *
 * Every L1 transaction of the run is counted: the sequencer's registration, the tokens'
 * registrations and the sequencer's bond (setup: the run posts the sequencer's first top-up
 * itself, and any later top-up the sequencer sends is moved to setup too), the users' approvals,
 * deposits, proofs and claims, and the sequencer's batches and finalisations (read from the
 * blocks each phase mined).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther, type Provider, type Signer, type TransactionReceipt } from "ethers";
import { deployOptimisticRollupWithSigner } from "../../../deploy";
import { OPTIMISTIC_DEFAULTS } from "../../../deploy/modules/OptimisticRollup";
import type { OptimisticRollup } from "../../../typechain-types";
import type { Api } from "../../core/api";
import { loadConfig } from "../../core/config";
import { L2kitError } from "../../core/errors";
import { advanceChain, pollUntil } from "../../core/rpc";
import { pollOf, publisherConfig } from "../../core/settings";
import { Store } from "../../core/store";
import { optimisticRollupAt, optimisticRollupInterface } from "../../optimistic/abi";
import { OptimisticClient, signL2Tx } from "../../optimistic/client";
import { rollupDomain } from "../../optimistic/protocol";
import { createSequencerApi } from "../../optimistic/sequencer/api";
import type { StoredBatch } from "../../optimistic/sequencer/db";
import { Sequencer, sequencerDbFile } from "../../optimistic/sequencer/sequencer";
import { sequencerSettings } from "../../optimistic/settings";
import { prepareWorld, roleKey, roleWallet } from "../accounts";
import {
  expectBalance,
  ChainMeter,
  GasMeter,
  L1_FINALITY_SECONDS,
  L1_SLOT_SECONDS,
  SCALING_SIZES,
  SERVICE_WAIT_MS,
  inProcessCoreConfig,
  type ChainProvider,
  type CompareContext,
  type Phase,
  type ScalingPoint,
  type SystemRunner,
} from "../types";
import { UNIT } from "../workload";

/** The run's challenge window (chain time, moved forward): short, so nothing waits. */
const CHALLENGE_WINDOW = 3600n;
/** Accounts that send the scaling batches' transfers to each other. */
const SCALING_ACCOUNTS = 8;
/** EIP-7825 (Osaka): no transaction may use more gas than this. */
const TX_GAS_CAP = 2 ** 24;

export const optimisticRollupRunner: SystemRunner = {
  system: "optimistic-rollup",
  description:
    "Optimistic rollup: the sequencer posts batches of signed transfers as calldata with a claimed root; withdrawals after the challenge window",
  async run(ctx) {
    const { workload, hre } = ctx;
    const provider = hre.ethers.provider;
    const [funder] = await hre.ethers.getSigners();
    const world = await prepareWorld(hre, workload);
    const meter = new GasMeter();

    // The sequencer's own key (owner of the rollup too), funded like the users (not counted).
    const sequencerKey = await roleWallet(ctx.workload, "optimistic sequencer", funder);
    const params = { challengeWindow: CHALLENGE_WINDOW };
    const d = await deployOptimisticRollupWithSigner(hre, sequencerKey, params);
    const rollup = (await hre.ethers.getContractAt(
      "OptimisticRollup",
      d.rollup,
      sequencerKey,
    )) as unknown as OptimisticRollup;
    const { chainId } = await provider.getNetwork();
    const full = { ...OPTIMISTIC_DEFAULTS, ...params };

    // Setup: the deployment registers the sequencer; each token is registered once.
    const registered = await rollup.queryFilter(rollup.filters.SequencerSet(), d.deployBlock);
    for (const e of registered) meter.add("setup", await e.getTransactionReceipt());
    const tokenIds: number[] = [];
    for (const address of world.tokenAddresses) {
      await meter.track("setup", rollup.registerToken(address));
      tokenIds.push(Number(await rollup.tokenIdOf(address)));
    }

    const seqSettings = loadConfig(sequencerSettings, { env: {} });
    const bondTopUp = seqSettings.bondTopUp ?? full.batchBond * 4n;
    // Setup: the sequencer's bond, the top-up its first post would send (from its own key, before
    // it starts), so that it finds its free bond sufficient during the phases.
    await meter.track("setup", rollup.addBond({ value: bondTopUp }));
    const core = inProcessCoreConfig();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-compare-optimistic-"));
    let store: Store | undefined;
    let sequencer: Sequencer | undefined;
    let api: Api | undefined;
    try {
      store = Store.open({ dataDir: dir, file: sequencerDbFile(chainId, d.rollup) });
      sequencer = new Sequencer(
        {
          rollup: d.rollup,
          chainId,
          domain: rollupDomain(chainId, d.rollup),
          fromBlock: d.deployBlock,
          batchBond: full.batchBond,
          bondTopUp,
          challengeWindowSeconds: Number(full.challengeWindow),
          maxBatchWaitMs: seqSettings.maxBatchWaitMs,
          maxBatchRecords: seqSettings.maxBatchRecords,
          maxBatchInbox: seqSettings.maxBatchInbox,
          feeAccount: seqSettings.feeAccount,
          minFee: seqSettings.minFee,
          maxPendingTxs: seqSettings.maxPendingTxs,
          verifyWorkers: seqSettings.verifyWorkers,
          ...pollOf(core),
          publisher: publisherConfig(core),
        },
        { provider, signer: sequencerKey, store },
      );
      await sequencer.start();
      api = createSequencerApi(sequencer, {});
      const url = await api.listen({ host: "127.0.0.1", port: 0 });
      const seq = sequencer;
      const clients = world.users.map(
        (signer) => new OptimisticClient({ rollup: d.rollup, signer, sequencerUrl: url }),
      );
      const chain = new ChainMeter(meter, provider, [
        sequencerKey.address,
        ...world.users.map((u) => u.address),
      ]);
      // Closes a phase; a bond top-up the sequencer sent meanwhile is setup, not the phase's.
      const closePhase = async (phase: Phase): Promise<void> =>
        bondsToSetup(meter, provider, d.rollup, phase, await chain.close(phase));
      await chain.mark();

      // Deposits: approve and depositERC20 for every user and token; one batch takes the inbox.
      ctx.progress(
        `  ${workload.params.users * tokenIds.length} ERC-20 deposits through the inbox`,
      );
      let since = seq.db.lastSeq();
      let entries = 0;
      for (const [i, client] of clients.entries()) {
        for (const [t, tokenId] of tokenIds.entries()) {
          await client.deposit({ amount: workload.deposits[i][t], token: tokenId });
          entries += 1;
        }
      }
      await pollUntil(
        "the sequencer to see every deposit",
        () => Number(seq.status().inboxSeen) >= entries,
        { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
      );
      const depositBatches = await sealAndPost(seq, since);
      await closePhase("deposits");

      // Transfers: each one signed by its sender and accepted by the sequencer's API.
      ctx.progress(`  ${workload.transfers.length} signed transfers through the sequencer's API`);
      const submitted: { hash: string; at: number }[] = [];
      since = seq.db.lastSeq();
      const started = Date.now();
      for (const t of workload.transfers) {
        const at = Date.now();
        const sent = await clients[t.from].transfer({
          to: world.users[t.to].address,
          amount: t.amount,
          token: tokenIds[t.token],
        });
        submitted.push({ hash: sent.hash, at });
      }
      const accepted = Date.now();
      const transferSeconds = (accepted - started) / 1000;
      const transferBatches = await sealAndPost(seq, since);
      const postSeconds = (Date.now() - accepted) / 1000;
      for (const { hash } of submitted) {
        const view = seq.tx(hash)?.view;
        if (view !== "posted")
          throw new L2kitError("COMPARE_OPT_TX", `transfer ${hash} is ${view}, not posted`);
      }
      // Each transfer from its own submission until its batch was seen on L1.
      const finality = submitted.map((s) => (postedAt(seq, s.hash) - s.at) / 1000);
      const finalitySeconds = mean(finality);
      ctx.progress(
        `  ${transferBatches.length} transfer batch(es) posted in ${postSeconds.toFixed(2)} s; challenge window of ${CHALLENGE_WINDOW} s`,
      );
      await passWindow(seq, provider);
      await closePhase("transfers");

      // Withdrawals: each withdrawer withdraws its whole L2 balance of every token (as the
      // sequencer reports it), then proves each withdrawal against the final state and claims.
      // Each withdrawer's time: from its first request until its batch was on L1, the window's
      // finalisation (shared, measured once), then its own proofs and claims.
      let withdrawBatches: StoredBatch[] = [];
      const withdrawerSeconds: number[] = [];
      if (workload.withdrawers.length > 0) {
        ctx.progress(`  ${workload.withdrawers.length} withdrawer(s) withdraw everything`);
        since = seq.db.lastSeq();
        const requests: { at: number; hashes: string[] }[] = [];
        for (const i of workload.withdrawers) {
          const at = Date.now();
          const hashes: string[] = [];
          const balances = (await clients[i].account()).balances;
          for (const tokenId of tokenIds) {
            const amount = BigInt(balances[tokenId] ?? "0");
            if (amount > 0n)
              hashes.push((await clients[i].withdraw({ amount, token: tokenId })).hash);
          }
          requests.push({ at, hashes });
        }
        withdrawBatches = await sealAndPost(seq, since);
        const windowStarted = Date.now();
        await passWindow(seq, provider);
        const finalizeSeconds = (Date.now() - windowStarted) / 1000;
        for (const [k, i] of workload.withdrawers.entries()) {
          const client = clients[i];
          const ownStarted = Date.now();
          const mine = await pollUntil(
            `user ${i}'s withdrawals to be final`,
            async () => {
              const list = await client.withdrawals();
              return list.every((w) => w.final) ? list : undefined;
            },
            { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
          );
          for (const w of mine) await client.proveWithdrawal(BigInt(w.id));
          for (const token of new Set(mine.map((w) => w.token))) await client.claim(token);
          const { at, hashes } = requests[k];
          const onL1 = Math.max(at, ...hashes.map((h) => postedAt(seq, h)));
          withdrawerSeconds.push(
            (onL1 - at) / 1000 + finalizeSeconds + (Date.now() - ownStarted) / 1000,
          );
        }
      }
      const withdrawSeconds = mean(withdrawerSeconds);
      await closePhase("withdrawals");

      // Balances: withdrawers on L1, the others in the sequencer's state (whose root L1 holds).
      const headRoot = await rollup.headRoot();
      if (headRoot !== seq.headRoot)
        throw new L2kitError(
          "COMPARE_OPT_ROOT",
          `L1's head root ${headRoot} is not the sequencer's ${seq.headRoot}`,
        );
      let withdrawn = 0n;
      let heldOnL2 = 0n;
      for (const [i, user] of world.users.entries()) {
        const onL2 = (await clients[i].account()).balances;
        for (const [t, tokenId] of tokenIds.entries()) {
          const expected = workload.balances[i][t];
          const l2 = BigInt(onL2[tokenId] ?? "0");
          if (workload.withdrawers.includes(i)) {
            const l1 = await world.tokens[t].balanceOf(user.address);
            expectBalance(`user ${i} token ${t} on L1`, l1, expected);
            expectBalance(`user ${i} token ${t} left on L2`, l2, 0n);
            withdrawn += l1;
          } else {
            expectBalance(`user ${i} token ${t} on L2`, l2, expected);
            heldOnL2 += l2;
          }
        }
      }

      const scaling = await measureScaling(ctx, seq, funder, d.rollup, chainId);
      return {
        system: "optimistic-rollup",
        sizeMeaning: "signed transfers per batch the sequencer posts as calldata",
        totals: meter.totals,
        transferSeconds,
        finality: {
          measuredSeconds: finalitySeconds,
          configuredSeconds: Number(CHALLENGE_WINDOW),
          productionSeconds:
            finalitySeconds + L1_SLOT_SECONDS + Number(OPTIMISTIC_DEFAULTS.challengeWindow),
          note: `from submission until its batch is posted on L1 (measured: mean over the transfers, waiting for the rest of the batch included), its L1 slot, then the ${days(OPTIMISTIC_DEFAULTS.challengeWindow)}-day challenge window: a transfer is final on L1 only when the window closes unchallenged (the batch's own L1 finality, ${L1_FINALITY_SECONDS / 60} min, falls inside it)`,
        },
        withdrawal:
          workload.withdrawers.length === 0
            ? {
                measuredSeconds: 0,
                configuredSeconds: 0,
                productionSeconds: 0,
                note: "no withdrawals in this workload",
              }
            : {
                measuredSeconds: withdrawSeconds,
                configuredSeconds: Number(CHALLENGE_WINDOW),
                productionSeconds:
                  withdrawSeconds +
                  4 * L1_SLOT_SECONDS +
                  Number(OPTIMISTIC_DEFAULTS.challengeWindow),
                note: `the withdrawal's batch, the ${days(OPTIMISTIC_DEFAULTS.challengeWindow)}-day challenge window, finalize, proveWithdrawal and claim (an L1 slot each for the four transactions) plus this run's measured work (mean per withdrawer: from its request until its batch is on L1, the finalize, then its own proofs and claims)`,
              },
        scaling,
        withdrawn,
        heldOnL2,
        params: {
          batchSize: seqSettings.maxBatchRecords,
          maxBatchWaitMs: seqSettings.maxBatchWaitMs,
          maxBatchInbox: seqSettings.maxBatchInbox,
          depositBatches: depositBatches.length,
          transferBatches: transferBatches.length,
          largestTransferBatch: Math.max(0, ...transferBatches.map((b) => b.records)),
          withdrawalBatches: withdrawBatches.length,
          challengeWindow: Number(CHALLENGE_WINDOW),
          productionChallengeWindow: Number(OPTIMISTIC_DEFAULTS.challengeWindow),
          forceDelay: Number(full.forceDelay),
          batchBond: full.batchBond.toString(),
          bondTopUp: bondTopUp.toString(),
          records: "calldata",
          tokens: tokenIds.length,
          pollIntervalMs: core.pollIntervalMs,
        },
        notes: [
          "the real Sequencer service runs in process on the same EVM (watcher, publisher, SQLite store, HTTP API); users are OptimisticClients",
          `the sequencer seals a batch when it holds ${seqSettings.maxBatchRecords} transactions or its oldest has waited ${seqSettings.maxBatchWaitMs} ms; the run ends that wait with the sequencer's own trySeal once a phase's last transaction is accepted (in production a transfer may wait up to ${seqSettings.maxBatchWaitMs / 1000} s more for its batch)`,
          `the sequencer bonds ${full.batchBond} wei per batch until it is final (it tops up ${bondTopUp} wei at a time); the bond is returned at finalisation, only its transactions' gas is counted, in setup: the run posts the first top-up before the deposits, and any later addBond the sequencer sends is moved to setup`,
          "safety assumes one honest challenger watches every batch during the window; no challenge happened in this run",
          "the sequencer's finalize transaction (after each window) is counted in the phase that waited for it: transfers, then withdrawals",
          "withdrawals are credited by proveWithdrawal against a final batch, then paid by claim (one per user and token)",
          "records are posted as calldata (EIP-7623 floor pricing of the embedded EVM); blobs would be cheaper per transfer",
        ],
      };
    } finally {
      await api?.close().catch(() => undefined);
      await sequencer?.stop().catch(() => undefined);
      store?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Wall-clock time (ms) at which the batch holding the L2 transaction `hash` was seen on L1. */
function postedAt(seq: Sequencer, hash: string): number {
  const t = seq.db.txByHash(hash.toLowerCase());
  const b = t?.batch == null ? undefined : seq.db.batch(t.batch);
  if (b?.postedAt == null)
    throw new L2kitError("COMPARE_OPT_TX", `transaction ${hash} has no batch on L1`);
  return b.postedAt;
}

/**
 * Moves the sequencer's bond top-ups (`addBond` to the rollup) among a phase's receipts from
 * `phase` to setup: a bond is setup, whichever phase the sequencer happened to send it in.
 */
async function bondsToSetup(
  meter: GasMeter,
  provider: Provider,
  rollup: string,
  phase: Phase,
  receipts: readonly TransactionReceipt[],
): Promise<void> {
  const selector = optimisticRollupInterface.getFunction("addBond")!.selector;
  for (const r of receipts) {
    if (r.to?.toLowerCase() !== rollup.toLowerCase()) continue;
    const tx = await provider.getTransaction(r.hash);
    if (tx === null || !tx.data.startsWith(selector)) continue;
    meter.totals[phase].gas -= Number(r.gasUsed);
    meter.totals[phase].txs -= 1;
    meter.add("setup", r);
  }
}

function days(seconds: bigint): string {
  return (Number(seconds) / 86_400).toString();
}

/**
 * Seals what the sequencer holds (its `trySeal`, as when the batch wait runs out) and waits until
 * every batch after its batch `since` (those it sealed by itself meanwhile too) is on L1.
 * Returns those batches.
 */
async function sealAndPost(seq: Sequencer, since: number): Promise<StoredBatch[]> {
  await pollUntil(
    "the sequencer to seal every pending transaction and inbox entry",
    () => {
      seq.trySeal(true);
      const s = seq.status();
      return s.pendingTxs === 0 && s.inboxConsumed === s.inboxSeen;
    },
    { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
  );
  const last = seq.db.lastSeq();
  const batches: StoredBatch[] = [];
  for (let n = since + 1; n <= last; n++) {
    batches.push(
      await pollUntil(
        `batch ${n} on L1`,
        () => {
          const b = seq.db.batch(n);
          return b !== undefined && b.gasUsed !== null && b.batchId !== null ? b : undefined;
        },
        { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
      ),
    );
  }
  return batches;
}

/** Moves the chain's clock past the window and waits for the sequencer to finalise every batch. */
async function passWindow(seq: Sequencer, provider: ChainProvider): Promise<void> {
  await advanceChain(provider, CHALLENGE_WINDOW);
  const last = seq.db.lastLiveBatch();
  await pollUntil(
    "the sequencer to finalise its batches",
    () => last === undefined || seq.db.batch(last.seq)?.status === "final",
    { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
  );
}

/**
 * L1 gas per transfer against batch size: real batches of signed transfers between accounts of
 * their own (funded by ETH deposits), submitted to the sequencer and posted by it. Sizes beyond
 * the run's largest measured batch are derived from the fixed and per-transfer parts of the two
 * largest measured batches.
 */
async function measureScaling(
  ctx: CompareContext,
  seq: Sequencer,
  funder: Signer,
  rollupAddress: string,
  chainId: bigint,
): Promise<ScalingPoint[]> {
  const limit = Math.min(ctx.quick ? 100 : 1000, seq.config.maxBatchRecords);
  const sizes = SCALING_SIZES.filter((s) => s <= limit);
  const accounts = Array.from({ length: SCALING_ACCOUNTS }, (_, i) =>
    roleKey(ctx.workload, `optimistic scaling ${i}`),
  );
  const rollup = optimisticRollupAt(rollupAddress, funder);
  const depositsSince = seq.db.lastSeq();
  for (const a of accounts)
    await (await rollup.depositETH(a.address, { value: parseEther("1") })).wait();
  await pollUntil(
    "the sequencer to see the scaling deposits",
    () => {
      const s = seq.status();
      return Number(s.inboxSeen) > Number(s.inboxConsumed) + SCALING_ACCOUNTS - 1;
    },
    { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
  );
  await sealAndPost(seq, depositsSince);
  const domain = rollupDomain(chainId, rollupAddress);
  const nonces = accounts.map(() => 0n);
  const measured: { size: number; gas: number }[] = [];
  for (const size of sizes) {
    ctx.progress(`  scaling: a batch of ${size} transfer(s)`);
    const since = seq.db.lastSeq();
    // Each account sends its share in nonce order; the accounts send side by side.
    await Promise.all(
      accounts.map(async (account, from) => {
        const to = accounts[(from + 1) % SCALING_ACCOUNTS].address;
        for (let k = from; k < size; k += SCALING_ACCOUNTS) {
          const tx = await signL2Tx(account, domain, {
            type: "transfer",
            to,
            token: 0,
            amount: UNIT,
            nonce: nonces[from]++,
          });
          await seq.submit(tx);
        }
      }),
    );
    const batches = await sealAndPost(seq, since);
    if (batches.length !== 1 || batches[0].records !== size)
      throw new L2kitError(
        "COMPARE_OPT_SCALING",
        `${size} transfers went into batches of ${batches.map((b) => b.records).join(", ")}, not one`,
      );
    measured.push({ size, gas: Number(batches[0].gasUsed) });
  }
  const [a, b] = measured.slice(-2);
  const marginal = (b.gas - a.gas) / (b.size - a.size);
  const fixed = b.gas - marginal * b.size;
  return SCALING_SIZES.map((size) => {
    const m = measured.find((p) => p.size === size);
    if (m !== undefined)
      return { size, gasPerTransfer: Math.round(m.gas / size), method: "measured" };
    const total = fixed + marginal * size;
    const why =
      total > TX_GAS_CAP
        ? `: one batch would need ${Math.round(total)} gas, over the ${TX_GAS_CAP} per-transaction cap`
        : size > seq.config.maxBatchRecords
          ? `: over the sequencer's ${seq.config.maxBatchRecords} records per batch`
          : "";
    return {
      size,
      gasPerTransfer: Math.round(total / size),
      method: `derived: fixed ${Math.round(fixed)} gas / ${size} + marginal ${Math.round(marginal)} gas per transfer, both from the measured batches of ${a.size} and ${b.size}${why}`,
    };
  });
}
