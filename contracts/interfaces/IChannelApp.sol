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
    function validTransition(
        IAdjudicator.Channel calldata channel,
        IAdjudicator.State calldata from,
        IAdjudicator.State calldata to,
        uint256 mover
    ) external view returns (bool);
}

/// @title ISecretRegistry
/// @notice Where hash-lock preimages are revealed on-chain, with the time they were first seen.
interface ISecretRegistry {
    /// @notice When the preimage of `hashlock` was first revealed (0: never).
    function revealedAt(bytes32 hashlock) external view returns (uint256);
}
