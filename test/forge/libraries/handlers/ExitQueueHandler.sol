// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {Base} from "../../utils/Base.sol";
import {ExitQueue} from "../../../../contracts/libraries/ExitQueue.sol";
import {ExitQueueMock} from "../../../../contracts/mocks/ExitQueueMock.sol";

/// @title ExitQueueHandler
/// @notice Drives random inserts and pops against `ExitQueueMock` and keeps the reference
///         model: every value ever inserted and not yet popped, as an array sorted in descending
///         order (so the minimum is its last element). Inserted values favour what breaks heaps:
///         0, type(uint256).max, duplicates of queued values, a handful of small values (many
///         ties), and PlasmaChain's shape `exitableAt << 128 | utxoPos`.
/// @dev A handler that reverts is only counted as a revert (fail_on_revert = false), so what a
///      call observes is recorded in `violation` and checked by the invariants.
contract ExitQueueHandler is Base {
    ExitQueueMock public immutable queue;

    /// @dev The reference multiset, sorted descending: `_model[_model.length - 1]` is the minimum.
    uint256[] private _model;

    uint256 public ghostInserted;
    uint256 public ghostPopped;
    uint256 public ghostEmptyPops;
    /// @notice The longest the queue has been (to see that the campaign builds deep heaps).
    uint256 public ghostMaxSize;
    /// @notice The first thing a call saw that the model says cannot happen ("" while none).
    string public violation;

    constructor(ExitQueueMock queue_) {
        queue = queue_;
    }

    /// @notice Inserts a value chosen by `mode` from `seed`.
    function insert(uint256 seed, uint256 mode) external {
        _insert(seed, mode);
    }

    /// @notice Inserts up to 10 values, each chosen like `insert` from a seed derived from `seed`.
    function insertMany(uint256 seed, uint256 mode, uint256 count) external {
        count = bound(count, 1, 10);
        for (uint256 i; i < count; ++i) {
            _insert(uint256(keccak256(abi.encode(seed, i))), (mode % 6) + i);
        }
    }

    function _insert(uint256 seed, uint256 mode) private {
        uint256 value = seed;
        mode %= 6;
        if (mode == 1) value = 0;
        else if (mode == 2) value = type(uint256).max;
        else if (mode == 3 && _model.length != 0) value = _model[seed % _model.length];
        else if (mode == 4) value = seed % 8;
        else if (mode == 5) value = (bound(seed >> 128, 0, 1 << 40) << 128) | (seed % 1000);
        queue.insert(value);
        _modelInsert(value);
        ++ghostInserted;
        if (_model.length > ghostMaxSize) ghostMaxSize = _model.length;
    }

    /// @notice Pops once: the model's minimum, or ExitQueueEmpty when the model is empty.
    function pop() external {
        _popChecked();
    }

    /// @notice Pops up to `count` times in a row (how PlasmaChain.processExits drains a queue).
    ///         At most 8, against insertMany's 10, so the queue tends to grow over a run.
    function popMany(uint256 count) external {
        count = bound(count, 1, 8);
        for (uint256 i; i < count; ++i) {
            if (!_popChecked()) break;
        }
    }

    /// @notice The model, ascending (what the queue must hold).
    function modelSorted() external view returns (uint256[] memory ascending) {
        uint256 n = _model.length;
        ascending = new uint256[](n);
        for (uint256 i; i < n; ++i) ascending[i] = _model[n - 1 - i];
    }

    function modelSize() external view returns (uint256) {
        return _model.length;
    }

    /// @notice The model's minimum (reverts when empty).
    function modelMin() external view returns (uint256) {
        return _model[_model.length - 1];
    }

    /// @dev Returns false when the queue was empty.
    function _popChecked() private returns (bool) {
        uint256 n = _model.length;
        if (n == 0) {
            _expectEmptyRevert(true);
            _expectEmptyRevert(false);
            ++ghostEmptyPops;
            return false;
        }
        uint256 expected = _model[n - 1];
        uint256 peeked = queue.top();
        uint256 popped = queue.pop();
        if (peeked != expected) _fail("top is not the model minimum");
        if (popped != expected) _fail("pop did not return the model minimum");
        _model.pop();
        ++ghostPopped;
        return true;
    }

    /// @dev pop (or top) on an empty queue must revert with exactly ExitQueueEmpty().
    function _expectEmptyRevert(bool popIt) private {
        bytes memory reason;
        if (popIt) {
            try queue.pop() returns (uint256) {
                _fail("pop on an empty queue returned");
                return;
            } catch (bytes memory r) {
                reason = r;
            }
        } else {
            try queue.top() returns (uint256) {
                _fail("top on an empty queue returned");
                return;
            } catch (bytes memory r) {
                reason = r;
            }
        }
        if (
            keccak256(reason) !=
            keccak256(abi.encodeWithSelector(ExitQueue.ExitQueueEmpty.selector))
        ) {
            _fail("an empty queue reverted with something other than ExitQueueEmpty()");
        }
    }

    function _modelInsert(uint256 value) private {
        // Insertion into the descending array: shift smaller values one place right.
        _model.push(value);
        uint256 i = _model.length - 1;
        while (i > 0 && _model[i - 1] < value) {
            _model[i] = _model[i - 1];
            --i;
        }
        _model[i] = value;
    }

    function _fail(string memory what) private {
        if (bytes(violation).length == 0) violation = what;
    }
}
