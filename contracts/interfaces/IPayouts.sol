// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title IPayouts
/// @notice What l2kit's contracts holding users' funds share about moving money: deposits credit what arrived,
///         payouts are pushed with bounded gas, and a push that fails is owed to its receiver
///         until it calls `withdraw`.
interface IPayouts {
    /// @notice Nothing is owed to this account in this asset.
    error NothingOwed(address account, address asset);
    /// @notice A pull payment could not be delivered.
    error TransferFailed(address asset, address to, uint256 amount);
    /// @notice The ETH sent does not match the amount (or ETH was sent with a token deposit).
    error BadDeposit(uint256 sent, uint256 amount);

    /// @notice A payout to `to` could not be pushed (the receiver reverted or needed more gas than
    ///         a push allows); it waits for `withdraw`.
    /// @param channelId What the payout was for: a channel id, or (Plasma) the exit's output
    ///        position (0 for the operator's bond).
    /// @param asset The asset (address(0): ETH).
    /// @param to Who is owed it.
    /// @param amount The amount now owed.
    event PayoutDeferred(
        bytes32 indexed channelId,
        address indexed asset,
        address indexed to,
        uint256 amount
    );

    /// @notice A payout whose push had failed was withdrawn.
    /// @param account Who was owed it.
    /// @param asset The asset (address(0): ETH).
    /// @param amount The amount withdrawn.
    event Withdrawn(address indexed account, address indexed asset, uint256 amount);

    /// @notice Payouts of `asset` (address(0): ETH) owed to `account` because their push failed.
    /// @param account The receiver of the failed pushes.
    /// @param asset The asset (address(0): ETH).
    /// @return amount What `account` may take with `withdraw`.
    function owed(address account, address asset) external view returns (uint256 amount);

    /// @notice Sends the caller's payouts of `asset` that could not be pushed to `to` (all of
    ///         them, or reverts with `NothingOwed`).
    /// @param asset The asset (address(0): ETH).
    /// @param to Where to send them (the caller may name another address than the one that
    ///        failed to receive).
    function withdraw(address asset, address to) external;
}
