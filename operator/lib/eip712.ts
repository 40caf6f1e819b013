/**
 * EIP-712 helpers shared by every off-chain message l2kit signs: a domain bound to a chain and a
 * contract, and message kinds defined once and used to sign, hash and recover.
 *
 * Recovery is as strict as OpenZeppelin's ECDSA on-chain: 65-byte signatures, v in {27, 28},
 * s in the lower half of the curve order. A signature the contract would reject is rejected here
 * first, so an operator never accepts what it could not prove on L1.
 */
import {
  concat,
  getAddress,
  keccak256,
  Signature,
  TypedDataEncoder,
  recoverAddress,
  type TypedDataField,
} from "ethers";
import { InputError } from "../core/errors";

export interface Eip712Domain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

/** Anything that can sign typed data: an ethers Wallet or a JSON-RPC signer. */
export interface TypedDataSigner {
  signTypedData(
    domain: Eip712Domain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N / 2n;

/** A domain bound to one chain and one deployed contract, so signatures replay nowhere else. */
export function eip712Domain(
  name: string,
  version: string,
  chainId: bigint | number,
  verifyingContract: string,
): Eip712Domain {
  const id = BigInt(chainId);
  if (id <= 0n) throw new InputError("chainId", "must be positive");
  let contract: string;
  try {
    contract = getAddress(verifyingContract);
  } catch {
    throw new InputError("verifyingContract", "must be a valid address");
  }
  return { name, version, chainId: id, verifyingContract: contract };
}

/** Parses a signature the way OpenZeppelin's ECDSA.recover accepts it, or throws `InputError`. */
export function parseStrictSignature(signature: string, field = "signature"): Signature {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new InputError(field, "must be 65 bytes of hex (r, s, v)");
  }
  const v = parseInt(signature.slice(130, 132), 16);
  if (v !== 27 && v !== 28) throw new InputError(field, "v must be 27 or 28");
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  if (s === 0n || s > HALF_N)
    throw new InputError(field, "s must be in the lower half of the curve order");
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  if (r === 0n || r >= SECP256K1_N) throw new InputError(field, "r is out of range");
  return Signature.from(signature);
}

const separators = new WeakMap<Eip712Domain, string>();

/** The domain's EIP-712 separator (cached per domain object: domains are built once and reused). */
export function domainSeparator(domain: Eip712Domain): string {
  let separator = separators.get(domain);
  if (separator === undefined) {
    separator = TypedDataEncoder.hashDomain(domain);
    separators.set(domain, separator);
  }
  return separator;
}

/** One kind of typed message: its primary type and field list, defined once per system. */
export class TypedMessage<T extends Record<string, unknown>> {
  readonly types: Record<string, TypedDataField[]>;

  constructor(
    readonly primaryType: string,
    fields: TypedDataField[],
    extraTypes: Record<string, TypedDataField[]> = {},
  ) {
    this.types = { [primaryType]: fields, ...extraTypes };
  }

  /** The EIP-712 type string, as a contract's `TYPEHASH` preimage. */
  get typeString(): string {
    return TypedDataEncoder.from(this.types).encodeType(this.primaryType);
  }

  /**
   * The digest a signer signs and a contract recovers from (`_hashTypedDataV4`):
   * keccak256(0x1901 ‖ domain separator ‖ struct hash). Operators compute it for every
   * transaction, so the encoder and each domain's separator are built once, not per call.
   */
  digest(domain: Eip712Domain, value: T): string {
    return keccak256(concat(["0x1901", domainSeparator(domain), this.structHash(value)]));
  }

  /** The struct hash (without the domain). */
  structHash(value: T): string {
    this.encoder ??= TypedDataEncoder.from(this.types);
    return this.encoder.hash(value);
  }

  private encoder: TypedDataEncoder | undefined;

  sign(signer: TypedDataSigner, domain: Eip712Domain, value: T): Promise<string> {
    return signer.signTypedData(domain, this.types, value);
  }

  /** The signer's checksummed address; throws `InputError` for a malformed or non-canonical signature. */
  recover(domain: Eip712Domain, value: T, signature: string): string {
    const sig = parseStrictSignature(signature);
    return recoverAddress(this.digest(domain, value), sig);
  }

  /** True when `signature` is `expected`'s, false for another signer or a malformed signature. */
  verify(domain: Eip712Domain, value: T, signature: string, expected: string): boolean {
    try {
      return this.recover(domain, value, signature) === getAddress(expected);
    } catch (error) {
      if (error instanceof InputError) return false;
      throw error;
    }
  }
}
