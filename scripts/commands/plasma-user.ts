/**
 * `npx l2kit plasma deposit|sync|balance|transfer|exit|exit-all|process`: a Plasma user's client
 * (`operator/plasma/client.ts`), with its store (outputs and their exit data) under --data-dir.
 * Amounts are wei; every command prints one JSON object.
 */
import { Command } from "commander";
import { loadConfig, parse } from "../../operator/core/config";
import { connectL1 } from "../../operator/core/l1";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import { Store } from "../../operator/core/store";
import { plasmaAt } from "../../operator/plasma/abi";
import { PlasmaClient } from "../../operator/plasma/client";
import { resolvePlasma } from "../../operator/plasma/launch";
import { plasmaSettings, plasmaWatcherSettings } from "../../operator/plasma/settings";
import { plasmaDomain } from "../../operator/plasma/tx";
import type { Io } from "../cli";
import { addConfigOptions, flagValue, json } from "../options";

const clientSpec = {
  ...networkSettings,
  dataDir: coreSettings.dataDir,
  rpcRetries: coreSettings.rpcRetries,
  rpcRetryDelayMs: coreSettings.rpcRetryDelayMs,
  ...plasmaSettings,
  operatorUrl: plasmaWatcherSettings.operatorUrl,
};

const wei = (flag: string, raw: unknown): bigint =>
  flagValue(flag, raw, parse.bigint(1n, (1n << 96n) - 1n));

async function withClient<T>(
  opts: Record<string, unknown>,
  run: (c: PlasmaClient) => Promise<T>,
): Promise<T> {
  const cfg = loadConfig(clientSpec, { flags: opts });
  const l1 = await connectL1(cfg, { ...cfg, pollIntervalMs: 250 });
  const plasma = await resolvePlasma(l1, cfg.plasma);
  const store = Store.open({
    dataDir: cfg.dataDir,
    file: `plasma-client-${l1.chainId}-${plasma.toLowerCase()}-${l1.signer.address.toLowerCase()}.sqlite`,
  });
  try {
    return await run(
      new PlasmaClient({
        wallet: l1.signer,
        plasma: plasmaAt(plasma, l1.signer),
        domain: plasmaDomain(l1.chainId, plasma),
        operatorUrl: cfg.operatorUrl,
        store,
      }),
    );
  } finally {
    store.close();
    l1.provider.destroy();
  }
}

export function plasmaUserCommands(io: Io): Command[] {
  const user = (name: string, description: string): Command =>
    addConfigOptions(new Command(name).description(description), clientSpec);

  const deposit = user("deposit", "Deposit ETH on L1 into a new output of yours.").requiredOption(
    "--amount <wei>",
    "the amount",
  );
  deposit.action(async (opts: Record<string, unknown>) => {
    const amount = wei("--amount", opts.amount);
    io.out(json(await withClient(opts, async (c) => ({ pos: await c.deposit(amount) }))));
  });

  const sync = user(
    "sync",
    "Fetch your outputs from the operator, with the exit data of each (checked against L1), into your store.",
  );
  sync.action(async (opts: Record<string, unknown>) => {
    io.out(
      json(
        await withClient(opts, async (c) => {
          await c.sync();
          return { balance: c.balance(), outputs: c.outputs() };
        }),
      ),
    );
  });

  const balance = user(
    "balance",
    "Your balance and outputs, from your store (no operator needed).",
  );
  balance.action(async (opts: Record<string, unknown>) => {
    io.out(
      json(await withClient(opts, async (c) => ({ balance: c.balance(), outputs: c.outputs() }))),
    );
  });

  const transfer = user(
    "transfer",
    "Pay ETH to an address on the child chain (change back to you).",
  )
    .requiredOption("--to <address>", "the receiver")
    .requiredOption("--amount <wei>", "the amount");
  transfer.action(async (opts: Record<string, unknown>) => {
    const to = flagValue("--to", opts.to, parse.address);
    const amount = wei("--amount", opts.amount);
    io.out(
      json(
        await withClient(opts, async (c) => {
          await c.sync();
          return { hash: await c.transfer(to, amount) };
        }),
      ),
    );
  });

  const exit = user("exit", "Start the exit of one of your outputs (bond in ETH).").requiredOption(
    "--pos <position>",
    "the output's position (blockNumber·10^9 + txIndex·10^4 + outputIndex)",
  );
  exit.action(async (opts: Record<string, unknown>) => {
    const pos = flagValue("--pos", opts.pos, parse.bigint(1n, (1n << 128n) - 1n));
    io.out(json(await withClient(opts, async (c) => ({ tx: (await c.startExit(pos)).hash }))));
  });

  const exitAll = user(
    "exit-all",
    "The mass exit (on the watcher's alarm): start an exit of every output you hold, oldest first, from your store alone.",
  );
  exitAll.action(async (opts: Record<string, unknown>) => {
    io.out(json(await withClient(opts, async (c) => ({ exited: await c.exitAll() }))));
  });

  const processExits = user("process", "Pay the ETH exits whose exit period is over.").option(
    "--max <count>",
    "most exits in this transaction",
    "100",
  );
  processExits.action(async (opts: Record<string, unknown>) => {
    const max = flagValue("--max", opts.max, parse.bigint(1n, 10_000n));
    io.out(
      json(
        await withClient(opts, async (c) => {
          await c.processExits(max);
          return { ok: true };
        }),
      ),
    );
  });

  return [deposit, sync, balance, transfer, exit, exitAll, processExits];
}
