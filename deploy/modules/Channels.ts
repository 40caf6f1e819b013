import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * State channels: the secret registry, the adjudicator that pays locks by it, the two apps
 * (payments, tic-tac-toe), and the lean two-party payment channels. Nothing is parameterised
 * here: each channel chooses its own challenge period and app.
 */
export default buildModule("Channels", (m) => {
  const secretRegistry = m.contract("SecretRegistry");
  const adjudicator = m.contract("Adjudicator", [secretRegistry]);
  const paymentApp = m.contract("PaymentApp");
  const ticTacToeApp = m.contract("TicTacToeApp");
  const paymentChannels = m.contract("PaymentChannels");
  return { secretRegistry, adjudicator, paymentApp, ticTacToeApp, paymentChannels };
});
