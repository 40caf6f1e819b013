/**
 * BabyJubJub keys for the ZK rollup (EdDSA-Poseidon, the scheme circomlib's
 * EdDSAPoseidonVerifier checks). A key comes from a seed (any secret bytes) or from an Ethereum
 * signature over a fixed message, so a wallet can always re-derive its rollup key.
 */
import { derivePublicKeyFast, signEdDSAPoseidon } from "./crypto/eddsa";
import { getBytes, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { InputError } from "../core/errors";
import type { SignedTx } from "./batch";
import { txMessage, type TxData } from "./protocol";

/** The message a wallet signs to derive its rollup key (same wallet, same key, every time). */
export const KEY_DERIVATION_MESSAGE =
  "l2kit ZK rollup key\n\nSign to derive your rollup account key. This costs nothing.";

export class ZkKey {
  readonly ax: bigint;
  readonly ay: bigint;

  private constructor(private readonly secret: Uint8Array) {
    [this.ax, this.ay] = derivePublicKeyFast(secret);
  }

  /** A key from secret seed bytes (at least 16). */
  static fromSeed(seed: Uint8Array | string): ZkKey {
    const bytes = typeof seed === "string" ? toUtf8Bytes(seed) : seed;
    if (bytes.length < 16) throw new InputError("seed", "must be at least 16 bytes");
    return new ZkKey(getBytes(keccak256(bytes)));
  }

  /** A key derived from the wallet's signature of KEY_DERIVATION_MESSAGE. */
  static async fromEthereumSigner(signer: Pick<Signer, "signMessage">): Promise<ZkKey> {
    const signature = await signer.signMessage(KEY_DERIVATION_MESSAGE);
    return ZkKey.fromSeed(getBytes(signature));
  }

  /** Signs a transfer or withdrawal for the deployment `domain`. */
  sign(domain: bigint, tx: TxData): SignedTx {
    const s = signEdDSAPoseidon(this.secret, txMessage(domain, tx));
    return { ...tx, signature: { R8: [s.R8[0], s.R8[1]], S: s.S } };
  }
}
