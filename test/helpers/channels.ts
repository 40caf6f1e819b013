/**
 * State-channel test kit: the deployed contracts, three participants with their keys, and
 * builders for channels, states and signatures (the same `operator/channels/state.ts` the
 * clients use).
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet } from "ethers";
import { encodeBoard } from "../../operator/channels/tictactoe";
import hre, { ethers } from "hardhat";
import { deployChannels } from "../../deploy";
import { hardhatDevKey } from "../../operator/core/l1";
import type { Eip712Domain } from "../../operator/lib/eip712";
import {
  channelId,
  channelsDomain,
  ETH,
  signedStateStruct,
  stateDigest,
  type Allocation,
  type Channel,
  type SignedState,
  type State,
} from "../../operator/channels/state";

export { ETH };
export { hashOfSecret } from "../../operator/channels/client";
export const DURATION = 100n;
export const ONE = ethers.parseEther("1");

export async function channelsFixture() {
  const [deployer, alice, bob, carol, stranger] = await ethers.getSigners();
  const d = await deployChannels(hre);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = channelsDomain(chainId, await d.adjudicator.getAddress());
  // Signing keys of alice, bob and carol (hardhat accounts 1-3).
  const keys = [1, 2, 3].map((i) => new Wallet(hardhatDevKey(i)));
  const token = await (
    await ethers.getContractFactory("BaselineToken")
  ).deploy("Token", "TKN", deployer.address);
  for (const s of [alice, bob, carol]) {
    await (await token.mint(s.address, 1000n * ONE)).wait();
    await (await token.connect(s).approve(await d.adjudicator.getAddress(), 2n ** 255n)).wait();
  }
  return { ...d, deployer, alice, bob, carol, stranger, domain, keys, token, chainId };
}

export type Fixture = Awaited<ReturnType<typeof channelsFixture>>;

export const load = (): Promise<Fixture> => loadFixture(channelsFixture);

/** A two-party (alice, bob) channel with `app` (default: the payment app). */
export async function paymentChannel(
  f: Fixture,
  overrides: Partial<Channel> = {},
): Promise<Channel> {
  return {
    participants: [f.alice.address, f.bob.address],
    nonce: 1n,
    app: await f.paymentApp.getAddress(),
    challengeDuration: DURATION,
    ...overrides,
  };
}

export function ethAllocation(amounts: bigint[], locks: Allocation["locks"] = []): Allocation {
  return { asset: ETH, amounts, locks };
}

export function paymentState(
  version: bigint,
  amounts: bigint[],
  opts: { isFinal?: boolean; asset?: string; locks?: Allocation["locks"] } = {},
): State {
  return {
    version,
    isFinal: opts.isFinal ?? false,
    appData: "0x",
    outcome: [{ asset: opts.asset ?? ETH, amounts, locks: opts.locks ?? [] }],
  };
}

/** Signs `state` of `channel` with the given participants' keys (default: all, in order). */
export function sign(
  f: Fixture,
  channel: Channel,
  state: State,
  signers: number[] = channel.participants.map((_, i) => i),
  domain: Eip712Domain = f.domain,
): SignedState {
  const id = channelId(domain, channel);
  const digest = stateDigest(domain, id, state);
  const keyOf = (i: number): Wallet => {
    const key = f.keys.find((k) => k.address === channel.participants[i]);
    if (key === undefined) throw new Error(`no key for participant ${i}`);
    return key;
  };
  return { state, sigs: signers.map((i) => keyOf(i).signingKey.sign(digest).serialized) };
}

/** The proof argument of `challenge`/`checkpoint`/`conclude`. */
export const proof = (...states: SignedState[]) => states.map(signedStateStruct);

export const idOf = (f: Fixture, channel: Channel): string => channelId(f.domain, channel);

/** Funds a channel with ETH, participant by participant, as the client does. */
export async function fundETH(f: Fixture, channel: Channel, amounts: bigint[]): Promise<void> {
  const id = idOf(f, channel);
  const signers = [f.alice, f.bob, f.carol];
  let held = 0n;
  for (let i = 0; i < amounts.length; i++) {
    if (amounts[i] === 0n) continue;
    const signer = signers.find((s) => s.address === channel.participants[i]);
    if (signer === undefined) throw new Error(`no signer for participant ${i}`);
    await (
      await f.adjudicator.connect(signer).deposit(id, ETH, held, amounts[i], { value: amounts[i] })
    ).wait();
    held += amounts[i];
  }
}

/** Tic-tac-toe app data: X's participant index and each side's cells as bits. */
export function board(xPlayer: number, xs: number, os: number): string {
  return encodeBoard({ xPlayer, xs, os });
}
