import { Command } from "commander";
import { loadConfig } from "../../operator/core/config";
import { createLogger } from "../../operator/core/log";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import { launchSequencer } from "../../operator/optimistic/sequencer/launch";
import { launchChallenger } from "../../operator/optimistic/challenger/launch";
import {
  challengerSettings,
  optimisticSettings,
  sequencerSettings,
} from "../../operator/optimistic/settings";
import type { Io } from "../cli";
import { addConfigOptions } from "../options";
import { serveUntilSignal } from "../service";
import { optimisticUserCommands } from "./optimistic-user";

export function optimisticCommand(io: Io): Command {
  const optimistic = new Command("optimistic").description(
    "Optimistic rollup: the sequencer and challenger services, and the user client (deposit, transfer, withdraw, prove, claim, force a transaction through L1).",
  );

  const sequencer = new Command("sequencer").description(
    "Run the sequencer: HTTP API (OpenAPI at /openapi.json), mempool, batches posted to L1 with a bond, inbox entries included within forceDelay, finalisation. Stops cleanly on SIGINT/SIGTERM; a restart (even after kill -9) loses nothing.",
  );
  const specs = {
    ...networkSettings,
    ...coreSettings,
    ...optimisticSettings,
    ...sequencerSettings,
  };
  addConfigOptions(sequencer, specs);
  sequencer.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      opt: loadConfig(optimisticSettings, sources),
      seq: loadConfig(sequencerSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchSequencer(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        rollup: running.sequencer.config.rollup,
        chainId: Number(running.l1.chainId),
        sequencer: running.sequencer.address,
      },
      () => running.stop(),
    );
  });

  const challenger = new Command("challenger").description(
    "Run the challenger: syncs every batch from L1 calldata, re-executes it, disputes any batch with a wrong root and plays the bisection game to the end (one-step proof, reward claimed). --defend makes it a sequencer's watchdog. Serves /v1/status and /health (red while an alarm is active: a batch it cannot read or verify, an invalid batch not under dispute). Resumes its games after a restart.",
  );
  const chalSpecs = {
    ...networkSettings,
    ...coreSettings,
    ...optimisticSettings,
    ...challengerSettings,
  };
  addConfigOptions(challenger, chalSpecs);
  challenger.action(async (opts: Record<string, unknown>) => {
    const sources = { flags: opts };
    const cfg = {
      net: loadConfig(networkSettings, sources),
      core: loadConfig(coreSettings, sources),
      opt: loadConfig(optimisticSettings, sources),
      chal: loadConfig(challengerSettings, sources),
    };
    const log = createLogger({ level: cfg.core.logLevel });
    const running = await launchChallenger(cfg, log);
    await serveUntilSignal(
      io,
      log,
      {
        url: running.url,
        rollup: running.challenger.config.rollup,
        chainId: Number(running.l1.chainId),
        account: running.challenger.address,
        challenge: running.challenger.config.challenge,
        defend: running.challenger.config.defend,
      },
      () => running.stop(),
    );
  });

  optimistic.addCommand(sequencer);
  optimistic.addCommand(challenger);
  for (const c of optimisticUserCommands(io)) optimistic.addCommand(c);
  return optimistic;
}
