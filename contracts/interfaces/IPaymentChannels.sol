// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IPayouts} from "./IPayouts.sol";

/// @title IPaymentChannels
/// @notice The API of `PaymentChannels`, l2kit's lean two-party payment channel (one asset per
///         channel, top-up and partial withdrawal): its functions, structs, errors and events.
///         Protocol, parameters and trust assumptions: docs/channels.md.
/// @dev Pull payments (`owed`, `withdraw`) come from `IPayouts`; the EIP-712 domain balances and
///      withdrawals are signed under (`eip712Domain`) from OpenZeppelin's `IERC5267`.
interface IPaymentChannels is IPayouts, IERC5267 {
    /// @notice A channel between `a` and `b` in `asset` (address(0): ETH). Its id,
    ///         `channelId(channel)`, binds the chain, this contract and every field, so no
    ///         signature replays across channels, chains or deployments.
    /// @param a Participant a (side 0).
    /// @param b Participant b (side 1), another address than `a`.
    /// @param asset The channel's one asset (address(0): ETH).
    /// @param nonce Chosen by the participants, never reused between them: a new channel, a new id.
    /// @param challengeDuration Seconds a dispute runs before `payout` (not zero).
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
    /// @param version Orders balances: a dispute is answered by a higher one.
    /// @param paidToB What `a` has paid `b` net since the channel opened.
    /// @param isFinal Both agree to close on it (`conclude`); a dispute takes only non-final ones.
    struct Balance {
        uint48 version;
        int128 paidToB;
        bool isFinal;
    }

    /// @notice An EIP-2098 compact signature.
    /// @param r The signature's r.
    /// @param vs s with the parity of v in its top bit.
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
    /// @param channelId The channel.
    /// @param amountA Credited to `a`'s side.
    /// @param amountB Credited to `b`'s side.
    event Funded(bytes32 indexed channelId, uint256 amountA, uint256 amountB);

    /// @notice A co-signed partial withdrawal paid `amountA` to `a` and `amountB` to `b`; the
    ///         channel stays open.
    /// @param channelId The channel.
    /// @param nonce The withdrawal's number in the channel's sequence.
    /// @param amountA Paid to `a`.
    /// @param amountB Paid to `b`.
    event PartlyWithdrawn(
        bytes32 indexed channelId,
        uint256 nonce,
        uint256 amountA,
        uint256 amountB
    );

    /// @notice A dispute registered `version` (a new one, or a newer state in a running one: the
    ///         deadline never moves).
    /// @param channelId The channel.
    /// @param version The registered balance's version.
    /// @param finalizesAt The dispute's deadline, after which `payout` pays it.
    event Disputed(bytes32 indexed channelId, uint256 version, uint256 finalizesAt);

    /// @notice The channel closed and paid `toA` and `toB` (by a final state, or a dispute's end).
    /// @param channelId The channel.
    /// @param version The version of the balance it closed on.
    /// @param toA Paid to `a`.
    /// @param toB Paid to `b`.
    event Closed(bytes32 indexed channelId, uint256 version, uint256 toA, uint256 toB);

    // ---- views ----

    /// @notice The id of `channel`: keccak256 of the chain id, this contract and the channel.
    /// @param channel The channel.
    /// @return id keccak256(abi.encode(chain id, this contract, channel)).
    function channelId(PaymentChannel calldata channel) external view returns (bytes32 id);

    /// @notice What each side put in net of withdrawals, the next withdrawal nonce, and
    ///         whether the channel is closed.
    /// @param id The channel.
    /// @return netA `a`'s deposits less its withdrawals (negative once it withdrew what it was
    ///         paid).
    /// @return netB `b`'s deposits less its withdrawals.
    /// @return withdrawals The next partial withdrawal's nonce.
    /// @return closed True once the channel closed (its funds are then zero).
    function fundsOf(
        bytes32 id
    ) external view returns (int256 netA, int256 netB, uint256 withdrawals, bool closed);

    /// @notice The registered dispute.
    /// @param id The channel.
    /// @return version The registered balance's version.
    /// @return finalizesAt The dispute's deadline (0: no dispute).
    /// @return paidToB The registered balance's `paidToB`.
    function disputeOf(
        bytes32 id
    ) external view returns (uint256 version, uint256 finalizesAt, int256 paidToB);

    /// @notice The EIP-712 digest both sides sign for `balance` of channel `id`.
    /// @param id The channel.
    /// @param balance The balance.
    /// @return digest The typed-data digest of
    ///         Balance(channelId, version, paidToB, isFinal) under this contract's domain.
    function balanceDigest(
        bytes32 id,
        Balance calldata balance
    ) external view returns (bytes32 digest);

    /// @notice The EIP-712 digest both sides sign for a partial withdrawal.
    /// @param id The channel.
    /// @param nonce The withdrawal's number in the channel's sequence.
    /// @param amountA To pay `a`.
    /// @param amountB To pay `b`.
    /// @param deadline The last timestamp at which it may be mined.
    /// @return digest The typed-data digest of
    ///         Withdrawal(channelId, nonce, amountA, amountB, deadline) under this contract's domain.
    function withdrawalDigest(
        bytes32 id,
        uint256 nonce,
        uint256 amountA,
        uint256 amountB,
        uint256 deadline
    ) external view returns (bytes32 digest);

    // ---- money in and out while open ----

    /// @notice Credits `amountA` to `a`'s side and `amountB` to `b`'s (anyone may fund either);
    ///         ETH: send exactly their sum. A fee-taking token is credited what arrived, `a`'s
    ///         side first. Opening a channel is its first funding; later ones are top-ups, allowed
    ///         until the channel closes (a dispute's payout counts them).
    /// @param channel The channel (two distinct non-zero participants and a challenge duration).
    /// @param amountA For `a`'s side.
    /// @param amountB For `b`'s side.
    function fund(
        PaymentChannel calldata channel,
        uint256 amountA,
        uint256 amountB
    ) external payable;

    /// @notice Pays `amountA` to `a` and `amountB` to `b` out of the open channel, as both signed
    ///         (the channel's withdrawal number `nonce`, valid until `deadline`). Each side's share
    ///         drops by what it took; every balance signed before or after stays valid. Both should
    ///         make no payment while a signed withdrawal may still be mined (until `deadline`).
    ///         Not during a dispute.
    /// @param channel The channel.
    /// @param nonce The channel's next withdrawal number (`fundsOf(id).withdrawals`).
    /// @param amountA To pay `a`.
    /// @param amountB To pay `b`.
    /// @param deadline The last timestamp at which it may be mined.
    /// @param sigA `a`'s signature of `withdrawalDigest(...)`.
    /// @param sigB `b`'s signature of `withdrawalDigest(...)`.
    function withdrawPart(
        PaymentChannel calldata channel,
        uint256 nonce,
        uint256 amountA,
        uint256 amountB,
        uint256 deadline,
        Sig calldata sigA,
        Sig calldata sigB
    ) external;

    // ---- closing ----

    /// @notice Closes the channel with a final balance both signed and pays both sides at once
    ///         (also during a dispute: a final state ends it).
    /// @param channel The channel.
    /// @param balance A balance marked final.
    /// @param sigA `a`'s signature of `balanceDigest(id, balance)`.
    /// @param sigB `b`'s signature of `balanceDigest(id, balance)`.
    function conclude(
        PaymentChannel calldata channel,
        Balance calldata balance,
        Sig calldata sigA,
        Sig calldata sigB
    ) external;

    /// @notice Registers the latest balance both signed when the other side has gone: it is
    ///         paid by `payout` after the challenge period. While the period runs, a strictly
    ///         higher version replaces it and the deadline stays: the answer to a stale close.
    /// @param channel The channel.
    /// @param balance A non-final balance.
    /// @param sigA `a`'s signature of `balanceDigest(id, balance)`.
    /// @param sigB `b`'s signature of `balanceDigest(id, balance)`.
    function dispute(
        PaymentChannel calldata channel,
        Balance calldata balance,
        Sig calldata sigA,
        Sig calldata sigB
    ) external;

    /// @notice After a dispute's deadline: pays the registered balance and closes the channel
    ///         (anyone may call it).
    /// @param channel The channel.
    function payout(PaymentChannel calldata channel) external;
}
