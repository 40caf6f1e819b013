// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

// BlobReader: how the optimistic rollup's challenge game reads a record out of EIP-4844 blobs,
// one field element at a time, each proven with the point-evaluation precompile.
//
// What can be checked without a KZG prover (the forge suites have none; ChallengeGame's Hardhat
// tests read real blobs): the evaluation point of each element against a reference written here
// (bit reversal from the top bit down, square-and-multiply exponentiation with mulmod), the root
// of unity against its definition 7^((r-1)/4096), and the order of read()'s checks against a
// reference of which elements a byte range touches. The actor is a challenger or defender in a
// game, who chooses the offset and length (through the record index), the number of chunks and
// their contents; chunks here are never valid openings, so every read that passes the range and
// count checks must end in BlobReaderBadChunk(0).

import {Base} from "../utils/Base.sol";
import {BlobReader} from "../../../contracts/libraries/BlobReader.sol";
import {BlobReaderMock} from "../../../contracts/mocks/BlobReaderMock.sol";

contract BlobReaderFuzz is Base {
    uint256 internal constant R = BlobReader.BLS_MODULUS;

    BlobReaderMock internal reader;

    function setUp() public {
        reader = new BlobReaderMock();
    }

    function _pow(uint256 base, uint256 exponent) internal pure returns (uint256 result) {
        result = 1;
        base %= R;
        while (exponent != 0) {
            if (exponent & 1 == 1) result = mulmod(result, base, R);
            base = mulmod(base, base, R);
            exponent >>= 1;
        }
    }

    /// @dev The 12-bit reversal of i, built from the top bit down.
    function _bitReverse12(uint256 i) internal pure returns (uint256 reversed) {
        for (uint256 bit = 12; bit > 0; --bit) {
            if ((i >> (bit - 1)) & 1 == 1) reversed |= uint256(1) << (12 - bit);
        }
    }

    /// @notice ROOT_OF_UNITY is 7^((r-1)/4096) mod r, and has order exactly 4096.
    function test_rootOfUnity_isThePrimitive4096thRoot() public pure {
        uint256 w = _pow(7, (R - 1) / 4096);
        assertEq(w, BlobReader.ROOT_OF_UNITY, "7^((r-1)/4096)");
        assertEq(_pow(w, 4096), 1, "w^4096");
        assertTrue(_pow(w, 2048) != 1, "w^2048 must not be 1");
    }

    /// @notice evaluationPoint(i) = w^bitrev12(i) for every element index, and it is a 4096th
    ///         root of unity.
    function testFuzz_evaluationPoint_matchesReference(uint256 i) public view {
        i = bound(i, 0, 4095);
        uint256 point = reader.evaluationPoint(i);
        assertEq(point, _pow(BlobReader.ROOT_OF_UNITY, _bitReverse12(i)), "w^bitrev12(i)");
        assertEq(_pow(point, 4096), 1, "not a 4096th root of unity");
    }

    /// @notice The edges: element 0 is evaluated at 1, element 1 at w^2048 = -1, element 4095
    ///         at w^4095.
    function test_evaluationPoint_edges() public view {
        assertEq(reader.evaluationPoint(0), 1, "element 0");
        assertEq(reader.evaluationPoint(1), R - 1, "element 1");
        assertEq(reader.evaluationPoint(4095), _pow(BlobReader.ROOT_OF_UNITY, 4095), "last");
    }

    /// @notice read() checks, in order: an empty range returns nothing; a range past the last
    ///         blob reverts BlobReaderOutOfRange; a chunk count other than the elements the range
    ///         touches reverts BlobReaderChunkCount(given, needed); then every chunk is proven
    ///         (here none is a valid opening: BlobReaderBadChunk(0)).
    function testFuzz_read_checksRangeThenCountThenChunks(
        uint256 offset,
        uint256 length,
        uint256 blobs,
        uint256 extra
    ) public {
        blobs = bound(blobs, 0, 3);
        uint256 payload = blobs * BlobReader.PAYLOAD_PER_BLOB;
        // Offsets around the blobs' end and element edges; lengths from 0 to a few elements.
        offset = bound(offset, 0, payload + 200);
        if (extra % 3 == 0 && payload > 40) offset = payload - 1 - (offset % 40);
        length = bound(length, 0, 100);
        bytes32[] memory hashes = new bytes32[](blobs);
        if (length == 0) {
            assertEq(reader.read(hashes, offset, 0, new BlobReader.Chunk[](0)).length, 0, "empty");
            return;
        }
        uint256 first = offset / 31;
        uint256 last = (offset + length - 1) / 31;
        uint256 needed = last - first + 1;
        uint256 given =
            extra % 4 == 1
                ? (needed + 1 + (extra % 3))
                : extra % 4 == 2
                    ? needed - 1
                    : needed;
        BlobReader.Chunk[] memory chunks = new BlobReader.Chunk[](given);
        for (uint256 k; k < given; ++k) {
            chunks[k] = BlobReader.Chunk(bytes32(k), new bytes(48), new bytes(48));
        }
        if (offset + length > payload) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    BlobReader.BlobReaderOutOfRange.selector,
                    offset,
                    length,
                    blobs
                )
            );
        } else if (given != needed) {
            vm.expectRevert(
                abi.encodeWithSelector(BlobReader.BlobReaderChunkCount.selector, given, needed)
            );
        } else {
            vm.expectRevert(abi.encodeWithSelector(BlobReader.BlobReaderBadChunk.selector, 0));
        }
        reader.read(hashes, offset, length, chunks);
    }

    /// @notice A chunk whose commitment or proof is not 48 bytes is refused with its index
    ///         before the precompile runs (a failing precompile call consumes all the gas it is
    ///         given; this refusal costs little).
    function testFuzz_read_malformedChunk_revertsBadChunkCheaply(
        uint256 commitmentLength,
        uint256 proofLength
    ) public view {
        commitmentLength = bound(commitmentLength, 0, 96);
        proofLength = bound(proofLength, 0, 96);
        if (commitmentLength == 48 && proofLength == 48) proofLength = 47;
        BlobReader.Chunk[] memory chunks = new BlobReader.Chunk[](1);
        chunks[0] = BlobReader.Chunk(
            bytes32(0),
            new bytes(commitmentLength),
            new bytes(proofLength)
        );
        uint256 before = gasleft();
        try reader.read(new bytes32[](1), 0, 31, chunks) {
            revert AssertionFailed("a malformed chunk was accepted");
        } catch (bytes memory reason) {
            assertEq(
                keccak256(reason),
                keccak256(abi.encodeWithSelector(BlobReader.BlobReaderBadChunk.selector, 0)),
                "reason"
            );
        }
        assertLe(before - gasleft(), 100_000, "refused only after the precompile");
    }
}
