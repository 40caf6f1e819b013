/**
 * The workload through the ZK rollup, run by its operator service in process: the `ZkOperator`
 * (mempool, signature workers, deposit watcher, publisher, prover child process, SQLite store)
 * behind its HTTP API, and every user a `ZkClient`. Users deposit ERC-20s into one account per
 * token (Hermez style), sign transfers and withdrawals for the operator, and claim on L1 once the
 * withdrawal's batch is verified. Every batch is proven with the real Groth16 prover of the
 * "test" circuit and verified on L1.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getBytes, type TransactionReceipt } from "ethers";
import { deployZkRollupWithSigner } from "../../../deploy";
import type { ZkRollup } from "../../../typechain-types";
import { calldataGas } from "../../bench/suites/zk-rollup";
import { loadConfig } from "../../core/config";
import { InputError, L2kitError } from "../../core/errors";
import { pollUntil } from "../../core/rpc";
import { pollOf, publisherConfig } from "../../core/settings";
import { Store } from "../../core/store";
import { zkRollupInterface } from "../../zk/abi";
import { circuitShape } from "../../zk/circuits";
import { ZkClient } from "../../zk/client";
import { ZkKey } from "../../zk/keys";
import { transferPubdataBytes } from "../../zk/protocol";
import { createZkApi } from "../../zk/service/api";
import type { StoredBatch } from "../../zk/service/db";
import { ZkOperator } from "../../zk/service/operator";
import { setupCircuit } from "../../zk/setup/pipeline";
import { snarkjs } from "../../zk/setup/snarkjs";
import { zkOperatorSettings, zkSettings } from "../../zk/settings";
import { prepareWorld, roleWallet } from "../accounts";
import {
  expectBalance,
  GasMeter,
  L1_FINALITY_SECONDS,
  L1_SLOT_SECONDS,
  SCALING_SIZES,
  inProcessCoreConfig,
  type Phase,
  type ScalingPoint,
  type SystemRunner,
} from "../types";
import type { WorkloadParams } from "../workload";

/** The circuit `npm test` builds: 4^2 accounts, 2 transfers, 1 withdrawal, 2 deposits a batch. */
const CIRCUIT = "test";
/** Longest wait for one batch to be proven and verified on L1. */
const BATCH_TIMEOUT_MS = 90_000;

/** The user's rollup key: derived from the workload seed, like the user's L1 key. */
export function zkCompareKey(seed: number, user: number): ZkKey {
  return ZkKey.fromSeed(`l2kit compare seed ${seed} user ${user} rollup key`);
}

/** Levels of the production-size tree the derived scaling points assume: 4^12 = 2^24 accounts. */
const PRODUCTION_LEVELS = 12;

/**
 * The accounts the workload needs (one per user and token) and the test circuit's capacity;
 * throws `InputError` when they do not fit.
 */
function checkAccounts(params: WorkloadParams): { capacity: number; accountsNeeded: number } {
  const { users, tokens } = params;
  const { levels } = circuitShape(CIRCUIT);
  // Index 0 is reserved (it means "withdraw"); no fee account is needed at fee 0.
  const capacity = 4 ** levels - 1;
  const accountsNeeded = users * tokens;
  if (accountsNeeded > capacity) {
    throw new InputError(
      "--users",
      `the ZK rollup's ${CIRCUIT} circuit holds ${capacity} accounts (4^${levels} leaves, index 0 reserved) and every user needs one account per token: ${users} users × ${tokens} tokens = ${accountsNeeded}`,
    );
  }
  return { capacity, accountsNeeded };
}

export const zkRollupRunner: SystemRunner = {
  system: "zk-rollup",
  description:
    "ZK rollup: the operator service batches signed transfers, proves each batch (Groth16) and verifies it on L1",
  check(params) {
    checkAccounts(params);
  },
  async run(ctx) {
    const { workload, hre } = ctx;
    const { tokens, seed } = workload.params;
    const { capacity, accountsNeeded } = checkAccounts(workload.params);
    const shape = circuitShape(CIRCUIT);

    const zk = loadConfig(zkSettings);
    const setup = await setupCircuit(CIRCUIT, {
      buildDir: zk.zkBuildDir,
      ptau: zk.ptau,
      onStage: (_stage, detail) => ctx.progress(`  ${detail}`),
    });
    // The setup's checks leave snarkjs' shared curve (and its worker threads) running in this
    // process; proofs run in the prover's own processes, so it is not needed here.
    await (await snarkjs.curves.getCurveFromName("bn128")).terminate();
    const world = await prepareWorld(hre, workload);
    const provider = hre.ethers.provider;
    const [funder] = await hre.ethers.getSigners();
    // A dedicated operator account: the publisher signs locally and keeps its own nonces.
    const operatorWallet = await roleWallet(workload, "zk-rollup operator", funder);
    const deployment = await deployZkRollupWithSigner(hre, operatorWallet, { circuit: CIRCUIT });
    const rollup = (await hre.ethers.getContractAt(
      "ZkRollup",
      deployment.rollup,
      operatorWallet,
    )) as unknown as ZkRollup;
    // SHA-256 gas per 32-byte word on this EVM, for the pubdata's share of a batch's gas.
    const probe = await (await hre.ethers.getContractFactory("GasProbe", funder)).deploy();
    const shaWord = Number(
      (await probe.sha256Gas(`0x${"ab".repeat(64)}`)) -
        (await probe.sha256Gas(`0x${"ab".repeat(32)}`)),
    );

    const meter = new GasMeter();
    ctx.progress(`  registering ${tokens} ERC-20 token(s) in the rollup`);
    const tokenIds: bigint[] = [];
    for (const address of world.tokenAddresses) {
      await meter.track("setup", rollup.registerToken(address));
      tokenIds.push(await rollup.tokenIdOf(address));
    }

    // The deployment defaults, but L1 polled every 50 ms: on this EVM a block takes no time.
    const operatorDefaults = loadConfig(zkOperatorSettings, { env: {} });
    const core = inProcessCoreConfig();
    // Everything created from here on is released in `finally`, whatever throws.
    let dataDir: string | undefined;
    let store: Store | undefined;
    let running: ZkOperator | undefined;
    let api: ReturnType<typeof createZkApi> | undefined;
    try {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-compare-zk-"));
      store = Store.open({ dataDir, file: "zk-operator.sqlite" });
      const operator = new ZkOperator(
        {
          rollup: deployment.rollup,
          domain: await rollup.domain(),
          chainId: (await provider.getNetwork()).chainId,
          shape,
          shapeId: deployment.shapeId,
          circuit: { name: CIRCUIT, wasm: setup.build.wasm, zkey: setup.zkey },
          fromBlock: deployment.deployBlock,
          maxBatchWaitMs: operatorDefaults.maxBatchWaitMs,
          // The prover is what this run measures: full priority.
          proverNice: 0,
          feeAccounts: new Map(),
          minFee: operatorDefaults.minFee,
          maxPendingTxs: operatorDefaults.maxPendingTxs,
          verifyWorkers: operatorDefaults.verifyWorkers,
          ...pollOf(core),
          publisher: publisherConfig(core),
        },
        { provider, signer: operatorWallet, store },
      );
      running = operator;
      api = createZkApi(operator, {});
      await operator.start();
      const url = await api.listen({ host: "127.0.0.1", port: 0 });
      const clients = world.users.map(
        (signer, i) =>
          new ZkClient({
            rollup: deployment.rollup,
            signer,
            key: zkCompareKey(seed, i),
            operatorUrl: url,
          }),
      );
      const status = (): {
        headBatch: number;
        finalBatch: number;
        pendingTxs: number;
        depositsSeen: number;
        depositsConsumed: number;
        lastError: string | null;
      } => operator.status() as unknown as ReturnType<typeof status>;
      /**
       * Waits until everything the phase submitted is in batches final on L1. Once `allSent()`
       * says the phase has nothing more to come, a last partial batch is sealed at once (what
       * the batch timer, ZK_MAX_BATCH_WAIT_MS, would do later).
       */
      const settle = async (
        what: string,
        batches: number,
        allSent: () => boolean = () => true,
      ): Promise<void> => {
        await pollUntil(
          what,
          () => {
            if (!allSent()) return false;
            const s = status();
            if (s.pendingTxs > 0 || s.depositsConsumed < s.depositsSeen) {
              operator.trySeal(true);
              return false;
            }
            return s.finalBatch === s.headBatch;
          },
          { timeoutMs: BATCH_TIMEOUT_MS * (batches + 1), intervalMs: 50 },
        ).catch((error: unknown) => {
          throw new L2kitError(
            "COMPARE_ZK_TIMEOUT",
            `${(error as Error).message} (operator: ${status().lastError ?? "no error reported"})`,
            { what },
          );
        });
      };
      /** The stored batch that carried transaction `hash`, final on L1. */
      const finalBatchOf = (hash: string): StoredBatch & { finalAt: number } => {
        const s = operator.txStatus(hash);
        const b = s?.status === "final" ? operator.db.batch(s.batch) : undefined;
        if (b?.finalAt === null || b?.finalAt === undefined)
          throw new L2kitError("COMPARE_ZK_BATCH", `transaction ${hash} is not final on L1`, {});
        return b as StoredBatch & { finalAt: number };
      };

      // Deposits: approve and depositERC20 for every user and token; the operator batches them.
      ctx.progress(`  ${accountsNeeded} deposits (approve + depositERC20 each)`);
      const accountOf: bigint[][] = world.users.map(() => []);
      for (const [i, user] of world.users.entries()) {
        for (const [t, token] of world.tokens.entries()) {
          const amount = workload.deposits[i][t];
          await meter.track("deposits", token.connect(user).approve(deployment.rollup, amount));
          const d = await clients[i].deposit({ token: Number(tokenIds[t]), amount });
          meter.add("deposits", await provider.getTransactionReceipt(d.l1Tx));
          accountOf[i][t] = d.accountIndex;
        }
      }
      const depositBatches = Math.ceil(accountsNeeded / shape.depositSlots);
      ctx.progress(`  proving ${depositBatches} deposit batch(es)`);
      await settle(
        "the deposits' batches to be verified on L1",
        depositBatches,
        () => status().depositsSeen === accountsNeeded,
      );

      // Transfers, in order, each signed by its sender and accepted by the operator.
      ctx.progress(`  ${workload.transfers.length} transfers through the operator's API`);
      const submitted: { hash: string; at: number }[] = [];
      const started = Date.now();
      for (const t of workload.transfers) {
        const at = Date.now();
        const { hash } = await clients[t.from].transfer({
          from: accountOf[t.from][t.token],
          to: accountOf[t.to][t.token],
          amount: t.amount,
          fee: 0n,
        });
        submitted.push({ hash, at });
      }
      const transferSeconds = (Date.now() - started) / 1000;
      const transferBatches = Math.ceil(workload.transfers.length / shape.txSlots);
      ctx.progress(`  proving ${transferBatches} transfer batch(es)`);
      await settle("the transfers' batches to be verified on L1", transferBatches);

      // Withdrawals: each withdrawer's whole balance of every token, as the operator holds it.
      const withdrawals: { user: number; token: number; hash: string; amount: bigint }[] = [];
      for (const i of workload.withdrawers) {
        for (let t = 0; t < tokens; t++) {
          const amount = (await clients[i].account(accountOf[i][t])).balance;
          if (amount === 0n) continue;
          const { hash } = await clients[i].withdraw({ from: accountOf[i][t], amount, fee: 0n });
          withdrawals.push({ user: i, token: t, hash, amount });
        }
      }
      ctx.progress(`  proving ${withdrawals.length} withdrawal batch(es), then claiming on L1`);
      await settle("the withdrawals' batches to be verified on L1", withdrawals.length);
      const claimSeconds: number[] = [];
      for (const w of withdrawals) {
        const at = Date.now();
        const { l1Tx, amount } = await clients[w.user].claim(Number(tokenIds[w.token]));
        claimSeconds.push((Date.now() - at) / 1000);
        expectBalance(`user ${w.user} token ${w.token} claimed`, amount, w.amount);
        meter.add("withdrawals", await provider.getTransactionReceipt(l1Tx));
      }

      // Balances: on L1 for the withdrawers, in the operator's verified state for the others.
      const finalRoot = BigInt(operator.status().finalRoot as bigint);
      if (finalRoot !== (await rollup.stateRoot()))
        throw new L2kitError(
          "COMPARE_ZK_ROOT",
          "the operator's final root is not the rollup's",
          {},
        );
      let withdrawn = 0n;
      let heldOnL2 = 0n;
      for (const [i, user] of world.users.entries()) {
        for (const [t, token] of world.tokens.entries()) {
          const onL2 = (await clients[i].account(accountOf[i][t])).balance;
          if (workload.withdrawers.includes(i)) {
            const onL1 = await token.balanceOf(user.address);
            expectBalance(`user ${i} token ${t} on L1`, onL1, workload.balances[i][t]);
            expectBalance(`user ${i} token ${t} left on L2`, onL2, 0n);
            withdrawn += onL1;
          } else {
            expectBalance(`user ${i} token ${t} on L2`, onL2, workload.balances[i][t]);
            heldOnL2 += onL2;
          }
        }
      }

      // The operator's batches: L1 gas by what they carry, proving time, and timings.
      const batches = [];
      for (let n = 1; n <= operator.db.lastBatchNumber(); n++) {
        const stored = operator.db.batch(n);
        if (stored?.l1Tx === null || stored?.l1Tx === undefined)
          throw new L2kitError("COMPARE_ZK_BATCH", `batch ${n} has no L1 transaction`, {});
        const receipt = (await provider.getTransactionReceipt(stored.l1Tx)) as TransactionReceipt;
        const tx = await provider.getTransaction(stored.l1Tx);
        const call = zkRollupInterface.parseTransaction({ data: tx?.data ?? "0x" });
        const txs = operator.db.batchTxs(n);
        const transfers = txs.filter((x) => x.to !== 0n).length;
        const phase: Phase =
          txs.length > transfers ? "withdrawals" : transfers > 0 ? "transfers" : "deposits";
        meter.add(phase, receipt);
        batches.push({
          stored,
          phase,
          transfers,
          gasUsed: Number(receipt.gasUsed),
          pubdata: getBytes(call?.args.pubdata as string),
        });
      }
      const mean = (xs: readonly number[]): number =>
        xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const provingSeconds = mean(batches.map((b) => b.stored.proveSeconds ?? 0));
      const finality = submitted.map((s) => (finalBatchOf(s.hash).finalAt - s.at) / 1000);
      // A withdrawal's own work: its batch's proof and verification on L1 (not the wait behind
      // the batches before it).
      const withdrawalWork = withdrawals.map((w) => {
        const b = finalBatchOf(w.hash);
        return (b.proveSeconds ?? 0) + (b.finalAt - (b.provenAt ?? b.finalAt)) / 1000;
      });

      // Scaling: fixed gas per batch and marginal gas per transfer from the fullest batches of
      // transfers alone (no deposit or withdrawal in them), as the bench measures them.
      const pure = batches.filter((b) => b.phase === "transfers" && b.stored.depositsTaken === 0);
      const most = Math.max(...pure.map((b) => b.transfers));
      const reference = pure.filter((b) => b.transfers === most);
      const record = transferPubdataBytes(shape.levels);
      const shaShare = (bytes: number): number => (bytes / 32) * shaWord;
      const fixed = Math.round(
        mean(reference.map((b) => b.gasUsed - calldataGas(b.pubdata) - shaShare(b.pubdata.length))),
      );
      // The derived sizes hold far more transfers than the test circuit's 4^2 accounts: a
      // transfer's record is priced at a production-size tree (2^24 accounts), as the bench
      // suite does: 16 gas per pubdata byte (calldata) + the SHA-256 share measured per word.
      const productionRecord = transferPubdataBytes(PRODUCTION_LEVELS);
      const marginal = Math.round((productionRecord * 16 + shaShare(productionRecord)) * 10) / 10;
      const measured: ScalingPoint = {
        size: most,
        gasPerTransfer: Math.round(mean(reference.map((b) => b.gasUsed)) / most),
        method: `measured: mean of ${reference.length} batch(es) of ${most} transfer(s), the ${CIRCUIT} circuit`,
      };
      const scaling: ScalingPoint[] = SCALING_SIZES.filter((size) => size !== most).map((size) => ({
        size,
        gasPerTransfer: Math.round(fixed / size + marginal),
        method: `fixed (measured, ${fixed.toLocaleString("en-US")} gas per batch) / size + marginal at 2^${2 * PRODUCTION_LEVELS} accounts (${marginal} gas): ${productionRecord}-byte record × 16 gas + SHA-256 share (measured, ${shaWord} gas per word)`,
      }));
      scaling.push(measured);
      scaling.sort((a, b) => a.size - b.size);

      const maxWaitSeconds = operatorDefaults.maxBatchWaitMs / 1000;
      return {
        system: "zk-rollup",
        sizeMeaning: "transfers per proven batch (one submitBatch transaction)",
        totals: meter.totals,
        transferSeconds,
        finality: {
          measuredSeconds: mean(finality),
          configuredSeconds: 0,
          productionSeconds: provingSeconds + L1_SLOT_SECONDS + L1_FINALITY_SECONDS,
          note: `proving (this run's mean, ${provingSeconds.toFixed(1)} s, ${CIRCUIT} circuit) + one L1 slot + L1 finality; larger circuits prove slower (npm run bench -- --large) and a partial batch first waits up to ${maxWaitSeconds} s (ZK_MAX_BATCH_WAIT_MS)`,
        },
        withdrawal: {
          measuredSeconds: mean(withdrawalWork) + mean(claimSeconds),
          configuredSeconds: 0,
          productionSeconds:
            provingSeconds + L1_SLOT_SECONDS + L1_FINALITY_SECONDS + L1_SLOT_SECONDS,
          note: "the withdrawal's batch proof (this run's mean) + one L1 slot + L1 finality of the credit + one slot for the claim; no waiting period",
        },
        scaling,
        provingSeconds,
        withdrawn,
        heldOnL2,
        params: {
          circuit: CIRCUIT,
          levels: shape.levels,
          accounts: `${accountsNeeded} of ${capacity}`,
          transferSlots: shape.txSlots,
          withdrawSlots: shape.withdrawSlots,
          depositSlots: shape.depositSlots,
          feeSlots: shape.feeSlots,
          constraints: setup.constraints,
          batches: batches.length,
          fee: "0",
          maxBatchWaitMs: operatorDefaults.maxBatchWaitMs,
          proverNice: 0,
          ptau: setup.insecure ? "development (INSECURE)" : "production",
        },
        notes: [
          "the operator service (ZkOperator: mempool, signature workers, deposit watcher, publisher, prover process, SQLite store) ran in process against this EVM; users went through ZkClient and its HTTP API",
          `one rollup account per user and token (Hermez style): ${accountsNeeded} of the ${CIRCUIT} circuit's ${capacity}`,
          "fees 0: the operator ran without fee accounts, which the protocol allows (a token without one takes fee 0); a fee-charging operator needs one fee account per token and users pay amount + fee",
          `each phase's last partial batch was sealed at once (trySeal) instead of waiting out ZK_MAX_BATCH_WAIT_MS (${maxWaitSeconds} s)`,
          `proving: snarkjs Groth16 in a child process, ${provingSeconds.toFixed(2)} s per batch (mean of ${batches.length}), ${setup.constraints.toLocaleString("en-US")} constraints; one prover, batches proven one after another`,
          `finality measured: mean over transfers from submission to their batch verified on L1, waiting behind earlier batches included (the first: ${finality[0]?.toFixed(1)} s)`,
          `withdrawal measured: the withdrawal batch's proof and verification (mean ${mean(withdrawalWork).toFixed(2)} s) + the claim (mean ${mean(claimSeconds).toFixed(2)} s)`,
          "deposits: the users' approve and depositERC20 and the operator's batches that take them; withdrawals: the batches with the withdrawals and the users' withdraw(tokenId) claims",
          `scaling: fixed gas per batch = submitBatch gas minus its pubdata's calldata and SHA-256 share (Groth16 verification, Poseidon public input, storage), from the ${CIRCUIT} circuit's batches of ${most} transfer(s) (${record}-byte records at ${shape.levels} levels); the derived sizes add a marginal per transfer at ${PRODUCTION_LEVELS} levels (2^${2 * PRODUCTION_LEVELS} accounts): a ${productionRecord}-byte record × 16 gas per byte (calldata) + its SHA-256 share (${shaWord} gas per 32-byte word, measured)`,
        ],
      };
    } finally {
      // Each step runs even if an earlier one threw; none hides the run's own error.
      const attempt = async (what: string, step: () => unknown): Promise<void> => {
        try {
          await step();
        } catch (error) {
          ctx.progress(`  cleanup: ${what} failed: ${(error as Error).message}`);
        }
      };
      if (api !== undefined) await attempt("closing the API", () => api!.close());
      if (running !== undefined) await attempt("stopping the operator", () => running!.stop());
      if (store !== undefined) await attempt("closing the store", () => store!.close());
      if (dataDir !== undefined)
        await attempt("removing the data directory", () =>
          fs.rmSync(dataDir!, { recursive: true, force: true }),
        );
    }
  },
};
