// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IAdjudicator} from "../interfaces/IAdjudicator.sol";
import {IChannelApp} from "../interfaces/IChannelApp.sol";

/// @notice Test-only channel app that answers every move with false (instead of reverting).
contract RejectingApp is IChannelApp {
    function validTransition(
        IAdjudicator.Channel calldata,
        IAdjudicator.State calldata,
        IAdjudicator.State calldata,
        uint256
    ) external pure returns (bool) {
        return false;
    }
}
