// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title IBaselineToken
/// @notice The API of `BaselineToken`, the plain ERC-20 of l2kit's layer-1 baseline: OpenZeppelin's
///         `IERC20Metadata` (documented there) plus minting by the owner.
/// @dev Ownership is OpenZeppelin's `Ownable` (`owner`, `transferOwnership`, `renounceOwnership`,
///      documented there) and is not repeated here.
interface IBaselineToken is IERC20Metadata {
    /// @notice Creates `amount` tokens for `to`. Owner only: reverts with
    ///         `OwnableUnauthorizedAccount(caller)` otherwise.
    /// @param to Receiver of the new tokens.
    /// @param amount Amount in the token's smallest unit.
    function mint(address to, uint256 amount) external;
}
