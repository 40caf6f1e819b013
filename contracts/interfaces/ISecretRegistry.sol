// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title ISecretRegistry
/// @notice Where hash-lock preimages are revealed on-chain, with the time they were first seen
///         (`SecretRegistry`). The adjudicator's `unlock` pays a lock to its payee when its secret
///         was revealed here at or before the lock's expiry.
interface ISecretRegistry {
    /// @notice `secret` (whose keccak256 is `hashlock`) is public from this block's timestamp on.
    /// @param hashlock keccak256(abi.encode(secret)).
    /// @param secret The preimage.
    event SecretRevealed(bytes32 indexed hashlock, bytes32 secret);

    /// @notice When the preimage of `hashlock` was first revealed.
    /// @param hashlock keccak256(abi.encode(secret)).
    /// @return timestamp The block time of the first reveal (0: never).
    function revealedAt(bytes32 hashlock) external view returns (uint256 timestamp);

    /// @notice Reveals `secret`; anyone may. A secret already known keeps its first time.
    /// @param secret The preimage of the hashlock keccak256(abi.encode(secret)).
    /// @return revealed True when it was new, false when it was already known.
    function reveal(bytes32 secret) external returns (bool revealed);

    /// @notice Reveals several secrets, as `reveal` each.
    /// @param secrets The preimages.
    /// @return revealed How many were new.
    function revealBatch(bytes32[] calldata secrets) external returns (uint256 revealed);
}
