/**
 * The workload on Plasma, through its real operator and clients: `PlasmaChain` is deployed on the
 * bench's EVM with a short exit period; the `PlasmaOperator` service runs in this process (its
 * watcher of deposits and exits, its ledger in SQLite, block building on its timer, root
 * submission through the core publisher) behind its HTTP API, and a `PlasmaWatcher` replays every
 * committed block. Every user is a `PlasmaClient`: it deposits each token (approve + deposit, one
 * deposit block each), pays through the operator (coin selection over its outputs, change back),
 * syncs the outputs of committed blocks with their proofs, and, for the withdrawers, exits every
 * output it holds (`exitAll`) and has the queue processed once the exit period is over (the
 * chain's clock is moved forward).
 *
 * Every L1 transaction of a phase is counted (read from the blocks the phase mined): the users'
 * approvals, deposits, exits (bonds come back, gas is spent) and `processExits`, and the
 * operator's `submitBlock`s.
 */
import { formatEther, parseEther, type Provider, type TransactionReceipt } from "ethers";
import { deployPlasmaWithSigner } from "../../../deploy";
import { PLASMA_DEFAULTS } from "../../../deploy/modules/Plasma";
import type { Api } from "../../core/api";
import { loadConfig } from "../../core/config";
import { InputError, L2kitError } from "../../core/errors";
import { advanceChain, chainTime, pollUntil } from "../../core/rpc";
import { pollOf, publisherConfig } from "../../core/settings";
import { Store } from "../../core/store";
import type { Eip712Domain } from "../../lib/eip712";
import { plasmaAt } from "../../plasma/abi";
import { createPlasmaOperatorApi } from "../../plasma/api";
import { PlasmaClient } from "../../plasma/client";
import { PlasmaOperator } from "../../plasma/operator";
import { plasmaOperatorSettings, plasmaWatcherSettings } from "../../plasma/settings";
import {
  BlockTree,
  CHILD_BLOCK_INTERVAL,
  decodePos,
  plasmaDomain,
  TREE_DEPTH,
  txHash,
  utxoPos,
} from "../../plasma/tx";
import { PlasmaWatcher } from "../../plasma/watcher";
import { prepareWorld, roleWallet, type WorkloadWorld } from "../accounts";
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
  type Latency,
  type ScalingPoint,
  type SystemRunner,
} from "../types";
import { UNIT, type Workload, type WorkloadParams } from "../workload";

/** The run's minimum exit period (chain time, moved forward): short, so nothing waits. */
const MIN_EXIT_PERIOD = 3600n;
/** Exits one `processExits` call pays at most (the client's default). */
const PROCESS_BATCH = 100n;
/** Deposit blocks that fit before the first child block (numbers 1 to 999). */
const DEPOSIT_BLOCKS = Number(CHILD_BLOCK_INTERVAL) - 1;

/** Throws `InputError` when the workload's deposits do not fit before the first child block. */
function checkDeposits(params: WorkloadParams): void {
  const { users, tokens } = params;
  if (users * tokens > DEPOSIT_BLOCKS) {
    throw new InputError(
      users > tokens ? "--users" : "--tokens",
      `${users} users × ${tokens} tokens make ${users * tokens} deposits, but only ${DEPOSIT_BLOCKS} deposit blocks fit before the first child block`,
    );
  }
}

export const plasmaRunner: SystemRunner = {
  system: "plasma",
  description:
    "Plasma: UTXO transfers through the operator, one block root per block on L1; exits with a bond after the exit period",
  check(params) {
    checkDeposits(params);
  },
  async run(ctx) {
    const { workload, hre } = ctx;
    const { users, tokens } = workload.params;
    checkDeposits(workload.params);
    const provider = hre.ethers.provider;
    const [funder] = await hre.ethers.getSigners();
    const world = await prepareWorld(hre, workload);

    // The operator's and the watcher's own keys, funded like the users (not counted).
    const operatorKey = await roleWallet(workload, "plasma operator", funder);
    const watcherKey = await roleWallet(workload, "plasma watcher", funder, parseEther("10"));
    const params = { minExitPeriod: MIN_EXIT_PERIOD };
    const d = await deployPlasmaWithSigner(hre, operatorKey, params);
    const { chainId } = await provider.getNetwork();
    const domain = plasmaDomain(chainId, d.plasma);
    const plasma = plasmaAt(d.plasma, provider);

    const core = inProcessCoreConfig();
    const opSettings = loadConfig(plasmaOperatorSettings, { env: {} });
    const watcherSettings = loadConfig(plasmaWatcherSettings, { env: {} });
    const common = {
      plasma: d.plasma,
      chainId,
      domain,
      fromBlock: d.deployBlock,
      ...pollOf(core),
      publisher: publisherConfig(core),
    };
    const stores: Store[] = [];
    const open = (): Store => {
      const s = Store.open({ memory: true });
      stores.push(s);
      return s;
    };
    const operator = new PlasmaOperator(
      {
        ...common,
        blockIntervalMs: opSettings.blockIntervalMs,
        maxBlockTxs: opSettings.maxBlockTxs,
      },
      { provider, signer: operatorKey, store: open() },
    );
    let api: Api | undefined;
    let watcher: PlasmaWatcher | undefined;
    let operatorRunning = false;
    const commits = new CommitClock(operator);
    try {
      await operator.start();
      operatorRunning = true;
      api = createPlasmaOperatorApi(operator);
      const operatorUrl = await api.listen({ host: "127.0.0.1", port: 0 });
      watcher = new PlasmaWatcher(
        { ...common, operatorUrl, withholdingSeconds: watcherSettings.withholdingSeconds },
        { provider, signer: watcherKey, store: open() },
      );
      await watcher.start();
      commits.start();
      const clients = world.users.map(
        (wallet) =>
          new PlasmaClient({
            wallet,
            plasma: plasmaAt(d.plasma, wallet),
            domain,
            operatorUrl,
            store: open(),
          }),
      );
      const meter = new GasMeter();
      const chain = new ChainMeter(meter, provider, [
        operatorKey.address,
        watcherKey.address,
        ...world.users.map((u) => u.address),
      ]);
      await chain.mark();

      // Deposits: every user approves the root chain and deposits all it holds of each token.
      ctx.progress(
        `  ${users * tokens} ERC-20 deposits (approve + deposit), one deposit block each`,
      );
      const deposits: bigint[] = [];
      for (const [i, client] of clients.entries()) {
        for (const [t, token] of world.tokens.entries()) {
          const amount = workload.deposits[i][t];
          await (await token.connect(world.users[i]).approve(d.plasma, amount)).wait();
          deposits.push(await client.deposit(amount, world.tokenAddresses[t]));
        }
      }
      await pollUntil(
        "the operator to see every deposit",
        () => deposits.every((pos) => operator.ledger.output(pos) !== undefined),
        { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
      );
      await chain.close("deposits");

      // Transfers: each one through its sender's client and the operator's API, in order.
      ctx.progress(
        `  ${workload.transfers.length} transfers through the operator (block interval ${opSettings.blockIntervalMs} ms, at most ${opSettings.maxBlockTxs} per block)`,
      );
      const played = await playTransfers(ctx.progress, workload, world, clients, operator);
      const blocks = Number((operator.ledger.lastBlock() ?? 0n) / CHILD_BLOCK_INTERVAL);
      await chain.close("transfers");
      if (meter.totals.transfers.txs !== blocks) {
        throw new L2kitError(
          "COMPARE_PLASMA_BLOCKS",
          `${meter.totals.transfers.txs} L1 transactions in the transfers phase, ${blocks} blocks built`,
        );
      }
      commits.poll();
      const finalitySeconds = meanFinality(operator, domain, played.submittedAt, commits);
      await pollUntil(
        "the watcher to replay every block",
        () => {
          if (watcher!.alarm() !== undefined)
            throw new L2kitError("COMPARE_PLASMA_ALARM", watcher!.alarm()!.note);
          const status = watcher!.status() as { blocks: { verified: number } };
          return status.blocks.verified === blocks;
        },
        { timeoutMs: SERVICE_WAIT_MS, intervalMs: 20 },
      );

      // What the others keep on the child chain: the operator's ledger and their own clients agree.
      const withdrawers = new Set(workload.withdrawers);
      let heldOnL2 = 0n;
      for (const [i, client] of clients.entries()) {
        if (withdrawers.has(i)) continue;
        for (const [t, address] of world.tokenAddresses.entries()) {
          const held = operator.ledger
            .utxosOf(client.address)
            .filter((o) => o.token === address.toLowerCase())
            .reduce((s, o) => s + o.amount, 0n);
          expectBalance(`user ${i} token ${t} (operator)`, held, workload.balances[i][t]);
          expectBalance(`user ${i} token ${t} (client)`, client.balance(address), held);
          heldOnL2 += held;
        }
      }

      // Withdrawals: every withdrawer exits all its outputs; once the period is over, one of them
      // processes each token's queue.
      ctx.progress(`  ${workload.withdrawers.length} withdrawer(s) exit all their outputs`);
      const exits = await withdraw(workload, world, clients, plasma, provider);
      await chain.close("withdrawals");
      let withdrawn = 0n;
      for (const i of workload.withdrawers) {
        for (const [t, token] of world.tokens.entries()) {
          const have = await token.balanceOf(world.users[i].address);
          expectBalance(`user ${i} token ${t} on L1`, have, workload.balances[i][t]);
          withdrawn += have;
        }
      }
      let left = 0n;
      for (const token of world.tokens) left += await token.balanceOf(d.plasma);
      expectBalance("tokens left in PlasmaChain", left, heldOnL2);

      // Scaling: real block roots of 1 to 10,000 transaction hashes, submitted by the operator's key
      // (the services are stopped first: these blocks have no data behind them).
      commits.stop();
      await watcher.stop();
      watcher = undefined;
      await api.close();
      api = undefined;
      await operator.stop();
      operatorRunning = false;
      ctx.progress(`  block roots of up to ${ctx.quick ? 1000 : 10_000} transactions`);
      const scaling = await measureScaling(
        plasmaAt(d.plasma, operatorKey),
        domain,
        world,
        ctx.quick,
      );

      const blockIntervalSeconds = opSettings.blockIntervalMs / 1000;
      const finality: Latency = {
        measuredSeconds: finalitySeconds,
        configuredSeconds: 0,
        productionSeconds: blockIntervalSeconds + L1_SLOT_SECONDS + L1_FINALITY_SECONDS,
        note: `measured: mean over the transfers; production: the operator's block interval (${blockIntervalSeconds} s) + an L1 slot + L1 finality; safe only for users who watch the chain (or a watcher) within every exit period`,
      };
      const withdrawal = withdrawalLatency(exits);
      return {
        system: "plasma",
        sizeMeaning: "transactions per child block (one constant-size root per block on L1)",
        totals: meter.totals,
        transferSeconds: played.transferSeconds,
        finality,
        withdrawal,
        scaling,
        withdrawn,
        heldOnL2,
        params: {
          blockIntervalMs: opSettings.blockIntervalMs,
          maxBlockTxs: opSettings.maxBlockTxs,
          treeDepth: TREE_DEPTH,
          minExitPeriodSeconds: Number(MIN_EXIT_PERIOD),
          productionMinExitPeriodSeconds: Number(PLASMA_DEFAULTS.minExitPeriod),
          exitBondWei: d.params.exitBond.toString(),
          operatorBondWei: d.params.operatorBond.toString(),
          tokens,
          blocks,
          l2Transactions: workload.transfers.length + played.merges,
          merges: played.merges,
          waitsForBlocks: played.settles,
          exits: exits.started.length,
          processExitsCalls: exits.processCalls,
        },
        notes: [
          `the operator posts a ${formatEther(d.params.operatorBond)} ETH bond with the deployment (not counted); it must commit a root per block and serve every block's transactions to its users and their watchers`,
          `${blocks} child blocks for ${workload.transfers.length + played.merges} transactions: a client spends only outputs whose block root is on L1 (it fetches their proofs first), so a sender waited ${played.settles} time(s) for the block holding its change`,
          played.merges > 0
            ? `a transaction has at most 2 inputs: ${played.merges} merge transaction(s) joined a sender's two largest outputs`
            : "a transaction has at most 2 inputs: no sender needed to merge outputs",
          `a watcher replayed all ${blocks} blocks (signatures, balances, roots): no alarm`,
          exits.processCalls === 0
            ? "no withdrawers: no exits"
            : `${exits.started.length} exits (exitAll: one per output held, each with a ${formatEther(d.params.exitBond)} ETH bond paid back with it; gas is spent); merging outputs on the child chain first would mean fewer exits; processExits sent by withdrawer ${exits.processor}'s client (anyone may), ${exits.processCalls} call(s) of at most ${PROCESS_BATCH} exits`,
          "deposits and exits are per-user costs, not in the scaling curve",
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
      await attempt("stopping the commit clock", () => commits.stop());
      if (watcher !== undefined) await attempt("stopping the watcher", () => watcher!.stop());
      if (api !== undefined) await attempt("closing the API", () => api!.close());
      if (operatorRunning) await attempt("stopping the operator", () => operator.stop());
      for (const s of stores) await attempt("closing a store", () => s.close());
    }
  },
};

interface PlayedTransfers {
  transferSeconds: number;
  /** Wall-clock ms of each transfer's submission, by transaction hash. */
  submittedAt: Map<string, number>;
  /** Times a sender waited for the blocks in flight to reach L1 (and everyone synced). */
  settles: number;
  /** Transactions that joined a sender's two largest outputs (at most 2 inputs per transaction). */
  merges: number;
}

/**
 * Plays the transfers in order. A client pays from its two largest unspent outputs; when they do
 * not cover a transfer, the sender waits until every accepted transaction is in a block whose
 * root is on L1 and every client has synced (its change and what it received become spendable),
 * or, when nothing was in flight, first merges its two largest outputs into one.
 */
async function playTransfers(
  progress: (line: string) => void,
  workload: Workload,
  world: WorkloadWorld,
  clients: PlasmaClient[],
  operator: PlasmaOperator,
): Promise<PlayedTransfers> {
  const submittedAt = new Map<string, number>();
  let inFlight = 0;
  let settles = 0;
  let merges = 0;
  const settle = async (): Promise<void> => {
    await pollUntil(
      "every accepted transaction in a block whose root is on L1",
      () => operator.ledger.mempoolSize() === 0 && operator.ledger.unsubmitted().length === 0,
      { timeoutMs: SERVICE_WAIT_MS, intervalMs: 10 },
    );
    for (const c of clients) await c.sync();
    inFlight = 0;
  };
  const started = Date.now();
  let lastAccepted = started;
  for (const [k, t] of workload.transfers.entries()) {
    const client = clients[t.from];
    const token = world.tokenAddresses[t.token];
    for (;;) {
      const largest = spendable(client, token);
      if (largest.slice(0, 2).reduce((s, a) => s + a, 0n) >= t.amount) break;
      if (inFlight > 0) {
        await settle();
        settles += 1;
      } else {
        if (largest.length < 3) {
          throw new L2kitError(
            "COMPARE_PLASMA_FUNDS",
            `user ${t.from} cannot pay transfer ${k} from its synced outputs`,
          );
        }
        await client.transfer(client.address, largest[0] + largest[1], token);
        inFlight += 1;
        merges += 1;
      }
    }
    const at = Date.now();
    const hash = await client.transfer(world.users[t.to].address, t.amount, token);
    lastAccepted = Date.now();
    submittedAt.set(hash, at);
    inFlight += 1;
    if ((k + 1) % 100 === 0) progress(`    ${k + 1} transfers accepted`);
  }
  const transferSeconds = (lastAccepted - started) / 1000;
  await settle();
  return { transferSeconds, submittedAt, settles, merges };
}

/** The amounts of `client`'s unspent outputs of `token`, largest first. */
function spendable(client: PlasmaClient, token: string): bigint[] {
  return client
    .outputs()
    .filter((o) => o.status === "unspent" && o.token === token.toLowerCase())
    .map((o) => o.amount)
    .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
}

/** Notes, every few milliseconds, when each of the operator's blocks is marked as on L1. */
class CommitClock {
  readonly at = new Map<bigint, number>();
  private next = CHILD_BLOCK_INTERVAL;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly operator: PlasmaOperator) {}

  start(): void {
    this.timer ??= setInterval(() => this.poll(), 5);
  }

  poll(): void {
    for (;;) {
      const block = this.operator.ledger.block(this.next);
      if (block?.status !== "submitted") return;
      this.at.set(this.next, Date.now());
      this.next += CHILD_BLOCK_INTERVAL;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Mean wall-clock seconds from a transfer's submission to its block's root on L1. */
function meanFinality(
  operator: PlasmaOperator,
  domain: Eip712Domain,
  submittedAt: Map<string, number>,
  commits: CommitClock,
): number {
  const blockOf = new Map<string, bigint>();
  for (let n = CHILD_BLOCK_INTERVAL; ; n += CHILD_BLOCK_INTERVAL) {
    const block = operator.ledger.block(n);
    if (block === undefined) break;
    for (const { tx } of block.txs) blockOf.set(txHash(domain, tx).toLowerCase(), n);
  }
  let total = 0;
  for (const [hash, at] of submittedAt) {
    const n = blockOf.get(hash.toLowerCase());
    const committed = n === undefined ? undefined : commits.at.get(n);
    if (committed === undefined)
      throw new L2kitError("COMPARE_PLASMA_FINALITY", `transfer ${hash} has no committed block`);
    total += committed - at;
  }
  return total / submittedAt.size / 1000;
}

export interface StartedExit {
  pos: bigint;
  /** Chain time of the exit's start and of the output's block. */
  startedAt: bigint;
  blockTime: bigint;
  exitableAt: bigint;
}

export interface Exits {
  started: StartedExit[];
  /** Chain-time seconds waited from the last exit's start to the last exitable-at. */
  waited: bigint;
  /** Wall-clock seconds of each withdrawer's `exitAll`. */
  exitSeconds: number[];
  /** Wall-clock seconds of the `processExits` calls, which pay every withdrawer at once. */
  processSeconds: number;
  processCalls: number;
  processor: number;
}

/**
 * Every withdrawer exits all it holds (`exitAll`, one exit and bond per output); the chain's clock
 * is moved to the last exitable-at, and the first withdrawer's client processes each token's
 * queue until it is empty.
 */
async function withdraw(
  workload: Workload,
  world: WorkloadWorld,
  clients: PlasmaClient[],
  plasma: ReturnType<typeof plasmaAt>,
  provider: ChainProvider,
): Promise<Exits> {
  const processor = workload.withdrawers[0] ?? -1;
  if (processor < 0)
    return {
      started: [],
      waited: 0n,
      exitSeconds: [],
      processSeconds: 0,
      processCalls: 0,
      processor,
    };
  const from = await provider.getBlockNumber();
  const exitSeconds: number[] = [];
  for (const i of workload.withdrawers) {
    const at = Date.now();
    await clients[i].exitAll();
    exitSeconds.push((Date.now() - at) / 1000);
  }
  const events = await plasma.queryFilter(plasma.filters.ExitStarted(), from + 1);
  const exits: StartedExit[] = [];
  for (const e of events) {
    const args = (e as unknown as { args: { utxoPos: bigint; exitableAt: bigint } }).args;
    const startedAt = BigInt((await e.getBlock()).timestamp);
    const [, blockTime] = (await plasma.blockAt(decodePos(args.utxoPos).blockNumber)) as [
      string,
      bigint,
    ];
    exits.push({ pos: args.utxoPos, startedAt, blockTime, exitableAt: args.exitableAt });
  }
  const last = exits.reduce((m, e) => (e.exitableAt > m ? e.exitableAt : m), 0n);
  const now = await chainTime(provider);
  const waited = last > now ? last - now : 0n;
  await advanceChain(provider, waited);
  let processCalls = 0;
  const processing = Date.now();
  for (const token of world.tokenAddresses) {
    for (;;) {
      const [length, first] = (await plasma.queueOf(token)) as [bigint, bigint];
      if (length === 0n) break;
      if (first >> 128n > (await chainTime(provider)) + 1n)
        throw new L2kitError("COMPARE_PLASMA_EXITS", `exits of ${token} are not due yet`);
      await clients[processor].processExits(PROCESS_BATCH, token);
      processCalls += 1;
    }
  }
  return {
    started: exits,
    waited,
    exitSeconds,
    processSeconds: (Date.now() - processing) / 1000,
    processCalls,
    processor,
  };
}

/**
 * The run's exit wait, and the same exits with the default minimum exit period: exitable at
 * max(block time + 2·MEP, start + MEP); the last one decides. The measured work is a withdrawer's:
 * the mean of their `exitAll`s, plus the `processExits` calls that pay them all.
 */
export function withdrawalLatency(exits: Exits): Latency {
  if (exits.exitSeconds.length === 0 || exits.started.length === 0) {
    return {
      measuredSeconds: 0,
      configuredSeconds: 0,
      productionSeconds: 0,
      note:
        exits.exitSeconds.length === 0
          ? "no withdrawals in this workload"
          : "no exits: the withdrawers held no outputs",
    };
  }
  const mep = PLASMA_DEFAULTS.minExitPeriod;
  let wait = 0n;
  let twice = 0;
  for (const e of exits.started) {
    const byBlock = e.blockTime + 2n * mep;
    const byStart = e.startedAt + mep;
    if (byBlock > byStart) twice += 1;
    const w = (byBlock > byStart ? byBlock : byStart) - e.startedAt;
    if (w > wait) wait = w;
  }
  const n = exits.started.length;
  const rule =
    twice === n
      ? "block time + 2·MEP applies to every exit (outputs of blocks younger than one MEP); an output older than MEP waits MEP from the exit's start"
      : `block time + 2·MEP applies to ${twice} of ${n} exits, start + MEP to the others`;
  const exitMean = exits.exitSeconds.reduce((a, b) => a + b, 0) / exits.exitSeconds.length;
  const measuredSeconds = exitMean + exits.processSeconds;
  return {
    measuredSeconds,
    configuredSeconds: Number(exits.waited),
    productionSeconds: Number(wait) + 2 * L1_SLOT_SECONDS + measuredSeconds,
    note: `exit started (an L1 slot), the exit period with MEP = ${Number(mep) / 86_400} days, processExits (an L1 slot), and this run's exit work per withdrawer (mean exitAll ${exitMean.toFixed(2)} s of ${exits.exitSeconds.length} withdrawer(s) + the processExits calls that pay them all, ${exits.processSeconds.toFixed(2)} s); ${rule}`,
  };
}

/**
 * Submits, as the operator, real block roots of 1 to 10,000 transaction hashes (transfers of one
 * unit between the workload's first two users): the root is constant-size, so the gas is the same
 * for any block and falls per transfer as the block grows. `quick` stops at 1,000 (hashing 10,000
 * transactions takes seconds) and divides the largest block's gas for the sizes above.
 */
async function measureScaling(
  plasma: ReturnType<typeof plasmaAt>,
  domain: Eip712Domain,
  world: WorkloadWorld,
  quick: boolean,
): Promise<ScalingPoint[]> {
  const [from, to] = world.users.map((u) => u.address);
  const token = world.tokenAddresses[0];
  const points: ScalingPoint[] = [];
  let largest = { size: 0, gas: 0 };
  for (const size of SCALING_SIZES) {
    if (quick && size > 1000) {
      points.push({
        size,
        gasPerTransfer: Math.round((largest.gas / size) * 100) / 100,
        method: `derived: the ${largest.size}-transaction block's submitBlock gas (measured; the root is constant-size) / ${size}`,
      });
      continue;
    }
    const leaves = Array.from({ length: size }, (_, i) =>
      txHash(domain, {
        inputs: [utxoPos(CHILD_BLOCK_INTERVAL, i, 1)],
        outputs: [
          { owner: to, token, amount: UNIT },
          { owner: from, token, amount: UNIT * BigInt(i + 1) },
        ],
      }),
    );
    const tree = new BlockTree(leaves);
    const number = (await plasma.nextChildBlock()) as bigint;
    const receipt = (await (
      await plasma.submitBlock(number, tree.root)
    ).wait()) as TransactionReceipt;
    largest = { size, gas: Number(receipt.gasUsed) };
    points.push({
      size,
      gasPerTransfer: Math.round((largest.gas / size) * 100) / 100,
      method: `measured: submitBlock of a ${size}-transaction block's root`,
    });
  }
  return points;
}
