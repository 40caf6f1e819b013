// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ISecretRegistry} from "../interfaces/ISecretRegistry.sol";

/// @title SecretRegistry
/// @notice On-chain record of hash-lock secrets and when each was first revealed. A routing node
///         that learns a secret off-chain but cannot get its upstream channel updated reveals it
///         here before its incoming lock expires; the adjudicator's `unlock` then pays the lock to
///         the payee even after a dispute, whenever it runs.
contract SecretRegistry is ISecretRegistry {
    /// @inheritdoc ISecretRegistry
    mapping(bytes32 hashlock => uint256) public revealedAt;

    /// @inheritdoc ISecretRegistry
    function reveal(bytes32 secret) public returns (bool revealed) {
        bytes32 hashlock = keccak256(abi.encode(secret));
        if (revealedAt[hashlock] != 0) return false;
        revealedAt[hashlock] = block.timestamp;
        emit SecretRevealed(hashlock, secret);
        return true;
    }

    /// @inheritdoc ISecretRegistry
    function revealBatch(bytes32[] calldata secrets) external returns (uint256 revealed) {
        uint256 count = secrets.length;
        for (uint256 i; i < count; ++i) {
            if (reveal(secrets[i])) ++revealed;
        }
    }
}
