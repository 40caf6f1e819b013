import { expect } from "chai";
import { forgeInvocation } from "../../scripts/commands/invariants";
import { run } from "../helpers/cli";

describe("scripts/commands/invariants (npx l2kit invariants)", function () {
  it("hands forge the profile, the seed, the filter and the campaign size", function () {
    const ci = forgeInvocation({ profile: "default" });
    expect(ci.args).to.deep.equal(["test"]);
    expect(ci.env.FOUNDRY_PROFILE).to.equal("default");
    expect(ci.env.FOUNDRY_INVARIANT_RUNS).to.equal(undefined);

    const deep = forgeInvocation({
      profile: "deep",
      seed: "0x1f",
      match: "ExitQueue",
      runs: 7,
      depth: 9,
    });
    expect(deep.args).to.deep.equal([
      "test",
      "--fuzz-seed",
      "0x1f",
      "--match-contract",
      "ExitQueue",
    ]);
    expect(deep.env.FOUNDRY_PROFILE).to.equal("deep");
    expect(deep.env.FOUNDRY_INVARIANT_RUNS).to.equal("7");
    expect(deep.env.FOUNDRY_INVARIANT_DEPTH).to.equal("9");
  });

  it("answers bad flags with exit code 2 and the flag's name, before running anything", async function () {
    const cases: [string[], RegExp][] = [
      [["invariants", "--seed", "zz"], /--seed: must be a hex number/],
      [["invariants", "--seed", "0x"], /--seed: must be a hex number/],
      [["invariants", "--runs", "0"], /--runs: must be an integer from 1/],
      [["invariants", "--depth", "1.5"], /--depth: must be an integer from 1/],
      [["invariants", "--bogus"], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.err, args.join(" ")).to.match(message);
      expect(r.out, args.join(" ")).to.not.match(/^forge test/m);
    }
  });

  it("fails a run in which forge found no suite, instead of passing it as green", async function () {
    this.timeout(300_000);
    const r = await run(["invariants", "--match", "NoSuchSuite"]);
    expect(r.code).to.equal(1);
    expect(r.err).to.include(
      "[INVARIANT_NO_SUITES]: forge ran no test matching --match NoSuchSuite",
    );
  });

  it("runs a deep campaign with a fresh seed that it prints for the replay", async function () {
    this.timeout(300_000);
    const r = await run([
      "invariants",
      "--deep",
      "--match",
      "ExitQueue",
      "--runs",
      "2",
      "--depth",
      "5",
    ]);
    expect(r.code, r.err).to.equal(0);
    const seed = /profile deep, seed (0x[0-9a-f]{16})\)/.exec(r.out)?.[1];
    expect(seed, r.out).to.not.equal(undefined);
    expect(r.out).to.include(`seed ${seed}`);
  });
});
