// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IAdjudicator} from "../../interfaces/IAdjudicator.sol";
import {IChannelApp} from "../../interfaces/IChannelApp.sol";

/// @title TicTacToeApp
/// @notice The seeds' tic-tac-toe for a pot, between two participants.
/// @dev App data: `abi.encode(uint8 xPlayer, uint16 xs, uint16 os)`, the participant playing X
///      (who moves first) and each side's cells as bits (cell = 3 * row + column). X moves when
///      both have as many cells, O otherwise, so the state of version v must be made by
///      participant v % 2: the opening state (signed by both) puts X at `(version + 1) % 2`.
///      The outcome is one asset, no locks, and says who gets the pot if the game stops here:
///      after a move, the mover takes it all (a player who stops answering forfeits); a win is
///      final with the pot to the winner; a full board without a win is final and split (the
///      odd unit to participant 0).
contract TicTacToeApp is IChannelApp {
    /// @notice Tic-tac-toe is for exactly two participants.
    error TicTacToeNotTwoPlayers(uint256 count);
    /// @notice App data must be (uint8 xPlayer < 2, uint16 xs, uint16 os) with 9-cell boards
    ///         (disjoint ones, in the state moved from).
    error TicTacToeBadData();
    /// @notice Who plays X cannot change.
    error TicTacToeXPlayerChanged();
    /// @notice The game is already won or drawn.
    error TicTacToeGameOver();
    /// @notice It is `expected`'s turn, not `mover`'s.
    error TicTacToeNotYourTurn(uint256 mover, uint256 expected);
    /// @notice A move adds exactly one cell of the mover's symbol and changes nothing else.
    error TicTacToeBadMove();
    /// @notice The cell is already taken.
    error TicTacToeCellTaken(uint256 cell);
    /// @notice A final state without a win or a full board (a false win claim).
    error TicTacToeFalseWin();
    /// @notice The move won or filled the board, so the state must be final.
    error TicTacToeUnclaimedEnd();
    /// @notice The pot must be one asset split between the two players, without locks.
    error TicTacToeBadPot();
    /// @notice Participant `participant` is given `amount` where the rules give `expected`.
    error TicTacToeBadOutcome(uint256 participant, uint256 amount, uint256 expected);

    uint256 private constant _FULL = 0x1ff;
    /// @dev Outside any board, so it cannot be mistaken for one.
    uint256 private constant _WON = 0x200;

    /// @inheritdoc IChannelApp
    function validTransition(
        IAdjudicator.Channel calldata channel,
        IAdjudicator.State calldata from,
        IAdjudicator.State calldata to,
        uint256 mover
    ) external pure returns (bool) {
        if (channel.participants.length != 2) {
            revert TicTacToeNotTwoPlayers(channel.participants.length);
        }
        uint256 board = _requireMove(from.appData, to.appData, mover);
        uint256 total = _pot(from);
        _pot(to);
        if (to.outcome[0].asset != from.outcome[0].asset) revert TicTacToeBadPot();

        uint256[2] memory expectedAmounts;
        if (board == _WON) {
            if (!to.isFinal) revert TicTacToeUnclaimedEnd();
            expectedAmounts[mover] = total;
        } else if (board == _FULL) {
            if (!to.isFinal) revert TicTacToeUnclaimedEnd();
            expectedAmounts[1] = total / 2;
            expectedAmounts[0] = total - total / 2;
        } else {
            if (to.isFinal) revert TicTacToeFalseWin();
            expectedAmounts[mover] = total;
        }
        uint256[] calldata amounts = to.outcome[0].amounts;
        for (uint256 p; p < 2; ++p) {
            if (amounts[p] != expectedAmounts[p]) {
                revert TicTacToeBadOutcome(p, amounts[p], expectedAmounts[p]);
            }
        }
        return true;
    }

    /// @dev Checks the board move by `mover`; returns `_WON` if it won, `_FULL` if it filled the
    ///      board without a win, else the cells taken.
    function _requireMove(
        bytes calldata fromData,
        bytes calldata toData,
        uint256 mover
    ) private pure returns (uint256) {
        (uint256 xPlayer, uint256 xs, uint256 os) = _decode(fromData);
        if (xs & os != 0) revert TicTacToeBadData();
        (uint256 nextXPlayer, uint256 nextXs, uint256 nextOs) = _decode(toData);
        if (nextXPlayer != xPlayer) revert TicTacToeXPlayerChanged();
        if (_won(xs) || _won(os) || (xs | os) == _FULL) revert TicTacToeGameOver();

        bool xTurn = _count(xs) == _count(os);
        uint256 expected = xTurn ? xPlayer : 1 - xPlayer;
        if (mover != expected) revert TicTacToeNotYourTurn(mover, expected);
        (uint256 mine, uint256 theirs) = xTurn ? (xs, os) : (os, xs);
        (uint256 nextMine, uint256 nextTheirs) = xTurn ? (nextXs, nextOs) : (nextOs, nextXs);
        uint256 added = nextMine ^ mine;
        // INVARIANT: exactly one new cell of the mover's, nothing else changed.
        if (
            nextTheirs != theirs ||
            nextMine & mine != mine ||
            added == 0 ||
            added & (added - 1) != 0
        ) {
            revert TicTacToeBadMove();
        }
        if (added & theirs != 0) revert TicTacToeCellTaken(_cell(added));
        if (_won(nextMine)) return _WON;
        return nextMine | nextTheirs;
    }

    function _decode(
        bytes calldata data
    ) private pure returns (uint256 xPlayer, uint256 xs, uint256 os) {
        if (data.length != 96) revert TicTacToeBadData();
        (xPlayer, xs, os) = abi.decode(data, (uint256, uint256, uint256));
        if (xPlayer > 1 || xs > _FULL || os > _FULL) revert TicTacToeBadData();
    }

    /// @dev The pot of a state: its one asset's total, split between two players, no locks.
    function _pot(IAdjudicator.State calldata state) private pure returns (uint256) {
        if (state.outcome.length != 1) revert TicTacToeBadPot();
        IAdjudicator.Allocation calldata allocation = state.outcome[0];
        if (allocation.amounts.length != 2 || allocation.locks.length != 0)
            revert TicTacToeBadPot();
        return allocation.amounts[0] + allocation.amounts[1];
    }

    function _won(uint256 cells) private pure returns (bool) {
        uint16[8] memory lines = [0x007, 0x038, 0x1c0, 0x049, 0x092, 0x124, 0x111, 0x054];
        for (uint256 i; i < 8; ++i) {
            if (cells & lines[i] == lines[i]) return true;
        }
        return false;
    }

    function _count(uint256 cells) private pure returns (uint256 count) {
        for (; cells != 0; cells &= cells - 1) ++count;
    }

    function _cell(uint256 bit) private pure returns (uint256 cell) {
        while (bit > 1) {
            bit >>= 1;
            ++cell;
        }
    }
}
