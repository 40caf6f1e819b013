/**
 * What every runner needs before it plays the workload: the users' L1 wallets with ETH for gas,
 * and fresh ERC-20 tokens (one per workload token) minted to them as the workload's deposits say.
 * None of this is counted as the system's gas: it is the world the workload starts from.
 */
import {
  ContractFactory,
  keccak256,
  parseEther,
  toUtf8Bytes,
  Wallet,
  type Provider,
  type Signer,
} from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaselineToken } from "../../typechain-types";
import { workloadWallet, type Workload } from "./workload";

export interface WorkloadWorld {
  /** users[i] is the workload's user i, connected to the chain, with 100 ETH for gas. */
  users: Wallet[];
  /** tokens[t] is the workload's token t, a fresh `BaselineToken`. */
  tokens: BaselineToken[];
  /** tokens[t]'s address. */
  tokenAddresses: string[];
}

/**
 * Funds the users with ETH and deploys and mints the tokens, on the embedded network or, with
 * `funder` (a wallet on a `npx hardhat node`), on that node; the users are connected to the
 * funder's provider.
 */
export async function prepareWorld(
  hre: Pick<HardhatRuntimeEnvironment, "ethers" | "artifacts">,
  workload: Workload,
  funder?: Signer,
): Promise<WorkloadWorld> {
  const signer = funder ?? (await hre.ethers.getSigners())[0];
  const provider = signer.provider;
  if (provider === null) throw new Error("the funder needs a provider");
  const users = Array.from({ length: workload.params.users }, (_, i) =>
    workloadWallet(workload, i, provider),
  );
  for (const u of users) await topUp(signer, u.address, parseEther("100"));
  const artifact = await hre.artifacts.readArtifact("BaselineToken");
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const tokens: BaselineToken[] = [];
  for (let t = 0; t < workload.params.tokens; t++) {
    const token = (await factory.deploy(
      `l2kit compare token ${t}`,
      `CMP${t}`,
      await signer.getAddress(),
    )) as unknown as BaselineToken;
    await token.waitForDeployment();
    for (const [i, u] of users.entries())
      await (await token.mint(u.address, workload.deposits[i][t])).wait();
    tokens.push(token);
  }
  return { users, tokens, tokenAddresses: await Promise.all(tokens.map((t) => t.getAddress())) };
}

/**
 * The L1 key of a role in the run (a hub, an operator, a sequencer): derived from the seed like
 * the users' keys, and topped up by `funder` to `eth` (not counted as the system's gas).
 */
export async function roleWallet(
  workload: Workload,
  role: string,
  funder: Signer,
  eth = parseEther("100"),
): Promise<Wallet> {
  const provider = funder.provider;
  if (provider === null) throw new Error("the funder needs a provider");
  const wallet = roleKey(workload, role, provider);
  await topUp(funder, wallet.address, eth);
  return wallet;
}

/** The role's key without funding it (for addresses known before the run). */
export function roleKey(workload: Workload, role: string, provider?: Provider): Wallet {
  const key = keccak256(toUtf8Bytes(`l2kit compare seed ${workload.params.seed} ${role}`));
  return new Wallet(key, provider ?? null);
}

/** Sends `address` what it lacks of `eth`. */
async function topUp(funder: Signer, address: string, eth: bigint): Promise<void> {
  const have = await funder.provider!.getBalance(address);
  if (have < eth) await (await funder.sendTransaction({ to: address, value: eth - have })).wait();
}
