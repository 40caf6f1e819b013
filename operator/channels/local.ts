/**
 * Channel clients in one process (the bench, the demo): one per wallet, each with its own store,
 * every pair linked by `DirectPeerLink` (so every message still goes through JSON, as on the wire).
 */
import type { Wallet } from "ethers";
import type { Store } from "../core/store";
import type { Eip712Domain } from "../lib/eip712";
import { DigestSigner } from "../lib/secp256k1";
import { adjudicatorAt, secretRegistryAt } from "./abi";
import { ChannelClient, type ChannelPolicy } from "./client";
import { DirectPeerLink } from "./link";
import { ChannelStore } from "./store";

export function localClients(p: {
  /** The adjudicator's domain: its `verifyingContract` is the adjudicator the clients call. */
  domain: Eip712Domain;
  paymentApp: string;
  /** For hash-time locks. */
  secretRegistry?: string;
  /** Each client's key, connected to the chain it sends its L1 transactions to. */
  wallets: readonly Wallet[];
  /** Each client's store, in the order of `wallets`. */
  stores: readonly Store[];
  policy?: Partial<ChannelPolicy>;
}): ChannelClient[] {
  const clients = p.wallets.map(
    (w, i) =>
      new ChannelClient({
        signer: new DigestSigner(w.privateKey),
        store: new ChannelStore(p.stores[i]),
        domain: p.domain,
        adjudicator: adjudicatorAt(p.domain.verifyingContract, w),
        secretRegistry:
          p.secretRegistry === undefined ? undefined : secretRegistryAt(p.secretRegistry, w),
        paymentApp: p.paymentApp,
        policy: p.policy,
      }),
  );
  for (const a of clients) {
    for (const b of clients) if (a !== b) a.connect(b.address, new DirectPeerLink(b));
  }
  return clients;
}
