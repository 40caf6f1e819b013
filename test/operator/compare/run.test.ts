import { expect } from "chai";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { runCompare } from "../../../operator/compare";
import { DEFAULT_WORKLOAD } from "../../../operator/compare/workload";
import { InputError } from "../../../operator/core/errors";

/** Just enough of a runtime environment for the checks made before anything runs. */
function hreOnChain(chainId: bigint): HardhatRuntimeEnvironment {
  return {
    ethers: { provider: { getNetwork: async () => ({ chainId }) } },
    network: { name: "somewhere", config: {} },
  } as unknown as HardhatRuntimeEnvironment;
}

/** The error `runCompare(options)` rejects with (the tests expect it to reject). */
async function refusal(options: Parameters<typeof runCompare>[0]): Promise<Error> {
  try {
    await runCompare(options);
  } catch (e) {
    return e as Error;
  }
  throw new Error("runCompare did not refuse");
}

describe("compare: runCompare's checks before it runs", function () {
  it("refuses a chain other than a development chain, before sending anything", async function () {
    const error = await refusal({
      hre: hreOnChain(1n),
      workload: DEFAULT_WORKLOAD,
      quick: true,
      throughput: false,
    });
    expect(error).to.be.instanceOf(InputError);
    expect(error.message).to.match(
      /--network: the comparison runs on a development chain .* not chain 1/,
    );
  });

  it("refuses a workload a selected system cannot carry, and runs it when that system is left out", async function () {
    const big = { ...DEFAULT_WORKLOAD, users: 8, tokens: 2 };
    const tooBig = await refusal({
      hre: hreOnChain(1n),
      workload: big,
      quick: true,
      throughput: false,
    });
    expect(tooBig.message).to.match(/--users: the ZK rollup's test circuit holds 15 accounts/);
    // Without the ZK rollup the workload passes the checks (and fails on the chain instead).
    const withoutZk = await refusal({
      hre: hreOnChain(1n),
      workload: big,
      quick: true,
      throughput: false,
      only: ["plasma"],
    });
    expect(withoutZk.message).to.match(/--network/);
  });
});
