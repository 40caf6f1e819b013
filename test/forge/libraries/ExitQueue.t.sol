// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

// ExitQueue: the binary min-heap PlasmaChain keeps per token to pay exits in priority order.
//
// Checked against a reference model (a sorted array of every value inserted and not yet popped,
// kept by ExitQueueHandler) under random sequences of inserts and pops by one actor that chooses
// the values adversarially: 0, type(uint256).max, duplicates of queued values, many ties, and
// PlasmaChain's `exitableAt << 128 | utxoPos` priorities; pops include runs of pops (as
// processExits drains a queue) and pops of an empty queue. Anyone can start an exit, so anyone
// chooses what is inserted; nobody chooses what is popped.
//
// Invariants (after every call): the heap property over the whole array; size equals the model's;
// the queue holds exactly the model's multiset (nothing lost, nothing duplicated); every pop and
// top returned the model's minimum, and on an empty queue reverted with ExitQueueEmpty().
// Fuzz tests: popping everything returns any input sorted; empty pop/top revert.

import {Base} from "../utils/Base.sol";
import {ExitQueue} from "../../../contracts/libraries/ExitQueue.sol";
import {ExitQueueHandler} from "./handlers/ExitQueueHandler.sol";
import {ExitQueueMock} from "../../../contracts/mocks/ExitQueueMock.sol";

contract ExitQueueInvariants is Base {
    ExitQueueMock internal queue;
    ExitQueueHandler internal handler;

    function setUp() public {
        queue = new ExitQueueMock();
        handler = new ExitQueueHandler(queue);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = ExitQueueHandler.insert.selector;
        selectors[1] = ExitQueueHandler.insertMany.selector;
        selectors[2] = ExitQueueHandler.pop.selector;
        selectors[3] = ExitQueueHandler.popMany.selector;
        targetSelector(address(handler), selectors);
    }

    /// @notice Every parent is at most each of its children, over the whole array.
    function invariant_heapOrder() public view {
        uint256[] memory items = queue.items();
        for (uint256 i = 1; i < items.length; ++i) {
            assertLe(items[(i - 1) / 2], items[i], "parent above child");
        }
    }

    /// @notice The queue's size is the model's, and inserts minus pops.
    function invariant_sizeEqualsModelSize() public view {
        uint256 size = queue.size();
        assertEq(size, handler.modelSize(), "size != model size");
        assertEq(
            size,
            handler.ghostInserted() - handler.ghostPopped(),
            "size != inserted - popped"
        );
    }

    /// @notice The queue holds exactly the model's values with their multiplicities: nothing was
    ///         lost or duplicated by any sequence of inserts and pops.
    function invariant_multisetEqualsModel() public view {
        uint256[] memory items = _sorted(queue.items());
        uint256[] memory model = handler.modelSorted();
        assertEq(items.length, model.length, "length");
        for (uint256 i; i < items.length; ++i) {
            assertEq(items[i], model[i], "value at this rank differs from the model");
        }
    }

    /// @notice Every pop and top returned the model's minimum; on an empty queue both reverted
    ///         with ExitQueueEmpty(); and top() is the minimum now.
    function invariant_popReturnsModelMinimum() public view {
        string memory violation = handler.violation();
        if (bytes(violation).length != 0) revert AssertionFailed(violation);
        if (handler.modelSize() != 0) {
            assertEq(queue.top(), handler.modelMin(), "top != model minimum");
        }
    }

    /// @dev Heap sort in memory (the reference ordering; independent of the library's heap).
    function _sorted(uint256[] memory a) private pure returns (uint256[] memory) {
        uint256 n = a.length;
        for (uint256 i = n / 2; i > 0; --i) _siftDown(a, i - 1, n);
        for (uint256 end = n; end > 1; --end) {
            (a[0], a[end - 1]) = (a[end - 1], a[0]);
            _siftDown(a, 0, end - 1);
        }
        return a;
    }

    function _siftDown(uint256[] memory a, uint256 i, uint256 n) private pure {
        while (true) {
            uint256 largest = i;
            uint256 l = 2 * i + 1;
            uint256 r = l + 1;
            if (l < n && a[l] > a[largest]) largest = l;
            if (r < n && a[r] > a[largest]) largest = r;
            if (largest == i) return;
            (a[i], a[largest]) = (a[largest], a[i]);
            i = largest;
        }
    }
}

contract ExitQueueFuzz is Base {
    ExitQueueMock internal queue;

    function setUp() public {
        queue = new ExitQueueMock();
    }

    /// @notice Inserting any values (ties, 0 and max included) and popping until empty returns
    ///         them in ascending order, each exactly as often as inserted.
    function testFuzz_popAll_returnsInputSorted(uint256[] memory values, uint256 ties) public {
        uint256 n = values.length > 64 ? 64 : values.length;
        // Force ties and the extremes into part of the input.
        ties = bound(ties, 0, 3);
        for (uint256 i; i < n; ++i) {
            if (ties == 1) values[i] %= 4;
            else if (ties == 2 && i % 3 == 0) values[i] = i % 2 == 0 ? 0 : type(uint256).max;
            queue.insert(values[i]);
        }
        assertEq(queue.size(), n, "size after inserts");
        uint256[] memory counts = new uint256[](n);
        uint256 previous;
        for (uint256 k; k < n; ++k) {
            uint256 got = queue.pop();
            assertGe(got, previous, "pops not ascending");
            previous = got;
            // Count it against one not yet matched input of that value.
            bool matched;
            for (uint256 i; i < n; ++i) {
                if (counts[i] == 0 && values[i] == got) {
                    counts[i] = 1;
                    matched = true;
                    break;
                }
            }
            assertTrue(matched, "popped a value not inserted (or more often than inserted)");
        }
        assertEq(queue.size(), 0, "size after popping all");
    }

    /// @notice pop and top on a queue that was never filled revert with ExitQueueEmpty().
    function test_popAndTop_onEmpty_revertExitQueueEmpty() public {
        vm.expectRevert(ExitQueue.ExitQueueEmpty.selector);
        queue.pop();
        vm.expectRevert(ExitQueue.ExitQueueEmpty.selector);
        queue.top();
    }

    /// @notice After the queue was drained, pop and top revert with ExitQueueEmpty() again.
    function testFuzz_popAndTop_afterDrain_revertExitQueueEmpty(uint256 a, uint256 b) public {
        queue.insert(a);
        queue.insert(b);
        queue.pop();
        queue.pop();
        vm.expectRevert(ExitQueue.ExitQueueEmpty.selector);
        queue.pop();
        vm.expectRevert(ExitQueue.ExitQueueEmpty.selector);
        queue.top();
    }
}
