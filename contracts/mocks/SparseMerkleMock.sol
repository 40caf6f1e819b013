// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {SparseMerkle} from "../libraries/SparseMerkle.sol";

/// @notice Test-only wrapper exposing the `SparseMerkle` library.
contract SparseMerkleMock {
    function computeRoot(
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings
    ) external pure returns (bytes32) {
        return SparseMerkle.computeRoot(leaf, index, siblings);
    }

    function rootOfLeaves(bytes32[] memory leaves, uint256 depth) external pure returns (bytes32) {
        return SparseMerkle.rootOfLeaves(leaves, depth);
    }

    function verify(
        bytes32 root,
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings
    ) external pure returns (bool) {
        return SparseMerkle.verify(root, leaf, index, siblings);
    }

    function computeRootCompressed(
        bytes32 leaf,
        uint256 index,
        uint256 depth,
        uint256 bitmap,
        bytes32[] calldata siblings
    ) external pure returns (bytes32) {
        return SparseMerkle.computeRootCompressed(leaf, index, depth, bitmap, siblings);
    }

    function verifyCompressed(
        bytes32 root,
        bytes32 leaf,
        uint256 index,
        uint256 depth,
        uint256 bitmap,
        bytes32[] calldata siblings
    ) external pure returns (bool) {
        return SparseMerkle.verifyCompressed(root, leaf, index, depth, bitmap, siblings);
    }

    function emptyRoot(uint256 depth) external pure returns (bytes32) {
        return SparseMerkle.emptyRoot(depth);
    }
}
