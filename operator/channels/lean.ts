/**
 * The off-chain side of `PaymentChannels`, the lean two-party payment channel: channel ids, the
 * EIP-712 `Balance` and `Withdrawal` messages both sides sign (compact EIP-2098 signatures), and
 * each side's share of a balance exactly as the contract computes it.
 */
import { AbiCoder, keccak256, Signature } from "ethers";
import { eip712Domain, TypedMessage, type Eip712Domain } from "../lib/eip712";
import type { DigestSigner } from "../lib/secp256k1";

export interface PaymentChannelParams {
  a: string;
  b: string;
  /** address(0): ETH. */
  asset: string;
  nonce: bigint;
  challengeDuration: bigint;
}

/** A balance both sign: `paidToB` is what `a` has paid `b` net since the channel opened. */
export interface Balance {
  version: bigint;
  paidToB: bigint;
  isFinal: boolean;
}

export interface CompactSig {
  r: string;
  vs: string;
}

export const BALANCE = new TypedMessage<{
  channelId: string;
  version: bigint;
  paidToB: bigint;
  isFinal: boolean;
}>("Balance", [
  { name: "channelId", type: "bytes32" },
  { name: "version", type: "uint48" },
  { name: "paidToB", type: "int128" },
  { name: "isFinal", type: "bool" },
]);

export const WITHDRAWAL = new TypedMessage<{
  channelId: string;
  nonce: bigint;
  amountA: bigint;
  amountB: bigint;
  deadline: bigint;
}>("Withdrawal", [
  { name: "channelId", type: "bytes32" },
  { name: "nonce", type: "uint24" },
  { name: "amountA", type: "uint112" },
  { name: "amountB", type: "uint112" },
  { name: "deadline", type: "uint48" },
]);

export function paymentChannelsDomain(chainId: bigint | number, contract: string): Eip712Domain {
  return eip712Domain("l2kit payment channels", "1", chainId, contract);
}

/** keccak256(abi.encode(chainId, contract, channel)), as `PaymentChannels.channelId`. */
export function paymentChannelId(domain: Eip712Domain, c: PaymentChannelParams): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "address", "address", "address", "uint64", "uint48"],
      [domain.chainId, domain.verifyingContract, c.a, c.b, c.asset, c.nonce, c.challengeDuration],
    ),
  );
}

/** A 65-byte signature as EIP-2098 `(r, vs)`. */
export function compactSig(signature: string): CompactSig {
  const s = Signature.from(signature);
  return { r: s.r, vs: s.yParityAndS };
}

export function signBalance(
  signer: DigestSigner,
  domain: Eip712Domain,
  channelId: string,
  b: Balance,
): CompactSig {
  return compactSig(signer.sign(BALANCE.digest(domain, { channelId, ...b })));
}

export function signWithdrawal(
  signer: DigestSigner,
  domain: Eip712Domain,
  w: { channelId: string; nonce: bigint; amountA: bigint; amountB: bigint; deadline: bigint },
): CompactSig {
  return compactSig(signer.sign(WITHDRAWAL.digest(domain, w)));
}

/** Each side's payout for `paidToB` given its net funding, as the contract's `_close`. */
export function shares(netA: bigint, netB: bigint, paidToB: bigint): { toA: bigint; toB: bigint } {
  const held = netA + netB;
  let a = netA - paidToB;
  if (a < 0n) a = 0n;
  if (a > held) a = held;
  return { toA: a, toB: held - a };
}
