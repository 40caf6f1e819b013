// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

// Regression for a finding of the independent attack on issue 19 (shared libraries and their
// callers): ZkRollup read a batch's deposit "applied" bits as one word, `_readUint(pubdata,
// depositBitsAt, ceil(D / 8))`, which is 0 for more than 32 bytes. With a shape of more than 256
// deposit slots (the circuit and the operator support up to 4,096), every deposit a batch applied
// on L2 was also refunded on L1: each depositor paid twice, out of other users' money. Each bit is
// now read from its own byte. These tests play the attack (it now fails) and check, for shapes
// on both sides of one word, that a deposit is refunded exactly when its bit is clear.
//
// The proof is not what is tested: the verifier below accepts everything and stands in for an
// honest Groth16 verifier of such a circuit, whose pubdata says what the pubdata here says.

import {Base} from "../utils/Base.sol";
import {
    IPoseidon4,
    IPoseidon5,
    IPoseidon6,
    IRollupVerifier,
    IZkRollup
} from "../../../contracts/interfaces/IZkRollup.sol";
import {ZkRollup} from "../../../contracts/zk-rollup/ZkRollup.sol";
import {PoseidonT5} from "../../../contracts/zk-rollup/poseidon/PoseidonT5.sol";
import {PoseidonT6} from "../../../contracts/zk-rollup/poseidon/PoseidonT6.sol";
import {PoseidonT7} from "../../../contracts/zk-rollup/poseidon/PoseidonT7.sol";

/// @notice Stand-in for the Groth16 verifier of a correctly proven batch.
contract AcceptingVerifier {
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[1] calldata
    ) external pure returns (bool) {
        return true;
    }
}

contract ZkRollupDepositBitsTest is Base {
    uint256 internal constant LEVELS = 2; // index bytes = 1
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal operator = address(0x0B5E);
    ZkRollup internal rollup;
    uint256[8] internal noProof;

    function _deploy(uint16 depositSlots) internal {
        rollup = new ZkRollup(
            address(this),
            LEVELS,
            3600,
            60,
            IPoseidon4(address(new PoseidonT5())),
            IPoseidon5(address(new PoseidonT6())),
            IPoseidon6(address(new PoseidonT7()))
        );
        rollup.registerShape(
            0,
            IZkRollup.BatchShape({
                txSlots: 1,
                withdrawSlots: 1,
                depositSlots: depositSlots,
                feeSlots: 1,
                verifier: IRollupVerifier(address(new AcceptingVerifier()))
            })
        );
        // Batches come from an account with no code, as its own transaction (tx.origin).
        rollup.setOperator(operator, true);
        vm.deal(alice, 1 ether);
        vm.deal(bob, 1 ether);
        vm.prank(alice);
        rollup.depositETH{value: 1 ether}(0, 11, 12); // deposit 1, account 1
        vm.prank(bob);
        rollup.depositETH{value: 1 ether}(0, 21, 22); // deposit 2, account 2
    }

    /// @dev Pubdata of shape (T=1, W=1, D, F=1) at levels 2: one empty transfer (8 bytes), one
    ///      withdrawal (from 1 byte, float40 amount, float8 fee), ceil(D/8) bytes of applied bits
    ///      (bit i of the big-endian number = deposit i), D 16-byte exit amounts (all 0: these
    ///      deposits are no forced exits), one fee account byte.
    function _pubdata(
        uint256 depositSlots,
        bool[] memory applied,
        uint8 withdrawFrom,
        uint40 withdrawAmount
    ) internal pure returns (bytes memory p) {
        uint256 bitBytes = (depositSlots + 7) / 8;
        p = new bytes(8 + 7 + bitBytes + 16 * depositSlots + 1);
        p[8] = bytes1(withdrawFrom);
        for (uint256 i; i < 5; ++i) p[9 + i] = bytes1(uint8(withdrawAmount >> (8 * (4 - i))));
        for (uint256 i; i < applied.length; ++i) {
            if (!applied[i]) continue;
            uint256 at = 15 + bitBytes - 1 - i / 8;
            p[at] = bytes1(uint8(p[at]) | uint8(1 << (i % 8)));
        }
    }

    function _bits(bool first, bool second) internal pure returns (bool[] memory b) {
        b = new bool[](2);
        b[0] = first;
        b[1] = second;
    }

    /// @dev float40 of 1 ether: 10^10 * 10^8 (canonical: 10 * 10^10 > 2^35 - 1).
    uint40 internal constant ONE_ETHER_F40 = uint40((uint256(8) << 35) | 1e10);

    function test_d256_appliedDepositsAreNotRefunded() public {
        _deploy(256);
        vm.prank(operator, operator);
        rollup.submitBatch(0, 1, 2, _pubdata(256, _bits(true, true), 0, 0), noProof);
        assertTrue(!rollup.depositRefunded(1), "deposit 1 applied, not refunded");
        assertTrue(!rollup.depositRefunded(2), "deposit 2 applied, not refunded");
        assertEq(rollup.pendingWithdrawals(alice, 0), 0, "nothing claimable");
    }

    function test_d264_appliedDepositsAreNotRefunded_aliceIsNotPaidTwice() public {
        _deploy(264);
        // Batch 1 applies deposit 1 (Alice's) on L2 and not deposit 2 (Bob's).
        vm.prank(operator, operator);
        rollup.submitBatch(0, 1, 2, _pubdata(264, _bits(true, false), 0, 0), noProof);
        assertTrue(!rollup.depositRefunded(1), "applied deposit 1 not refunded");
        assertTrue(rollup.depositRefunded(2), "unapplied deposit 2 refunded");
        assertEq(rollup.pendingWithdrawals(alice, 0), 0, "alice has no L1 refund");
        assertEq(rollup.pendingWithdrawals(bob, 0), 1 ether, "bob is refunded");

        // Batch 2: Alice withdraws her L2 balance of 1 ETH: 1 ETH in, 1 ETH out.
        vm.prank(operator, operator);
        rollup.submitBatch(0, 2, 0, _pubdata(264, new bool[](0), 1, ONE_ETHER_F40), noProof);
        assertEq(rollup.pendingWithdrawals(alice, 0), 1 ether, "alice claims what she deposited");
        uint256 before = alice.balance;
        vm.prank(alice);
        rollup.withdraw(0);
        assertEq(alice.balance - before, 1 ether, "alice took 1 ETH");
        vm.prank(bob);
        rollup.withdraw(0);
        assertEq(address(rollup).balance, 0, "both paid exactly, nothing owed and nothing left");
    }

    /// @notice For any shape from 1 to 600 deposit slots and any applied mask, a deposit is
    ///         refunded exactly when its bit is clear, bits past the first word included.
    /// forge-config: default.fuzz.runs = 48
    function testFuzz_refundedExactlyWhenBitClear(
        uint256 slots,
        uint256 taken,
        uint256 seed
    ) public {
        slots = bound(slots, 1, 600);
        taken = bound(taken, 1, slots);
        _deploy(uint16(slots));
        // Deposits 3.. go to Alice's account 1 (deposits 1 and 2 made the accounts).
        vm.deal(alice, taken * 1 gwei);
        for (uint256 i = 2; i < taken; ++i) {
            vm.prank(alice);
            rollup.depositETH{value: 1 gwei}(1, 0, 0);
        }
        uint256 available = rollup.depositCount();
        if (taken > available) taken = available;
        bool[] memory applied = new bool[](taken);
        for (uint256 i; i < taken; ++i)
            applied[i] = uint256(keccak256(abi.encode(seed, i))) & 1 == 1;
        vm.prank(operator, operator);
        rollup.submitBatch(0, 1, taken, _pubdata(slots, applied, 0, 0), noProof);
        for (uint256 i; i < taken; ++i) {
            assertTrue(rollup.depositRefunded(i + 1) == !applied[i], "refunded iff bit clear");
        }
    }
}
