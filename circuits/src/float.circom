pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";

// FloatDecode(E, M): decodes a canonical decimal float, the codec of operator/zk/float.ts and
// contracts/libraries/FloatCodec.sol.
//
//   input  in    (exponent << M) | mantissa
//   output out   mantissa * 10^exponent
//   output bits  the E + M bits of `in`, low first (for pubdata)
//
// Constrains `in` to E + M bits and to the canonical encoding: exponent = 0, or
// 10 * mantissa > 2^M - 1 (the smallest exponent), so every value has exactly one encoding.
// Soundness: requires M + (2^E - 1) * log2(10) < 253 so that `out` cannot wrap the field.
template FloatDecode(E, M) {
    assert(E >= 1 && E <= 5);
    assert(M >= 1 && M <= 100);

    signal input in;
    signal output out;
    signal output bits[E + M];

    component toBits = Num2Bits(E + M);
    toBits.in <== in;
    bits <== toBits.out;

    var mantissa = 0;
    for (var i = 0; i < M; i++) {
        mantissa += toBits.out[i] * (1 << i);
    }
    var exponent = 0;
    for (var i = 0; i < E; i++) {
        exponent += toBits.out[M + i] * (1 << i);
    }

    // 10^exponent by square-and-multiply over the exponent bits: one constraint per bit.
    signal scale[E + 1];
    scale[0] <== 1;
    for (var i = 0; i < E; i++) {
        scale[i + 1] <== scale[i] * (1 + toBits.out[M + i] * (10 ** (1 << i) - 1));
    }
    out <== mantissa * scale[E];

    // Canonical: exponent == 0 or 10 * mantissa > 2^M - 1.
    component exponentIsZero = IsZero();
    exponentIsZero.in <== exponent;
    component mantissaIsFull = GreaterThan(M + 4);
    mantissaIsFull.in[0] <== 10 * mantissa;
    mantissaIsFull.in[1] <== (1 << M) - 1;
    (1 - exponentIsZero.out) * (1 - mantissaIsFull.out) === 0;
}
