// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title SparseMerkle
/// @notice Inclusion proofs for l2kit's fixed-depth keccak sparse Merkle tree, the same tree as
///         `operator/lib/sparse-merkle.ts`.
/// @dev Tree layout:
///      - depth `d` (1..256) is fixed per tree; leaf `i` (0 <= i < 2^d) sits at the bottom level,
///        and bit `k` of `i` says whether the node at height `k` on its path is a right child;
///      - an empty leaf is `bytes32(0)`; the empty subtree of height `k+1` is
///        `keccak256(empty_k, empty_k)`;
///      - an inner node is `keccak256(left ++ right)` (64 bytes).
///      Because every proof has exactly `d` siblings, a leaf can never be passed off as an inner node.
///      Leaves are opaque 32-byte values: callers hash their own data into them with a domain tag.
///
///      A compressed proof omits siblings that are empty subtrees: bit `k` of `bitmap` is set when
///      the sibling at height `k` is given, and the given siblings follow in order of height.
library SparseMerkle {
    /// @notice The leaf index does not fit in a tree of this depth.
    error SparseMerkleIndexOutOfRange(uint256 index, uint256 depth);
    /// @notice Depth must be 1..256.
    error SparseMerkleBadDepth(uint256 depth);
    /// @notice A compressed proof's bitmap and sibling list disagree, or the bitmap has bits above the depth.
    error SparseMerkleBadCompressedProof(uint256 bitmap, uint256 siblingsGiven);

    /// @notice Root of the tree in which leaf `index` is `leaf`, given all `siblings` bottom-up.
    /// @dev The depth is `siblings.length`.
    /// @param leaf The leaf's value.
    /// @param index The leaf's index (bit k: right child at height k).
    /// @param siblings The sibling at each height, bottom-up; their number is the tree's depth.
    /// @return node The root.
    function computeRoot(
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings
    ) internal pure returns (bytes32 node) {
        uint256 depth = siblings.length;
        _checkIndex(index, depth);
        node = leaf;
        for (uint256 height; height < depth;) {
            node =
                ((index >> height) & 1) == 0
                    ? _hashPair(node, siblings[height])
                    : _hashPair(siblings[height], node);
            // Cannot overflow: height < depth <= 256.
            unchecked {
                ++height;
            }
        }
    }

    /// @notice True when `leaf` sits at `index` in the tree with root `root`.
    /// @param root The tree's root.
    /// @param leaf The leaf's value.
    /// @param index The leaf's index.
    /// @param siblings The sibling at each height, bottom-up; their number is the tree's depth.
    /// @return included Whether the proof leads to `root`.
    function verify(
        bytes32 root,
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings
    ) internal pure returns (bool included) {
        return computeRoot(leaf, index, siblings) == root;
    }

    /// @notice Root computed from a compressed proof (empty-subtree siblings omitted).
    /// @param leaf The leaf's value.
    /// @param index The leaf's index.
    /// @param depth Tree depth, 1..256.
    /// @param bitmap Bit `k` set when the sibling at height `k` is in `siblings`.
    /// @param siblings The given (non-empty) siblings, in order of height.
    /// @return node The root.
    function computeRootCompressed(
        bytes32 leaf,
        uint256 index,
        uint256 depth,
        uint256 bitmap,
        bytes32[] calldata siblings
    ) internal pure returns (bytes32 node) {
        _checkIndex(index, depth);
        if (depth < 256 && bitmap >> depth != 0) {
            revert SparseMerkleBadCompressedProof(bitmap, siblings.length);
        }
        node = leaf;
        bytes32 empty; // empty subtree of the current height
        uint256 used;
        for (uint256 height; height < depth;) {
            bytes32 sibling;
            if ((bitmap >> height) & 1 == 1) {
                if (used == siblings.length) {
                    revert SparseMerkleBadCompressedProof(bitmap, siblings.length);
                }
                sibling = siblings[used];
                // Cannot overflow: used < siblings.length.
                unchecked {
                    ++used;
                }
            } else {
                sibling = empty;
            }
            node =
                ((index >> height) & 1) == 0 ? _hashPair(node, sibling) : _hashPair(sibling, node);
            empty = _hashPair(empty, empty);
            // Cannot overflow: height < depth <= 256.
            unchecked {
                ++height;
            }
        }
        if (used != siblings.length) revert SparseMerkleBadCompressedProof(bitmap, siblings.length);
    }

    /// @notice True when `leaf` sits at `index` in the tree with root `root` (compressed proof).
    /// @param root The tree's root.
    /// @param leaf The leaf's value.
    /// @param index The leaf's index.
    /// @param depth Tree depth, 1..256.
    /// @param bitmap Bit `k` set when the sibling at height `k` is in `siblings`.
    /// @param siblings The given (non-empty) siblings, in order of height.
    /// @return included Whether the proof leads to `root`.
    function verifyCompressed(
        bytes32 root,
        bytes32 leaf,
        uint256 index,
        uint256 depth,
        uint256 bitmap,
        bytes32[] calldata siblings
    ) internal pure returns (bool included) {
        return computeRootCompressed(leaf, index, depth, bitmap, siblings) == root;
    }

    /// @notice Root of the tree of depth `depth` whose leaves 0..n-1 are `leaves` (n of them) and
    ///         whose other leaves are empty. Hashes level by level in place: `leaves` is
    ///         overwritten. Costs n - 1 + depth hashes.
    /// @param leaves The first n leaves (at most 2^depth); overwritten.
    /// @param depth Tree depth, 1..256.
    /// @return root The root.
    function rootOfLeaves(
        bytes32[] memory leaves,
        uint256 depth
    ) internal pure returns (bytes32 root) {
        uint256 width = leaves.length;
        if (width != 0) _checkIndex(width - 1, depth);
        else if (depth == 0 || depth > 256) revert SparseMerkleBadDepth(depth);
        bytes32 empty; // empty subtree of the current height
        for (uint256 height; height < depth;) {
            uint256 half = (width + 1) >> 1;
            for (uint256 i; i < half;) {
                uint256 left = i << 1;
                leaves[i] = _hashPair(leaves[left], left + 1 < width ? leaves[left + 1] : empty);
                // Cannot overflow: i < half <= leaves.length.
                unchecked {
                    ++i;
                }
            }
            width = half;
            empty = _hashPair(empty, empty);
            // Cannot overflow: height < depth <= 256.
            unchecked {
                ++height;
            }
        }
        return width == 0 ? empty : leaves[0];
    }

    /// @notice Root of the empty tree of height `depth`.
    /// @param depth Tree depth, 0..256 (0: the empty leaf).
    /// @return node The root.
    function emptyRoot(uint256 depth) internal pure returns (bytes32 node) {
        if (depth > 256) revert SparseMerkleBadDepth(depth);
        for (uint256 height; height < depth;) {
            node = _hashPair(node, node);
            // Cannot overflow: height < depth <= 256.
            unchecked {
                ++height;
            }
        }
    }

    function _checkIndex(uint256 index, uint256 depth) private pure {
        if (depth == 0 || depth > 256) revert SparseMerkleBadDepth(depth);
        if (depth < 256 && index >> depth != 0) revert SparseMerkleIndexOutOfRange(index, depth);
    }

    function _hashPair(bytes32 left, bytes32 right) private pure returns (bytes32 h) {
        // Hash in scratch space (0x00..0x3f): no memory expansion, no free-pointer update. This
        // runs `depth` times per proof, so it is worth the assembly.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            h := keccak256(0x00, 0x40)
        }
    }
}
