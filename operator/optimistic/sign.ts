/**
 * Building signed records: what a wallet (the user client, the tests, the bench) does before it
 * hands a transaction to the sequencer. Amounts must be exactly encodable (`AMOUNT.closest` gives
 * the nearest value that is).
 */
import type { Eip712Domain, TypedDataSigner } from "../lib/eip712";
import { AMOUNT, FEE } from "../lib/float";
import { compactSignature, encodeRecord } from "./codec";
import { RecordKind, TRANSFER, WITHDRAW, checkAddress, checkToken } from "./protocol";

export interface TransferParams {
  /** The sender's account index. */
  from: bigint;
  /** Recipient account index (compact record) or address (record that may create the account). */
  to: bigint | string;
  /** Recipient address: what the signature names, whichever form `to` takes. */
  toAddress: string;
  token: number;
  amount: bigint;
  fee: bigint;
  nonce: bigint;
}

export interface WithdrawParams {
  from: bigint;
  token: number;
  amount: bigint;
  fee: bigint;
  nonce: bigint;
}

export async function signTransfer(
  signer: TypedDataSigner,
  domain: Eip712Domain,
  p: TransferParams,
): Promise<Uint8Array> {
  const toAddress = checkAddress(p.toAddress, "toAddress");
  const message = {
    to: toAddress,
    token: checkToken(p.token),
    amount: p.amount,
    fee: p.fee,
    nonce: p.nonce,
  };
  const signature = compactSignature(await TRANSFER.sign(signer, domain, message));
  const common = {
    from: p.from,
    token: p.token,
    amountPacked: AMOUNT.encode(p.amount, "amount"),
    feePacked: FEE.encode(p.fee, "fee"),
    signature,
  };
  return typeof p.to === "bigint"
    ? encodeRecord({ kind: RecordKind.Transfer, to: p.to, ...common })
    : encodeRecord({ kind: RecordKind.TransferToAddress, to: checkAddress(p.to, "to"), ...common });
}

export async function signWithdraw(
  signer: TypedDataSigner,
  domain: Eip712Domain,
  p: WithdrawParams,
): Promise<Uint8Array> {
  const message = { token: checkToken(p.token), amount: p.amount, fee: p.fee, nonce: p.nonce };
  const signature = compactSignature(await WITHDRAW.sign(signer, domain, message));
  return encodeRecord({
    kind: RecordKind.Withdraw,
    from: p.from,
    token: p.token,
    amountPacked: AMOUNT.encode(p.amount, "amount"),
    feePacked: FEE.encode(p.fee, "fee"),
    signature,
  });
}
