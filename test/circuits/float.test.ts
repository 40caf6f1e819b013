import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { AMOUNT, FEE, type FloatFormat } from "../../operator/lib/float";
import { compileCircuit, LoadedCircuit, REPO_ROOT } from "../../operator/zk/setup/compile";
import { floatVectors, type FloatVectors } from "../helpers/vectors";

const BUILD = path.join(REPO_ROOT, "circuits", "build", "test");
const vectors = floatVectors();

describe("circuits/src/float.circom FloatDecode", function () {
  const cases: [string, FloatFormat, FloatVectors][] = [
    ["float40", AMOUNT, vectors.float40],
    ["float8", FEE, vectors.float8],
  ];
  for (const [name, format, v] of cases) {
    describe(name, function () {
      let circuit: LoadedCircuit;
      before(async function () {
        const build = await compileCircuit(
          {
            name: `float-decode-${name}`,
            source: "float.circom",
            template: "FloatDecode",
            params: [v.exponentBits, v.mantissaBits],
          },
          BUILD,
        );
        circuit = await LoadedCircuit.load(build);
      });

      it("decodes every canonical vector (expectPass)", async function () {
        for (const { packed, value } of v.canonical) {
          const w = await circuit.witness({ in: BigInt(packed) });
          expect(circuit.signal(w, "main.out"), packed).to.equal(BigInt(value));
        }
      });

      it("cannot decode a non-canonical or too-wide packing (expectFail)", async function () {
        for (const packed of [...v.nonCanonical.map((n) => n.packed), ...v.badWidth]) {
          const err = await circuit.witness({ in: BigInt(packed) }).catch((e: unknown) => e);
          expect(err, packed).to.be.instanceOf(Error);
          expect(String(err), packed).to.match(/Assert Failed/);
        }
      });

      it("agrees with the TypeScript codec on random packings", async function () {
        await fc.assert(
          fc.asyncProperty(
            fc.bigInt({ min: 0n, max: (1n << BigInt(format.bits)) - 1n }),
            async (packed) => {
              const result = await circuit.witness({ in: packed }).then(
                (w) => circuit.signal(w, "main.out"),
                () => undefined,
              );
              expect(result).to.equal(
                format.isCanonical(packed) ? format.decode(packed) : undefined,
              );
            },
          ),
          { numRuns: 100 },
        );
      });
    });
  }
});
