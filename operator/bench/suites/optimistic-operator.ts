/**
 * Optimistic rollup operator figures, measured against the real thing: a `npx hardhat node`, the
 * sequencer and challenger processes (`npx l2kit optimistic sequencer|challenger`) and HTTP
 * clients.
 *
 * - Ingest: pre-signed transfers from many senders posted concurrently; accepted (202) transfers
 *   per second, with the sequencer checking every ECDSA signature and persisting every transaction
 *   before answering, while it seals and posts batches. Compared with ethers' own signature
 *   recovery speed (`verifyTypedData`) measured in the same run: the bound the issue names.
 * - Fraud: the sequencer, restarted with `--fault-at-batch`, posts a batch of transfers with a
 *   wrong root; the time from the batch's appearance on L1 to the challenger's first move (its
 *   challenge), and the challenger's total gas for the game (challenge, every answer, the one-step
 *   proof) against a defender who claims the sequencer's roots move for move.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, keccak256, parseEther, verifyTypedData, Wallet, type Signer } from "ethers";
import { deployOptimisticRollupWithSigner } from "../../../deploy";
import { startHardhatNode, type HardhatNode } from "../../core/devnode";
import type { ServiceProcess } from "../../core/process";
import { pollUntil, sleep } from "../../core/rpc";
import type { Hex } from "../../lib/sparse-merkle";
import { challengeGameAt, optimisticRollupAt } from "../../optimistic/abi";
import { executeBatch } from "../../optimistic/batch";
import { recordsFromCalldata } from "../../optimistic/challenger/challenger";
import { NATIVE_SECP256K1 } from "../../optimistic/ecdsa";
import { signL2Tx, txRequestBody } from "../../optimistic/client";
import { splitRecords } from "../../optimistic/codec";
import { doctored } from "../../optimistic/driver";
import { answer, position } from "../../optimistic/game";
import { spawnChallenger, spawnSequencer } from "../../optimistic/processes";
import { rollupDomain, TRANSFER } from "../../optimistic/protocol";
import { L2State } from "../../optimistic/state";
import { round, type BenchSuite, type SuiteRecord } from "../harness";
import { jsonPoster, postConcurrently } from "../http";

const SYSTEM = "optimistic-rollup";

const PARAMS = {
  challengeWindow: 7n * 24n * 3600n,
  forceDelay: 24n * 3600n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 3600n,
  clockExtension: 600n,
};

export const optimisticOperatorSuite: BenchSuite = {
  system: SYSTEM,
  description:
    "Optimistic rollup sequencer and challenger: transfers accepted per second through the API, time from a fraudulent batch to the challenger's first move, the challenger's gas",
  async run(ctx) {
    const records: SuiteRecord[] = [];
    // Each sender has one request in flight (its nonces go in order), so concurrency is the
    // number of senders: many users, as a public sequencer sees them.
    const senders = ctx.quick ? 8 : 128;
    const perSender = ctx.quick ? 25 : 32;
    const fraudSize = ctx.quick ? 32 : 256;
    const node = await startHardhatNode();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-bench-optimistic-"));
    const processes: ServiceProcess[] = [];
    try {
      const d = await deployOptimisticRollupWithSigner(ctx.hre, node.wallet(0), PARAMS);
      const rollup = optimisticRollupAt(d.rollup, node.wallet(0));
      const game = challengeGameAt(d.game, node.provider);
      const domain = rollupDomain(31337n, d.rollup);
      const target = { nodeUrl: node.url, rollup: d.rollup, dataDir: dir, pollIntervalMs: 50 };
      const startSequencer = async (extra: string[]): Promise<ServiceProcess> => {
        const p = await spawnSequencer(target, extra);
        processes.push(p);
        return p;
      };

      // Senders with L2 accounts: one deposit each, from funded L1 wallets.
      const users = Array.from(
        { length: senders },
        (_, i) =>
          new Wallet(keccak256(Buffer.from(`l2kit bench optimistic sender ${i}`)), node.provider),
      );
      const receiver = "0x00000000000000000000000000000000000b3c00";
      ctx.progress(`  ${senders} deposits on L1`);
      await fund(node, users);
      for (const u of users)
        await (
          await (rollup.connect(u) as Contract).depositETH(u.address, { value: parseEther("1") })
        ).wait();
      let sequencer = await startSequencer([
        "--max-batch-wait-ms",
        "1000",
        "--max-batch-records",
        "1000",
      ]);
      const url = sequencer.announced.url as string;
      await pollUntil(
        "the deposits on L2",
        async () =>
          (await fetch(`${url}/v1/accounts/${users[senders - 1].address}`)).status === 200,
        { timeoutMs: 120_000, intervalMs: 100 },
      );

      // Ingest.
      ctx.progress(`  signing ${senders * perSender} transfers`);
      const bodies: string[][] = [];
      for (const u of users) {
        const seq: string[] = [];
        for (let k = 0; k < perSender; k++) {
          const tx = await signL2Tx(u, domain, {
            type: "transfer",
            to: receiver,
            amount: 1000n,
            nonce: BigInt(k),
          });
          seq.push(JSON.stringify(txRequestBody(tx)));
        }
        bodies.push(seq);
      }
      ctx.progress(`  posting ${senders * perSender} transfers from ${senders} concurrent senders`);
      const poster = jsonPoster(`${url}/v1/transactions`, senders);
      const ingest = await postConcurrently(poster, bodies);
      poster.close();
      // ethers' recovery of the same kind of signature, same machine, same run.
      const probe = await signL2Tx(users[0], domain, {
        type: "transfer",
        to: receiver,
        amount: 1000n,
        nonce: 0n,
      });
      const message = { to: receiver, token: 0, amount: 1000n, fee: 0n, nonce: 0n };
      const runs = ctx.quick ? 100 : 500;
      const v0 = process.hrtime.bigint();
      for (let i = 0; i < runs; i++)
        verifyTypedData(domain, TRANSFER.types, message, probe.signature);
      const ethersPerSecond = runs / (Number(process.hrtime.bigint() - v0) / 1e9);
      const ingestParams = {
        senders,
        transfers: ingest.accepted,
        signatures:
          NATIVE_SECP256K1 === null
            ? "noble, 2 worker threads"
            : "native libsecp256k1 on the API thread",
        cores: os.cpus().length,
        note: "sequencer process: ECDSA check + SQLite persistence before each answer; batches sealed and posted meanwhile",
      };
      records.push(
        {
          system: SYSTEM,
          metric: "sequencer accepted transfers per second (API)",
          value: round(ingest.perSecond, 1),
          unit: "tx/s",
          params: ingestParams,
        },
        {
          system: SYSTEM,
          metric: "ethers verifyTypedData (signature recovery) per second (one core)",
          value: round(ethersPerSecond, 1),
          unit: "verify/s",
          params: { runs },
        },
        {
          system: SYSTEM,
          metric: "sequencer ingest / ethers recovery speed",
          value: round(ingest.perSecond / ethersPerSecond, 2),
          unit: "ratio",
          params: ingestParams,
        },
      );
      ctx.progress(`  waiting for the ingested transfers to reach L1`);
      await pollUntil(
        "the pool to drain",
        async () => {
          const s = (await (await fetch(`${url}/v1/status`)).json()) as {
            pendingTxs: number;
            batches: Record<string, number>;
          };
          return s.pendingTxs === 0 && s.batches.sealed === 0 ? s : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 200 },
      );

      // Fraud: the next batch this database seals claims a wrong root.
      const status = (await (await fetch(`${url}/v1/status`)).json()) as {
        batches: Record<string, number>;
      };
      const nextSeq =
        status.batches.sealed +
        status.batches.posted +
        status.batches.final +
        status.batches.discarded +
        1;
      await sequencer.stop(10_000);
      const challenger = await spawnChallenger(target, 5);
      processes.push(challenger);
      sequencer = await startSequencer([
        "--max-batch-wait-ms",
        "60000",
        "--max-batch-records",
        String(fraudSize),
        "--fault-at-batch",
        String(nextSeq),
      ]);
      const fraudBodies = users.map((u, i) =>
        Array.from({ length: Math.ceil(fraudSize / senders) }, (_, k) => ({
          u,
          nonce: BigInt(perSender + k),
          i,
        })),
      );
      const signed: string[][] = [];
      for (const list of fraudBodies) {
        const seq: string[] = [];
        for (const { u, nonce } of list) {
          const tx = await signL2Tx(u, domain, {
            type: "transfer",
            to: receiver,
            amount: 1000n,
            nonce,
          });
          seq.push(JSON.stringify(txRequestBody(tx)));
        }
        signed.push(seq);
      }
      const before = Number(await rollup.batchCount());
      ctx.progress(`  a fraudulent batch of ${fraudSize} transfers`);
      const poster2 = jsonPoster(`${sequencer.announced.url as string}/v1/transactions`, senders);
      await postConcurrently(poster2, signed);
      poster2.close();
      const fraud = await pollUntil(
        "the fraudulent batch on L1",
        async () =>
          Number(await rollup.batchCount()) > before ? await rollup.batchAt(before) : undefined,
        { timeoutMs: 120_000, intervalMs: 10 },
      );
      const seenAt = Date.now();
      await pollUntil("the challenge", async () => (await game.gameCount()) >= 1n, {
        timeoutMs: 120_000,
        intervalMs: 10,
      });
      const firstMoveSeconds = (Date.now() - seenAt) / 1000;
      // The sequencer process stops; its key defends the claimed roots move for move.
      await sequencer.stop(10_000);
      const roots = claimedRoots(
        domain,
        await chainContents(node, rollup, before),
        fraud.stateRoot as Hex,
      );
      ctx.progress(`  the game: the sequencer's key defends its roots`);
      await defend(game, node.wallet(0), 1n, roots);
      const over = await pollUntil(
        "the game's end",
        async () => {
          const g = await game.gameOf(1n);
          return g.status === 1n ? undefined : g;
        },
        { timeoutMs: 300_000, intervalMs: 100 },
      );
      if (over.status !== 3n) throw new Error(`the challenger did not win (status ${over.status})`);
      const gas = await challengerGas(node, game, node.wallet(5).address);
      const steps = Number(fraud.recordCount) + Number(fraud.inboxCount);
      const fraudParams = {
        transfers: steps,
        moves: gas.transactions,
        confirmations: 1,
        pollIntervalMs: 50,
      };
      records.push(
        {
          system: SYSTEM,
          metric: "fraudulent batch on L1 to the challenger's first move",
          value: round(firstMoveSeconds, 2),
          unit: "s",
          params: {
            ...fraudParams,
            note: "wall clock, automining hardhat node, challenger polling every 50 ms",
          },
        },
        {
          system: SYSTEM,
          metric: "challenger's total gas for a won game (challenge, answers, one-step proof)",
          value: Number(gas.total),
          unit: "gas",
          params: fraudParams,
          compareTo: "erc20-transfer",
        },
      );
      return records;
    } finally {
      for (const p of processes.reverse()) await p.stop(10_000).catch(() => undefined);
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Sends 10 ETH from one of the node's dev accounts to each wallet (in order: the node automines). */
async function fund(node: HardhatNode, wallets: readonly Wallet[]): Promise<void> {
  const from = node.wallet(9);
  for (const w of wallets)
    await (await from.sendTransaction({ to: w.address, value: parseEther("10") })).wait();
}

/** Every batch's content up to position `upTo` (inclusive), read from L1 calldata and events. */
async function chainContents(node: HardhatNode, rollup: Contract, upTo: number) {
  const inbox = (await rollup.queryFilter(rollup.filters.InboxQueued())).map((e) => {
    const a = (e as unknown as { args: Record<string, unknown> }).args;
    return {
      kind: Number(a.kind),
      from: a.from as string,
      to: a.to as string,
      token: Number(a.token),
      amount: a.amount as bigint,
    };
  });
  const out = [];
  for (let p = 1; p <= upTo; p++) {
    const b = await rollup.batchAt(p);
    const posted = (await rollup.queryFilter(rollup.filters.BatchPosted(p, b.id))).at(-1)!;
    const tx = await node.provider.getTransaction(posted.transactionHash);
    const records = recordsFromCalldata(tx!.data, Number(b.recordCount), b.recordRoot as string);
    out.push({
      inbox: inbox.slice(Number(b.inboxStart), Number(b.inboxStart) + Number(b.inboxCount)),
      records: splitRecords(Buffer.from(records.slice(2), "hex")),
      feeAccount: BigInt(b.feeAccount),
    });
  }
  return out;
}

/** The roots the faulty sequencer claims for its last batch: honest but for the final one. */
function claimedRoots(
  domain: ReturnType<typeof rollupDomain>,
  contents: Awaited<ReturnType<typeof chainContents>>,
  claimed: Hex,
): Hex[] {
  const state = new L2State();
  let honest: Hex[] = [];
  for (const c of contents) honest = executeBatch(state, c as never, domain).roots;
  const roots = doctored(honest, honest.length - 2);
  roots[roots.length - 1] = claimed;
  return roots;
}

/** Plays `side` of game 1 from `roots` until one step is left or the game ends. */
async function defend(
  game: Contract,
  signer: Signer,
  side: bigint,
  roots: readonly Hex[],
): Promise<void> {
  const g = game.connect(signer) as Contract;
  for (;;) {
    const state = await g.gameOf(1n);
    if (state.status !== 1n) return;
    const { lo, hi } = position(state.position);
    if (hi - lo < 2) return;
    if (state.turn === side) {
      const m = answer(roots, lo, hi, state.midRoot);
      await (await g.move(1n, m.agree, m.midRoot)).wait();
    } else await sleep(20);
  }
}

/** Gas of every game transaction `account` sent (challenge, moves, one-step proof). */
async function challengerGas(
  node: HardhatNode,
  game: Contract,
  account: string,
): Promise<{ total: bigint; transactions: number }> {
  const hashes = new Set<string>();
  for (const e of await game.queryFilter("*")) hashes.add(e.transactionHash);
  let total = 0n;
  let transactions = 0;
  for (const h of hashes) {
    const [tx, receipt] = await Promise.all([
      node.provider.getTransaction(h),
      node.provider.getTransactionReceipt(h),
    ]);
    if (tx?.from.toLowerCase() !== account.toLowerCase() || receipt === null) continue;
    if (tx.data.startsWith(game.interface.getFunction("withdraw")!.selector)) continue;
    total += receipt.gasUsed;
    transactions++;
  }
  return { total, transactions };
}
