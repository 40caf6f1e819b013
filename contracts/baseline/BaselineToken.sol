// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IBaselineToken} from "../interfaces/IBaselineToken.sol";

/// @title BaselineToken
/// @notice A plain OpenZeppelin ERC-20, the layer-1 baseline every l2kit figure is compared with,
///         and the token the layer-2 systems move in their demos and tests.
/// @dev Nothing is added to OpenZeppelin's transfer path, so its gas is that of a typical L1 token.
contract BaselineToken is IBaselineToken, ERC20, Ownable {
    /// @notice Deploys the token with no supply.
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param owner_ Account allowed to mint.
    constructor(
        string memory name_,
        string memory symbol_,
        address owner_
    ) ERC20(name_, symbol_) Ownable(owner_) {}

    /// @inheritdoc IBaselineToken
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
