// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

// ZkRollup: stateful invariant campaign against a reference model of the L2 state.
//
// ZkRollupHandler deploys a rollup with the real Poseidon contracts (4-ary tree of 2 levels,
// indices 1..15, ETH only, one shape T=1 W=1 D=3 F=1) and a ModelVerifier that accepts a batch
// proof exactly when the handler's model produced the batch: the handler computes the batch's
// public input as the contract does (Poseidon6 of the roots, the queue chain before and after,
// the domain and sha256(pubdata) >> 3) and registers it. Every other batch has another public
// input, so the contract must refuse it; the roots are real Poseidon roots, so exodus proofs are
// real Merkle proofs against stateRoot.
//
// Actors (see the handler): EOAs and a contract wallet (accepting, refusing or re-entering ETH)
// deposit into new and existing accounts (0 to 2^128 - 1 wei, overflowing credits included),
// force exits of their own accounts, of others' and twice, refund any number, withdraw; the
// honest operator submits the model's batches (queue entries, a transfer, a withdrawal); a
// hostile registered operator submits tampered ones (applied bit, exit amount, withdrawal
// account or amount, transfer, entry count, new root), replays, and sends the honest batch from
// an inner call (hiding its pubdata); a non-operator submits the honest batch; time passes; anyone calls activateExodus and exodusWithdraw with honest and
// forged proofs; someone force-feeds the rollup ETH (as a selfdestruct would).
//
// Properties (after every call):
// 1. solvency: ETH held = claims + verified L2 balances of accounts not exited + waiting deposits;
// 2. each deposit is applied or refunded exactly once, never both, never refunded twice;
// 3. exodus pays each account at most once, exactly its verified balance;
// 4. an entry left unprocessed past its deadline always lets anyone start exodus, the deadline
//    being depositDeadline + queueSpacing per entry that was waiting ahead of it when queued;
// 5. forced exits: owner only, one at a time, and a processed one pays the model balance;
// 6. a batch the model did not produce is never accepted (and the model's always is).
//
// ZkRollupStoryTest walks the handler through one scripted story and checks the same properties,
// so a model that drifted from the contract shows up without a campaign.
//
// ZkRollupQueueDeadlineTest: the campaign's finding on property 4 as a plain test (an entry's
// expiry is chained from entries already processed, so a forced exit queued after a burst the
// operator has cleared cannot start exodus at its deadline).

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
import {ZkRollupHandler} from "./ZkRollupHandler.sol";

/// @title ZkRollupProperties
/// @notice The properties of the ZkRollup campaign, as checks both the invariant suite and the
///         scripted story run.
abstract contract ZkRollupProperties is Base {
    ZkRollupHandler internal handler;
    ZkRollup internal rollup;

    function _deploy() internal {
        handler = new ZkRollupHandler();
        rollup = handler.rollup();
    }

    function _checkSolvency() internal view {
        _noViolation(handler.solvencyViolation());
        assertEq(rollup.stateRoot(), handler.modelRoot(), "stateRoot != the model's root");
        uint256 held = address(rollup).balance;
        // ETH force-fed by selfdestruct (ghostForced) is held but owed to nobody; without it the
        // relation is an equality, as there are no fees.
        assertEq(
            held,
            handler.sumPendingWithdrawals() +
                handler.sumVerifiedBalances() +
                handler.sumWaitingDeposits() +
                handler.ghostForced(),
            "ETH held != claims + verified L2 balances not exited + waiting deposits + forced"
        );
        assertEq(
            held,
            handler.ghostIn() + handler.ghostForced() - handler.ghostOut(),
            "ETH held != deposited + forced - paid"
        );
        assertEq(handler.wallet().reentriesSucceeded(), 0, "a re-entry into withdraw succeeded");
    }

    function _checkDepositsOnce() internal view {
        _noViolation(handler.depositViolation());
        assertEq(rollup.depositCount(), handler.entryCount(), "depositCount != the model's");
        assertEq(
            rollup.depositsProcessed(),
            handler.processed(),
            "depositsProcessed != the model's"
        );
        // Per entry (looped inside the handler: one call instead of four per entry).
        _noViolation(handler.depositFates());
    }

    function _checkExodusOnce() internal view {
        _noViolation(handler.exodusViolation());
        assertEq(handler.ghostForgedExodusAccepted(), 0, "a forged exodus proof was accepted");
        bool exodus = rollup.exodusMode();
        for (uint256 i = 1; i < handler.CAPACITY(); ++i) {
            uint256 payments = handler.ghostExodusPayments(i);
            assertLe(payments, 1, "exodus paid an account twice");
            if (payments == 0) {
                assertTrue(!rollup.exited(i), "an account is marked exited but was not paid");
                continue;
            }
            assertTrue(exodus, "an exodus exit was paid outside exodus mode");
            ZkRollupHandler.Account memory a = handler.account(i);
            assertTrue(a.inTree, "exodus paid an account the verified state does not hold");
            assertEq(handler.ghostExodusPaid(i), a.balance, "exodus paid != verified balance");
            assertTrue(rollup.exited(i), "a paid account is not marked exited");
        }
    }

    function _checkExodusNeverBlocked() internal view {
        _noViolation(handler.activationViolation());
        assertEq(handler.ghostExodusBlocked(), 0, "an overdue entry did not let exodus start");
        assertTrue(rollup.exodusMode() == handler.exodus(), "exodusMode != the model's");
    }

    function _checkForcedExits() internal view {
        _noViolation(handler.exitViolation());
        for (uint256 i = 1; i < handler.CAPACITY(); ++i) {
            assertEq(
                rollup.pendingForcedExit(i),
                handler.pendingExit(i),
                "pendingForcedExit != the model's waiting request"
            );
        }
    }

    function _checkOnlyModelBatches() internal view {
        _noViolation(handler.batchViolation());
        assertEq(
            handler.ghostHostileAccepted(),
            0,
            "a batch the model did not produce was accepted"
        );
        assertEq(rollup.batchCount(), handler.ghostHonestBatches(), "batchCount != model batches");
    }

    function _noViolation(string memory violation) internal pure {
        if (bytes(violation).length != 0) revert AssertionFailed(violation);
    }
}

/// @title ZkRollupInvariants
/// @notice The invariant campaign: ZkRollupHandler's actions in random order, the properties
///         after every call.
contract ZkRollupInvariants is ZkRollupProperties {
    function setUp() public {
        _deploy();
        targetContract(address(handler));
        // Weights: deposits, honest batches and honest exodus exits twice, so that sequences
        // build up accounts and balances, and exodus (when reached) pays many of them.
        bytes4[] memory selectors = new bytes4[](19);
        selectors[0] = ZkRollupHandler.depositCreate.selector;
        selectors[1] = ZkRollupHandler.depositCreate.selector;
        selectors[2] = ZkRollupHandler.depositCredit.selector;
        selectors[3] = ZkRollupHandler.depositCredit.selector;
        selectors[4] = ZkRollupHandler.forceExitOwn.selector;
        selectors[5] = ZkRollupHandler.forceExitOther.selector;
        selectors[6] = ZkRollupHandler.submitHonestBatch.selector;
        selectors[7] = ZkRollupHandler.submitHonestBatch.selector;
        selectors[8] = ZkRollupHandler.submitTamperedBatch.selector;
        selectors[9] = ZkRollupHandler.warp.selector;
        selectors[10] = ZkRollupHandler.activateExodus.selector;
        selectors[11] = ZkRollupHandler.activateExodusWhenOverdue.selector;
        selectors[12] = ZkRollupHandler.exodusWithdrawHonest.selector;
        selectors[13] = ZkRollupHandler.exodusWithdrawHonest.selector;
        selectors[14] = ZkRollupHandler.exodusWithdrawForged.selector;
        selectors[15] = ZkRollupHandler.refundDeposit.selector;
        selectors[16] = ZkRollupHandler.withdraw.selector;
        selectors[17] = ZkRollupHandler.setWalletMode.selector;
        selectors[18] = ZkRollupHandler.forceFeed.selector;
        targetSelector(address(handler), selectors);
    }

    /// @notice Solvency: the rollup's ETH balance equals, exactly (no fees here), everything
    ///         claimable (pendingWithdrawals) plus the L2 balances, in the last verified state, of
    ///         accounts that have not exited in exodus, plus the amounts of queued deposits
    ///         neither processed nor refunded (plus ETH force-fed by selfdestruct, owed to
    ///         nobody); and it equals ETH deposited (and force-fed) minus ETH withdrawn. The
    ///         verified state is the model's (stateRoot equals the model's root).
    function invariant_solvency() public view {
        _checkSolvency();
    }

    /// @notice Each deposit is applied on L2 or refunded on L1 exactly once once a batch took
    ///         it, never both, never refunded twice (by a batch or by refundDeposit in exodus);
    ///         depositRefunded agrees with the refunds observed; forced exits are never refunded.
    function invariant_eachDepositAppliedOrRefundedOnce() public view {
        _checkDepositsOnce();
    }

    /// @notice Exodus pays each account at most once, only in exodus mode, only for an account
    ///         the verified state holds, exactly its verified balance; no forged proof (other
    ///         balance, nonce, key, sibling, leaf or depth, or an unverified account) is accepted.
    function invariant_exodusPaysVerifiedBalanceOnce() public view {
        _checkExodusOnce();
    }

    /// @notice Whenever the oldest unprocessed queue entry (deposit or forced exit) waited longer
    ///         than depositDeadline plus queueSpacing for each entry that was waiting ahead of it
    ///         when it was queued (the operator's allowance to catch up with a burst: the
    ///         entries it had to process first), activateExodus by anyone succeeded (no ghost
    ///         failure). And it never succeeded before the entry's expiresAt (the contract's
    ///         documented max(queuedAt + depositDeadline, previous expiresAt + queueSpacing),
    ///         recomputed by the model) nor before the entry waited depositDeadline.
    function invariant_overdueEntryAlwaysAllowsExodus() public view {
        _checkExodusNeverBlocked();
    }

    /// @notice Forced exits: only the owner may request one (others revert
    ///         ZkRollupNotAccountOwner), one at a time per account (ZkRollupExitPending), and a
    ///         processed one credits its owner exactly the account's model balance;
    ///         pendingForcedExit equals the model's waiting request for every account.
    function invariant_forcedExitOwnerOnlyAndPaysModelBalance() public view {
        _checkForcedExits();
    }

    /// @notice Every batch the model did not produce (tampered, replayed, or from a non-operator)
    ///         was refused, as was the model's batch sent from an inner call (tx.origin not the
    ///         operator: pubdata no ordinary node serves); and every batch the model produced,
    ///         sent as the operator's own transaction, was accepted outside exodus.
    function invariant_onlyModelBatchesAccepted() public view {
        _checkOnlyModelBatches();
    }
}

/// @title ZkRollupStoryTest
/// @notice One scripted story through the handler (creates, an overflowing credit, batches with
///         a transfer and a withdrawal, forced exits, tampered batches, exodus, exits, refunds,
///         withdrawals), checking every property and that the story reached each phase.
contract ZkRollupStoryTest is ZkRollupProperties {
    function setUp() public {
        _deploy();
    }

    function _checkAll() internal view {
        _checkSolvency();
        _checkDepositsOnce();
        _checkExodusOnce();
        _checkExodusNeverBlocked();
        _checkForcedExits();
        _checkOnlyModelBatches();
    }

    function test_story_everyPropertyHolds() public {
        // Actors: 0 alice, 1 bob, 2 carol, 3 the contract wallet. Amount seed 4 + 8k: k wei.
        handler.depositCreate(0, 4 + 8 * 5 ether, 5); // account 1, alice, 5 ETH
        handler.depositCreate(1, 1, 7); // account 2, bob, 2^128 - 1
        handler.depositCreate(3, 0, 9); // account 3, wallet, 0
        handler.depositCredit(0, 1, 1); // credit bob's account 2^128 - 1: overflows on L2
        handler.depositCreate(2, 4 + 8 * 3 ether, 2); // account 4, carol (shared small key)
        assertEq(handler.entryCount(), 5, "five entries queued");
        _checkAll();

        handler.submitHonestBatch(1 + (uint256(1) << 16) + (uint256(2) << 128)); // takes 3
        handler.submitHonestBatch(3 + (uint256(5) << 16) + (uint256(6) << 128)); // takes 2
        assertEq(handler.processed(), 5, "all five processed");
        assertEq(handler.ghostOverflowRefunds(), 1, "the overflowing credit was refunded");
        _checkAll();

        for (uint256 kind; kind < 10; ++kind) handler.submitTamperedBatch(7, kind, 12345);
        assertTrue(handler.ghostHostileRefused() >= 7, "tampered batches were tried");

        // Alice withdrew everything in batch 1; carol credits her account 1 ETH, then alice asks
        // for its forced exit (twice: ExitPending), bob asks for it (NotAccountOwner), and carol
        // credits it 2 ETH more behind the exit.
        handler.depositCredit(2, 0, 4 + 8 * 1 ether);
        handler.forceExitOwn(0, 0);
        handler.forceExitOwn(0, 0);
        handler.forceExitOther(1, 0);
        handler.depositCredit(2, 0, 4 + 8 * 2 ether);
        uint256 aliceBefore = rollup.pendingWithdrawals(address(0xA11CE), 0);
        handler.submitHonestBatch(1); // takes the three entries, no transfer or withdrawal
        assertEq(handler.ghostExitsProcessed(), 1, "the forced exit was processed");
        assertEq(
            rollup.pendingWithdrawals(address(0xA11CE), 0) - aliceBefore,
            1 ether,
            "the forced exit paid the 1 ETH the account held"
        );
        assertEq(handler.account(1).balance, 2 ether, "the later credit stays on L2");
        _checkAll();

        handler.withdraw(0);
        handler.withdraw(1);
        handler.setWalletMode(1);
        handler.withdraw(3);

        handler.depositCredit(1, 1, 4 + 8 * 2 ether); // waits
        handler.activateExodus(2, 1); // too early
        handler.warp(12 * (2 days - 1) + 3); // seed % 3 == 0: a long warp, ~2 days
        handler.submitTamperedBatch(9, 4, 1);
        handler.activateExodusWhenOverdue(1);
        assertTrue(rollup.exodusMode(), "exodus started");
        _checkAll();

        for (uint256 i; i < 6; ++i) handler.exodusWithdrawForged(i, i, i, 77 + i);
        for (uint256 i; i < 5; ++i) handler.exodusWithdrawHonest(i, i);
        for (uint256 i; i < 5; ++i) handler.exodusWithdrawHonest(i, i); // twice: AlreadyExited
        for (uint256 n; n < 10; ++n) handler.refundDeposit(n, n);
        handler.setWalletMode(0);
        handler.forceFeed(1 ether);
        for (uint256 i; i < 4; ++i) handler.withdraw(i);
        assertTrue(handler.ghostExodusExits() > 0, "exodus exits were paid");
        _checkAll();
    }
}

/// @notice Accepts every proof: these tests are about the queue's deadlines, not the batches.
contract AcceptAllVerifier is IRollupVerifier {
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[1] calldata
    ) external pure returns (bool) {
        return true;
    }
}

/// @title ZkRollupQueueDeadlineTest
/// @notice Regression for the campaign's failure of invariant_overdueEntryAlwaysAllowsExodus
///         (shrunk to: create, create, a batch taking both, create, warp past depositDeadline,
///         activateExodus reverts). A first queue-expiry formula, max(queuedAt +
///         depositDeadline, previous entry's expiresAt + queueSpacing), applied the spacing
///         whether or not the previous entry was still waiting, so a processed burst delayed a
///         later forced exit with nothing ahead of it. Expiries are now queuedAt +
///         depositDeadline + queueSpacing x (entries waiting ahead).
contract ZkRollupQueueDeadlineTest is Base {
    /// @dev The deployment defaults (deploy/index.ts): 240 blocks of 12 s, and 60 s spacing.
    uint256 internal constant DEADLINE = 240 * 12;
    uint256 internal constant SPACING = 60;
    address internal constant ALICE = address(0xA11CE);
    address internal constant SPAMMER = address(0x5BA4);
    address internal constant OPERATOR = address(0x0E7A70);
    ZkRollup internal rollup;
    uint256[8] internal noProof;

    function setUp() public {
        rollup = new ZkRollup(
            address(this),
            2,
            DEADLINE,
            SPACING,
            IPoseidon4(address(new PoseidonT5())),
            IPoseidon5(address(new PoseidonT6())),
            IPoseidon6(address(new PoseidonT7()))
        );
        rollup.registerShape(
            0,
            IZkRollup.BatchShape({
                txSlots: 1,
                withdrawSlots: 1,
                depositSlots: 3,
                feeSlots: 1,
                verifier: new AcceptAllVerifier()
            })
        );
        rollup.setOperator(OPERATOR, true);
    }

    /// @dev A batch of shape (1, 1, 3, 1) at levels 2 that takes `taken` entries and moves
    ///      nothing (65 zero bytes of pubdata: the deposits are refunded, which does not matter).
    function _batch(uint256 taken) internal {
        uint256 root = rollup.stateRoot();
        vm.prank(OPERATOR, OPERATOR);
        rollup.submitBatch(0, root, taken, new bytes(65), noProof);
    }

    /// @notice A forced exit queued when the queue is empty, after a burst of 60 one-wei
    ///         deposits that the operator processed at once, must let anyone start exodus one
    ///         second after depositDeadline if the operator ignores it. Fails today: its
    ///         expiresAt is 61 spacings (an hour) past its deadline.
    function test_forcedExitAfterAProcessedBurst_startsExodusAtItsDeadline() public {
        vm.deal(ALICE, 1 ether);
        vm.prank(ALICE);
        uint256 account = rollup.depositETH{value: 1 ether}(0, 1, 2);
        vm.deal(SPAMMER, 1 ether);
        vm.prank(SPAMMER);
        uint256 spam = rollup.depositETH{value: 1}(0, 3, 4);
        for (uint256 i; i < 59; ++i) {
            vm.prank(SPAMMER);
            rollup.depositETH{value: 1}(spam, 0, 0);
        }
        // The operator processes the whole burst at once: nothing waits any more.
        while (rollup.depositsProcessed() < rollup.depositCount()) {
            uint256 left = rollup.depositCount() - rollup.depositsProcessed();
            _batch(left < 3 ? left : 3);
        }
        assertEq(rollup.depositCount(), 61, "61 entries queued and processed");

        vm.prank(ALICE);
        uint256 exit = rollup.forceExit(account);
        uint256 queuedAt = block.timestamp;
        // The operator ignores the exit and keeps the rollup running without taking entries.
        _batch(0);
        assertLe(
            rollup.queuedDeposit(exit).expiresAt,
            queuedAt + DEADLINE,
            "a forced exit with nothing ahead of it expires later than depositDeadline"
        );
        vm.warp(queuedAt + DEADLINE + 1);
        rollup.activateExodus(exit);
        assertTrue(rollup.exodusMode(), "exodus started");
    }
}
