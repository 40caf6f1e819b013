/**
 * The layer-1 baseline every l2kit figure is compared with: the gas of a plain ERC-20 transfer
 * (to an account that already holds the token, and to one that does not) and of an ETH transfer,
 * measured on the EVM in use. Shared by the bench and the demo.
 */
import type { Provider, Signer } from "ethers";
import type { BaselineToken } from "../../typechain-types";

export interface L1Baseline {
  /** ERC-20 `transfer` to an existing holder, total gas of the transaction. */
  erc20ToHolderGas: bigint;
  /** ERC-20 `transfer` to an account with a zero balance. */
  erc20ToNewHolderGas: bigint;
  /** Plain ETH transfer to an existing account. */
  ethTransferGas: bigint;
  /** Calldata of one ERC-20 `transfer` (selector + address + amount). */
  erc20CalldataBytes: number;
  /** Block gas limit of the chain measured on. */
  blockGasLimit: bigint;
}

export interface BaselineStep {
  what: string;
  txHash: string;
  gasUsed: bigint;
}

/**
 * Measures the baseline with real transactions. `holder` receives the initial mint; `existing`
 * is made a holder first; `fresh` must hold no tokens yet (a new random account per sample).
 */
export async function measureL1Baseline(opts: {
  token: BaselineToken;
  minter: Signer;
  holder: Signer;
  existing: Signer;
  fresh: () => Promise<string>;
  provider: Provider;
  samples?: number;
  onStep?: (step: BaselineStep) => void;
}): Promise<L1Baseline> {
  const { token, minter, holder, existing, provider } = opts;
  const samples = opts.samples ?? 3;
  const step = async (what: string, tx: Promise<{ wait(): Promise<unknown> }>): Promise<bigint> => {
    const receipt = (await (await tx).wait()) as { hash: string; gasUsed: bigint } | null;
    if (receipt === null) throw new Error(`${what}: no receipt`);
    opts.onStep?.({ what, txHash: receipt.hash, gasUsed: receipt.gasUsed });
    return receipt.gasUsed;
  };
  const holderAddr = await holder.getAddress();
  const existingAddr = await existing.getAddress();
  const unit = 10n ** 18n;
  await step(
    "mint 1,000,000 tokens to the holder",
    token.connect(minter).mint(holderAddr, 1_000_000n * unit),
  );
  await step("make a second account a holder", token.connect(holder).transfer(existingAddr, unit));

  const toHolder: bigint[] = [];
  const toNew: bigint[] = [];
  const eth: bigint[] = [];
  for (let i = 0; i < samples; i++) {
    toHolder.push(
      await step(
        "ERC-20 transfer to an existing holder",
        token.connect(holder).transfer(existingAddr, unit),
      ),
    );
    toNew.push(
      await step(
        "ERC-20 transfer to a new holder",
        token.connect(holder).transfer(await opts.fresh(), unit),
      ),
    );
    eth.push(await step("ETH transfer", holder.sendTransaction({ to: existingAddr, value: 1n })));
  }
  const calldata = token.interface.encodeFunctionData("transfer", [existingAddr, unit]);
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return {
    erc20ToHolderGas: median(toHolder),
    erc20ToNewHolderGas: median(toNew),
    ethTransferGas: median(eth),
    erc20CalldataBytes: (calldata.length - 2) / 2,
    blockGasLimit: block.gasLimit,
  };
}

export function median(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
