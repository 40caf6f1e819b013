import { Argument, Command } from "commander";
import { DEPLOYABLE, type DeployableSystem } from "../../deploy";
import { loadConfig } from "../../operator/core/config";
import { networkSettings } from "../../operator/core/settings";
import type { Io } from "../cli";
import { loadHre } from "../hre";
import { addConfigOptions, exportFlagsToEnv } from "../options";

export function deployCommand(io: Io): Command {
  const systems = Object.keys(DEPLOYABLE) as DeployableSystem[];
  const cmd = new Command("deploy")
    .description("Deploy a system's contracts with its Ignition module and print their addresses.")
    .addArgument(
      new Argument(
        "<system>",
        systems.map((s) => `${s}: ${DEPLOYABLE[s].description}`).join("; "),
      ).choices(systems),
    )
    .option(
      "--reset",
      "forget this chain's Ignition journal (deploy/deployments/chain-<id>) and deploy afresh",
      false,
    );
  addConfigOptions(cmd, networkSettings);
  return cmd.action(async (system: DeployableSystem, opts: Record<string, unknown>) => {
    const net = loadConfig(networkSettings, { flags: opts });
    exportFlagsToEnv(networkSettings, opts);
    const hre = await loadHre(net, { needsSigner: true });
    const addresses = await DEPLOYABLE[system].deploy(hre, {
      reset: opts.reset === true,
      note: (line) => io.err(line),
    });
    io.out(
      JSON.stringify(
        {
          network: hre.network.name,
          chainId: Number((await hre.ethers.provider.getNetwork()).chainId),
          system,
          addresses,
        },
        null,
        2,
      ),
    );
  });
}
