import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Production defaults (seconds and wei); docs/optimistic-rollup.md explains each. */
export const OPTIMISTIC_DEFAULTS = {
  challengeWindow: 7n * 24n * 3600n,
  forceDelay: 24n * 3600n,
  batchBond: 10n ** 17n,
  challengerBond: 10n ** 17n,
  clockBudget: (7n * 24n * 3600n) / 2n,
  clockExtension: 3n * 3600n,
  /** Off: turn it on only where every challenger reads blobs (a beacon node, L2KIT_BEACON_URL). */
  blobBatches: false,
};

/**
 * The optimistic rollup: the stateless one-step executor, then the rollup (owned by the deployer),
 * whose constructor deploys its challenge game. Parameters: `OptimisticRollup.<name>` for every
 * field of `IOptimisticRollup.Params`.
 */
export default buildModule("OptimisticRollup", (m) => {
  const owner = m.getAccount(0);
  const executor = m.contract("OneStepExecutor");
  const params = {
    challengeWindow: m.getParameter("challengeWindow", OPTIMISTIC_DEFAULTS.challengeWindow),
    forceDelay: m.getParameter("forceDelay", OPTIMISTIC_DEFAULTS.forceDelay),
    batchBond: m.getParameter("batchBond", OPTIMISTIC_DEFAULTS.batchBond),
    challengerBond: m.getParameter("challengerBond", OPTIMISTIC_DEFAULTS.challengerBond),
    clockBudget: m.getParameter("clockBudget", OPTIMISTIC_DEFAULTS.clockBudget),
    clockExtension: m.getParameter("clockExtension", OPTIMISTIC_DEFAULTS.clockExtension),
    blobBatches: m.getParameter("blobBatches", OPTIMISTIC_DEFAULTS.blobBatches),
  };
  const rollup = m.contract("OptimisticRollup", [owner, executor, params]);
  return { executor, rollup };
});
