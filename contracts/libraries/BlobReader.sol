// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title BlobReader
/// @notice Reads bytes out of EIP-4844 blobs on L1, one field element at a time, each proven with
///         the point-evaluation precompile against the blob's versioned hash. Twin of
///         `operator/optimistic/blob.ts`.
/// @dev Payload layout: a blob is 4,096 field elements of 32 bytes; byte 0 of each is 0 (keeping it
///      below the BLS12-381 scalar modulus) and bytes 1..31 carry payload, so blob `b`'s element
///      `i` holds payload bytes [(4096 b + i) * 31, +31). Element `i` is the blob polynomial's value
///      at `w^bitrev12(i)`, w the primitive 4096th root of unity (EIP-4844's bit-reversed order).
///      Reading n bytes costs one precompile call (50,000 gas) per element they touch.
library BlobReader {
    /// @notice One field element's value with the KZG commitment of its blob and the opening proof.
    /// @param value The element (byte 0 is zero, bytes 1..31 payload).
    /// @param commitment The blob's 48-byte KZG commitment.
    /// @param proof The 48-byte KZG proof of the value at the element's evaluation point.
    struct Chunk {
        bytes32 value;
        bytes commitment;
        bytes proof;
    }

    /// @notice The read needs this many chunks; the caller gave another number.
    error BlobReaderChunkCount(uint256 given, uint256 needed);
    /// @notice The read reaches past the last blob.
    error BlobReaderOutOfRange(uint256 offset, uint256 length, uint256 blobs);
    /// @notice Chunk `index` is not the blob's value at its element (or not 48-byte commitment/proof).
    error BlobReaderBadChunk(uint256 index);

    uint256 internal constant FIELD_ELEMENTS = 4096;
    uint256 internal constant BYTES_PER_ELEMENT = 31;
    uint256 internal constant PAYLOAD_PER_BLOB = FIELD_ELEMENTS * BYTES_PER_ELEMENT;
    uint256 internal constant BLS_MODULUS =
        0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    /// @dev 7^((BLS_MODULUS - 1) / 4096) mod BLS_MODULUS (EIP-4844's primitive root of unity).
    uint256 internal constant ROOT_OF_UNITY =
        0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;
    address private constant _POINT_EVALUATION = address(0x0a);
    address private constant _MODEXP = address(0x05);

    /// @notice Payload bytes [offset, offset + length) of the blobs `versionedHashes`, proven by
    ///         `chunks` (one per field element the range touches, in order).
    /// @param versionedHashes The blobs' versioned hashes, in payload order.
    /// @param offset The first payload byte to read, counted across the blobs.
    /// @param length How many bytes to read.
    /// @param chunks The field elements the range touches, each with its commitment and proof.
    /// @return out The bytes read.
    function read(
        bytes32[] memory versionedHashes,
        uint256 offset,
        uint256 length,
        Chunk[] calldata chunks
    ) internal view returns (bytes memory out) {
        if (length == 0) return out;
        uint256 first = offset / BYTES_PER_ELEMENT;
        uint256 last = (offset + length - 1) / BYTES_PER_ELEMENT;
        if (last / FIELD_ELEMENTS >= versionedHashes.length) {
            revert BlobReaderOutOfRange(offset, length, versionedHashes.length);
        }
        if (chunks.length != last - first + 1) {
            revert BlobReaderChunkCount(chunks.length, last - first + 1);
        }
        bytes memory payload = new bytes(chunks.length * BYTES_PER_ELEMENT);
        for (uint256 k; k < chunks.length; ++k) {
            uint256 element = first + k;
            _verify(
                versionedHashes[element / FIELD_ELEMENTS],
                element % FIELD_ELEMENTS,
                chunks[k],
                k
            );
            bytes32 value = chunks[k].value;
            for (uint256 b = 1; b < 32; ++b) {
                payload[k * BYTES_PER_ELEMENT + b - 1] = value[b];
            }
        }
        uint256 skip = offset - first * BYTES_PER_ELEMENT;
        out = new bytes(length);
        for (uint256 i; i < length; ++i) out[i] = payload[skip + i];
    }

    /// @notice The evaluation point of field element `i`: w^bitrev12(i).
    /// @param i The element's index in its blob, 0..4095 (higher bits are ignored).
    /// @return point w^bitrev12(i) mod BLS_MODULUS.
    function evaluationPoint(uint256 i) internal view returns (uint256 point) {
        uint256 reversed;
        for (uint256 bit; bit < 12; ++bit) {
            reversed = (reversed << 1) | ((i >> bit) & 1);
        }
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = _MODEXP.staticcall(
            abi.encode(uint256(32), uint256(32), uint256(32), ROOT_OF_UNITY, reversed, BLS_MODULUS)
        );
        // The modexp precompile cannot fail on well-formed 32-byte operands.
        assert(ok);
        return abi.decode(result, (uint256));
    }

    function _verify(
        bytes32 versionedHash,
        uint256 element,
        Chunk calldata chunk,
        uint256 index
    ) private view {
        if (chunk.commitment.length != 48 || chunk.proof.length != 48) {
            revert BlobReaderBadChunk(index);
        }
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = _POINT_EVALUATION.staticcall(
            abi.encodePacked(
                versionedHash,
                evaluationPoint(element),
                chunk.value,
                chunk.commitment,
                chunk.proof
            )
        );
        // The precompile checks the commitment against the versioned hash and the proof, and
        // answers (FIELD_ELEMENTS_PER_BLOB, BLS_MODULUS).
        if (!ok || result.length != 64 || abi.decode(result, (uint256)) != FIELD_ELEMENTS) {
            revert BlobReaderBadChunk(index);
        }
    }
}
