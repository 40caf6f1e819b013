/**
 * Generates `contracts/zk-rollup/poseidon/PoseidonT<t>.sol`: Poseidon over BN254's scalar field
 * with circomlib's parameters, so that L1 computes the same hashes as the circuits and the
 * operator. Run `npx l2kit zk gen-poseidon`; a test regenerates the files and fails when the
 * committed ones differ, and another checks them against poseidon-lite.
 *
 * The contracts follow circomlib's optimised Poseidon (the constants of
 * `poseidon_constants.circom`): full rounds mix with the MDS matrix M (and P once, at the switch),
 * while each partial round uses a sparse matrix S, 2t - 1 multiplications instead of t^2. The
 * sparse matrices are too large for a contract's code, so the constructor deploys them (with the
 * round constants) as data contracts, copied into memory at each call.
 */
import fs from "node:fs";
import path from "node:path";

export const POSEIDON_WIDTHS = [5, 6, 7] as const;
const FULL_ROUNDS = 8;
/** Partial rounds by t - 2, as circomlib uses them. */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const P_HEX = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
/** Largest data contract runtime (EIP-170 allows 24,576 bytes; one byte is the STOP prefix). */
const DATA_CHUNK_WORDS = 760;

/** The numbers of `function <name>(t)`'s branch for `t` in circomlib's poseidon_constants.circom. */
function circomlibConstants(name: "C" | "S" | "M" | "P", t: number): bigint[] {
  const file = path.join(
    path.dirname(require.resolve("circomlib/package.json")),
    "circuits",
    "poseidon_constants.circom",
  );
  const text = fs.readFileSync(file, "utf8");
  const fn = text.indexOf(`function POSEIDON_${name}(t)`);
  const next = text.indexOf("\nfunction ", fn + 1);
  const body = text.slice(fn, next < 0 ? undefined : next);
  const branch = new RegExp(`if \\(t\\s*==\\s*${t}\\)`).exec(body);
  if (branch === null) throw new Error(`no POSEIDON_${name} for t=${t}`);
  const rest = body.slice(branch.index + branch[0].length);
  const end = rest.search(/\} else if \(t\s*==/);
  return [...(end < 0 ? rest : rest.slice(0, end)).matchAll(/0x[0-9a-fA-F]+/g)].map((m) =>
    BigInt(m[0]),
  );
}

const word = (v: bigint): string => v.toString(16).padStart(64, "0");
const hex = (v: bigint): string => `0x${v.toString(16)}`;

export function poseidonSolidity(t: number): string {
  const n = t - 1;
  const partial = PARTIAL_ROUNDS[t - 2];
  const half = FULL_ROUNDS / 2;
  const C = circomlibConstants("C", t);
  const S = circomlibConstants("S", t);
  const Mflat = circomlibConstants("M", t);
  const Pflat = circomlibConstants("P", t);
  if (
    C.length !== t * FULL_ROUNDS + partial ||
    S.length !== partial * (2 * t - 1) ||
    Mflat.length !== t * t ||
    Pflat.length !== t * t
  ) {
    throw new Error(`unexpected constants for t=${t}`);
  }
  // circomlib's Mix: out[i] = sum_j M[j][i] * in[j].
  const M = (j: number, i: number): bigint => Mflat[j * t + i];
  const P = (j: number, i: number): bigint => Pflat[j * t + i];
  const idx = Array.from({ length: t }, (_, i) => i);
  const I = "            "; // indentation inside the loops

  const data = [...C, ...S];
  const chunks: bigint[][] = [];
  for (let i = 0; i < data.length; i += DATA_CHUNK_WORDS)
    chunks.push(data.slice(i, i + DATA_CHUNK_WORDS));

  const mixInto = (m: (j: number, i: number) => bigint, indent: string): string =>
    idx
      .map((i) =>
        [
          `${indent}{`,
          ...idx.map((j) =>
            j === 0
              ? `${indent}    let v := mulmod(${hex(m(0, i))}, mload(a), ${P_HEX})`
              : `${indent}    v := addmod(v, mulmod(${hex(m(j, i))}, mload(add(a, ${j * 32})), ${P_HEX}), ${P_HEX})`,
          ),
          `${indent}    mstore(add(b, ${i * 32}), v)`,
          `${indent}}`,
        ].join("\n"),
      )
      .join("\n");
  const swap = (indent: string): string =>
    [
      `${indent}{`,
      `${indent}    let swap := a`,
      `${indent}    a := b`,
      `${indent}    b := swap`,
      `${indent}}`,
    ].join("\n");
  const sboxAll = (indent: string): string =>
    idx.map((i) => `${indent}mstore(add(a, ${i * 32}), pow5(mload(add(a, ${i * 32}))))`).join("\n");
  /** a_i += C[offset + i], offset given as a Yul expression in words. */
  const ark = (offset: string, indent: string): string =>
    idx
      .map(
        (i) =>
          `${indent}mstore(add(a, ${i * 32}), addmod(mload(add(a, ${i * 32})), mload(add(k, mul(add(${offset}, ${i}), 32))), ${P_HEX}))`,
      )
      .join("\n");
  const sAt = t * FULL_ROUNDS + partial; // S starts after C, in words
  const partialRound = [
    `${I}    let s0 := addmod(pow5(mload(a)), mload(add(k, mul(add(${t * (half + 1)}, r), 32))), ${P_HEX})`,
    `${I}    let sp := add(k, mul(add(${sAt}, mul(r, ${2 * t - 1})), 32))`,
    `${I}    let v := mulmod(mload(sp), s0, ${P_HEX})`,
    ...idx
      .slice(1)
      .map(
        (i) =>
          `${I}    v := addmod(v, mulmod(mload(add(sp, ${i * 32})), mload(add(a, ${i * 32})), ${P_HEX}), ${P_HEX})`,
      ),
    ...idx
      .slice(1)
      .map(
        (i) =>
          `${I}    mstore(add(a, ${i * 32}), addmod(mload(add(a, ${i * 32})), mulmod(s0, mload(add(sp, ${(t + i - 1) * 32})), ${P_HEX}), ${P_HEX}))`,
      ),
    `${I}    mstore(a, v)`,
  ].join("\n");
  const last = [
    `        let v := mulmod(${hex(M(0, 0))}, mload(a), ${P_HEX})`,
    ...idx
      .slice(1)
      .map(
        (j) =>
          `        v := addmod(v, mulmod(${hex(M(j, 0))}, mload(add(a, ${j * 32})), ${P_HEX}), ${P_HEX})`,
      ),
    "        out := v",
  ].join("\n");
  const dataDecls = chunks.map((_, i) => `    address private immutable _data${i};`).join("\n");
  const dataInit = chunks
    .map((c, i) => `        _data${i} = _deploy(hex"00${c.map(word).join("")}");`)
    .join("\n");
  let copied = 0;
  const copies = chunks
    .map((c, i) => {
      const line = `            extcodecopy(data${i}, add(k, ${copied * 32}), 1, ${c.length * 32})`;
      copied += c.length;
      return line;
    })
    .join("\n");
  const dataLocals = chunks.map((_, i) => `        address data${i} = _data${i};`).join("\n");

  return `// SPDX-License-Identifier: GPL-3.0-or-later
// Generated by scripts/gen/poseidon.ts from circomlib's Poseidon parameters; do not edit.
pragma solidity ^0.8.28;

/// @title PoseidonT${t}
/// @notice Poseidon hash of ${n} field elements over BN254's scalar field, equal to circomlib's
///         \`Poseidon(${n})\` and poseidon-lite's \`poseidon${n}\` (t = ${t}, ${FULL_ROUNDS} full and ${partial} partial rounds).
/// @dev circomlib's optimised form: sparse matrices in the partial rounds. The round constants
///      and sparse matrices (${data.length} words) live in ${chunks.length} data contract(s) deployed by the
///      constructor and copied into memory per call; the MDS matrices are inlined.
///      Inputs must be field elements (below the field modulus); anything else reverts, so no two
///      input vectors that differ as integers can collide by wrapping around the modulus.
contract PoseidonT${t} {
    /// @notice An input is not below the BN254 scalar field modulus.
    error PoseidonInputOutOfField(uint256 index, uint256 value);
    /// @notice A data contract could not be deployed.
    error PoseidonDataDeployFailed();

    uint256 private constant _P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
${dataDecls}

    constructor() {
${dataInit}
    }

    /// @notice Poseidon(inputs), circomlib parameters.
    function hash(uint256[${n}] calldata inputs) external view returns (uint256 out) {
        for (uint256 i; i < ${n}; ++i) {
            uint256 v = inputs[i];
            if (v >= _P) revert PoseidonInputOutOfField(i, v);
        }
${dataLocals}
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            function pow5(x) -> y {
                let x2 := mulmod(x, x, ${P_HEX})
                y := mulmod(mulmod(x2, x2, ${P_HEX}), x, ${P_HEX})
            }
            // Scratch memory past the free pointer (not allocated): constants, then two state buffers.
            let k := mload(0x40)
${copies}
            let a := add(k, ${data.length * 32})
            let b := add(a, ${t * 32})
            mstore(a, 0)
${idx
  .slice(1)
  .map((i) => `            mstore(add(a, ${i * 32}), calldataload(add(inputs, ${(i - 1) * 32})))`)
  .join("\n")}
${ark("0", "            ")}
            for {
                let r := 0
            } lt(r, ${half - 1}) {
                r := add(r, 1)
            } {
${sboxAll("                ")}
${ark(`mul(add(r, 1), ${t})`, "                ")}
${mixInto(M, "                ")}
${swap("                ")}
            }
${sboxAll("            ")}
${ark(`${half * t}`, "            ")}
${mixInto(P, "            ")}
${swap("            ")}
            for {
                let r := 0
            } lt(r, ${partial}) {
                r := add(r, 1)
            } {
${partialRound}
            }
            for {
                let r := 0
            } lt(r, ${half - 1}) {
                r := add(r, 1)
            } {
${sboxAll("                ")}
${ark(`add(${(half + 1) * t + partial}, mul(r, ${t}))`, "                ")}
${mixInto(M, "                ")}
${swap("                ")}
            }
${sboxAll("            ")}
    ${last.split("\n").join("\n    ")}
        }
    }

    /// @dev Deploys \`blob\` (prefixed with a STOP byte, so it can never run) as contract code.
    function _deploy(bytes memory blob) private returns (address data) {
        bytes memory init = abi.encodePacked(hex"63", uint32(blob.length), hex"80600e6000396000f3", blob);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            data := create(0, add(init, 32), mload(init))
        }
        if (data == address(0)) revert PoseidonDataDeployFailed();
    }
}
`;
}

export const POSEIDON_DIR = path.join(__dirname, "..", "..", "contracts", "zk-rollup", "poseidon");

/** Writes every PoseidonT<t>.sol; returns the files written. */
export function writePoseidonContracts(dir = POSEIDON_DIR): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return POSEIDON_WIDTHS.map((t) => {
    const file = path.join(dir, `PoseidonT${t}.sol`);
    fs.writeFileSync(file, poseidonSolidity(t));
    return file;
  });
}
