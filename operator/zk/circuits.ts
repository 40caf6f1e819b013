/** The batch circuits l2kit builds, from `circuits/config.json` (sizes live there, not in sources). */
import fs from "node:fs";
import path from "node:path";
import { InputError } from "../core/errors";
import { checkShape, type BatchShape } from "./protocol";
import { REPO_ROOT, type CircuitSpec } from "./setup/compile";

export const CIRCUITS_CONFIG = path.join(REPO_ROOT, "circuits", "config.json");

export function circuitShapes(file = CIRCUITS_CONFIG): Record<string, BatchShape> {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as {
    circuits: Record<string, BatchShape>;
  };
  for (const [name, shape] of Object.entries(parsed.circuits)) {
    if (!/^[a-z0-9-]+$/.test(name))
      throw new InputError(`circuits.${name}`, "name must be [a-z0-9-]+");
    checkShape(shape);
  }
  return parsed.circuits;
}

export function circuitShape(name: string): BatchShape {
  const shapes = circuitShapes();
  const shape = shapes[name];
  if (shape === undefined)
    throw new InputError(
      "circuit",
      `unknown circuit ${JSON.stringify(name)}; known: ${Object.keys(shapes).join(", ")}`,
    );
  return shape;
}

/** The compile spec of a batch circuit: Rollup(levels, T, W, D, F) with one public input. */
export function rollupSpec(name: string, shape: BatchShape): CircuitSpec {
  return {
    name: `rollup-${name}`,
    source: "rollup.circom",
    template: "Rollup",
    params: [shape.levels, shape.txSlots, shape.withdrawSlots, shape.depositSlots, shape.feeSlots],
    publicInputs: ["inputHash"],
    ...(shape.lowMemory === true ? { lowMemory: true } : {}),
  };
}
