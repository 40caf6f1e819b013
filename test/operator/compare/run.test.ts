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

describe("compare: runCompare's checks before it runs", function () {
  it("refuses a chain other than a development chain, before sending anything", async function () {
    let error: unknown;
    try {
      await runCompare({
        hre: hreOnChain(1n),
        workload: DEFAULT_WORKLOAD,
        quick: true,
        throughput: false,
      });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(
      /--network: the comparison runs on a development chain .* not chain 1/,
    );
  });

  it("refuses a workload a selected system cannot carry, and runs it when that system is left out", async function () {
    const big = { ...DEFAULT_WORKLOAD, users: 8, tokens: 2 };
    let error: unknown;
    try {
      await runCompare({ hre: hreOnChain(1n), workload: big, quick: true, throughput: false });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(
      /--users: the ZK rollup's test circuit holds 15 accounts/,
    );
    // Without the ZK rollup the workload passes the checks (and fails on the chain instead).
    error = undefined;
    try {
      await runCompare({
        hre: hreOnChain(1n),
        workload: big,
        quick: true,
        throughput: false,
        only: ["plasma"],
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/--network/);
  });
});
