// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IOneStepExecutor} from "../interfaces/IOneStepExecutor.sol";

/// @title OptimisticState
/// @notice Shapes and hashes of the optimistic rollup's L2 state, records and inbox, shared by the
///         rollup, the challenge game and the one-step executor. Twin of
///         `operator/optimistic/protocol.ts`.
/// @dev State: an account tree (depth 32, leaf = keccak256(abi.encode(owner, nonce, balancesRoot))
///      or 0 for no account), an address tree (depth 160, leaf = index + 1 of the address's
///      account), per-account balance trees (depth 16, leaf = balance of token id) and a withdrawal
///      tree (depth 32, leaf = keccak256(abi.encode(recipient, token, amount))), all l2kit keccak
///      sparse Merkle trees (`SparseMerkle`).
library OptimisticState {
    uint256 internal constant ACCOUNT_DEPTH = 32;
    uint256 internal constant ADDRESS_DEPTH = 160;
    uint256 internal constant BALANCE_DEPTH = 16;
    uint256 internal constant WITHDRAWAL_DEPTH = 32;
    uint256 internal constant RECORD_DEPTH = 20;

    uint8 internal constant RECORD_TRANSFER = 1;
    uint8 internal constant RECORD_TRANSFER_TO_ADDRESS = 2;
    uint8 internal constant RECORD_WITHDRAW = 3;
    /// @dev kind(1) from(4) to(4) token(2) amount(5) fee(1) r(32) yParityAndS(32).
    uint256 internal constant TRANSFER_LENGTH = 81;
    /// @dev kind(1) from(4) to(20) token(2) amount(5) fee(1) r(32) yParityAndS(32).
    uint256 internal constant TRANSFER_TO_ADDRESS_LENGTH = 97;
    /// @dev kind(1) from(4) token(2) amount(5) fee(1) r(32) yParityAndS(32).
    uint256 internal constant WITHDRAW_LENGTH = 77;

    /// @dev In a blob batch, record i occupies payload bytes [97 i, 97 i + 97), zero-padded.
    uint256 internal constant BLOB_SLOT = 97;

    uint8 internal constant INBOX_DEPOSIT = 1;
    uint8 internal constant INBOX_FORCED_TRANSFER = 2;
    uint8 internal constant INBOX_FORCED_WITHDRAW = 3;

    /// @notice Root of the empty balance tree of depth 16 (a new account's `balancesRoot`).
    bytes32 internal constant EMPTY_BALANCES_ROOT =
        0x2733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981f;

    /// @notice Length of a record of `kind`, 0 for an unknown kind.
    /// @param kind The record's first byte.
    /// @return The record's length in bytes, or 0.
    function recordLength(uint256 kind) internal pure returns (uint256) {
        if (kind == RECORD_TRANSFER) return TRANSFER_LENGTH;
        if (kind == RECORD_TRANSFER_TO_ADDRESS) return TRANSFER_TO_ADDRESS_LENGTH;
        if (kind == RECORD_WITHDRAW) return WITHDRAW_LENGTH;
        return 0;
    }

    /// @notice A state root: keccak256(abi.encode(all five header fields in order)).
    /// @param h The state root's preimage.
    /// @return The state root.
    function stateRoot(IOneStepExecutor.StateHeader memory h) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    h.accountsRoot,
                    h.addressesRoot,
                    h.withdrawalsRoot,
                    h.accountCount,
                    h.withdrawalCount
                )
            );
    }

    /// @notice An account tree leaf: keccak256(abi.encode(owner, nonce, balancesRoot)), or 0 when
    ///         `owner` is 0 (no account).
    /// @param owner The account's owner.
    /// @param nonce The account's nonce.
    /// @param balancesRoot The root of the account's balance tree.
    /// @return The leaf.
    function accountLeaf(
        address owner,
        uint64 nonce,
        bytes32 balancesRoot
    ) internal pure returns (bytes32) {
        if (owner == address(0)) return bytes32(0);
        return keccak256(abi.encode(owner, nonce, balancesRoot));
    }

    /// @notice A withdrawal tree leaf: keccak256(abi.encode(recipient, uint16(token), amount)).
    /// @param recipient The L1 recipient.
    /// @param token The token id (truncated to 16 bits).
    /// @param amount The amount.
    /// @return The leaf.
    function withdrawalLeaf(
        address recipient,
        uint256 token,
        uint256 amount
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(recipient, uint16(token), amount));
    }

    /// @notice An inbox entry's stored hash: keccak256(abi.encode(kind, from, to, token, amount)).
    /// @param e The entry.
    /// @return The hash.
    function inboxEntryHash(IOneStepExecutor.InboxEntry memory e) internal pure returns (bytes32) {
        return keccak256(abi.encode(e.kind, e.from, e.to, e.token, e.amount));
    }
}
