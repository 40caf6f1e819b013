// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title IOneStepExecutor
/// @notice The optimistic rollup's transition function for one step (one L1 inbox entry or one
///         posted record), executed on L1 from a state root and Merkle witnesses. It is the twin of
///         `operator/optimistic/transition.ts`; protocol and witness order: docs/optimistic-rollup.md.
/// @dev An invalid step (unknown account, bad signature, wrong nonce, short balance, non-canonical
///      float, overflow) returns the pre-state root: it is a no-op, never a revert. A revert means
///      the caller's witness does not match the pre-state (or is missing an access the step needs).
interface IOneStepExecutor {
    /// @notice The preimage of a state root: keccak256(abi.encode(all five fields in order)).
    struct StateHeader {
        bytes32 accountsRoot;
        bytes32 addressesRoot;
        bytes32 withdrawalsRoot;
        uint64 accountCount;
        uint64 withdrawalCount;
    }

    /// @notice One account, read at one token, with compressed proofs against the current trees.
    /// @dev For an index with no account: owner 0, balance 0, and the balance proof is against the
    ///      empty balance tree (bitmap 0, no siblings).
    struct AccountWitness {
        address owner;
        uint64 nonce;
        bytes32 balancesRoot;
        uint256 accountBitmap;
        bytes32[] accountSiblings;
        uint256 balance;
        uint256 balanceBitmap;
        bytes32[] balanceSiblings;
    }

    /// @notice One address-tree lookup: the leaf (account index + 1, or 0 for none) and its proof.
    struct AddressWitness {
        uint256 leaf;
        uint256 bitmap;
        bytes32[] siblings;
    }

    /// @notice Proof that the next withdrawal slot (`withdrawalCount`) is empty.
    struct WithdrawalWitness {
        uint256 bitmap;
        bytes32[] siblings;
    }

    /// @notice Everything a step reads, in the order the transition reads it.
    struct StepWitness {
        StateHeader header;
        AccountWitness[] accounts;
        AddressWitness[] addresses;
        WithdrawalWitness[] withdrawals;
    }

    /// @notice An L1 inbox entry as hashed by the rollup: keccak256(abi.encode(kind, from, to, token, amount)).
    struct InboxEntry {
        uint8 kind;
        address from;
        address to;
        uint16 token;
        uint256 amount;
    }

    /// @notice The witness header does not hash to the pre-state root.
    error ExecutorBadHeader(bytes32 preRoot, bytes32 headerRoot);
    /// @notice Account witness `access` does not prove account `index` in the current account tree.
    error ExecutorBadAccountWitness(uint256 access, uint256 index);
    /// @notice Account witness `access` does not prove its balance of `token`.
    error ExecutorBadBalanceWitness(uint256 access, uint256 token);
    /// @notice Address witness `access` does not prove the address's leaf.
    error ExecutorBadAddressWitness(uint256 access, address account);
    /// @notice The withdrawal witness does not prove slot `slot` empty.
    error ExecutorBadWithdrawalWitness(uint256 slot);
    /// @notice The step needs more witnesses of this kind (0 accounts, 1 addresses, 2 withdrawals).
    error ExecutorMissingWitness(uint256 kind, uint256 position);
    /// @notice Not a whole record of a known kind.
    error ExecutorBadRecord(uint256 kind, uint256 length);

    /// @notice Post-state root of one posted record (a transfer, a transfer to an address or a
    ///         withdrawal), or `preRoot` itself when the record is an invalid step.
    /// @param preRoot The agreed state root before the step.
    /// @param record The record's bytes (a whole record of a known kind, else `ExecutorBadRecord`).
    /// @param feeAccount The batch's fee account.
    /// @param domainSeparator The rollup's EIP-712 domain separator (signatures are bound to it).
    /// @param witness The pre-state header and the Merkle witnesses of every access, in order.
    /// @return postRoot The state root after the step.
    function executeRecord(
        bytes32 preRoot,
        bytes calldata record,
        uint256 feeAccount,
        bytes32 domainSeparator,
        StepWitness calldata witness
    ) external pure returns (bytes32 postRoot);

    /// @notice Post-state root of one L1 inbox entry (a deposit, a forced transfer or a forced
    ///         withdrawal), or `preRoot` itself when the entry is an invalid step.
    /// @param preRoot The agreed state root before the step.
    /// @param entry The inbox entry (the caller checks it against the rollup's stored hash).
    /// @param witness The pre-state header and the Merkle witnesses of every access, in order.
    /// @return postRoot The state root after the step.
    function executeInbox(
        bytes32 preRoot,
        InboxEntry calldata entry,
        StepWitness calldata witness
    ) external pure returns (bytes32 postRoot);
}
