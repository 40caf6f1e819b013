// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

interface IClaimable {
    function claim(uint256 tokenId) external;
}

/// @notice Test-only account that refuses ETH (or burns all gas on receipt when `burn` is set),
///         to show that a hostile receiver only ever fails its own pull payment.
contract RejectingReceiver {
    bool public burn;

    function setBurn(bool burn_) external {
        burn = burn_;
    }

    function claimFrom(IClaimable target, uint256 tokenId) external {
        target.claim(tokenId);
    }

    receive() external payable {
        if (burn) {
            // solhint-disable-next-line no-empty-blocks
            while (true) {}
        }
        revert("no ETH, thanks");
    }
}
