import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Production defaults (seconds and wei); docs/plasma.md explains each. */
export const PLASMA_DEFAULTS = {
  /** The minimum exit period (MEP): one week, as OMG and Plasma MVP. */
  minExitPeriod: 7n * 24n * 3600n,
  exitBond: 10n ** 16n,
  operatorBond: 10n ** 18n,
};

/**
 * Plasma: the root chain, operated by the deployer (account 0), which posts the operator bond.
 * Parameters: `Plasma.minExitPeriod`, `Plasma.exitBond`, `Plasma.operatorBond`.
 */
export default buildModule("Plasma", (m) => {
  const operator = m.getAccount(0);
  const plasma = m.contract(
    "PlasmaChain",
    [
      operator,
      m.getParameter("minExitPeriod", PLASMA_DEFAULTS.minExitPeriod),
      m.getParameter("exitBond", PLASMA_DEFAULTS.exitBond),
    ],
    { value: m.getParameter("operatorBond", PLASMA_DEFAULTS.operatorBond) },
  );
  return { plasma };
});
