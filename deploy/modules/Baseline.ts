import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The L1 baseline: a plain OpenZeppelin ERC-20, owned (and minted) by the deployer.
 * Parameters: `Baseline.name`, `Baseline.symbol`.
 */
export default buildModule("Baseline", (m) => {
  const owner = m.getAccount(0);
  const name = m.getParameter("name", "l2kit Baseline Token");
  const symbol = m.getParameter("symbol", "L2KB");
  const token = m.contract("BaselineToken", [name, symbol, owner]);
  return { token };
});
