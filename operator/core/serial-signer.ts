/**
 * A signer whose transactions are sent one after another: each send waits until the one before
 * it has been handed to the node, so a process that sends from several tasks at once (a
 * channel node's guard and its API) never gives two transactions the same nonce. Unlike ethers'
 * `NonceManager`, a transaction that fails before it is sent (a revert found by gas estimation)
 * leaves no gap in the account's nonces.
 */
import {
  AbstractSigner,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

export class SerialSigner extends AbstractSigner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly inner: Signer) {
    super(inner.provider);
  }

  getAddress(): Promise<string> {
    return this.inner.getAddress();
  }

  connect(provider: Provider | null): SerialSigner {
    return new SerialSigner(this.inner.connect(provider));
  }

  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(tx);
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }

  override sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const sent = this.tail.then(() => this.inner.sendTransaction(tx));
    this.tail = sent.catch(() => undefined);
    return sent;
  }
}
