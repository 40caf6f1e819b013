import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { compileCircuit, REPO_ROOT } from "../../../operator/zk/setup/compile";
import { generateDevPtau } from "../../../operator/zk/setup/ptau";
import { snarkjs } from "../../../operator/zk/setup/snarkjs";
import { newZkeyFromDevPtau } from "../../../operator/zk/setup/zkey";

const BUILD = path.join(REPO_ROOT, "circuits", "build", "test");

describe("operator/zk/setup/zkey: circuit key from a development ptau", function () {
  let dir: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-zkey-"));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, template, params, power] of [
    ["float-decode-float40", "FloatDecode", [5, 35], 9],
    ["quad-merkle-root-3", "QuadMerkleRoot", [3], 10],
  ] as const) {
    it(`writes exactly what snarkjs zkey new writes (${template}, ptau 2^${power}), and it verifies`, async function () {
      const source = template === "FloatDecode" ? "float.circom" : "quadtree.circom";
      const build = await compileCircuit({ name, source, template, params: [...params] }, BUILD);
      const ptau = path.join(dir, `dev-${power}.ptau`);
      if (!fs.existsSync(ptau)) await generateDevPtau(power, ptau, { beaconHex: "ab".repeat(32) });
      const theirs = path.join(dir, `${name}.snarkjs.zkey`);
      const ours = path.join(dir, `${name}.l2kit.zkey`);
      await snarkjs.zKey.newZKey(build.r1cs, ptau, theirs);
      await newZkeyFromDevPtau(build.r1cs, ptau, ours);
      expect(Buffer.compare(fs.readFileSync(ours), fs.readFileSync(theirs))).to.equal(0);
      expect(await snarkjs.zKey.verifyFromR1cs(build.r1cs, ptau, ours)).to.equal(true);
    });
  }

  it("refuses a ptau whose secrets are not public", async function () {
    const ptau = path.join(dir, "dev-9.ptau");
    const bytes = fs.readFileSync(ptau);
    // Corrupt tau*G1 (the second point of section 2): the beacon no longer reproduces it.
    const { binFileUtils } = await import("../../../operator/zk/setup/snarkjs");
    const { fd, sections } = await binFileUtils.readBinFile(ptau, "ptau", 1);
    const at = sections[2][0].p + 64;
    await fd.close();
    const other = bytes.subarray(sections[2][0].p + 128, sections[2][0].p + 192);
    bytes.set(other, at);
    const bad = path.join(dir, "bad.ptau");
    fs.writeFileSync(bad, bytes);
    const build = await compileCircuit(
      {
        name: "float-decode-float40",
        source: "float.circom",
        template: "FloatDecode",
        params: [5, 35],
      },
      BUILD,
    );
    const err = await newZkeyFromDevPtau(build.r1cs, bad, path.join(dir, "x.zkey")).catch(
      (e: unknown) => e,
    );
    expect(err).to.have.property("code", "PTAU_SECRET_MISMATCH");
  });
});
