import { Command } from "commander";
import { loadConfig } from "../../operator/core/config";
import { createLogger } from "../../operator/core/log";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import { launchPlasmaOperator, launchPlasmaWatcher } from "../../operator/plasma/launch";
import {
  plasmaOperatorSettings,
  plasmaSettings,
  plasmaWatcherSettings,
} from "../../operator/plasma/settings";
import type { Io } from "../cli";
import { addConfigOptions } from "../options";
import { serveUntilSignal } from "../service";
import { plasmaUserCommands } from "./plasma-user";

export function plasmaCommand(io: Io): Command {
  const plasma = new Command("plasma").description(
    "Plasma: the operator that accepts transactions, builds child blocks and commits their roots; the watcher that checks them and challenges fraudulent exits; and the user's commands (deposit, transfer, exits).",
  );
  const operator = new Command("operator").description(
    "Run the Plasma operator (signing with the root chain's operator key): an HTTP API (OpenAPI at /openapi.json) to submit signed transactions and fetch blocks, outputs and exit proofs; a block every --block-interval-ms (or when --max-block-txs wait), its root committed on L1. Everything accepted is stored before the answer; stops cleanly on SIGINT/SIGTERM and a restart loses nothing.",
  );
  addConfigOptions(operator, {
    ...networkSettings,
    ...coreSettings,
    ...plasmaSettings,
    ...plasmaOperatorSettings,
  });
  operator.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      plasma: loadConfig(plasmaSettings, sources),
      operator: loadConfig(plasmaOperatorSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchPlasmaOperator(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        plasma: running.operator.config.plasma,
        chainId: Number(running.l1.chainId),
        account: running.operator.address,
      },
      () => running.stop(),
    );
  });
  plasma.addCommand(operator);

  const watcher = new Command("watcher").description(
    "Run the Plasma watcher: replays every committed block from the operator (transactions checked, root recomputed), challenges every exit of an output a block spends (bond to the watcher's key), and raises the alarm — users must exit, oldest outputs first — when a block is invalid or its data is withheld for --withholding-seconds. Status at GET /v1/status.",
  );
  addConfigOptions(watcher, {
    ...networkSettings,
    ...coreSettings,
    ...plasmaSettings,
    ...plasmaWatcherSettings,
  });
  watcher.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      plasma: loadConfig(plasmaSettings, sources),
      watcher: loadConfig(plasmaWatcherSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchPlasmaWatcher(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        plasma: running.watcher.config.plasma,
        chainId: Number(running.l1.chainId),
        account: running.watcher.address,
      },
      () => running.stop(),
    );
  });
  plasma.addCommand(watcher);
  for (const c of plasmaUserCommands(io)) plasma.addCommand(c);
  return plasma;
}
