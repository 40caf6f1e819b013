import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { deployZkRollup } from "../../../deploy";
import { REPO_ROOT } from "../../../operator/zk/setup/compile";
import { setupCircuit, verifierStatus } from "../../../operator/zk/setup/pipeline";
import { generateDevPtau } from "../../../operator/zk/setup/ptau";

const BUILD = path.join(REPO_ROOT, "circuits", "build");

describe("operator/zk/setup/pipeline", function () {
  let dir: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-pipeline-"));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes a verifier that records its verification key, and notices when it goes stale", async function () {
    const verifiers = path.join(dir, "verifiers");
    const stages: string[] = [];
    const setup = await setupCircuit("test", {
      buildDir: BUILD,
      verifiersDir: verifiers,
      onStage: (s) => stages.push(s),
    });
    expect(stages).to.deep.equal(["verifier"]); // everything else was cached
    expect(setup.insecure).to.equal(true);
    expect(verifierStatus("test", setup.vkeyFile, verifiers)).to.equal("fresh");
    const source = fs.readFileSync(setup.verifierFile, "utf8");
    expect(source).to.include(`// vkey-sha256: ${setup.vkeyHash}`);
    expect(source).to.include("contract RollupVerifierTest");
    expect(source).to.include("INSECURE");
    fs.writeFileSync(setup.verifierFile, source.replace(setup.vkeyHash, "0".repeat(64)));
    expect(verifierStatus("test", setup.vkeyFile, verifiers)).to.equal("stale");
    fs.rmSync(setup.verifierFile);
    expect(verifierStatus("test", setup.vkeyFile, verifiers)).to.equal("missing");
    // A second run regenerates it.
    await setupCircuit("test", { buildDir: BUILD, verifiersDir: verifiers });
    expect(verifierStatus("test", setup.vkeyFile, verifiers)).to.equal("fresh");
  });

  it("verifies a production powers of tau before building on it, and refuses a bad one", async function () {
    const missing = await setupCircuit("test", {
      buildDir: BUILD,
      ptau: path.join(dir, "nope.ptau"),
    }).catch((e: unknown) => e);
    expect(missing).to.have.property("code", "PTAU_MISSING");

    const small = path.join(dir, "small.ptau");
    await generateDevPtau(10, small, { beaconHex: "cd".repeat(32) });
    const tooSmall = await setupCircuit("test", { buildDir: BUILD, ptau: small }).catch(
      (e: unknown) => e,
    );
    expect(tooSmall).to.have.property("code", "PTAU_TOO_SMALL");

    const bytes = fs.readFileSync(small);
    bytes[bytes.length - 100] ^= 0xff;
    const bad = path.join(dir, "bad.ptau");
    fs.writeFileSync(bad, bytes);
    const invalid = await setupCircuit("test", { buildDir: BUILD, ptau: bad }).catch(
      (e: unknown) => e,
    );
    expect(invalid).to.have.property("code", "PTAU_INVALID");
  });

  it("deployment refuses a circuit whose verifier was not built", async function () {
    const err = await deployZkRollup(hre, {
      circuits: ["test"],
      zkBuildDir: path.join(dir, "empty"),
    }).catch((e: unknown) => e);
    expect(err).to.have.property("code", "ZK_VERIFIER_NOT_READY");
    expect(String((err as Error).message)).to.match(
      /missing: run npx l2kit zk setup --circuit test/,
    );
  });
});
