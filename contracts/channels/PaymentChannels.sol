// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IPaymentChannels} from "../interfaces/IPaymentChannels.sol";
import {Payouts} from "../libraries/Payouts.sol";

/// @title PaymentChannels
/// @notice l2kit's lean two-party payment channels: the dedicated alternative to an
///         `Adjudicator` channel running `PaymentApp`, for when only payments flow. Each side
///         funds its share (`fund`, at any time while open: top-up); both may take money out
///         while the channel stays open (`withdrawPart`, co-signed); they leave with one
///         transaction (`conclude`, a final balance both signed) or by dispute (`dispute` with the
///         latest balance both signed; within the challenge period a higher version replaces it,
///         the deadline fixed; then `payout`).
/// @dev Two storage slots per channel. `_funds`: what each side put in net of withdrawals
///      (int112 each), the withdrawal sequence number and the closed flag. `_disputes`: the
///      registered version, the deadline and the registered `paidToB`, written only by a
///      dispute. A balance names no absolute amounts: each side's share is its net funding plus
///      what it was paid (`paidToB`), so top-ups and withdrawals made at any time are accounted
///      without re-signing, and a state signed before them pays the right amounts after.
contract PaymentChannels is IPaymentChannels, EIP712, Payouts {
    // solhint-disable gas-small-strings
    bytes32 private constant _BALANCE_TYPEHASH = keccak256(
        "Balance(bytes32 channelId,uint48 version,int128 paidToB,bool isFinal)"
    );
    bytes32 private constant _WITHDRAWAL_TYPEHASH = keccak256(
        "Withdrawal(bytes32 channelId,uint24 nonce,uint112 amountA,uint112 amountB,uint48 deadline)"
    );
    // solhint-enable gas-small-strings

    /// @dev Net funding of each side (may be negative for a side that withdrew what it was
    ///      paid), the next withdrawal's nonce, and whether the channel is closed.
    struct Funds {
        int112 netA;
        int112 netB;
        uint24 withdrawals;
        bool closed;
    }

    /// @dev A dispute (none while `finalizesAt` is 0): the registered balance and its deadline.
    struct Dispute {
        uint48 version;
        uint48 finalizesAt;
        int128 paidToB;
    }

    int256 private constant _MAX_NET = type(int112).max;

    mapping(bytes32 channelId => Funds) private _funds;
    mapping(bytes32 channelId => Dispute) private _disputes;

    /// @notice Deploys the singleton of payment channels.
    constructor() EIP712("l2kit payment channels", "1") {}

    // ---- views ----

    /// @inheritdoc IPaymentChannels
    function channelId(PaymentChannel calldata channel) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), channel));
    }

    /// @inheritdoc IPaymentChannels
    function fundsOf(
        bytes32 id
    ) external view returns (int256 netA, int256 netB, uint256 withdrawals, bool closed) {
        Funds memory f = _funds[id];
        return (f.netA, f.netB, f.withdrawals, f.closed);
    }

    /// @inheritdoc IPaymentChannels
    function disputeOf(
        bytes32 id
    ) external view returns (uint256 version, uint256 finalizesAt, int256 paidToB) {
        Dispute memory d = _disputes[id];
        return (d.version, d.finalizesAt, d.paidToB);
    }

    /// @inheritdoc IPaymentChannels
    function balanceDigest(bytes32 id, Balance calldata balance) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        _BALANCE_TYPEHASH,
                        id,
                        balance.version,
                        balance.paidToB,
                        balance.isFinal
                    )
                )
            );
    }

    /// @inheritdoc IPaymentChannels
    function withdrawalDigest(
        bytes32 id,
        uint256 nonce,
        uint256 amountA,
        uint256 amountB,
        uint256 deadline
    ) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(_WITHDRAWAL_TYPEHASH, id, nonce, amountA, amountB, deadline))
            );
    }

    // ---- money in and out while open ----

    /// @inheritdoc IPaymentChannels
    function fund(
        PaymentChannel calldata channel,
        uint256 amountA,
        uint256 amountB
    ) external payable nonReentrant {
        bytes32 id = _validId(channel);
        // Also during a dispute: each side's share counts its funding whenever made.
        Funds memory f = _funds[id];
        if (f.closed) revert PaymentChannelClosed(id);
        if (amountA > uint256(_MAX_NET)) revert PaymentChannelAmountOutOfRange(amountA);
        if (amountB > uint256(_MAX_NET)) revert PaymentChannelAmountOutOfRange(amountB);
        uint256 credited = _receive(channel.asset, amountA + amountB);
        if (credited < amountA) amountA = credited;
        amountB = credited - amountA;
        int256 netA = int256(f.netA) + int256(amountA);
        int256 netB = int256(f.netB) + int256(amountB);
        if (netA + netB > _MAX_NET) revert PaymentChannelAmountOutOfRange(uint256(netA + netB));
        _funds[id] = Funds(_net(netA), _net(netB), f.withdrawals, false);
        emit Funded(id, amountA, amountB);
    }

    /// @inheritdoc IPaymentChannels
    function withdrawPart(
        PaymentChannel calldata channel,
        uint256 nonce,
        uint256 amountA,
        uint256 amountB,
        uint256 deadline,
        Sig calldata sigA,
        Sig calldata sigB
    ) external nonReentrant {
        bytes32 id = channelId(channel);
        Funds memory f = _requireOpen(id);
        if (nonce != f.withdrawals) revert PaymentChannelBadWithdrawalNonce(nonce, f.withdrawals);
        if (block.timestamp > deadline) revert PaymentChannelWithdrawalExpired(deadline);
        _requireSigned(
            channel,
            withdrawalDigest(id, nonce, amountA, amountB, deadline),
            sigA,
            sigB
        );
        uint256 held = uint256(int256(f.netA) + int256(f.netB));
        if (amountA + amountB > held)
            revert PaymentChannelInsufficientFunds(amountA + amountB, held);
        // Both amounts are at most `held` (below 2^111), so the differences below cannot wrap.
        _funds[id] = Funds(
            _net(int256(f.netA) - int256(amountA)),
            _net(int256(f.netB) - int256(amountB)),
            f.withdrawals + 1,
            false
        );
        emit PartlyWithdrawn(id, f.withdrawals, amountA, amountB);
        if (amountA != 0) _push(id, channel.asset, channel.a, amountA);
        if (amountB != 0) _push(id, channel.asset, channel.b, amountB);
    }

    // ---- closing ----

    /// @inheritdoc IPaymentChannels
    function conclude(
        PaymentChannel calldata channel,
        Balance calldata balance,
        Sig calldata sigA,
        Sig calldata sigB
    ) external nonReentrant {
        bytes32 id = channelId(channel);
        Funds memory f = _funds[id];
        if (f.closed) revert PaymentChannelClosed(id);
        if (!balance.isFinal) revert PaymentChannelNotFinal(balance.version);
        _requireSigned(channel, balanceDigest(id, balance), sigA, sigB);
        _close(id, channel, f, balance.version, balance.paidToB);
    }

    /// @inheritdoc IPaymentChannels
    function dispute(
        PaymentChannel calldata channel,
        Balance calldata balance,
        Sig calldata sigA,
        Sig calldata sigB
    ) external {
        bytes32 id = channelId(channel);
        if (_funds[id].closed) revert PaymentChannelClosed(id);
        if (balance.isFinal) revert PaymentChannelStateIsFinal(balance.version);
        Dispute memory d = _disputes[id];
        uint256 finalizesAt = d.finalizesAt;
        if (finalizesAt == 0) {
            finalizesAt = block.timestamp + channel.challengeDuration;
            if (finalizesAt > type(uint48).max) revert PaymentChannelTimeoutOverflow(finalizesAt);
        } else {
            // solhint-disable-next-line gas-strict-inequalities
            if (block.timestamp >= finalizesAt) revert PaymentChannelFinalized(id, finalizesAt);
            // solhint-disable-next-line gas-strict-inequalities
            if (balance.version <= d.version) {
                revert PaymentChannelStaleVersion(balance.version, d.version);
            }
        }
        _requireSigned(channel, balanceDigest(id, balance), sigA, sigB);
        _disputes[id] = Dispute(balance.version, uint48(finalizesAt), balance.paidToB);
        emit Disputed(id, balance.version, finalizesAt);
    }

    /// @inheritdoc IPaymentChannels
    function payout(PaymentChannel calldata channel) external nonReentrant {
        bytes32 id = channelId(channel);
        Funds memory f = _funds[id];
        if (f.closed) revert PaymentChannelClosed(id);
        Dispute memory d = _disputes[id];
        // solhint-disable-next-line gas-strict-inequalities
        if (d.finalizesAt == 0 || block.timestamp < d.finalizesAt) {
            revert PaymentChannelNotFinalized(id, d.finalizesAt);
        }
        delete _disputes[id];
        _close(id, channel, f, d.version, d.paidToB);
    }

    // ---- internals ----

    /// @dev Marks the channel closed (its funds zero) and pays each side its share: its net
    ///      funding plus what it was paid, bounded by what the channel holds.
    function _close(
        bytes32 id,
        PaymentChannel calldata channel,
        Funds memory f,
        uint256 version,
        int256 paidToB
    ) private {
        int256 held = int256(f.netA) + int256(f.netB);
        int256 shareA = int256(f.netA) - paidToB;
        if (shareA < 0) shareA = 0;
        if (shareA > held) shareA = held;
        uint256 toA = uint256(shareA);
        uint256 toB = uint256(held - shareA);
        _funds[id] = Funds(0, 0, f.withdrawals, true);
        emit Closed(id, version, toA, toB);
        if (toA != 0) _push(id, channel.asset, channel.a, toA);
        if (toB != 0) _push(id, channel.asset, channel.b, toB);
    }

    /// @dev A side's net funding, refused outside the int112 range it is stored in.
    function _net(int256 v) private pure returns (int112) {
        if (v > _MAX_NET || v < type(int112).min) {
            revert PaymentChannelAmountOutOfRange(uint256(v < 0 ? -v : v));
        }
        return int112(v);
    }

    function _validId(PaymentChannel calldata channel) private view returns (bytes32) {
        if (
            channel.a == address(0) ||
            channel.b == address(0) ||
            channel.a == channel.b ||
            channel.challengeDuration == 0
        ) revert PaymentChannelInvalid();
        return channelId(channel);
    }

    function _requireOpen(bytes32 id) private view returns (Funds memory f) {
        f = _funds[id];
        if (f.closed) revert PaymentChannelClosed(id);
        uint256 finalizesAt = _disputes[id].finalizesAt;
        if (finalizesAt != 0) revert PaymentChannelDisputed(id, finalizesAt);
    }

    function _requireSigned(
        PaymentChannel calldata channel,
        bytes32 digest,
        Sig calldata sigA,
        Sig calldata sigB
    ) private pure {
        (address signer, , ) = ECDSA.tryRecover(digest, sigA.r, sigA.vs);
        if (signer != channel.a) revert PaymentChannelBadSignature(0);
        (signer, , ) = ECDSA.tryRecover(digest, sigB.r, sigB.vs);
        if (signer != channel.b) revert PaymentChannelBadSignature(1);
    }
}
