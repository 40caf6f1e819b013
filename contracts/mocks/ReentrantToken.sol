// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only ERC-20 that, on every transfer, calls `callee` with `payload` (set by the
///         test) before moving the tokens, and records whether that call succeeded.
contract ReentrantToken is ERC20 {
    address public callee;
    bytes public payload;
    bool public lastReentrySucceeded;
    uint256 public reentries;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        callee = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (callee != address(0) && from != address(0)) {
            address t = callee;
            callee = address(0);
            ++reentries;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = t.call(payload);
            lastReentrySucceeded = ok;
            callee = t;
        }
        super._update(from, to, value);
    }
}
