// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only ERC-20 with two hostile behaviours. Transfers to a blocked address revert
///         (as with a stablecoin's blocklist), so a contract's push to it fails. While armed, every
///         transfer out of an account first calls `callee` with `payload` and keeps the call's
///         outcome and return data, so a test can tell a reentrancy guard's refusal from any
///         other failure.
contract HostileToken is ERC20 {
    /// @notice A transfer to `to`, which is blocked.
    error HostileTokenBlocked(address to);

    mapping(address account => bool) public blocked;
    address public callee;
    bytes public payload;
    uint256 public calls;
    bool public lastCallSucceeded;
    bytes public lastCallReturned;

    constructor() ERC20("Hostile", "HOST") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function arm(address callee_, bytes calldata payload_) external {
        callee = callee_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert HostileTokenBlocked(to);
        address t = callee;
        if (t != address(0) && from != address(0)) {
            // Disarmed during the call, so the callback cannot recurse through this token.
            callee = address(0);
            ++calls;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory returned) = t.call(payload);
            lastCallSucceeded = ok;
            lastCallReturned = returned;
            callee = t;
        }
        super._update(from, to, value);
    }
}
