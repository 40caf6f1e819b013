// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

interface IWithdrawable {
    function withdraw(uint256 tokenId) external;

    function depositETH(
        uint256 accountIndex,
        uint256 ax,
        uint256 ay
    ) external payable returns (uint256);
}

/// @notice Test-only account owner that tries to withdraw again from inside the ETH payout.
contract ReentrantWithdrawer {
    IWithdrawable public immutable rollup;
    uint256 public reentered;

    constructor(IWithdrawable rollup_) {
        rollup = rollup_;
    }

    function open(uint256 ax, uint256 ay) external payable returns (uint256) {
        return rollup.depositETH{value: msg.value}(0, ax, ay);
    }

    function pull() external {
        rollup.withdraw(0);
    }

    receive() external payable {
        reentered++;
        rollup.withdraw(0);
    }
}
