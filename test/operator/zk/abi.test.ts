import { expect } from "chai";
import { Interface } from "ethers";
import hre from "hardhat";
import { ZK_ROLLUP_ABI, zkRollupInterface } from "../../../operator/zk/abi";

describe("ZK rollup ABI fragments used by operator processes", function () {
  it("match the compiled ZkRollup exactly", async function () {
    const compiled = new Interface((await hre.artifacts.readArtifact("ZkRollup")).abi);
    expect(ZK_ROLLUP_ABI.length).to.be.greaterThan(0);
    zkRollupInterface.forEachFunction((f) => {
      const c = compiled.getFunction(f.format("sighash"));
      expect(c, f.format("sighash")).to.not.equal(null);
      expect(c!.format("minimal"), f.name).to.equal(f.format("minimal"));
    });
    zkRollupInterface.forEachError((e) => {
      const c = compiled.getError(e.format("sighash"));
      expect(c, e.format("sighash")).to.not.equal(null);
      expect(c!.format("minimal"), e.name).to.equal(e.format("minimal"));
    });
    zkRollupInterface.forEachEvent((e) => {
      const c = compiled.getEvent(e.format("sighash"));
      expect(c, e.format("sighash")).to.not.equal(null);
      expect(c!.format("full"), e.name).to.equal(e.format("full"));
    });
  });
});
