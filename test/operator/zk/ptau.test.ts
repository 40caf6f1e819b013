import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { batchInverse, modInverse } from "../../../operator/lib/field";
import {
  bn128,
  DEV_PTAU_NAME,
  generateDevPtau,
  MAX_DEV_POWER,
  lagrangeScalars,
  secretsFromBeacon,
  verifyPtau,
} from "../../../operator/zk/setup/ptau";
import { binFileUtils, snarkjs } from "../../../operator/zk/setup/snarkjs";

const BEACON = "5eed".repeat(16);

describe("operator/zk/setup development powers of tau", function () {
  let dir: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-ptau-"));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes exactly the file snarkjs' own preparephase2 writes, and it verifies", async function () {
    const power = 5;
    const mine = path.join(dir, "mine.ptau");
    const progress: number[] = [];
    await generateDevPtau(power, mine, {
      beaconHex: BEACON,
      onProgress: (p) => progress.push(p.done / p.total),
    });
    expect(progress.at(-1)).to.equal(1);

    // The reference: the same beacon through snarkjs' slow path.
    const curve = await bn128();
    const fresh = path.join(dir, "fresh.ptau");
    const beacon = path.join(dir, "beacon.ptau");
    const prepared = path.join(dir, "prepared.ptau");
    await snarkjs.powersOfTau.newAccumulator(curve, power, fresh);
    await snarkjs.powersOfTau.beacon(fresh, beacon, DEV_PTAU_NAME, BEACON, 10);
    await snarkjs.powersOfTau.preparePhase2(beacon, prepared);

    const a = await binFileUtils.readBinFile(mine, "ptau", 1);
    const b = await binFileUtils.readBinFile(prepared, "ptau", 1);
    for (const section of [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) {
      const x = await binFileUtils.readSection(a.fd, a.sections, section);
      const y = await binFileUtils.readSection(b.fd, b.sections, section);
      expect(Buffer.from(x).equals(Buffer.from(y)), `section ${section}`).to.equal(true);
    }
    await a.fd.close();
    await b.fd.close();
    expect(await verifyPtau(mine)).to.equal(true);
    // Its one contribution says what it is.
    expect(fs.readFileSync(mine).includes(Buffer.from(DEV_PTAU_NAME))).to.equal(true);
  });

  it("fails verification once a Lagrange point is tampered with", async function () {
    const file = path.join(dir, "tampered.ptau");
    await generateDevPtau(3, file, { beaconHex: BEACON });
    const { fd, sections } = await binFileUtils.readBinFile(file, "ptau", 1);
    const at = sections[14][0].p + 64 * 2; // the third alpha*L_j(tau) point
    await fd.close();
    const bytes = fs.readFileSync(file);
    const other = bytes.subarray(sections[14][0].p, sections[14][0].p + 64);
    bytes.set(other, at); // replace it with another valid point
    fs.writeFileSync(file, bytes);
    expect(await verifyPtau(file)).to.equal(false);
  });

  it("derives the beacon's secrets as snarkjs does (tau*G1 matches the file)", async function () {
    const curve = await bn128();
    const { tau } = secretsFromBeacon(curve, BEACON, 10);
    const file = path.join(dir, "mine3.ptau");
    await generateDevPtau(3, file, { beaconHex: BEACON });
    const { fd, sections } = await binFileUtils.readBinFile(file, "ptau", 1);
    const tauG1 = await binFileUtils.readSection(fd, sections, 2, 64, 64);
    await fd.close();
    expect(
      curve.G1.eq(
        curve.G1.fromRprLEM(tauG1, 0),
        curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, tau)),
      ),
    ).to.equal(true);
  });

  it("computes Lagrange scalars that sum to the polynomial identity", async function () {
    const curve = await bn128();
    const r = curve.r;
    const tau = 987654321987654321n;
    // sum_j L_j(tau) = 1 for any domain.
    for (const p of [0, 1, 4, 8]) {
      const s = lagrangeScalars(curve, tau, p, 2 ** p, 1n, r);
      expect(
        s.reduce((x, y) => (x + y) % r, 0n),
        `p=${p}`,
      ).to.equal(1n);
    }
    expect(batchInverse([2n, 3n, 5n], r).map((v, i) => (v * [2n, 3n, 5n][i]) % r)).to.deep.equal([
      1n,
      1n,
      1n,
    ]);
    expect(() => modInverse(0n, r)).to.throw(/no inverse/);
    expect(() => batchInverse([1n, 0n], r, "tau is a root of unity")).to.throw(/root of unity/);
  });

  it("refuses a power it cannot serve", async function () {
    for (const power of [0, MAX_DEV_POWER + 1, 2.5]) {
      const err = await generateDevPtau(power, path.join(dir, "x.ptau")).catch((e: unknown) => e);
      expect(err).to.have.property("code", "PTAU_BAD_POWER");
    }
    expect(fs.existsSync(path.join(dir, "x.ptau"))).to.equal(false);
  });
});
