import { expect } from "chai";
import { Interface } from "ethers";
import hre from "hardhat";
import {
  CHALLENGE_GAME_ABI,
  challengeGameInterface,
  OPTIMISTIC_ROLLUP_ABI,
  optimisticRollupInterface,
} from "../../../operator/optimistic/abi";
import {
  ADJUDICATOR_ABI,
  adjudicatorInterface,
  SECRET_REGISTRY_ABI,
  secretRegistryInterface,
} from "../../../operator/channels/abi";
import { PLASMA_ABI, plasmaInterface } from "../../../operator/plasma/abi";

describe("ABI fragments used by operator processes (optimistic rollup, channels, Plasma)", function () {
  for (const [name, ours, fragments] of [
    ["OptimisticRollup", optimisticRollupInterface, OPTIMISTIC_ROLLUP_ABI],
    ["ChallengeGame", challengeGameInterface, CHALLENGE_GAME_ABI],
    ["Adjudicator", adjudicatorInterface, ADJUDICATOR_ABI],
    ["SecretRegistry", secretRegistryInterface, SECRET_REGISTRY_ABI],
    ["PlasmaChain", plasmaInterface, PLASMA_ABI],
  ] as const satisfies readonly (readonly [string, Interface, readonly string[]])[]) {
    it(`match the compiled ${name} exactly`, async function () {
      const compiled = new Interface((await hre.artifacts.readArtifact(name)).abi);
      expect(fragments.length).to.be.greaterThan(0);
      ours.forEachFunction((f) => {
        const c = compiled.getFunction(f.format("sighash"));
        expect(c, f.format("sighash")).to.not.equal(null);
        expect(c!.format("full"), f.name).to.equal(f.format("full"));
      });
      ours.forEachError((e) => {
        const c = compiled.getError(e.format("sighash"));
        expect(c, e.format("sighash")).to.not.equal(null);
        expect(c!.format("full"), e.name).to.equal(e.format("full"));
      });
      ours.forEachEvent((e) => {
        const c = compiled.getEvent(e.format("sighash"));
        expect(c, e.format("sighash")).to.not.equal(null);
        expect(c!.format("full"), e.name).to.equal(e.format("full"));
      });
    });
  }
});
