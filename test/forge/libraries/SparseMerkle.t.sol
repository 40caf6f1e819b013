// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

// SparseMerkle: the fixed-depth keccak sparse Merkle tree of the optimistic rollup (state
// witnesses, withdrawals, record roots) and Plasma (transactions in a block).
//
// Differential fuzz tests against references written here: the whole tree recomputed level by
// level from its set of leaves (and, for small depths, from the full array of 2^depth leaves),
// proofs read off that recomputation, and a plain bottom-up fold of a path. The actor is a prover
// of Merkle paths who chooses every input: the leaf, the index (0, 2^depth - 1, out of range), the
// siblings (random, zero, empty subtrees, too few, too many), the compressed bitmap (bits that
// disagree with the siblings, bits above the depth) and the depth (0, 1, 255, 256, above 256).
// The library's claims are properties here: a proof verifies exactly the leaf it was made for;
// a compressed proof is a full proof with empty-subtree siblings left out; the errors carry their
// evidence. One non-claim is pinned down too: verify() takes the depth from the proof's length,
// so a proof shorter by k proves an inner node as a leaf (callers must fix the length).

import {Base} from "../utils/Base.sol";
import {SparseMerkle} from "../../../contracts/libraries/SparseMerkle.sol";
import {SparseMerkleMock} from "../../../contracts/mocks/SparseMerkleMock.sol";

contract SparseMerkleFuzz is Base {
    /// @dev A tree recomputed from its leaves: for each height, the non-empty nodes' indices and
    ///      hashes (every node not listed is the empty subtree of its height).
    struct Level {
        uint256[] index;
        bytes32[] hash;
        uint256 count;
    }

    struct Tree {
        uint256 depth;
        Level[] levels;
        bytes32 root;
    }

    SparseMerkleMock internal smt;
    /// @dev empties[h]: the empty subtree of height h, hashed here with abi.encodePacked.
    bytes32[257] internal empties;

    function setUp() public {
        smt = new SparseMerkleMock();
        for (uint256 h = 1; h <= 256; ++h) {
            empties[h] = keccak256(abi.encodePacked(empties[h - 1], empties[h - 1]));
        }
    }

    // ------------------------------------------------------------------ references

    function _maxIndex(uint256 depth) internal pure returns (uint256) {
        return depth == 256 ? type(uint256).max : (uint256(1) << depth) - 1;
    }

    /// @dev A depth that favours the edges: 1, 2, 255, 256, 160 (address keys), else any.
    function _depth(uint256 seed) internal pure returns (uint256) {
        uint256 pick = seed % 8;
        if (pick == 0) return 1;
        if (pick == 1) return 2;
        if (pick == 2) return 255;
        if (pick == 3) return 256;
        if (pick == 4) return 160;
        return bound(seed >> 8, 1, 256);
    }

    /// @dev An index that favours the tree's edges: 0, the last index, their neighbours, else any.
    function _index(uint256 seed, uint256 depth) internal pure returns (uint256) {
        uint256 max = _maxIndex(depth);
        uint256 pick = seed % 6;
        if (pick == 0) return 0;
        if (pick == 1) return max;
        if (pick == 2) return max == 0 ? 0 : 1;
        if (pick == 3) return max - (max == 0 ? 0 : 1);
        return (seed >> 8) & max;
    }

    /// @dev The tree of depth `depth` whose leaves are `values` at `indices` (first write of an
    ///      index wins; zero leaves are empty), recomputed level by level from scratch.
    function _build(
        uint256 depth,
        uint256[] memory indices,
        bytes32[] memory values
    ) internal view returns (Tree memory t) {
        t.depth = depth;
        t.levels = new Level[](depth + 1);
        uint256 n = indices.length;
        Level memory cur = Level(new uint256[](n), new bytes32[](n), 0);
        for (uint256 k; k < n; ++k) {
            if (values[k] == bytes32(0) || _find(cur, indices[k]) != type(uint256).max) continue;
            cur.index[cur.count] = indices[k];
            cur.hash[cur.count] = values[k];
            ++cur.count;
        }
        t.levels[0] = cur;
        for (uint256 h; h < depth; ++h) {
            Level memory next = Level(new uint256[](cur.count), new bytes32[](cur.count), 0);
            for (uint256 k; k < cur.count; ++k) {
                uint256 parent = cur.index[k] >> 1;
                if (_find(next, parent) != type(uint256).max) continue;
                bytes32 left = _nodeAt(cur, h, parent << 1);
                bytes32 right = _nodeAt(cur, h, (parent << 1) | 1);
                next.index[next.count] = parent;
                next.hash[next.count] = keccak256(abi.encodePacked(left, right));
                ++next.count;
            }
            t.levels[h + 1] = next;
            cur = next;
        }
        t.root = cur.count == 0 ? empties[depth] : cur.hash[0];
    }

    function _find(Level memory level, uint256 index) internal pure returns (uint256) {
        for (uint256 k; k < level.count; ++k) if (level.index[k] == index) return k;
        return type(uint256).max;
    }

    function _nodeAt(Level memory level, uint256 h, uint256 index) internal view returns (bytes32) {
        uint256 k = _find(level, index);
        return k == type(uint256).max ? empties[h] : level.hash[k];
    }

    /// @dev The node at height `h` above leaf `index` (h = 0: the leaf).
    function _node(Tree memory t, uint256 h, uint256 index) internal view returns (bytes32) {
        return _nodeAt(t.levels[h], h, h == 256 ? 0 : index >> h);
    }

    /// @dev The full proof of `index`, read off the recomputed tree.
    function _proof(Tree memory t, uint256 index) internal view returns (bytes32[] memory s) {
        s = new bytes32[](t.depth);
        for (uint256 h; h < t.depth; ++h) s[h] = _nodeAt(t.levels[h], h, (index >> h) ^ 1);
    }

    /// @dev A plain fold of a path: the root that `siblings` give `leaf` at `index`.
    function _fold(
        bytes32 leaf,
        uint256 index,
        bytes32[] memory siblings
    ) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 h; h < siblings.length; ++h) {
            node =
                (index >> h) % 2 == 0
                    ? keccak256(abi.encodePacked(node, siblings[h]))
                    : keccak256(abi.encodePacked(siblings[h], node));
        }
    }

    /// @dev A random tree of up to six leaves (indices at the edges favoured, some leaves zero)
    ///      and an index to prove: one of its leaves or any index (then usually empty).
    function _randomTree(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which
    ) internal view returns (Tree memory t, uint256 index) {
        uint256 depth = _depth(depthSeed);
        uint256[] memory indices = new uint256[](6);
        bytes32[] memory values = new bytes32[](6);
        for (uint256 k; k < 6; ++k) {
            indices[k] = _index(seeds[k], depth);
            values[k] = seeds[k] % 7 == 0 ? bytes32(0) : keccak256(abi.encode(seeds[k], k));
        }
        t = _build(depth, indices, values);
        index = which % 3 == 0 ? _index(which >> 2, depth) : indices[which % 6];
    }

    /// @dev The compressed form of `full`: siblings equal to the empty subtree are left out,
    ///      except those `keepEmpty` marks (given explicitly, which is allowed too).
    function _compress(
        bytes32[] memory full,
        uint256 keepEmpty
    ) internal view returns (uint256 bitmap, bytes32[] memory given) {
        uint256 n;
        given = new bytes32[](full.length);
        for (uint256 h; h < full.length; ++h) {
            if (full[h] == empties[h] && (keepEmpty >> (h % 256)) & 1 == 0) continue;
            bitmap |= uint256(1) << h;
            given[n++] = full[h];
        }
        assembly ("memory-safe") {
            mstore(given, n)
        }
    }

    // ------------------------------------------------------------------ roots and proofs

    /// @notice computeRoot and verify agree with the recomputed tree for a proof of any index
    ///         (a leaf, or an empty index: non-membership), at depths 1..256 and edge indices.
    function testFuzz_computeRoot_matchesRecomputedTree(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which
    ) public view {
        (Tree memory t, uint256 index) = _randomTree(depthSeed, seeds, which);
        bytes32 leaf = _node(t, 0, index);
        bytes32[] memory siblings = _proof(t, index);
        assertEq(smt.computeRoot(leaf, index, siblings), t.root, "root");
        assertTrue(smt.verify(t.root, leaf, index, siblings), "verify");
    }

    /// @notice computeRootCompressed and verifyCompressed agree with the recomputed tree when the
    ///         empty-subtree siblings are left out, and also when some are given explicitly.
    function testFuzz_computeRootCompressed_matchesRecomputedTree(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which,
        uint256 keepEmpty
    ) public view {
        (Tree memory t, uint256 index) = _randomTree(depthSeed, seeds, which);
        bytes32 leaf = _node(t, 0, index);
        bytes32[] memory full = _proof(t, index);
        (uint256 bitmap, bytes32[] memory given) = _compress(full, 0);
        assertEq(smt.computeRootCompressed(leaf, index, t.depth, bitmap, given), t.root, "root");
        assertTrue(smt.verifyCompressed(t.root, leaf, index, t.depth, bitmap, given), "verify");
        (bitmap, given) = _compress(full, keepEmpty);
        assertEq(
            smt.computeRootCompressed(leaf, index, t.depth, bitmap, given),
            t.root,
            "root with some empty siblings given"
        );
    }

    /// @notice For any siblings (random, zero, or empty subtrees), computeRoot is the plain fold
    ///         of the path, and the compressed proof with every sibling given is the same root. A
    ///         zero sibling above height 0 is not an empty subtree: leaving it out changes the root.
    function testFuzz_computeRoot_anySiblings_matchesPathFold(
        bytes32 leaf,
        uint256 depthSeed,
        uint256 indexSeed,
        bytes32[8] memory pool,
        uint256 choice
    ) public view {
        uint256 depth = _depth(depthSeed);
        uint256 index = _index(indexSeed, depth);
        bytes32[] memory siblings = new bytes32[](depth);
        for (uint256 h; h < depth; ++h) {
            uint256 c = uint256(keccak256(abi.encode(choice, h))) % 4;
            siblings[h] =
                c == 0
                    ? bytes32(0)
                    : c == 1
                        ? empties[h]
                        : pool[h % 8];
        }
        // One zero sibling above height 0 (when the depth has one), to leave out below.
        uint256 dropped = bound(choice, 0, depth - 1);
        if (dropped > 0) siblings[dropped] = bytes32(0);
        bytes32 root = _fold(leaf, index, siblings);
        assertEq(smt.computeRoot(leaf, index, siblings), root, "computeRoot != fold");
        uint256 all = depth == 256 ? type(uint256).max : (uint256(1) << depth) - 1;
        assertEq(
            smt.computeRootCompressed(leaf, index, depth, all, siblings),
            root,
            "compressed with every sibling given != fold"
        );
        // The zero sibling at height `dropped` > 0, left out, is read as empties[dropped] != 0.
        if (dropped > 0) _assertOmittedZeroSiblingChangesRoot(leaf, index, siblings, dropped, root);
    }

    function _assertOmittedZeroSiblingChangesRoot(
        bytes32 leaf,
        uint256 index,
        bytes32[] memory siblings,
        uint256 dropped,
        bytes32 root
    ) internal view {
        uint256 depth = siblings.length;
        bytes32[] memory fewer = new bytes32[](depth - 1);
        for (uint256 k; k < depth - 1; ++k) fewer[k] = siblings[k < dropped ? k : k + 1];
        uint256 all = depth == 256 ? type(uint256).max : (uint256(1) << depth) - 1;
        assertTrue(
            smt.computeRootCompressed(leaf, index, depth, all ^ (uint256(1) << dropped), fewer) !=
                root,
            "a zero sibling was taken for an empty subtree"
        );
    }

    /// @notice rootOfLeaves(leaves 0..n-1, depth) equals the recomputed tree, for up to 40
    ///         leaves (zero ones included) at any depth they fit in, up to 256.
    function testFuzz_rootOfLeaves_matchesRecomputedTree(
        bytes32[] memory values,
        uint256 depthSeed
    ) public view {
        uint256 n = values.length > 40 ? 40 : values.length;
        assembly ("memory-safe") {
            mstore(values, n)
        }
        uint256 minDepth = 1;
        while (n > uint256(1) << minDepth) ++minDepth;
        uint256 depth = bound(_depth(depthSeed), minDepth, 256);
        uint256[] memory indices = new uint256[](n);
        bytes32[] memory copy = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            indices[i] = i;
            if (i % 5 == 3) values[i] = bytes32(0);
            copy[i] = values[i];
        }
        bytes32 expected = _build(depth, indices, values).root;
        assertEq(smt.rootOfLeaves(copy, depth), expected, "rootOfLeaves");
    }

    /// @notice rootOfLeaves agrees with the naive recomputation of the full array of 2^depth
    ///         leaves (depth 1..7), and so does every leaf's proof.
    function testFuzz_rootOfLeaves_matchesFullArray(
        bytes32[] memory values,
        uint256 depth,
        uint256 which
    ) public view {
        depth = bound(depth, 1, 7);
        uint256 width = uint256(1) << depth;
        uint256 n = values.length > width ? width : values.length;
        bytes32[] memory level = new bytes32[](width);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            level[i] = values[i];
            leaves[i] = values[i];
        }
        // Proof of leaf `which`, read while hashing the full levels.
        uint256 index = which % width;
        bytes32 leaf = level[index];
        bytes32[] memory siblings = new bytes32[](depth);
        for (uint256 h; h < depth; ++h) {
            siblings[h] = level[(index >> h) ^ 1];
            uint256 half = width >> (h + 1);
            for (uint256 i; i < half; ++i) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
        }
        assertEq(smt.rootOfLeaves(leaves, depth), level[0], "rootOfLeaves != full array");
        assertEq(smt.computeRoot(leaf, index, siblings), level[0], "proof != full array");
    }

    /// @notice emptyRoot(d) is the empty subtree of height d for every d in 0..256 (0: the empty
    ///         leaf), the root of a tree with only zero leaves, and reverts above 256.
    function test_emptyRoot_everyDepth_matchesNaive() public {
        for (uint256 d; d <= 256; ++d) {
            assertEq(smt.emptyRoot(d), empties[d], "emptyRoot");
            if (d > 0) assertEq(smt.rootOfLeaves(new bytes32[](0), d), empties[d], "no leaves");
        }
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, 257));
        smt.emptyRoot(257);
    }

    // ------------------------------------------------------------------ proofs of something else

    /// @notice A proof verifies no other leaf at its index.
    function testFuzz_verify_otherLeaf_rejected(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which,
        bytes32 other
    ) public view {
        (Tree memory t, uint256 index) = _randomTree(depthSeed, seeds, which);
        bytes32 leaf = _node(t, 0, index);
        if (other == leaf) other = ~leaf;
        bytes32[] memory siblings = _proof(t, index);
        assertTrue(!smt.verify(t.root, other, index, siblings), "another leaf verified");
        (uint256 bitmap, bytes32[] memory given) = _compress(siblings, 0);
        assertTrue(
            !smt.verifyCompressed(t.root, other, index, t.depth, bitmap, given),
            "another leaf verified (compressed)"
        );
    }

    /// @notice Changing any one sibling of a proof makes it fail.
    function testFuzz_verify_alteredSibling_rejected(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which,
        uint256 height,
        bytes32 replacement
    ) public view {
        (Tree memory t, uint256 index) = _randomTree(depthSeed, seeds, which);
        bytes32[] memory siblings = _proof(t, index);
        height = bound(height, 0, t.depth - 1);
        if (replacement == siblings[height]) replacement = ~replacement;
        siblings[height] = replacement;
        assertTrue(!smt.verify(t.root, _node(t, 0, index), index, siblings), "altered sibling");
    }

    /// @notice A proof moved to another index (one bit of the index flipped) fails, unless the
    ///         node and its sibling at that height are equal (then both orders hash the same).
    function testFuzz_verify_flippedIndexBit_rejectedUnlessNodeEqualsSibling(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which,
        uint256 bit
    ) public view {
        (Tree memory t, uint256 index) = _randomTree(depthSeed, seeds, which);
        bit = bound(bit, 0, t.depth - 1);
        bytes32[] memory siblings = _proof(t, index);
        bool same = _node(t, bit, index) == siblings[bit];
        assertTrue(
            smt.verify(t.root, _node(t, 0, index), index ^ (uint256(1) << bit), siblings) == same,
            "moved proof"
        );
    }

    /// @notice verify() takes the depth from the proof: a proof shorter by k proves the inner
    ///         node at height k as a "leaf" at index >> k, and never the real leaf; a longer proof
    ///         gives another root. So every caller must require siblings.length == depth
    ///         (PlasmaChain and ChallengeGame do; the optimistic rollup uses compressed proofs,
    ///         which take the depth as an argument).
    function testFuzz_verify_wrongLengthProof_provesOnlyInnerNode(
        uint256 depthSeed,
        uint256[6] memory seeds,
        uint256 which,
        uint256 k,
        bytes32 extra
    ) public view {
        (Tree memory t, uint256 index) = _randomTree(depthSeed, seeds, which);
        if (t.depth < 2) return;
        k = bound(k, 1, t.depth - 1);
        bytes32[] memory full = _proof(t, index);
        bytes32[] memory shorter = new bytes32[](t.depth - k);
        for (uint256 h; h < shorter.length; ++h) shorter[h] = full[h + k];
        bytes32 inner = _node(t, k, index);
        assertTrue(smt.verify(t.root, inner, index >> k, shorter), "inner node as a leaf");
        bytes32 leaf = _node(t, 0, index);
        if (leaf != inner) {
            assertTrue(!smt.verify(t.root, leaf, index >> k, shorter), "leaf with a short proof");
        }
        if (t.depth < 256) {
            bytes32[] memory longer = new bytes32[](t.depth + 1);
            for (uint256 h; h < t.depth; ++h) longer[h] = full[h];
            longer[t.depth] = extra;
            assertTrue(!smt.verify(t.root, leaf, index, longer), "a longer proof verified");
        }
    }

    // ------------------------------------------------------------------ malformed inputs

    /// @notice An index that does not fit the depth reverts SparseMerkleIndexOutOfRange(index,
    ///         depth), in full and compressed proofs and in rootOfLeaves (index n - 1).
    function testFuzz_indexOutOfRange_reverts(uint256 depth, uint256 index) public {
        depth = bound(depth, 1, 255);
        index = bound(index, uint256(1) << depth, type(uint256).max);
        bytes memory err = abi.encodeWithSelector(
            SparseMerkle.SparseMerkleIndexOutOfRange.selector,
            index,
            depth
        );
        vm.expectRevert(err);
        smt.computeRoot(bytes32(0), index, new bytes32[](depth));
        vm.expectRevert(err);
        smt.computeRootCompressed(bytes32(0), index, depth, 0, new bytes32[](0));
        if (depth <= 6) {
            uint256 n = (uint256(1) << depth) + (index % 4);
            vm.expectRevert(
                abi.encodeWithSelector(SparseMerkle.SparseMerkleIndexOutOfRange.selector, n, depth)
            );
            smt.rootOfLeaves(new bytes32[](n + 1), depth);
        }
    }

    /// @notice Depth 0 and depths above 256 revert SparseMerkleBadDepth(depth) everywhere; at
    ///         depth 256 every index fits (index 2^256 - 1 included).
    function testFuzz_badDepth_reverts(uint256 depth, bytes32 leaf) public {
        depth = bound(depth, 257, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, 0));
        smt.computeRoot(leaf, 0, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, 257));
        smt.computeRoot(leaf, 0, new bytes32[](257));
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, 0));
        smt.computeRootCompressed(leaf, 0, 0, 0, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, depth));
        smt.computeRootCompressed(leaf, 0, depth, 0, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, depth));
        smt.emptyRoot(depth);
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, 0));
        smt.rootOfLeaves(new bytes32[](0), 0);
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, 0));
        smt.rootOfLeaves(new bytes32[](1), 0);
        vm.expectRevert(abi.encodeWithSelector(SparseMerkle.SparseMerkleBadDepth.selector, depth));
        smt.rootOfLeaves(new bytes32[](1), depth);
        bytes32[] memory siblings = new bytes32[](256);
        assertEq(
            smt.computeRoot(leaf, type(uint256).max, siblings),
            _fold(leaf, type(uint256).max, siblings),
            "depth 256, last index"
        );
    }

    /// @notice A compressed proof whose bitmap marks more or fewer siblings than given, or has
    ///         a bit at or above the depth, reverts SparseMerkleBadCompressedProof(bitmap, given).
    function testFuzz_computeRootCompressed_bitmapMismatch_reverts(
        uint256 depthSeed,
        uint256 bitmap,
        uint256 delta,
        bool above
    ) public {
        uint256 depth = _depth(depthSeed);
        uint256 marked;
        if (above && depth < 256) {
            bitmap |= uint256(1) << bound(bitmap, depth, 255);
        } else {
            if (depth < 256) bitmap &= (uint256(1) << depth) - 1;
            for (uint256 h; h < depth; ++h) marked += (bitmap >> h) & 1;
        }
        // Given: the marked count moved by 1..3 either way (not below zero), or any count when
        // the bitmap has a bit above the depth.
        uint256 given;
        if (above && depth < 256) given = delta % 4;
        else if (delta % 2 == 0 || marked == 0) given = marked + 1 + (delta % 3);
        else given = marked - 1 - ((delta >> 1) % (marked < 3 ? marked : 3));
        vm.expectRevert(
            abi.encodeWithSelector(
                SparseMerkle.SparseMerkleBadCompressedProof.selector,
                bitmap,
                given
            )
        );
        smt.computeRootCompressed(bytes32(0), 0, depth, bitmap, new bytes32[](given));
    }
}
