// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IPayouts} from "./IPayouts.sol";

/// @title IPlasmaChain
/// @notice Structs, errors and events of `PlasmaChain`, l2kit's Plasma root chain (Plasma MVP
///         style: UTXOs, standard exits with inclusion proofs and bonds, challenges of spent
///         outputs, a per-token exit priority queue). Protocol, parameters and trust
///         assumptions: docs/plasma.md.
interface IPlasmaChain is IPayouts {
    /// @notice A transaction output: `amount` of `token` (address(0): ETH) owned by `owner`.
    struct Output {
        address owner;
        address token;
        uint256 amount;
    }

    /// @notice A child-chain transaction: up to 2 inputs (output positions
    ///         blockNumber·10^9 + txIndex·10^4 + outputIndex) and up to 2 outputs. Each input is
    ///         signed by its owner over `txHash` (EIP-712, bound to the chain and this contract).
    struct Transaction {
        uint256[] inputs;
        Output[] outputs;
    }

    /// @notice Only the operator submits blocks.
    error PlasmaNotOperator(address caller);
    /// @notice Child blocks are numbered 1000, 2000, ... and submitted in that order.
    error PlasmaBlockOutOfOrder(uint256 given, uint256 expected);
    /// @notice A block root may not be zero.
    error PlasmaEmptyRoot();
    /// @notice The operator retired: no more blocks.
    error PlasmaRetired();
    /// @notice 999 deposit blocks already follow the last child block; the next child block
    ///         makes room.
    error PlasmaDepositBlocksExhausted(uint256 nextChildBlock);
    /// @notice Amounts are limited to 2^96 - 1 (an exit packs its amount with its token).
    error PlasmaAmountTooLarge(uint256 amount);
    /// @notice A deposit of nothing.
    error PlasmaZeroDeposit();
    /// @notice The exit bond is exactly `required`.
    error PlasmaBadBond(uint256 sent, uint256 required);
    /// @notice No block at this number.
    error PlasmaUnknownBlock(uint256 blockNumber);
    /// @notice The transaction has no output at this index, or too many inputs or outputs.
    error PlasmaBadTransaction(uint256 inputs, uint256 outputs);
    /// @notice The position's output index is past the transaction's outputs.
    error PlasmaNoSuchOutput(uint256 utxoPos);
    /// @notice Only an output's owner may exit it.
    error PlasmaNotOwner(address owner, address caller);
    /// @notice The transaction is not in the block at this position.
    error PlasmaNotIncluded(uint256 utxoPos);
    /// @notice This output has an exit already (`status`: 1 queued, 2 challenged, 3 paid).
    error PlasmaExitExists(uint256 utxoPos, uint256 status);
    /// @notice No queued exit of this output.
    error PlasmaNoExit(uint256 utxoPos);
    /// @notice The challenging transaction does not spend the exiting output at `inputIndex`.
    error PlasmaNotASpend(uint256 utxoPos, uint256 inputIndex);
    /// @notice The spend is not signed by the exiting output's owner.
    error PlasmaBadSignature(address owner);
    /// @notice The operator's bond is released only after the retirement delay.
    error PlasmaBondLocked(uint256 releasedAt);
    /// @notice The operator's bond was paid back already.
    error PlasmaBondReleased();

    /// @notice The operator committed a child block.
    event BlockSubmitted(uint256 indexed blockNumber, bytes32 root, uint256 timestamp);
    /// @notice A deposit made block `blockNumber`: one transaction whose only output is
    ///         (`owner`, `token`, `amount`), at position blockNumber·10^9.
    event Deposited(
        uint256 indexed blockNumber,
        address indexed owner,
        address indexed token,
        uint256 amount
    );
    /// @notice An exit of output `utxoPos` was queued; it pays after `exitableAt`.
    event ExitStarted(
        uint256 indexed utxoPos,
        address indexed owner,
        address indexed token,
        uint256 amount,
        uint256 exitableAt
    );
    /// @notice An exit was shown to spend an already spent output; its bond went to `challenger`.
    event ExitChallenged(uint256 indexed utxoPos, address indexed challenger);
    /// @notice An exit was paid (amount and bond).
    event ExitProcessed(uint256 indexed utxoPos, address indexed owner, uint256 amount);
    /// @notice The operator stopped submitting blocks; its bond is released at `releasedAt`.
    event OperatorRetired(uint256 releasedAt);
}
