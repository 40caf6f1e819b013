/** Finds the channels' contracts on a chain: the address given, or the one `npx l2kit deploy channels` recorded. */
import { resolveDeployed } from "../core/deployments";
import type { L1Connection } from "../core/l1";

const SETTING = {
  Adjudicator: "CHANNELS_ADJUDICATOR_ADDRESS",
  PaymentApp: "CHANNELS_PAYMENT_APP_ADDRESS",
  TicTacToeApp: "CHANNELS_TICTACTOE_APP_ADDRESS",
} as const;

/** `given`, or the address recorded for `contract` on this chain; either must hold code. */
export function resolveChannelsContract(
  l1: L1Connection,
  contract: keyof typeof SETTING,
  given: string | undefined,
): Promise<string> {
  return resolveDeployed(l1, {
    given,
    futureId: `Channels#${contract}`,
    setting: SETTING[contract],
    system: "channels",
  });
}
