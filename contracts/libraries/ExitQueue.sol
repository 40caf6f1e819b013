// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

/// @title ExitQueue
/// @notice A binary min-heap of uint256 priorities in storage: insert and pop in O(log n), so
///         a queue of any length is drained a bounded number of entries per transaction.
library ExitQueue {
    /// @notice A min-heap: `items[0]` is the smallest, and each item is at most its children
    ///         (`items[2i + 1]`, `items[2i + 2]`).
    /// @param items The priorities in heap order.
    struct Heap {
        uint256[] items;
    }

    /// @notice Pop or peek on an empty queue.
    error ExitQueueEmpty();

    /// @notice How many priorities the queue holds.
    /// @param heap The queue.
    /// @return length The number of entries.
    function size(Heap storage heap) internal view returns (uint256 length) {
        return heap.items.length;
    }

    /// @notice The smallest priority (reverts with `ExitQueueEmpty` when empty).
    /// @param heap The queue.
    /// @return smallest The smallest priority, left in the queue.
    function top(Heap storage heap) internal view returns (uint256 smallest) {
        if (heap.items.length == 0) revert ExitQueueEmpty();
        return heap.items[0];
    }

    /// @notice Adds `value` to the queue (duplicates allowed).
    /// @param heap The queue.
    /// @param value The priority to add.
    function insert(Heap storage heap, uint256 value) internal {
        uint256[] storage items = heap.items;
        items.push(value);
        uint256 i = items.length - 1;
        while (i > 0) {
            uint256 parent = (i - 1) / 2;
            uint256 p = items[parent];
            // solhint-disable-next-line gas-strict-inequalities
            if (p <= value) break;
            items[i] = p;
            i = parent;
        }
        items[i] = value;
    }

    /// @notice Removes and returns the smallest priority (reverts with `ExitQueueEmpty` when empty).
    /// @param heap The queue.
    /// @return smallest The smallest priority, now removed.
    function pop(Heap storage heap) internal returns (uint256 smallest) {
        uint256[] storage items = heap.items;
        uint256 n = items.length;
        if (n == 0) revert ExitQueueEmpty();
        smallest = items[0];
        uint256 last = items[n - 1];
        items.pop();
        --n;
        if (n == 0) return smallest;
        uint256 i;
        while (true) {
            uint256 child = 2 * i + 1;
            if (child >= n) break;
            uint256 c = items[child];
            if (child + 1 < n) {
                uint256 right = items[child + 1];
                if (right < c) {
                    c = right;
                    ++child;
                }
            }
            // solhint-disable-next-line gas-strict-inequalities
            if (last <= c) break;
            items[i] = c;
            i = child;
        }
        items[i] = last;
    }
}
