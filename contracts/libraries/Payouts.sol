// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPayouts} from "../interfaces/IPayouts.sol";

/// @title Payouts
/// @notice Money in and out of l2kit's contracts that hold users' funds (the channels, Plasma):
///         deposits credit what actually arrived, payouts are pushed with bounded gas, and a push
///         that fails (a receiver that reverts, burns gas or needs more than a push allows) is
///         owed to its receiver, who takes it with `withdraw`. No receiver can block anyone
///         else's payout.
abstract contract Payouts is IPayouts, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Gas a pushed payout may use.
    uint256 private constant _PUSH_GAS = 30_000;
    uint256 private constant _TOKEN_PUSH_GAS = 100_000;

    /// @inheritdoc IPayouts
    mapping(address account => mapping(address asset => uint256)) public owed;

    /// @inheritdoc IPayouts
    function withdraw(address asset, address to) external nonReentrant {
        uint256 amount = owed[msg.sender][asset];
        if (amount == 0) revert NothingOwed(msg.sender, asset);
        owed[msg.sender][asset] = 0;
        emit Withdrawn(msg.sender, asset, amount);
        if (asset == address(0)) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert TransferFailed(asset, to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev Takes `amount` of `asset` from the caller (ETH: exactly `msg.value`); returns what
    ///      arrived (less than `amount` for a fee-taking token).
    function _receive(address asset, uint256 amount) internal returns (uint256 credited) {
        if (asset == address(0)) {
            if (msg.value != amount) revert BadDeposit(msg.value, amount);
            return amount;
        }
        if (msg.value != 0) revert BadDeposit(msg.value, 0);
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        return IERC20(asset).balanceOf(address(this)) - before;
    }

    /// @dev Sends with bounded gas; a failed send is owed to `to` instead (pull payment).
    function _push(bytes32 id, address asset, address to, uint256 amount) internal {
        bool ok =
            asset == address(0)
                ? _tryTransferEth(to, amount)
                : _tryTransferToken(asset, to, amount);
        if (!ok) {
            owed[to][asset] += amount;
            emit PayoutDeferred(id, asset, to, amount);
        }
    }

    /// @dev Sends ETH with bounded gas and copies none of the receiver's return data. Solidity's
    ///      `to.call{...}("")` copies all of it into memory even when it is discarded, so a
    ///      receiver answering ~95 KB from its 30,000 gas made each push cost the caller ~37,000
    ///      gas more, and the memory of several such pushes in one call grows quadratically in
    ///      cost: enough receivers in one payout loop made the call run out of gas before an
    ///      honest receiver was paid.
    function _tryTransferEth(address to, uint256 amount) private returns (bool ok) {
        uint256 gasCap = _PUSH_GAS;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := call(gasCap, to, amount, 0, 0, 0, 0)
        }
    }

    /// @dev `transfer` with bounded gas and at most 32 bytes of return data read; true when it
    ///      succeeded and returned true, or returned nothing from a contract (tokens like USDT).
    function _tryTransferToken(
        address token,
        address to,
        uint256 amount
    ) private returns (bool ok) {
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        uint256 gasCap = _TOKEN_PUSH_GAS;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := call(gasCap, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            if ok {
                switch returndatasize()
                case 0 {
                    ok := gt(extcodesize(token), 0)
                }
                default {
                    ok := and(gt(returndatasize(), 31), eq(mload(0), 1))
                }
            }
        }
    }
}
