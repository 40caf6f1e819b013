// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IAdjudicator} from "./IAdjudicator.sol";

/// @title IChannelApp
/// @notice The rules of a channel application, as the adjudicator applies them to a state that
///         only its mover signed (an on-chain move, or a turn-taking support proof).
interface IChannelApp {
    /// @notice Whether participant `mover` may turn `from` into `to`. Reverts with the app's own
    ///         error naming what is wrong, or returns true. The adjudicator has already checked
    ///         that `to.version == from.version + 1`, that `mover == to.version % n` signed `to`,
    ///         and that `from` is not final.
    /// @param channel The channel (its participants, nonce, app and challenge duration).
    /// @param from The state moved from.
    /// @param to The state moved to.
    /// @param mover The index of the participant who made `to`.
    /// @return valid True when the move is allowed (a disallowed one reverts, or returns false).
    function validTransition(
        IAdjudicator.Channel calldata channel,
        IAdjudicator.State calldata from,
        IAdjudicator.State calldata to,
        uint256 mover
    ) external view returns (bool valid);
}
