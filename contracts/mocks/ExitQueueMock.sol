// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ExitQueue} from "../libraries/ExitQueue.sol";

/// @notice Test-only wrapper exposing one `ExitQueue` heap.
contract ExitQueueMock {
    using ExitQueue for ExitQueue.Heap;

    /// @notice The value the last `pop` returned.
    event Popped(uint256 value);

    ExitQueue.Heap private _heap;

    function insert(uint256 value) external {
        _heap.insert(value);
    }

    function pop() external returns (uint256 value) {
        value = _heap.pop();
        emit Popped(value);
    }

    function top() external view returns (uint256) {
        return _heap.top();
    }

    function size() external view returns (uint256) {
        return _heap.size();
    }

    /// @notice The heap's array as stored, to check the heap property.
    function items() external view returns (uint256[] memory) {
        return _heap.items;
    }
}
