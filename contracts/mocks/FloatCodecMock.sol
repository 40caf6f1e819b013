// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {FloatCodec} from "../libraries/FloatCodec.sol";

/// @notice Test-only wrapper exposing `FloatCodec`.
contract FloatCodecMock {
    function decodeAmount(uint256 packed) external pure returns (uint256) {
        return FloatCodec.decodeAmount(packed);
    }

    function decodeFee(uint256 packed) external pure returns (uint256) {
        return FloatCodec.decodeFee(packed);
    }

    function tryDecodeAmount(uint256 packed) external pure returns (bool ok, uint256 value) {
        return FloatCodec.tryDecodeAmount(packed);
    }

    function tryDecodeFee(uint256 packed) external pure returns (bool ok, uint256 value) {
        return FloatCodec.tryDecodeFee(packed);
    }
}
