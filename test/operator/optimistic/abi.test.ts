import { expect } from "chai";
import { Interface } from "ethers";
import hre from "hardhat";
import { OPTIMISTIC_ROLLUP_ABI, optimisticRollupInterface } from "../../../operator/optimistic/abi";

describe("optimistic rollup ABI fragments used by operator processes", function () {
  it("match the compiled OptimisticRollup exactly", async function () {
    const compiled = new Interface((await hre.artifacts.readArtifact("OptimisticRollup")).abi);
    expect(OPTIMISTIC_ROLLUP_ABI.length).to.be.greaterThan(0);
    optimisticRollupInterface.forEachFunction((f) => {
      const c = compiled.getFunction(f.format("sighash"));
      expect(c, f.format("sighash")).to.not.equal(null);
      expect(c!.format("full"), f.name).to.equal(f.format("full"));
    });
    optimisticRollupInterface.forEachError((e) => {
      const c = compiled.getError(e.format("sighash"));
      expect(c, e.format("sighash")).to.not.equal(null);
      expect(c!.format("full"), e.name).to.equal(e.format("full"));
    });
    optimisticRollupInterface.forEachEvent((e) => {
      const c = compiled.getEvent(e.format("sighash"));
      expect(c, e.format("sighash")).to.not.equal(null);
      expect(c!.format("full"), e.name).to.equal(e.format("full"));
    });
  });
});
