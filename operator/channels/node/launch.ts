/**
 * The composition root of `npx l2kit channels node`: connects to L1, finds the channels'
 * contracts, opens the node's store (one per chain, adjudicator and account), starts the node,
 * its peer API and its user API.
 */
import type { Api } from "../../core/api";
import { recordedAddress } from "../../core/deployments";
import { connectL1, type L1Connection } from "../../core/l1";
import type { Logger } from "../../core/log";
import { SerialSigner } from "../../core/serial-signer";
import { type CoreConfig, type NetworkConfig } from "../../core/settings";
import { Store } from "../../core/store";
import { adjudicatorAt } from "../abi";
import { resolveChannelsContract } from "../deployment";
import type { ChannelNodeSettings, ChannelsConfig } from "../settings";
import { createChannelNodeApi, createChannelPeerApi } from "./api";
import { ChannelNode, channelNodeDbFile } from "./node";

export interface RunningChannelNode {
  node: ChannelNode;
  /** The user API's URL (private) and the peer API's (what peers call). */
  url: string;
  peerUrl: string;
  l1: L1Connection;
  stop(): Promise<void>;
}

export async function launchChannelNode(
  cfg: {
    net: NetworkConfig;
    core: CoreConfig;
    channels: ChannelsConfig;
    node: ChannelNodeSettings;
  },
  log: Logger,
): Promise<RunningChannelNode> {
  const { net, core, channels, node: settings } = cfg;
  const l1 = await connectL1(net, core);
  const adjudicator = await resolveChannelsContract(l1, "Adjudicator", channels.adjudicator);
  const paymentApp = await resolveChannelsContract(l1, "PaymentApp", channels.paymentApp);
  // Games are played when the tic-tac-toe app is given or was deployed with the channels.
  const ticTacToeApp =
    channels.ticTacToeApp !== undefined ||
    recordedAddress(l1.chainId, "Channels#TicTacToeApp") !== undefined
      ? await resolveChannelsContract(l1, "TicTacToeApp", channels.ticTacToeApp)
      : undefined;
  const secretRegistry = (await adjudicatorAt(adjudicator, l1.provider).secretRegistry()) as string;
  const store = Store.open({
    dataDir: core.dataDir,
    file: channelNodeDbFile(l1.chainId, adjudicator, l1.signer.address),
    log,
  });
  const node = new ChannelNode(
    {
      chainId: l1.chainId,
      adjudicator,
      paymentApp,
      secretRegistry,
      ticTacToeApp,
      pollIntervalMs: core.pollIntervalMs,
      watchtowerUrl: settings.watchtowerUrl,
      policy: {
        minChallengeDuration: settings.minChallengeSeconds,
        maxChallengeDuration: settings.maxChallengeSeconds,
        maxPeerDeposit: settings.maxPeerDeposit,
        minLockSeconds: settings.minLockSeconds,
        lockMarginSeconds: settings.lockMarginSeconds,
      },
    },
    { privateKey: l1.signer.privateKey, runner: new SerialSigner(l1.signer), store, log },
  );
  const apis: Api[] = [];
  try {
    const peerApi = createChannelPeerApi(node, log);
    apis.push(peerApi);
    const listening = await peerApi.listen({ host: settings.peerHost, port: settings.peerPort });
    const peerUrl = settings.publicUrl ?? listening;
    node.start(peerUrl);
    const userApi = createChannelNodeApi(node, log);
    apis.push(userApi);
    const url = await userApi.listen({ host: core.apiHost, port: settings.port });
    return {
      node,
      url,
      peerUrl,
      l1,
      stop: async () => {
        for (const a of apis) await a.close();
        await node.stop();
        store.close();
        l1.provider.destroy();
      },
    };
  } catch (error) {
    for (const a of apis) await a.close();
    await node.stop();
    store.close();
    l1.provider.destroy();
    throw error;
  }
}
