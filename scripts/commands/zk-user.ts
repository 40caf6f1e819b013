/**
 * `npx l2kit zk key|deposit|transfer|withdraw|claim|account|status|force-exit|exit|rebuild`: the ZK rollup's
 * user client and the operator's rebuild, over `operator/zk/client.ts` and `reconstruct.ts`.
 * Amounts are base units (wei for ETH); every command prints one JSON object.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { loadConfig, parse } from "../../operator/core/config";
import { ConfigError, InputError } from "../../operator/core/errors";
import { connectL1 } from "../../operator/core/l1";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import { Store } from "../../operator/core/store";
import { WATCHER_MIGRATIONS } from "../../operator/core/watcher";
import { zkRollupAt } from "../../operator/zk/abi";
import { registeredShapes, ZkClient } from "../../operator/zk/client";
import { ZkKey } from "../../operator/zk/keys";
import { rebuildFromL1 } from "../../operator/zk/reconstruct";
import { ZkOperatorDb } from "../../operator/zk/service/db";
import { depositWatcherName, operatorDbFile } from "../../operator/zk/service/operator";
import { findDeploymentBlock } from "../../operator/core/deployments";
import { recordedRollupAddress } from "../../operator/zk/service/launch";
import { zkClientSettings, zkOperatorSettings } from "../../operator/zk/settings";
import type { Io } from "../cli";
import { addConfigOptions, flagValue, json } from "../options";

const clientSpec = {
  ...networkSettings,
  pollIntervalMs: coreSettings.pollIntervalMs,
  rpcRetries: coreSettings.rpcRetries,
  rpcRetryDelayMs: coreSettings.rpcRetryDelayMs,
  rollup: zkOperatorSettings.rollup,
  ...zkClientSettings,
};

const amountOf = (flag: string, raw: unknown): bigint =>
  flagValue(flag, raw, parse.bigint(0n, (1n << 128n) - 1n));
const indexOf = (flag: string, raw: unknown): bigint =>
  flagValue(flag, raw, parse.bigint(1n, (1n << 32n) - 1n));

async function openClient(opts: Record<string, unknown>): Promise<ZkClient> {
  const cfg = loadConfig(clientSpec, { flags: opts });
  const l1 = await connectL1(cfg, cfg);
  const rollup = cfg.rollup ?? recordedRollupAddress(l1.chainId);
  if (rollup === undefined)
    throw new ConfigError(
      "ZK_ROLLUP_ADDRESS",
      `no rollup deployed on chain ${l1.chainId}; pass --rollup`,
    );
  const key =
    cfg.keySeed === undefined
      ? await ZkKey.fromEthereumSigner(l1.signer)
      : ZkKey.fromSeed(cfg.keySeed);
  return new ZkClient({ rollup, signer: l1.signer, key, operatorUrl: cfg.operatorUrl });
}

export function zkUserCommands(io: Io): Command[] {
  const user = (name: string, description: string): Command =>
    addConfigOptions(new Command(name).description(description), clientSpec);

  const key = user(
    "key",
    "Print your rollup public key (from --key-seed or your L1 account's signature).",
  );
  key.action(async (opts: Record<string, unknown>) => {
    const c = await openClient(opts);
    io.out(json({ ax: c.key.ax, ay: c.key.ay }));
  });

  const deposit = user(
    "deposit",
    "Deposit ETH or an ERC-20 on L1 into a new account (your key) or an existing one.",
  )
    .requiredOption("--amount <units>", "amount in base units (wei for ETH)")
    .option("--token <id>", "token id (0 = ETH)", "0")
    .option("--account <index>", "existing account to credit (default: open a new one)");
  deposit.action(async (opts: Record<string, unknown>) => {
    const request = {
      token: flagValue("--token", opts.token, parse.integer(0, 2 ** 32 - 1)),
      amount: amountOf("--amount", opts.amount),
      accountIndex: opts.account === undefined ? undefined : indexOf("--account", opts.account),
    };
    const c = await openClient(opts);
    io.out(json(await c.deposit(request)));
  });

  const transfer = user("transfer", "Sign a transfer and submit it to the operator.")
    .requiredOption("--from <index>", "your account")
    .requiredOption("--to <index>", "receiving account")
    .requiredOption("--amount <units>", "amount in base units (exactly representable)")
    .option("--fee <units>", "fee in base units", "0")
    .option("--wait", "wait until the transaction is final on L1", false);
  transfer.action(async (opts: Record<string, unknown>) => {
    const request = {
      from: indexOf("--from", opts.from),
      to: indexOf("--to", opts.to),
      amount: amountOf("--amount", opts.amount),
      fee: amountOf("--fee", opts.fee),
    };
    const c = await openClient(opts);
    const { hash } = await c.transfer(request);
    io.out(json(opts.wait === true ? await c.waitFor(hash) : { hash, status: "pending" }));
  });

  const withdraw = user("withdraw", "Sign a withdrawal to your account's L1 owner and submit it.")
    .requiredOption("--from <index>", "your account")
    .requiredOption("--amount <units>", "amount in base units (exactly representable)")
    .option("--fee <units>", "fee in base units", "0")
    .option("--wait", "wait until the withdrawal is final on L1 (then claim)", false);
  withdraw.action(async (opts: Record<string, unknown>) => {
    const request = {
      from: indexOf("--from", opts.from),
      amount: amountOf("--amount", opts.amount),
      fee: amountOf("--fee", opts.fee),
    };
    const c = await openClient(opts);
    const { hash } = await c.withdraw(request);
    io.out(json(opts.wait === true ? await c.waitFor(hash) : { hash, status: "pending" }));
  });

  const claim = user(
    "claim",
    "Pay out on L1 what you can claim (withdrawals, refunds, exodus exits).",
  ).option("--token <id>", "token id (0 = ETH)", "0");
  claim.action(async (opts: Record<string, unknown>) => {
    const token = flagValue("--token", opts.token, parse.integer(0, 2 ** 32 - 1));
    const c = await openClient(opts);
    io.out(json(await c.claim(token)));
  });

  const account = user("account", "Show an account as the operator sees it.").requiredOption(
    "--index <index>",
    "account index",
  );
  account.action(async (opts: Record<string, unknown>) => {
    const index = indexOf("--index", opts.index);
    const c = await openClient(opts);
    io.out(json(await c.account(index)));
  });

  const status = user("status", "Show a transaction's status.").requiredOption(
    "--hash <hash>",
    "transaction hash",
  );
  status.action(async (opts: Record<string, unknown>) => {
    const hash = String(opts.hash);
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash))
      throw new InputError("--hash", "must be 0x and 64 hex digits");
    const c = await openClient(opts);
    io.out(json(await c.status(hash)));
  });

  const forceExit = user(
    "force-exit",
    "Ask on L1 for your account's whole balance, without the operator: a batch must pay it before the deposit deadline, or anyone may start exodus (then run zk exit). Claim it with zk claim.",
  )
    .requiredOption("--account <index>", "your account (your L1 address must own it)")
    .option("--wait", "wait until a batch processes it, or exodus starts", false);
  forceExit.action(async (opts: Record<string, unknown>) => {
    const index = indexOf("--account", opts.account);
    const c = await openClient(opts);
    const requested = await c.forceExit(index);
    if (opts.wait !== true) {
      io.out(json({ ...requested, status: "queued" }));
      return;
    }
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once("SIGINT", onSignal);
    let told = false;
    try {
      const outcome = await c.waitForForcedExit(index, requested.entryNumber, {
        signal: abort.signal,
        onWait: (deadline) => {
          if (told) return;
          told = true;
          io.err(
            `waiting for a batch to process forced exit ${requested.entryNumber}; if none does by ${new Date(Number(deadline) * 1000).toISOString()}, run zk exit`,
          );
        },
      });
      io.out(json({ ...requested, ...outcome }));
    } finally {
      process.off("SIGINT", onSignal);
    }
  });

  const exit = user(
    "exit",
    "Exodus: when the operator has left a deposit or a forced exit unprocessed past the deadline, exit your accounts with proofs built from L1 data alone and refund your unprocessed deposits (then claim).",
  ).option("--account <index>", "exit only this account (default: every account you own)");
  exit.action(async (opts: Record<string, unknown>) => {
    const index = opts.account === undefined ? undefined : indexOf("--account", opts.account);
    const c = await openClient(opts);
    io.out(json(await c.exodus(index)));
  });

  const rebuildSpec = { ...clientSpec, dataDir: coreSettings.dataDir };
  const rebuild = addConfigOptions(
    new Command("rebuild").description(
      "Restore the operator's database from L1 alone (events and batch calldata); the old database, if any, is kept beside it with a .bak suffix.",
    ),
    rebuildSpec,
  );
  rebuild.action(async (opts: Record<string, unknown>) => {
    const cfg = loadConfig(rebuildSpec, { flags: opts });
    const l1 = await connectL1(cfg, cfg);
    const address = cfg.rollup ?? recordedRollupAddress(l1.chainId);
    if (address === undefined)
      throw new ConfigError(
        "ZK_ROLLUP_ADDRESS",
        `no rollup deployed on chain ${l1.chainId}; pass --rollup`,
      );
    const rollup = zkRollupAt(address, l1.provider);
    const fromBlock = await findDeploymentBlock(l1.provider, address);
    const toBlock = await l1.provider.getBlockNumber();
    const rebuilt = await rebuildFromL1({
      provider: l1.provider,
      rollup: address,
      levels: Number(await rollup.levels()),
      domain: BigInt(await rollup.domain()),
      shapes: await registeredShapes(rollup),
      fromBlock,
      toBlock,
    });
    const file = path.join(cfg.dataDir, operatorDbFile(l1.chainId, address));
    for (const suffix of ["", "-wal", "-shm"]) {
      if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, `${file}${suffix}.bak`);
    }
    const store = Store.open({ dataDir: cfg.dataDir, file: path.basename(file) });
    try {
      const db = new ZkOperatorDb(store);
      store.migrate("watcher", WATCHER_MIGRATIONS);
      db.transaction(() => {
        db.putAccounts([...rebuilt.state.entries()]);
        rebuilt.deposits.forEach((d, i) =>
          db.insertDeposit({ ...d, number: i + 1, block: d.blockNumber, seenAt: Date.now() }),
        );
        let depositsFrom = 1;
        for (const b of rebuilt.batches) {
          db.insertFinalBatch({
            number: Number(b.batchNumber),
            depositsFrom,
            depositsTaken: b.depositsTaken,
            oldRoot: b.oldRoot,
            newRoot: b.newRoot,
            l1Tx: b.tx,
            l1Block: b.blockNumber,
          });
          depositsFrom += b.depositsTaken;
        }
        db.setMeta("final.batch", String(rebuilt.batches.length));
        db.setMeta("final.depositsConsumed", String(rebuilt.state.depositsConsumed));
        db.setMeta("final.depositChain", rebuilt.state.depositChain.toString());
        // The deposit watcher goes on from the first block the rebuild did not read.
        store.db
          .prepare("INSERT OR REPLACE INTO watcher_cursor (name, next_block) VALUES (?, ?)")
          .run(depositWatcherName(address), toBlock + 1);
      });
    } finally {
      store.close();
    }
    io.out(
      json({
        rollup: address,
        batches: rebuilt.batches.length,
        accounts: [...rebuilt.state.entries()].length,
        root: rebuilt.state.root,
        pendingDeposits: rebuilt.pending.length,
        database: file,
      }),
    );
  });

  return [key, deposit, transfer, withdraw, claim, account, status, forceExit, exit, rebuild];
}
