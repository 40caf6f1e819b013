// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {BlobReader} from "../libraries/BlobReader.sol";

/// @notice Test-only wrapper exposing the `BlobReader` library.
contract BlobReaderMock {
    // The library takes the hashes in memory (the game builds them).
    // solhint-disable-next-line gas-calldata-parameters
    function read(
        bytes32[] memory versionedHashes,
        uint256 offset,
        uint256 length,
        BlobReader.Chunk[] calldata chunks
    ) external view returns (bytes memory) {
        return BlobReader.read(versionedHashes, offset, length, chunks);
    }

    function evaluationPoint(uint256 i) external view returns (uint256) {
        return BlobReader.evaluationPoint(i);
    }
}
