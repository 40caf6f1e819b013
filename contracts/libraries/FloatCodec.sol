// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title FloatCodec
/// @notice Decodes the canonical decimal floats of rollup pubdata (ZK and optimistic rollups), the
///         same codec as `operator/lib/float.ts` and `circuits/src/float.circom`.
/// @dev value = mantissa * 10^exponent, packed as (exponent << mantissaBits) | mantissa.
///      Canonical form is the smallest exponent: an encoding with exponent > 0 is canonical only
///      when 10 * mantissa > 2^mantissaBits - 1. Non-canonical encodings are rejected, so every
///      value has exactly one encoding.
///      - amount (float40): 5-bit exponent, 35-bit mantissa;
///      - fee (float8): 5-bit exponent, 3-bit mantissa.
library FloatCodec {
    /// @notice `packed` is not the canonical encoding of its value.
    error FloatNotCanonical(uint256 packed, uint256 mantissaBits);
    /// @notice `packed` has bits above the format's width.
    error FloatTooWide(uint256 packed, uint256 bits);

    uint256 internal constant AMOUNT_EXPONENT_BITS = 5;
    uint256 internal constant AMOUNT_MANTISSA_BITS = 35;
    uint256 internal constant FEE_EXPONENT_BITS = 5;
    uint256 internal constant FEE_MANTISSA_BITS = 3;

    /// @notice Value of a canonical float40 amount; reverts on a too-wide or non-canonical one.
    /// @param packed The encoding: 5-bit exponent above a 35-bit mantissa.
    /// @return value mantissa * 10^exponent.
    function decodeAmount(uint256 packed) internal pure returns (uint256 value) {
        return decode(packed, AMOUNT_EXPONENT_BITS, AMOUNT_MANTISSA_BITS);
    }

    /// @notice Value of a canonical float8 fee; reverts on a too-wide or non-canonical one.
    /// @param packed The encoding: 5-bit exponent above a 3-bit mantissa.
    /// @return value mantissa * 10^exponent.
    function decodeFee(uint256 packed) internal pure returns (uint256 value) {
        return decode(packed, FEE_EXPONENT_BITS, FEE_MANTISSA_BITS);
    }

    /// @notice Value of a canonical float of the given format; reverts with `FloatTooWide` or
    ///         `FloatNotCanonical`.
    /// @dev With exponentBits <= 5 the value stays below 2^mantissaBits * 10^31: no overflow for
    ///      mantissaBits <= 150.
    /// @param packed The encoding: (exponent << mantissaBits) | mantissa.
    /// @param exponentBits The exponent's width.
    /// @param mantissaBits The mantissa's width.
    /// @return decoded mantissa * 10^exponent.
    function decode(
        uint256 packed,
        uint256 exponentBits,
        uint256 mantissaBits
    ) internal pure returns (uint256 decoded) {
        uint256 bits = exponentBits + mantissaBits;
        if (packed >> bits != 0) revert FloatTooWide(packed, bits);
        (bool canonical, uint256 value) = tryDecode(packed, exponentBits, mantissaBits);
        // INVARIANT: one encoding per value (the smallest exponent).
        if (!canonical) revert FloatNotCanonical(packed, mantissaBits);
        return value;
    }

    /// @notice Like `decode`, but reports a too-wide or non-canonical packing as `ok == false`
    ///         instead of reverting (for transition functions, where such a record is a no-op).
    /// @param packed The encoding: (exponent << mantissaBits) | mantissa.
    /// @param exponentBits The exponent's width.
    /// @param mantissaBits The mantissa's width.
    /// @return ok False for a too-wide or non-canonical encoding.
    /// @return value mantissa * 10^exponent (0 when not `ok`).
    function tryDecode(
        uint256 packed,
        uint256 exponentBits,
        uint256 mantissaBits
    ) internal pure returns (bool ok, uint256 value) {
        if (packed >> (exponentBits + mantissaBits) != 0) return (false, 0);
        uint256 maxMantissa = (uint256(1) << mantissaBits) - 1;
        uint256 mantissa = packed & maxMantissa;
        uint256 exponent = packed >> mantissaBits;
        if (exponent != 0 && mantissa * 10 < maxMantissa + 1) return (false, 0);
        return (true, mantissa * 10 ** exponent);
    }

    /// @notice `tryDecode` for float40 amounts.
    /// @param packed The encoding: 5-bit exponent above a 35-bit mantissa.
    /// @return ok False for a too-wide or non-canonical encoding.
    /// @return value mantissa * 10^exponent (0 when not `ok`).
    function tryDecodeAmount(uint256 packed) internal pure returns (bool ok, uint256 value) {
        return tryDecode(packed, AMOUNT_EXPONENT_BITS, AMOUNT_MANTISSA_BITS);
    }

    /// @notice `tryDecode` for float8 fees.
    /// @param packed The encoding: 5-bit exponent above a 3-bit mantissa.
    /// @return ok False for a too-wide or non-canonical encoding.
    /// @return value mantissa * 10^exponent (0 when not `ok`).
    function tryDecodeFee(uint256 packed) internal pure returns (bool ok, uint256 value) {
        return tryDecode(packed, FEE_EXPONENT_BITS, FEE_MANTISSA_BITS);
    }
}
