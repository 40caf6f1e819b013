import fs from "node:fs";
import path from "node:path";

export interface FloatVectors {
  exponentBits: number;
  mantissaBits: number;
  canonical: { packed: string; value: string }[];
  nonCanonical: { packed: string }[];
  notRepresentable: { value: string; closest: string }[];
  tooLarge: string[];
  badWidth: string[];
}

/** The hand-written float vectors every codec implementation is tested against. */
export function floatVectors(): { float40: FloatVectors; float8: FloatVectors } {
  return JSON.parse(
    fs.readFileSync(path.join(__dirname, "..", "vectors", "floats.json"), "utf8"),
  ) as {
    float40: FloatVectors;
    float8: FloatVectors;
  };
}
