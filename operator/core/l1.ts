/**
 * Connects an operator process to L1 from the configuration: the RPC provider, the signing
 * wallet and the chain id, checked against what the configuration expects. Operator processes
 * need a node they can share with others (a `npx hardhat node` or a real chain), so the embedded
 * in-process network is refused here with a message that says what to use instead.
 */
import { FetchRequest, HDNodeWallet, type JsonRpcProvider, Wallet } from "ethers";
import { ConfigError, describeError, L2kitError } from "./errors";
import { createRpcProvider, withRetry } from "./rpc";
import type { CoreConfig, NetworkConfig, NetworkName } from "./settings";

/** The mnemonic of `npx hardhat node`'s funded development accounts (public, worthless). */
export const HARDHAT_DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const LOCAL_CHAIN_ID = 31337n;

export interface L1Connection {
  network: NetworkName;
  url: string;
  chainId: bigint;
  provider: JsonRpcProvider;
  /** The operator's account; on a local chain without L2KIT_PRIVATE_KEY, development account `devAccount`. */
  signer: Wallet;
}

/** The private key of `npx hardhat node`'s development account `index`. */
export function hardhatDevKey(index: number): string {
  return HDNodeWallet.fromPhrase(HARDHAT_DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`)
    .privateKey;
}

export async function connectL1(
  net: NetworkConfig,
  core: Pick<CoreConfig, "pollIntervalMs" | "rpcRetries" | "rpcRetryDelayMs">,
  options: { devAccount?: number } = {},
): Promise<L1Connection> {
  let url: string;
  if (net.network === "hardhat") {
    throw new ConfigError(
      "L2KIT_NETWORK",
      "an operator process needs a node other processes can reach: start `npx hardhat node` and use --network localhost, or use --network remote",
      net.network,
    );
  } else if (net.network === "localhost") {
    url = net.localhostUrl;
  } else {
    if (net.rpcUrl === undefined)
      throw new ConfigError("L2KIT_RPC_URL", "required with --network remote");
    if (net.privateKey === undefined) {
      throw new ConfigError("L2KIT_PRIVATE_KEY", "required with --network remote");
    }
    url = net.rpcUrl;
  }
  let chainId: bigint;
  try {
    chainId = await withRetry("eth_chainId", () => fetchChainId(url), {
      retries: core.rpcRetries,
      baseDelayMs: core.rpcRetryDelayMs,
    });
  } catch (error) {
    throw new L2kitError(
      "RPC_UNREACHABLE",
      `cannot reach ${net.network} at ${url}: ${describeError(error)}`,
      { network: net.network, url },
    );
  }
  if (net.chainId !== undefined && BigInt(net.chainId) !== chainId) {
    throw new ConfigError(
      "L2KIT_CHAIN_ID",
      `the RPC at ${url} reports chain id ${chainId}`,
      String(net.chainId),
    );
  }
  let key = net.privateKey;
  if (key === undefined) {
    if (chainId !== LOCAL_CHAIN_ID) {
      throw new ConfigError(
        "L2KIT_PRIVATE_KEY",
        `required on chain ${chainId}; development keys are used only on chain ${LOCAL_CHAIN_ID}`,
      );
    }
    key = hardhatDevKey(options.devAccount ?? 0);
  }
  const provider = createRpcProvider(url, chainId, { pollIntervalMs: core.pollIntervalMs });
  return { network: net.network, url, chainId, provider, signer: new Wallet(key, provider) };
}

/** One raw `eth_chainId` call (a provider would first try to detect the network on its own). */
async function fetchChainId(url: string): Promise<bigint> {
  const req = new FetchRequest(url);
  req.timeout = 10_000;
  req.setHeader("content-type", "application/json");
  req.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  const res = await req.send();
  res.assertOk();
  const body = res.bodyJson as { result?: string; error?: { message?: string } };
  if (typeof body.result !== "string") {
    throw new Error(`eth_chainId answered ${JSON.stringify(body.error ?? body)}`);
  }
  return BigInt(body.result);
}
