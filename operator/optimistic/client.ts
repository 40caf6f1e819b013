/**
 * The optimistic rollup's user side, as an SDK: signing L2 transactions for the sequencer's API
 * and talking to it. (The L1 side — deposits, forced transactions, withdrawal proofs, claims —
 * and the CLI come with the user client.)
 */
import type { Eip712Domain, TypedDataSigner } from "../lib/eip712";
import { checkAddress, checkToken, TRANSFER, WITHDRAW } from "./protocol";
import type { SignedL2Tx } from "./sequencer/db";

export interface L2TxParams {
  type: "transfer" | "withdraw";
  /** Recipient address (transfers). */
  to?: string;
  token?: number;
  amount: bigint;
  fee?: bigint;
  nonce: bigint;
}

/** Signs a transfer or withdrawal as `signer` (the sender's L1 key owns its L2 account). */
export async function signL2Tx(
  signer: TypedDataSigner & { getAddress(): Promise<string> },
  domain: Eip712Domain,
  p: L2TxParams,
): Promise<SignedL2Tx> {
  const token = checkToken(p.token ?? 0);
  const common = { token, amount: p.amount, fee: p.fee ?? 0n, nonce: p.nonce };
  const sender = await signer.getAddress();
  if (p.type === "transfer") {
    const to = checkAddress(p.to ?? "", "to");
    const signature = await TRANSFER.sign(signer, domain, { to, ...common });
    return { type: "transfer", sender, recipient: to, ...common, signature };
  }
  const signature = await WITHDRAW.sign(signer, domain, common);
  return { type: "withdraw", sender, ...common, signature };
}

/** The `POST /v1/transactions` body of a signed transaction. */
export function txRequestBody(tx: SignedL2Tx): Record<string, unknown> {
  return {
    type: tx.type,
    from: tx.sender,
    ...(tx.recipient === undefined ? {} : { to: tx.recipient }),
    token: tx.token,
    nonce: tx.nonce.toString(),
    amount: tx.amount.toString(),
    fee: tx.fee.toString(),
    signature: tx.signature,
  };
}
