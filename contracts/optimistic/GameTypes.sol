// SPDX-License-Identifier: GPL-3.0-or-later
// solhint-disable one-contract-per-file
pragma solidity ^0.8.28;

/// @notice The part of a bisection game that is still disputed: the state at position `lo` is
///         agreed, the state at position `hi` is disputed.
/// @dev Bit layout (uint64): bits 63..32 `lo`, bits 31..0 `hi`. Position k is the state after the
///      batch's first k steps: 0 is the batch's pre-state, n (its step count) the claimed root.
type Position is uint64;

/// @notice One side's chess clock.
/// @dev Bit layout (uint128): bits 127..64 seconds `remaining` at time `since`, bits 63..0 `since`
///      (unix seconds). Only the side to move has a running clock: at time t it has
///      max(0, remaining - (t - since)) left; a stopped clock's `since` is irrelevant.
type Clock is uint128;

using PositionLib for Position global;
using ClockLib for Clock global;

/// @title PositionLib
/// @notice Packs and reads a bisection game's `Position` (the disputed interval [lo, hi]).
library PositionLib {
    /// @notice Packs an interval. Both ends must be below 2^32; not checked here.
    /// @param lo_ The agreed position.
    /// @param hi_ The disputed position.
    /// @return The packed position.
    function make(uint256 lo_, uint256 hi_) internal pure returns (Position) {
        return Position.wrap(uint64((lo_ << 32) | hi_));
    }

    /// @notice The agreed end of the interval.
    /// @param p The position.
    /// @return The position's `lo`.
    function lo(Position p) internal pure returns (uint256) {
        return Position.unwrap(p) >> 32;
    }

    /// @notice The disputed end of the interval.
    /// @param p The position.
    /// @return The position's `hi`.
    function hi(Position p) internal pure returns (uint256) {
        return uint32(Position.unwrap(p));
    }

    /// @notice The midpoint the next claim is made at (only meaningful while hi - lo >= 2).
    /// @param p The position.
    /// @return lo + floor((hi - lo) / 2).
    function mid(Position p) internal pure returns (uint256) {
        uint256 low = lo(p);
        return low + ((hi(p) - low) >> 1);
    }

    /// @notice Steps left in dispute.
    /// @param p The position.
    /// @return hi - lo.
    function width(Position p) internal pure returns (uint256) {
        return hi(p) - lo(p);
    }
}

/// @title ClockLib
/// @notice Packs and reads a side's chess `Clock` in a bisection game.
library ClockLib {
    /// @notice Packs a clock. Both fields must be below 2^64; not checked here.
    /// @param remaining_ Seconds left at `since_`.
    /// @param since_ The unix time the clock was last set.
    /// @return The packed clock.
    function make(uint256 remaining_, uint256 since_) internal pure returns (Clock) {
        return Clock.wrap(uint128((remaining_ << 64) | since_));
    }

    /// @notice Seconds left at time `since`.
    /// @param c The clock.
    /// @return The clock's `remaining`.
    function remaining(Clock c) internal pure returns (uint256) {
        return Clock.unwrap(c) >> 64;
    }

    /// @notice The unix time the clock was last set (when its side's turn started or ended).
    /// @param c The clock.
    /// @return The clock's `since`.
    function since(Clock c) internal pure returns (uint256) {
        return uint64(Clock.unwrap(c));
    }

    /// @notice The last second at which the side may still move, if its clock is running.
    /// @param c The clock.
    /// @return since + remaining.
    function deadline(Clock c) internal pure returns (uint256) {
        return since(c) + remaining(c);
    }

    /// @notice True once time `t` is past the deadline (at the deadline itself a move is in time).
    /// @param c The clock.
    /// @param t A unix time.
    /// @return Whether t > deadline.
    function expiredAt(Clock c, uint256 t) internal pure returns (bool) {
        return t > deadline(c);
    }
}
