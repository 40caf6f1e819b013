// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @notice Test-only ABI holder for `BlobReader`'s errors (a library's errors are not in the ABI
///         of the contracts that use it), so tests can decode them.
interface BlobReaderErrors {
    error BlobReaderChunkCount(uint256 given, uint256 needed);
    error BlobReaderOutOfRange(uint256 offset, uint256 length, uint256 blobs);
    error BlobReaderBadChunk(uint256 index);
}
