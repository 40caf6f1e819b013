// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IAdjudicator} from "../../interfaces/IAdjudicator.sol";
import {IChannelApp} from "../../interfaces/IChannelApp.sol";

/// @title PaymentApp
/// @notice Rules of a payment channel. Payments are states every participant signs, so a payment
///         channel never needs an on-chain move; the one move it allows is a payment by the mover
///         alone: it may give from its own balances, never take, and must leave the app data and
///         the hash-time locks as they were (locks are resolved by the adjudicator's `unlock`).
contract PaymentApp is IChannelApp {
    /// @notice The app data of a payment channel is fixed.
    error PaymentAppDataChanged();
    /// @notice The assets of the outcome changed at this index (or their number did).
    error PaymentAppAssetsChanged(uint256 assetIndex);
    /// @notice The locks of this asset changed.
    error PaymentAppLocksChanged(uint256 assetIndex);
    /// @notice The mover took value from another participant.
    error PaymentAppTookFrom(uint256 assetIndex, uint256 participant);
    /// @notice The asset's total changed.
    error PaymentAppNotConserved(uint256 assetIndex, uint256 before, uint256 afterMove);

    /// @inheritdoc IChannelApp
    function validTransition(
        IAdjudicator.Channel calldata,
        IAdjudicator.State calldata from,
        IAdjudicator.State calldata to,
        uint256 mover
    ) external pure returns (bool) {
        if (keccak256(from.appData) != keccak256(to.appData)) revert PaymentAppDataChanged();
        uint256 assets = from.outcome.length;
        if (to.outcome.length != assets) revert PaymentAppAssetsChanged(assets);
        for (uint256 a; a < assets; ++a) {
            IAdjudicator.Allocation calldata before = from.outcome[a];
            IAdjudicator.Allocation calldata next = to.outcome[a];
            if (before.asset != next.asset || before.amounts.length != next.amounts.length) {
                revert PaymentAppAssetsChanged(a);
            }
            if (keccak256(abi.encode(before.locks)) != keccak256(abi.encode(next.locks))) {
                revert PaymentAppLocksChanged(a);
            }
            uint256 totalBefore;
            uint256 totalAfter;
            uint256 n = before.amounts.length;
            for (uint256 p; p < n; ++p) {
                if (p != mover && next.amounts[p] < before.amounts[p]) {
                    revert PaymentAppTookFrom(a, p);
                }
                totalBefore += before.amounts[p];
                totalAfter += next.amounts[p];
            }
            if (totalBefore != totalAfter)
                revert PaymentAppNotConserved(a, totalBefore, totalAfter);
        }
        return true;
    }
}
