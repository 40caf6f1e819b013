// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

// FloatCodec: the decimal floats of rollup pubdata (float40 amounts, float8 fees), decoded by the
// ZK rollup (decode: reverts) and the optimistic rollup's one-step executor (tryDecode: a bad
// record is a no-op).
//
// Differential fuzz tests against a reference written here from the format's definition alone
// (value = mantissa * 10^exponent; the canonical packing of a value is the one with the smallest
// exponent): a decode by division and repeated multiplication, and an encode that divides by ten
// while the mantissa does not fit. The actor is whoever writes pubdata (a sequencer or a batch
// submitter) and so chooses every packed bit: too-wide packings, non-canonical aliases (zero with
// an exponent, a mantissa that could absorb a factor of ten), the largest mantissa and exponent.
// The library's claims are the properties: "non-canonical encodings are rejected, so every value
// has exactly one encoding", "no overflow for mantissaBits <= 150" (exponentBits <= 5), and
// tryDecode is decode without the revert.

import {Base} from "../utils/Base.sol";
import {FloatCodec} from "../../../contracts/libraries/FloatCodec.sol";

/// @notice External entry points to the internal library, so reverts can be expected.
contract FloatCodecHarness {
    function decodeAmount(uint256 packed) external pure returns (uint256) {
        return FloatCodec.decodeAmount(packed);
    }

    function decodeFee(uint256 packed) external pure returns (uint256) {
        return FloatCodec.decodeFee(packed);
    }

    function decode(
        uint256 packed,
        uint256 exponentBits,
        uint256 mantissaBits
    ) external pure returns (uint256) {
        return FloatCodec.decode(packed, exponentBits, mantissaBits);
    }

    function tryDecode(
        uint256 packed,
        uint256 exponentBits,
        uint256 mantissaBits
    ) external pure returns (bool, uint256) {
        return FloatCodec.tryDecode(packed, exponentBits, mantissaBits);
    }

    function tryDecodeAmount(uint256 packed) external pure returns (bool, uint256) {
        return FloatCodec.tryDecodeAmount(packed);
    }

    function tryDecodeFee(uint256 packed) external pure returns (bool, uint256) {
        return FloatCodec.tryDecodeFee(packed);
    }
}

contract FloatCodecFuzz is Base {
    uint256 internal constant AMOUNT_E = 5;
    uint256 internal constant AMOUNT_M = 35;
    uint256 internal constant FEE_E = 5;
    uint256 internal constant FEE_M = 3;

    FloatCodecHarness internal codec;

    function setUp() public {
        codec = new FloatCodecHarness();
    }

    // ------------------------------------------------------------------ reference

    /// @dev The canonical packing of `value`: divide by ten while the mantissa does not fit;
    ///      `exact` is false when a non-zero digit would be dropped or the exponent does not fit.
    function refEncode(
        uint256 value,
        uint256 exponentBits,
        uint256 mantissaBits
    ) internal pure returns (bool exact, uint256 packed) {
        uint256 mantissaLimit = 2 ** mantissaBits; // mantissas are below this
        uint256 m = value;
        uint256 e;
        while (m >= mantissaLimit) {
            if (m % 10 != 0) return (false, 0);
            m /= 10;
            ++e;
        }
        if (e >= 2 ** exponentBits) return (false, 0);
        return (true, e * mantissaLimit + m);
    }

    /// @dev `canonical` is true when `packed` fits the format and is the canonical packing of
    ///      its value (decoded by division, then multiplied out ten by ten).
    function refDecode(
        uint256 packed,
        uint256 exponentBits,
        uint256 mantissaBits
    ) internal pure returns (bool fits, bool canonical, uint256 value) {
        if (packed >= 2 ** (exponentBits + mantissaBits)) return (false, false, 0);
        uint256 mantissaLimit = 2 ** mantissaBits;
        uint256 exponent = packed / mantissaLimit;
        value = packed % mantissaLimit;
        for (uint256 i; i < exponent; ++i) value *= 10;
        (bool exact, uint256 again) = refEncode(value, exponentBits, mantissaBits);
        canonical = exact && again == packed;
        if (!canonical) value = 0;
        fits = true;
    }

    /// @dev What the library must do with `packed` in a format: return the reference value, or
    ///      revert FloatTooWide / FloatNotCanonical with the packing.
    function _checkDecode(
        uint256 packed,
        uint256 exponentBits,
        uint256 mantissaBits,
        function(uint256) external view returns (uint256) decodeFn
    ) internal {
        (bool fits, bool canonical, uint256 value) = refDecode(packed, exponentBits, mantissaBits);
        if (!fits) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    FloatCodec.FloatTooWide.selector,
                    packed,
                    exponentBits + mantissaBits
                )
            );
            decodeFn(packed);
        } else if (!canonical) {
            vm.expectRevert(
                abi.encodeWithSelector(FloatCodec.FloatNotCanonical.selector, packed, mantissaBits)
            );
            decodeFn(packed);
        } else {
            assertEq(decodeFn(packed), value, "decoded value != reference");
        }
    }

    // ------------------------------------------------------------------ decode vs reference

    /// @notice decodeAmount (float40) returns the reference value of every canonical packing and
    ///         reverts with the packing on non-canonical and too-wide ones (one bit too wide here:
    ///         half the inputs).
    function testFuzz_decodeAmount_matchesReference(uint256 seed) public {
        _checkDecode(seed % (1 << 41), AMOUNT_E, AMOUNT_M, codec.decodeAmount);
    }

    /// @notice The same near the boundary between exponent 0 and 1 and among small mantissas,
    ///         where non-canonical aliases live (each exponent with mantissas around 2^35/10).
    function testFuzz_decodeAmount_nearCanonicalBoundary_matchesReference(
        uint256 exponent,
        uint256 delta
    ) public {
        exponent = bound(exponent, 0, 31);
        // 3,435,973,836 is the largest mantissa that can absorb a factor of ten (10m <= 2^35 - 1).
        uint256 mantissa = 3_435_973_836 - 8 + bound(delta, 0, 16);
        if (delta % 5 == 0) mantissa = bound(delta, 0, 20);
        _checkDecode((exponent << AMOUNT_M) | mantissa, AMOUNT_E, AMOUNT_M, codec.decodeAmount);
    }

    /// @notice decodeFee (float8) agrees with the reference on all 512 packings of 9 bits.
    function testFuzz_decodeFee_matchesReference(uint256 seed) public {
        _checkDecode(seed % 512, FEE_E, FEE_M, codec.decodeFee);
    }

    /// @notice Every fee packing, exhaustively (256 canonical or not, and the first too wide).
    function test_decodeFee_allPackings_matchReference() public {
        for (uint256 packed; packed < 257; ++packed) {
            _checkDecode(packed, FEE_E, FEE_M, codec.decodeFee);
        }
    }

    /// @notice Any packing with a bit above the format reverts FloatTooWide, however large.
    function testFuzz_decode_anyWiderPacking_revertsTooWide(uint256 packed) public {
        if (packed >> 40 == 0) packed |= 1 << 40;
        vm.expectRevert(abi.encodeWithSelector(FloatCodec.FloatTooWide.selector, packed, 40));
        codec.decodeAmount(packed);
        packed |= 1 << 8;
        vm.expectRevert(abi.encodeWithSelector(FloatCodec.FloatTooWide.selector, packed, 8));
        codec.decodeFee(packed);
    }

    /// @notice The generic decode agrees with the reference for every format the library's
    ///         comment covers (exponentBits <= 5, mantissaBits <= 150): never an overflow panic.
    function testFuzz_decode_anyFormatUpTo5x150_matchesReferenceWithoutOverflow(
        uint256 seed,
        uint256 exponentBits,
        uint256 mantissaBits,
        bool extreme
    ) public {
        exponentBits = bound(exponentBits, 1, 5);
        mantissaBits = bound(mantissaBits, 1, 150);
        uint256 width = exponentBits + mantissaBits;
        uint256 maxMantissa = (1 << mantissaBits) - 1;
        // `extreme`: the largest exponent with one of the 256 largest mantissas (where an
        // overflow would be); otherwise any packing up to one bit too wide.
        uint256 packed =
            extreme
                ? (((1 << exponentBits) - 1) << mantissaBits) |
                    (maxMantissa - ((seed % 256) % (maxMantissa + 1)))
                : seed % (1 << (width + 1));
        (bool fits, bool canonical, uint256 value) = refDecode(packed, exponentBits, mantissaBits);
        (bool ok, uint256 got) = codec.tryDecode(packed, exponentBits, mantissaBits);
        assertTrue(ok == (fits && canonical), "tryDecode ok != reference canonical");
        assertEq(got, value, "tryDecode value != reference");
        if (!fits) {
            vm.expectRevert(
                abi.encodeWithSelector(FloatCodec.FloatTooWide.selector, packed, width)
            );
        } else if (!canonical) {
            vm.expectRevert(
                abi.encodeWithSelector(FloatCodec.FloatNotCanonical.selector, packed, mantissaBits)
            );
        }
        uint256 decoded = codec.decode(packed, exponentBits, mantissaBits);
        if (ok) assertEq(decoded, value, "decode value != reference");
    }

    /// @notice tryDecodeAmount / tryDecodeFee are decodeAmount / decodeFee without the revert:
    ///         ok exactly when decode returns, with the same value (0 when not ok).
    function testFuzz_tryDecode_agreesWithDecode(uint256 seed) public view {
        uint256 amount = seed % (1 << 41);
        (bool ok, uint256 value) = codec.tryDecodeAmount(amount);
        try codec.decodeAmount(amount) returns (uint256 decoded) {
            assertTrue(ok, "tryDecodeAmount false where decodeAmount returns");
            assertEq(value, decoded, "tryDecodeAmount value");
        } catch {
            assertTrue(!ok, "tryDecodeAmount true where decodeAmount reverts");
            assertEq(value, 0, "tryDecodeAmount value when not ok");
        }
        uint256 fee = seed % 512;
        (ok, value) = codec.tryDecodeFee(fee);
        try codec.decodeFee(fee) returns (uint256 decoded) {
            assertTrue(ok, "tryDecodeFee false where decodeFee returns");
            assertEq(value, decoded, "tryDecodeFee value");
        } catch {
            assertTrue(!ok, "tryDecodeFee true where decodeFee reverts");
            assertEq(value, 0, "tryDecodeFee value when not ok");
        }
    }

    // ------------------------------------------------------------------ one encoding per value

    /// @notice Every value m * 10^e (m < 2^35, e <= 31) has exactly one packing that decodes:
    ///         its canonical packing decodes to it, and every other (mantissa, exponent) spelling
    ///         of the same value reverts FloatNotCanonical.
    function testFuzz_decodeAmount_exactlyOneEncodingPerValue(
        uint256 mantissa,
        uint256 exponent
    ) public {
        mantissa = bound(mantissa, 0, (1 << AMOUNT_M) - 1);
        exponent = bound(exponent, 0, 31);
        // Trailing zeros give the value several spellings.
        if (exponent % 3 == 0) mantissa -= mantissa % 1000;
        uint256 value = mantissa * 10 ** exponent;
        (bool exact, uint256 canonicalPacking) = refEncode(value, AMOUNT_E, AMOUNT_M);
        assertTrue(exact, "m * 10^e always has an encoding");
        assertEq(codec.decodeAmount(canonicalPacking), value, "canonical packing decodes");
        for (uint256 e; e < 32; ++e) {
            uint256 scale = 10 ** e;
            if (value % scale != 0 || value / scale >= 1 << AMOUNT_M) continue;
            uint256 spelling = (e << AMOUNT_M) | (value / scale);
            if (spelling == canonicalPacking) continue;
            vm.expectRevert(
                abi.encodeWithSelector(FloatCodec.FloatNotCanonical.selector, spelling, AMOUNT_M)
            );
            codec.decodeAmount(spelling);
        }
    }

    /// @notice Canonical packings are ordered as their values: comparing two packings compares
    ///         the amounts (each exponent's values lie above every smaller exponent's).
    function testFuzz_decodeAmount_preservesOrder(uint256 a, uint256 b) public view {
        a %= 1 << 40;
        b %= 1 << 40;
        (bool okA, uint256 va) = codec.tryDecodeAmount(a);
        (bool okB, uint256 vb) = codec.tryDecodeAmount(b);
        if (!okA || !okB) return;
        assertTrue((a < b) == (va < vb) && (a == b) == (va == vb), "order not preserved");
    }

    // ------------------------------------------------------------------ edge values

    /// @notice Zero, the largest exact integer, the first exponent-1 value, the largest amount,
    ///         and their non-canonical and too-wide neighbours.
    function test_decodeAmount_edgeValues() public {
        uint256 maxMantissa = (1 << 35) - 1;
        assertEq(codec.decodeAmount(0), 0, "zero");
        assertEq(codec.decodeAmount(maxMantissa), maxMantissa, "largest exponent-0 amount");
        // 3,435,973,837 * 10 is the smallest canonical value with exponent 1.
        assertEq(codec.decodeAmount((1 << 35) | 3_435_973_837), 34_359_738_370, "first e=1");
        assertEq(codec.decodeAmount((31 << 35) | maxMantissa), maxMantissa * 1e31, "max amount");
        uint256[4] memory aliases = [
            uint256(1 << 35), // zero with exponent 1
            (31 << 35), // zero with the largest exponent
            (1 << 35) | 3_435_973_836, // 34,359,738,360 is exact with exponent 0
            (31 << 35) | 1 // 10^31, whose canonical packing is 10^10 * 10^21
        ];
        for (uint256 i; i < aliases.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(FloatCodec.FloatNotCanonical.selector, aliases[i], 35)
            );
            codec.decodeAmount(aliases[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(FloatCodec.FloatTooWide.selector, 1 << 40, 40));
        codec.decodeAmount(1 << 40);
        vm.expectRevert(
            abi.encodeWithSelector(FloatCodec.FloatTooWide.selector, type(uint256).max, 40)
        );
        codec.decodeAmount(type(uint256).max);
    }

    /// @notice Fees: 0..7 exact, then one significant digit; zero with an exponent is the only
    ///         non-canonical fee; the largest is 7 * 10^31.
    function test_decodeFee_edgeValues() public {
        assertEq(codec.decodeFee(7), 7, "largest exponent-0 fee");
        assertEq(codec.decodeFee((1 << 3) | 1), 10, "10");
        assertEq(codec.decodeFee(255), 7e31, "max fee");
        for (uint256 e = 1; e < 32; ++e) {
            vm.expectRevert(
                abi.encodeWithSelector(FloatCodec.FloatNotCanonical.selector, e << 3, 3)
            );
            codec.decodeFee(e << 3);
        }
        vm.expectRevert(abi.encodeWithSelector(FloatCodec.FloatTooWide.selector, 256, 8));
        codec.decodeFee(256);
    }
}
