/** Finds the channels' contracts on a chain: the address given, or the one `npx l2kit deploy channels` recorded. */
import { recordedAddress } from "../core/deployments";
import { ConfigError } from "../core/errors";
import type { L1Connection } from "../core/l1";

const SETTING = {
  Adjudicator: "CHANNELS_ADJUDICATOR_ADDRESS",
  PaymentApp: "CHANNELS_PAYMENT_APP_ADDRESS",
  TicTacToeApp: "CHANNELS_TICTACTOE_APP_ADDRESS",
} as const;

/** `given`, or the address recorded for `contract` on this chain; either must hold code. */
export async function resolveChannelsContract(
  l1: L1Connection,
  contract: keyof typeof SETTING,
  given: string | undefined,
): Promise<string> {
  const address = given ?? recordedAddress(l1.chainId, `Channels#${contract}`);
  if (address === undefined) {
    throw new ConfigError(
      SETTING[contract],
      `no ${contract} given and none deployed on chain ${l1.chainId}: run npx l2kit deploy channels or set ${SETTING[contract]}`,
    );
  }
  if ((await l1.provider.getCode(address)) === "0x") {
    throw new ConfigError(SETTING[contract], `no contract at ${address} on chain ${l1.chainId}`);
  }
  return address;
}
