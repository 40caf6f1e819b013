/**
 * EIP-712 helpers shared by every off-chain message l2kit signs: a domain bound to a chain and a
 * contract, and message kinds defined once and used to sign, hash and recover.
 *
 * Recovery is as strict as OpenZeppelin's ECDSA on-chain: 65-byte signatures, v in {27, 28},
 * s in the lower half of the curve order. A signature the contract would reject is rejected here
 * first, so an operator never accepts what it could not prove on L1.
 */
import {
  getAddress,
  keccak256,
  Signature,
  TypedDataEncoder,
  recoverAddress,
  type TypedDataField,
} from "ethers";
import { InputError } from "../core/errors";
import { keccak } from "./keccak";

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

const hexBytes = (hex: string): Uint8Array => Buffer.from(hex.slice(2), "hex");

/** The EIP-712 word of a static field, or undefined when ethers should encode it. */
function staticWord(type: string, v: unknown): Uint8Array | undefined {
  let n: bigint;
  if (type === "address") {
    if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) return undefined;
    n = BigInt(v);
  } else if (type === "bool") {
    if (typeof v !== "boolean") return undefined;
    n = v ? 1n : 0n;
  } else if (type === "bytes32") {
    if (typeof v !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(v)) return undefined;
    n = BigInt(v);
  } else {
    const m = /^uint(\d+)$/.exec(type);
    if (m === null) return undefined;
    if (typeof v === "bigint") n = v;
    else if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v);
    else return undefined;
    if (n < 0n || n >> BigInt(m[1]) !== 0n) return undefined;
  }
  return Buffer.from(n.toString(16).padStart(64, "0"), "hex");
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
    const buf = new Uint8Array(66);
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf.set(hexBytes(domainSeparator(domain)), 2);
    buf.set(hexBytes(this.structHash(value)), 34);
    return `0x${Buffer.from(keccak(buf)).toString("hex")}`;
  }

  /**
   * The struct hash (without the domain). A message of static fields (address, uintN, bool,
   * bytes32) is encoded word by word here; anything else, or a value out of its field's range,
   * goes through ethers (which encodes or throws). Tests hold the two equal.
   */
  structHash(value: T): string {
    const words = this.staticWords(value);
    if (words === undefined) {
      this.encoder ??= TypedDataEncoder.from(this.types);
      return this.encoder.hash(value);
    }
    return `0x${Buffer.from(keccak(words)).toString("hex")}`;
  }

  private encoder: TypedDataEncoder | undefined;
  private typeHash: Uint8Array | undefined;

  /** typeHash ‖ one word per field, or undefined when ethers must encode `value`. */
  private staticWords(value: T): Uint8Array | undefined {
    const fields = this.types[this.primaryType];
    if (Object.keys(this.types).length !== 1) return undefined;
    this.typeHash ??= hexBytes(keccak256(Buffer.from(this.typeString)));
    const out = new Uint8Array(32 * (fields.length + 1));
    out.set(this.typeHash, 0);
    for (let i = 0; i < fields.length; i++) {
      const word = staticWord(fields[i].type, value[fields[i].name]);
      if (word === undefined) return undefined;
      out.set(word, 32 * (i + 1));
    }
    return out;
  }

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
