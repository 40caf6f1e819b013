// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IPayouts} from "./IPayouts.sol";

/// @title IPaymentChannels
/// @notice Structs, errors and events of `PaymentChannels`, l2kit's lean two-party payment
///         channel (one asset per channel, top-up and partial withdrawal). Protocol, parameters
///         and trust assumptions: docs/channels.md.
interface IPaymentChannels is IPayouts {
    /// @notice A channel between `a` and `b` in `asset` (address(0): ETH). Its id,
    ///         `channelId(channel)`, binds the chain, this contract and every field, so no
    ///         signature replays across channels, chains or deployments.
    struct PaymentChannel {
        address a;
        address b;
        address asset;
        uint64 nonce;
        uint48 challengeDuration;
    }

    /// @notice A payment state, signed by both: `paidToB` is the net amount `a` has paid `b` since
    ///         the channel opened (negative when `b` paid more). Each side's share is what it put
    ///         in (deposits less withdrawals, whenever made) plus what it was paid net.
    struct Balance {
        uint48 version;
        int128 paidToB;
        bool isFinal;
    }

    /// @notice An EIP-2098 compact signature.
    struct Sig {
        bytes32 r;
        bytes32 vs;
    }

    /// @notice The channel's parameters are unusable (same or zero participants, no period).
    error PaymentChannelInvalid();
    /// @notice The channel was closed and paid out; nothing more can happen in it.
    error PaymentChannelClosed(bytes32 channelId);
    /// @notice A dispute runs: partial withdrawals are closed until the channel is.
    error PaymentChannelDisputed(bytes32 channelId, uint256 finalizesAt);
    /// @notice The dispute's deadline passed: only `payout` is left.
    error PaymentChannelFinalized(bytes32 channelId, uint256 finalizesAt);
    /// @notice No dispute ended yet (none started, or its deadline is ahead).
    error PaymentChannelNotFinalized(bytes32 channelId, uint256 finalizesAt);
    /// @notice A running dispute is replaced only by a strictly higher version.
    error PaymentChannelStaleVersion(uint256 given, uint256 registered);
    /// @notice A final state closes the channel through `conclude`, not a dispute.
    error PaymentChannelStateIsFinal(uint256 version);
    /// @notice `conclude` needs a state both marked final.
    error PaymentChannelNotFinal(uint256 version);
    /// @notice The signature of participant `who` (0: a, 1: b) does not recover to it.
    error PaymentChannelBadSignature(uint256 who);
    /// @notice A withdrawal is signed for another position in the channel's withdrawal sequence.
    error PaymentChannelBadWithdrawalNonce(uint256 given, uint256 expected);
    /// @notice The channel's funds would leave the range this contract accounts in (2^111).
    error PaymentChannelAmountOutOfRange(uint256 amount);
    /// @notice A withdrawal asks for more than the channel holds.
    error PaymentChannelInsufficientFunds(uint256 asked, uint256 held);
    /// @notice A withdrawal's deadline passed before it was mined.
    error PaymentChannelWithdrawalExpired(uint256 deadline);
    /// @notice The dispute's deadline does not fit the 48-bit clock.
    error PaymentChannelTimeoutOverflow(uint256 finalizesAt);

    /// @notice `amountA` was credited to `a`'s side and `amountB` to `b`'s.
    event Funded(bytes32 indexed channelId, uint256 amountA, uint256 amountB);
    /// @notice A co-signed partial withdrawal paid `amountA` to `a` and `amountB` to `b`; the
    ///         channel stays open.
    event PartlyWithdrawn(
        bytes32 indexed channelId,
        uint256 nonce,
        uint256 amountA,
        uint256 amountB
    );
    /// @notice A dispute registered `version` (a new one, or a newer state in a running one: the
    ///         deadline never moves).
    event Disputed(bytes32 indexed channelId, uint256 version, uint256 finalizesAt);
    /// @notice The channel closed and paid `toA` and `toB` (by a final state, or a dispute's end).
    event Closed(bytes32 indexed channelId, uint256 version, uint256 toA, uint256 toB);
}
