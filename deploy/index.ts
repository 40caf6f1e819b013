/**
 * Deployment tasks, one per system, each a thin layer over its Ignition module. The CLI
 * (`npx l2kit deploy <system>`), the demo, the bench and the test fixtures all call these, so
 * what the tests exercise is exactly what a user deploys.
 *
 * On the embedded `hardhat` network Ignition keeps nothing on disk. Elsewhere it journals each
 * deployment under `deploy/deployments/chain-<id>/` and resumes or reuses it on the next run.
 * A local development chain (id 31337) forgets everything when its node restarts, so a journal
 * that points at contracts that no longer exist there is discarded instead of failing the run.
 */
import fs from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type {
  Adjudicator,
  BaselineToken,
  ChallengeGame,
  OneStepExecutor,
  OptimisticRollup,
  PaymentApp,
  SecretRegistry,
  TicTacToeApp,
  PaymentChannels,
  PlasmaChain,
  ZkRollup,
} from "../typechain-types";
import { L2kitError } from "../operator/core/errors";
import { circuitShape } from "../operator/zk/circuits";
import { verifierContractName, verifierStatus } from "../operator/zk/setup/pipeline";
import BaselineModule from "./modules/Baseline";
import ChannelsModule from "./modules/Channels";
import OptimisticRollupModule, { OPTIMISTIC_DEFAULTS } from "./modules/OptimisticRollup";
import PlasmaModule, { PLASMA_DEFAULTS } from "./modules/Plasma";
import ZkRollupModule from "./modules/ZkRollup";

export const LOCAL_CHAIN_ID = 31337n;

export interface DeployOptions {
  /** Forget this chain's Ignition journal first and deploy afresh. */
  reset?: boolean;
  /** Receives notes worth telling the user (a discarded journal). */
  note?: (line: string) => void;
}

export interface BaselineDeployment {
  token: BaselineToken;
}

/** The Ignition journal directory of the current network, or undefined on the embedded one. */
export async function deploymentDir(hre: HardhatRuntimeEnvironment): Promise<string | undefined> {
  if (hre.network.name === "hardhat") return undefined;
  const { chainId } = await hre.ethers.provider.getNetwork();
  return path.join(hre.config.paths.ignition, "deployments", `chain-${chainId}`);
}

async function prepareJournal(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions,
): Promise<void> {
  const dir = await deploymentDir(hre);
  if (dir === undefined || !fs.existsSync(dir)) return;
  if (options.reset === true) {
    fs.rmSync(dir, { recursive: true, force: true });
    options.note?.(`reset: removed ${path.relative(process.cwd(), dir)}`);
    return;
  }
  const { chainId } = await hre.ethers.provider.getNetwork();
  const addressesFile = path.join(dir, "deployed_addresses.json");
  if (chainId !== LOCAL_CHAIN_ID || !fs.existsSync(addressesFile)) return;
  const addresses = Object.values(
    JSON.parse(fs.readFileSync(addressesFile, "utf8")) as Record<string, string>,
  );
  for (const address of addresses) {
    if ((await hre.ethers.provider.getCode(address)) === "0x") {
      fs.rmSync(dir, { recursive: true, force: true });
      options.note?.(
        `the local chain was restarted since the last deployment; discarded ${path.relative(process.cwd(), dir)}`,
      );
      return;
    }
  }
}

export async function deployBaseline(
  hre: HardhatRuntimeEnvironment,
  parameters: { name?: string; symbol?: string } = {},
  options: DeployOptions = {},
): Promise<BaselineDeployment> {
  await prepareJournal(hre, options);
  const { token } = await hre.ignition.deploy(BaselineModule, {
    parameters: { Baseline: parameters },
    displayUi: false,
  });
  return { token: token as unknown as BaselineToken };
}

export interface ZkRollupDeployment {
  rollup: ZkRollup;
  /** Shape id of each circuit, as registered in the rollup. */
  shapeIds: Record<string, number>;
  levels: number;
}

/** The rollup's `BatchShape` struct for a circuit's sizes and its verifier. */
function shapeStruct(
  shape: ReturnType<typeof circuitShape>,
  verifier: string,
): {
  txSlots: number;
  withdrawSlots: number;
  depositSlots: number;
  feeSlots: number;
  verifier: string;
} {
  const { txSlots, withdrawSlots, depositSlots, feeSlots } = shape;
  return { txSlots, withdrawSlots, depositSlots, feeSlots, verifier };
}

/**
 * Deploys the ZK rollup with one registered shape (and verifier) per circuit, and the deployer as
 * operator. The circuits must have been built (`npx l2kit zk setup`) and share their tree levels;
 * a stale or missing verifier is refused.
 */
export async function deployZkRollup(
  hre: HardhatRuntimeEnvironment,
  params: {
    circuits: readonly string[];
    depositDeadline?: number;
    queueSpacing?: number;
    zkBuildDir: string;
  },
  options: DeployOptions = {},
): Promise<ZkRollupDeployment> {
  if (params.circuits.length === 0)
    throw new L2kitError("ZK_NO_CIRCUIT", "name at least one circuit", {});
  const shapes = params.circuits.map((name) => ({ name, shape: circuitShape(name) }));
  const levels = shapes[0].shape.levels;
  for (const { name, shape } of shapes) {
    if (shape.levels !== levels) {
      throw new L2kitError(
        "ZK_LEVELS_MISMATCH",
        `circuit ${name} has ${shape.levels} levels, ${shapes[0].name} has ${levels}`,
        {},
      );
    }
    const vkey = path.join(params.zkBuildDir, `rollup-${name}`, `rollup-${name}.vkey.json`);
    const status = verifierStatus(name, vkey);
    if (status !== "fresh") {
      throw new L2kitError(
        "ZK_VERIFIER_NOT_READY",
        `the verifier of circuit ${name} is ${status}: run npx l2kit zk setup --circuit ${name}`,
        {
          circuit: name,
          status,
        },
      );
    }
  }
  await prepareJournal(hre, options);
  const { rollup } = await hre.ignition.deploy(ZkRollupModule, {
    parameters: {
      ZkRollup: {
        levels,
        depositDeadline: params.depositDeadline ?? 240 * 12,
        queueSpacing: params.queueSpacing ?? 60,
      },
    },
    displayUi: false,
  });
  const zk = rollup as unknown as ZkRollup;
  const [deployer] = await hre.ethers.getSigners();
  const shapeIds: Record<string, number> = {};
  for (const [id, { name, shape }] of shapes.entries()) {
    const current = await zk.shapeOf(id);
    let verifier = current.verifier;
    const contractName = verifierContractName(name);
    const factory = await hre.ethers.getContractFactory(contractName);
    const expected = (
      await hre.artifacts.readArtifact(contractName)
    ).deployedBytecode.toLowerCase();
    const onChain =
      verifier === hre.ethers.ZeroAddress
        ? "0x"
        : (await hre.ethers.provider.getCode(verifier)).toLowerCase();
    // (Re)register when missing or when the verifier on chain is not this build's.
    if (onChain !== expected) {
      const v = await factory.deploy();
      await v.waitForDeployment();
      verifier = await v.getAddress();
      await (await zk.registerShape(id, shapeStruct(shape, verifier))).wait();
    }
    shapeIds[name] = id;
  }
  if (!(await zk.isOperator(deployer.address)))
    await (await zk.setOperator(deployer.address, true)).wait();
  return { rollup: zk, shapeIds, levels };
}

/** The block a deployment through `signer` starts at (its events are read from there). */
async function deploymentStart(signer: Signer): Promise<number> {
  const provider = signer.provider;
  if (provider === null) throw new L2kitError("NO_PROVIDER", "the signer has no provider", {});
  return provider.getBlockNumber();
}

/** Deploys contract `name` from the compiled artifacts through `signer`; returns its address. */
async function deployArtifact(
  hre: Pick<HardhatRuntimeEnvironment, "artifacts">,
  signer: Signer,
  name: string,
  args: unknown[] = [],
): Promise<string> {
  const artifact = await hre.artifacts.readArtifact(name);
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(
    ...args,
  );
  await contract.waitForDeployment();
  return contract.getAddress();
}

/**
 * Deploys the ZK rollup to any node through `signer` (owner and operator) from the compiled
 * artifacts: what `deployZkRollup` does, without Ignition's journal, for a node other than the
 * Hardhat runtime's own network (the bench and the tests run operators against a
 * `npx hardhat node` they start themselves). Registers circuit `circuit`'s shape as id 0.
 */
export async function deployZkRollupWithSigner(
  hre: Pick<HardhatRuntimeEnvironment, "artifacts">,
  signer: Signer,
  options: { depositDeadline?: number; queueSpacing?: number; circuit?: string } = {},
): Promise<{ rollup: string; shapeId: number; deployBlock: number }> {
  const circuit = options.circuit ?? "test";
  const shape = circuitShape(circuit);
  const deploy = (name: string, args: unknown[] = []): Promise<string> =>
    deployArtifact(hre, signer, name, args);
  const deployBlock = await deploymentStart(signer);
  const owner = await signer.getAddress();
  const rollup = await deploy("ZkRollup", [
    owner,
    shape.levels,
    options.depositDeadline ?? 240 * 12,
    options.queueSpacing ?? 60,
    await deploy("PoseidonT5"),
    await deploy("PoseidonT6"),
    await deploy("PoseidonT7"),
  ]);
  const verifier = await deploy(verifierContractName(circuit));
  const zk = new Contract(rollup, (await hre.artifacts.readArtifact("ZkRollup")).abi, signer);
  await (await zk.registerShape(0, shapeStruct(shape, verifier))).wait();
  await (await zk.setOperator(owner, true)).wait();
  return { rollup, shapeId: 0, deployBlock };
}

type Deployable = {
  description: string;
  deploy: (
    hre: HardhatRuntimeEnvironment,
    options: DeployOptions,
  ) => Promise<Record<string, string>>;
};

/** Systems `npx l2kit deploy` knows, with what each deploys. */
export type OptimisticParams = typeof OPTIMISTIC_DEFAULTS;

export interface OptimisticDeployment {
  rollup: OptimisticRollup;
  game: ChallengeGame;
  executor: OneStepExecutor;
  params: OptimisticParams;
}

/**
 * Deploys the optimistic rollup (executor, rollup, and the game the rollup creates) with
 * `params` over the production defaults, and registers the deployer as a sequencer.
 */
export async function deployOptimisticRollup(
  hre: HardhatRuntimeEnvironment,
  params: Partial<OptimisticParams> = {},
  options: DeployOptions = {},
): Promise<OptimisticDeployment> {
  const full = { ...OPTIMISTIC_DEFAULTS, ...params };
  await prepareJournal(hre, options);
  const deployed = await hre.ignition.deploy(OptimisticRollupModule, {
    parameters: { OptimisticRollup: full },
    displayUi: false,
  });
  const rollup = deployed.rollup as unknown as OptimisticRollup;
  const executor = deployed.executor as unknown as OneStepExecutor;
  const game = (await hre.ethers.getContractAt(
    "ChallengeGame",
    await rollup.game(),
  )) as unknown as ChallengeGame;
  const [deployer] = await hre.ethers.getSigners();
  if (!(await rollup.isSequencer(deployer.address)))
    await (await rollup.setSequencer(deployer.address, true)).wait();
  return { rollup, game, executor, params: full };
}

/**
 * Deploys the optimistic rollup to any node through `signer` (owner and sequencer) from the
 * compiled artifacts, as `deployZkRollupWithSigner` does for the ZK rollup: for the tests, the
 * bench and the demo, which run the sequencer and challenger against a `npx hardhat node`.
 */
export async function deployOptimisticRollupWithSigner(
  hre: Pick<HardhatRuntimeEnvironment, "artifacts">,
  signer: Signer,
  params: Partial<OptimisticParams> = {},
): Promise<{ rollup: string; game: string; executor: string; deployBlock: number }> {
  const full = { ...OPTIMISTIC_DEFAULTS, ...params };
  const deployBlock = await deploymentStart(signer);
  const factory = async (name: string): Promise<ContractFactory> => {
    const artifact = await hre.artifacts.readArtifact(name);
    return new ContractFactory(artifact.abi, artifact.bytecode, signer);
  };
  const executor = await (await factory("OneStepExecutor")).deploy();
  await executor.waitForDeployment();
  const owner = await signer.getAddress();
  const rollup = await (
    await factory("OptimisticRollup")
  ).deploy(owner, await executor.getAddress(), full);
  await rollup.waitForDeployment();
  const r = rollup as unknown as OptimisticRollup;
  await (await r.setSequencer(owner, true)).wait();
  return {
    rollup: await rollup.getAddress(),
    game: await r.game(),
    executor: await executor.getAddress(),
    deployBlock,
  };
}

export interface ChannelsDeployment {
  adjudicator: Adjudicator;
  secretRegistry: SecretRegistry;
  paymentApp: PaymentApp;
  ticTacToeApp: TicTacToeApp;
  paymentChannels: PaymentChannels;
}

/**
 * Deploys the state-channel contracts (secret registry, adjudicator, payment and tic-tac-toe
 * apps, lean payment channels).
 */
export async function deployChannels(
  hre: HardhatRuntimeEnvironment,
  options: DeployOptions = {},
): Promise<ChannelsDeployment> {
  await prepareJournal(hre, options);
  const d = await hre.ignition.deploy(ChannelsModule, { displayUi: false });
  return {
    adjudicator: d.adjudicator as unknown as Adjudicator,
    secretRegistry: d.secretRegistry as unknown as SecretRegistry,
    paymentApp: d.paymentApp as unknown as PaymentApp,
    ticTacToeApp: d.ticTacToeApp as unknown as TicTacToeApp,
    paymentChannels: d.paymentChannels as unknown as PaymentChannels,
  };
}

/** The channel contracts deployed through `signer` from the artifacts (for a `npx hardhat node`). */
export async function deployChannelsWithSigner(
  hre: Pick<HardhatRuntimeEnvironment, "artifacts">,
  signer: Signer,
): Promise<{
  adjudicator: string;
  secretRegistry: string;
  paymentApp: string;
  ticTacToeApp: string;
  paymentChannels: string;
  deployBlock: number;
}> {
  const deployBlock = await deploymentStart(signer);
  const deploy = (name: string, args: unknown[] = []): Promise<string> =>
    deployArtifact(hre, signer, name, args);
  const secretRegistry = await deploy("SecretRegistry");
  const adjudicator = await deploy("Adjudicator", [secretRegistry]);
  const paymentApp = await deploy("PaymentApp");
  const ticTacToeApp = await deploy("TicTacToeApp");
  const paymentChannels = await deploy("PaymentChannels");
  return { adjudicator, secretRegistry, paymentApp, ticTacToeApp, paymentChannels, deployBlock };
}

export type PlasmaParams = typeof PLASMA_DEFAULTS;

export interface PlasmaDeployment {
  plasma: PlasmaChain;
  params: PlasmaParams;
}

/** Deploys the Plasma root chain with the deployer as its operator (Ignition, journaled). */
export async function deployPlasma(
  hre: HardhatRuntimeEnvironment,
  params: Partial<PlasmaParams> = {},
  options: DeployOptions = {},
): Promise<PlasmaDeployment> {
  const full = { ...PLASMA_DEFAULTS, ...params };
  await prepareJournal(hre, options);
  const d = await hre.ignition.deploy(PlasmaModule, {
    parameters: { Plasma: full },
    displayUi: false,
  });
  return { plasma: d.plasma as unknown as PlasmaChain, params: full };
}

/** The Plasma root chain deployed through `signer` (its operator) from the artifacts. */
export async function deployPlasmaWithSigner(
  hre: Pick<HardhatRuntimeEnvironment, "artifacts">,
  signer: Signer,
  params: Partial<PlasmaParams> = {},
): Promise<{ plasma: string; deployBlock: number; params: PlasmaParams }> {
  const full = { ...PLASMA_DEFAULTS, ...params };
  const deployBlock = await deploymentStart(signer);
  const artifact = await hre.artifacts.readArtifact("PlasmaChain");
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(
    await signer.getAddress(),
    full.minExitPeriod,
    full.exitBond,
    { value: full.operatorBond },
  );
  await contract.waitForDeployment();
  return { plasma: await contract.getAddress(), deployBlock, params: full };
}

export const DEPLOYABLE = {
  baseline: {
    description: "the L1 baseline ERC-20 (BaselineToken)",
    deploy: async (hre, options) => {
      const { token } = await deployBaseline(hre, {}, options);
      return { BaselineToken: await token.getAddress() };
    },
  },
  "zk-rollup": {
    description:
      "the ZK rollup with the verifiers of the circuits in ZK_CIRCUIT (default test; built first with npx l2kit zk setup); the deployer becomes its operator",
    deploy: async (hre, options) => {
      const circuits = (process.env.ZK_CIRCUIT ?? "test").split(",").map((c) => c.trim());
      const { rollup, shapeIds } = await deployZkRollup(
        hre,
        { circuits, zkBuildDir: process.env.L2KIT_ZK_BUILD_DIR ?? "circuits/build" },
        options,
      );
      const out: Record<string, string> = { ZkRollup: await rollup.getAddress() };
      for (const [name, id] of Object.entries(shapeIds)) out[`shape:${name}`] = String(id);
      return out;
    },
  },
  "optimistic-rollup": {
    description:
      "the optimistic rollup (one-step executor, rollup, challenge game) with production parameters; the deployer becomes a sequencer",
    deploy: async (hre, options) => {
      const { rollup, game, executor } = await deployOptimisticRollup(hre, {}, options);
      return {
        OptimisticRollup: await rollup.getAddress(),
        ChallengeGame: await game.getAddress(),
        OneStepExecutor: await executor.getAddress(),
      };
    },
  },
  channels: {
    description:
      "the state-channel adjudicator with its secret registry, the payment and tic-tac-toe apps, and the lean payment channels",
    deploy: async (hre, options) => {
      const d = await deployChannels(hre, options);
      return {
        Adjudicator: await d.adjudicator.getAddress(),
        SecretRegistry: await d.secretRegistry.getAddress(),
        PaymentApp: await d.paymentApp.getAddress(),
        TicTacToeApp: await d.ticTacToeApp.getAddress(),
        PaymentChannels: await d.paymentChannels.getAddress(),
      };
    },
  },
  plasma: {
    description:
      "the Plasma root chain (the deployer becomes its operator and posts the operator bond; minimum exit period one week)",
    deploy: async (hre, options) => {
      const d = await deployPlasma(hre, {}, options);
      return { PlasmaChain: await d.plasma.getAddress() };
    },
  },
} as const satisfies Record<string, Deployable>;

export type DeployableSystem = keyof typeof DEPLOYABLE;
