/**
 * ZK rollup operator figures, measured against the real thing: a `npx hardhat node`, the
 * operator process (`npx l2kit zk operator`) and HTTP clients.
 *
 * - Latency from submission to L1 finality at the test batch size (a full batch of transfers
 *   submitted at once; proving included), and the steady-state L1 gas per transfer of those
 *   batches.
 * - Ingest: pre-signed valid transfers from many senders posted concurrently; accepted (202)
 *   transfers per second, with the operator checking every signature and persisting every
 *   transaction before answering, while it keeps sealing and proving batches. The ratio to
 *   @zk-kit/eddsa-poseidon's own verification speed, measured in the same run, shows what the
 *   signature pool buys.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { verifySignature } from "@zk-kit/eddsa-poseidon";
import { deployZkRollupWithSigner } from "../../../deploy";
import { startHardhatNode } from "../../core/devnode";
import { txRequestBody, ZkClient } from "../../zk/client";
import { circuitShape } from "../../zk/circuits";
import { ZkKey } from "../../zk/keys";
import { txMessage } from "../../zk/protocol";
import { spawnZkOperator, type ZkOperatorProcess } from "../../zk/service/process";
import { round, type BenchSuite, type SuiteRecord } from "../harness";
import { jsonPoster, postConcurrently } from "../http";
import { pollUntil } from "../../core/rpc";

const SYSTEM = "zk-rollup";

export const zkOperatorSuite: BenchSuite = {
  system: SYSTEM,
  description:
    "ZK rollup operator: transfers accepted per second through its API, latency to L1 finality, L1 gas per transfer",
  async run(ctx) {
    const records: SuiteRecord[] = [];
    const shape = circuitShape("test");
    // The test circuit's tree holds 15 accounts: the fee account, a receiver and the senders.
    const senders = ctx.quick ? 4 : 13;
    const perSender = ctx.quick ? 40 : 250;
    const node = await startHardhatNode();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-bench-zk-operator-"));
    let operator: ZkOperatorProcess | undefined;
    try {
      const { rollup } = await deployZkRollupWithSigner(ctx.hre, node.wallet(0), {
        depositDeadline: 3600,
      });
      const client = (seed: string): ZkClient =>
        new ZkClient({ rollup, signer: node.wallet(0), key: ZkKey.fromSeed(seed) });
      const fee = client("bench: the operator's fee account");
      const receiver = client("bench: the receiving account....");
      const users = Array.from({ length: senders }, (_, i) =>
        client(`bench: sender number ${i}....`),
      );
      ctx.progress(`  ${senders + 2} deposits on L1`);
      await fee.deposit({ amount: 1n });
      const to = (await receiver.deposit({ amount: 1n })).accountIndex;
      const index: bigint[] = [];
      for (const u of users) index.push((await u.deposit({ amount: 10n ** 18n })).accountIndex);
      const started = await spawnZkOperator({
        nodeUrl: node.url,
        rollup,
        dataDir: dir,
        args: [
          "--max-batch-wait-ms",
          "200",
          "--fee-accounts",
          "0:1",
          "--poll-interval-ms",
          "50",
          "--log-level",
          "warn",
        ],
      });
      operator = started;
      for (const c of [fee, receiver, ...users]) c.operatorUrl = started.url;
      const get = async (p: string): Promise<Record<string, unknown>> =>
        (await (await fetch(`${started.url}${p}`)).json()) as Record<string, unknown>;
      const depositBatches = Math.ceil((senders + 2) / shape.depositSlots);
      ctx.progress(`  operator up at ${started.url}; proving ${depositBatches} deposit batches`);
      await pollUntil(
        "the deposits to be final",
        async () =>
          Number((await get("/v1/status")).finalBatch) >= depositBatches ? true : undefined,
        { timeoutMs: 30 * 60_000, intervalMs: 100, retryErrors: true },
      );

      // Latency: a full batch of transfers submitted at once, until final on L1.
      const samples = ctx.quick ? 1 : 3;
      const latencies: number[] = [];
      const gasPerTransfer: number[] = [];
      for (let s = 0; s < samples; s++) {
        const t0 = Date.now();
        const hashes = await Promise.all(
          Array.from({ length: shape.txSlots }, (_, i) =>
            users[i].transfer({ from: index[i], to, amount: 1000n, fee: 10n }),
          ),
        );
        let batch = "";
        for (const { hash } of hashes) {
          const t = await users[0].waitFor(hash, "final", { timeoutMs: 600_000, pollMs: 50 });
          batch = String(t.batch);
        }
        latencies.push((Date.now() - t0) / 1000);
        const b = await get(`/v1/batches/${batch}`);
        gasPerTransfer.push(Number(b.gasUsed) / shape.txSlots);
      }
      const params = {
        circuit: "test",
        txSlots: shape.txSlots,
        levels: shape.levels,
        confirmations: 1,
      };
      records.push({
        system: SYSTEM,
        metric: "operator latency, submission to L1 finality",
        value: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 2),
        unit: "s",
        params: { ...params, samples },
      });
      records.push({
        system: SYSTEM,
        metric: "operator steady-state L1 gas per transfer",
        value: Math.round(gasPerTransfer.reduce((a, b) => a + b, 0) / gasPerTransfer.length),
        unit: "gas",
        params: { ...params, note: "full test-size batch, fixed cost included" },
        compareTo: "erc20-transfer",
      });

      // Ingest: pre-signed transfers, posted concurrently, one sequence per sender.
      ctx.progress(`  signing ${senders * perSender} transfers`);
      const domain = await users[0].domain();
      const bodies: string[][] = [];
      for (const [i, u] of users.entries()) {
        const next = (await u.account(index[i])).pending.nonce;
        bodies.push(
          Array.from({ length: perSender }, (_, k) => {
            const tx = {
              from: index[i],
              to,
              token: 0,
              nonce: next + BigInt(k),
              amount: 1000n,
              fee: 10n,
            };
            return JSON.stringify(txRequestBody(u.key.sign(domain, tx)));
          }),
        );
      }
      ctx.progress(`  posting ${senders * perSender} transfers from ${senders} concurrent senders`);
      const poster = jsonPoster(`${started.url}/v1/transactions`, senders);
      const { accepted, perSecond } = await postConcurrently(poster, bodies);
      poster.close();

      // The library's own verification speed, same machine, same run.
      const probe = users[0].key.sign(domain, {
        from: index[0],
        to,
        token: 0,
        nonce: 0n,
        amount: 1000n,
        fee: 10n,
      });
      const message = txMessage(domain, probe);
      const runs = ctx.quick ? 5 : 20;
      const v0 = process.hrtime.bigint();
      for (let i = 0; i < runs; i++)
        verifySignature(message, probe.signature, [users[0].key.ax, users[0].key.ay]);
      const zkKitPerSecond = runs / (Number(process.hrtime.bigint() - v0) / 1e9);
      const ingestParams = {
        senders,
        transfers: accepted,
        verifyWorkers: 2,
        cores: os.cpus().length,
        note: "operator process, signature check + SQLite persistence before each answer; batches sealed and proven meanwhile",
      };
      records.push({
        system: SYSTEM,
        metric: "operator accepted transfers per second (API)",
        value: round(perSecond, 1),
        unit: "tx/s",
        params: ingestParams,
      });
      records.push({
        system: SYSTEM,
        metric: "@zk-kit/eddsa-poseidon verifications per second (one core)",
        value: round(zkKitPerSecond, 1),
        unit: "verify/s",
        params: { runs },
      });
      records.push({
        system: SYSTEM,
        metric: "operator ingest / @zk-kit/eddsa-poseidon verification speed",
        value: round(perSecond / zkKitPerSecond, 1),
        unit: "ratio",
        params: ingestParams,
      });
      return records;
    } finally {
      await operator?.stop(10_000);
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
