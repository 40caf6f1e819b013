import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The ZK rollup: its three Poseidon contracts and the rollup, owned by the deployer. Verifiers
 * and shapes are registered by `deployZkRollup` (deploy/index.ts), which knows which circuits
 * were built. Parameters: `ZkRollup.levels` (must match the circuits), `ZkRollup.depositDeadline`
 * (seconds; 240 L1 blocks by default, as Hermez), `ZkRollup.queueSpacing` (seconds the operator
 * is given per queue entry in a burst; 60 by default).
 */
export default buildModule("ZkRollup", (m) => {
  const owner = m.getAccount(0);
  const levels = m.getParameter("levels", 2);
  const depositDeadline = m.getParameter("depositDeadline", 240 * 12);
  const queueSpacing = m.getParameter("queueSpacing", 60);
  const poseidon4 = m.contract("PoseidonT5");
  const poseidon5 = m.contract("PoseidonT6");
  const poseidon6 = m.contract("PoseidonT7");
  const rollup = m.contract("ZkRollup", [
    owner,
    levels,
    depositDeadline,
    queueSpacing,
    poseidon4,
    poseidon5,
    poseidon6,
  ]);
  return { rollup, poseidon4, poseidon5, poseidon6 };
});
