// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IChallengeGame} from "../interfaces/IChallengeGame.sol";
import {IOneStepExecutor} from "../interfaces/IOneStepExecutor.sol";
import {IOptimisticRollup} from "../interfaces/IOptimisticRollup.sol";
import {BlobReader} from "../libraries/BlobReader.sol";
import {SparseMerkle} from "../libraries/SparseMerkle.sol";
import {Clock, ClockLib, Position, PositionLib} from "./GameTypes.sol";
import {OptimisticState} from "./OptimisticState.sol";

/// @title ChallengeGame
/// @notice Bisection games over the steps of a posted batch, one game per challenger, ending in a
///         one-step proof executed by `OneStepExecutor`.
/// @dev Protocol (docs/optimistic-rollup.md). A batch of n steps is disputed over positions 0..n.
///      The challenger opens with its root at the midpoint of [0, n]. From then on the side to move
///      answers the last midpoint claim: it agrees (the dispute moves to the upper half, whose low
///      end is now agreed) or disagrees (the lower half, whose high end the claimant now asserts),
///      and claims its own root at the new midpoint. The interval halves with every move, so after
///      ceil(log2 n) moves one step is left, which anyone may prove: executed from the agreed root,
///      it either reproduces the asserted root at `hi` (its asserter wins) or not (it loses).
///      Each side has a chess clock (`clockBudget`, never less than `clockExtension` when its turn
///      starts); a side whose clock runs out loses on `timeout`. Every call does bounded work.
contract ChallengeGame is IChallengeGame, ReentrancyGuard {
    /// @inheritdoc IChallengeGame
    IOptimisticRollup public immutable rollup;
    /// @inheritdoc IChallengeGame
    IOneStepExecutor public immutable executor;
    /// @inheritdoc IChallengeGame
    uint128 public immutable challengerBond;
    /// @inheritdoc IChallengeGame
    uint64 public immutable clockBudget;
    /// @inheritdoc IChallengeGame
    uint64 public immutable clockExtension;

    /// @inheritdoc IChallengeGame
    uint256 public gameCount;
    mapping(uint256 gameId => Game) private _games;
    /// @inheritdoc IChallengeGame
    mapping(address account => uint256) public balanceOf;

    /// @notice Deployed by the rollup's constructor (`rollup_` is the rollup itself); the
    ///         parameters are the rollup's `Params`.
    /// @param rollup_ The rollup whose batches this game disputes.
    /// @param executor_ The deployed `OneStepExecutor`.
    /// @param challengerBond_ The exact bond a challenger attaches.
    /// @param clockBudget_ Each side's chess-clock time per game.
    /// @param clockExtension_ The least a side has left when its turn starts.
    constructor(
        IOptimisticRollup rollup_,
        IOneStepExecutor executor_,
        uint128 challengerBond_,
        uint64 clockBudget_,
        uint64 clockExtension_
    ) {
        rollup = rollup_;
        executor = executor_;
        challengerBond = challengerBond_;
        clockBudget = clockBudget_;
        clockExtension = clockExtension_;
    }

    /// @inheritdoc IChallengeGame
    function challenge(uint256 batchId, bytes32 midRoot) external payable returns (uint256 gameId) {
        if (msg.value != challengerBond) revert GameWrongBond(msg.value, challengerBond);
        (IOptimisticRollup.Batch memory b, bytes32 preRoot) = rollup.onGameStarted(batchId);
        uint256 steps = uint256(b.inboxCount) + b.recordCount;
        if (steps == 0) revert GameNothingToDispute(batchId);
        gameId = ++gameCount;
        Game storage g = _games[gameId];
        g.batchId = uint64(batchId);
        g.position = PositionLib.make(0, steps);
        g.challenger = msg.sender;
        g.defender = b.sequencer;
        g.loRoot = preRoot;
        g.hiRoot = b.stateRoot;
        g.hiOwner = Party.Defender;
        g.status = Status.Active;
        g.bond = uint128(msg.value);
        g.moves = 1;
        _setMidClaim(gameId, g, midRoot);
        g.challengerClock = ClockLib.make(clockBudget, block.timestamp);
        g.defenderClock = ClockLib.make(clockBudget, block.timestamp);
        g.turn = Party.Defender;
        emit GameStarted(gameId, batchId, msg.sender, b.sequencer, steps, midRoot);
    }

    /// @inheritdoc IChallengeGame
    function move(uint256 gameId, bool agree, bytes32 midRoot) external {
        Game storage g = _active(gameId);
        Party mover = g.turn;
        address expected = mover == Party.Defender ? g.defender : g.challenger;
        // INVARIANT: one move per turn, by the side whose turn it is.
        if (msg.sender != expected) revert GameNotYourTurn(gameId, msg.sender, expected);
        Position p = g.position;
        if (p.width() < 2) revert GameAwaitingStep(gameId);
        Clock clock = _clockOf(g, mover);
        // INVARIANT: no move once the mover's time is up.
        if (clock.expiredAt(block.timestamp)) revert GameClockExpired(gameId, mover);

        uint256 mid = p.mid();
        if (agree) {
            g.position = PositionLib.make(mid, p.hi());
            g.loRoot = g.midRoot;
        } else {
            g.position = PositionLib.make(p.lo(), mid);
            g.hiRoot = g.midRoot;
            g.hiOwner = _opponent(mover);
        }
        _setMidClaim(gameId, g, midRoot);
        ++g.moves;
        _passTurn(g, mover, clock);
        emit Moved(gameId, mover, agree, g.position.lo(), g.position.hi(), midRoot);
    }

    /// @inheritdoc IChallengeGame
    function step(uint256 gameId, StepProof calldata proof) external {
        Game storage g = _active(gameId);
        Position p = g.position;
        if (p.width() != 1) revert GameNotAtOneStep(gameId, p.lo(), p.hi());
        IOptimisticRollup.Batch memory b = rollup.batchById(g.batchId);
        uint256 k = p.lo();
        bytes32 postRoot;
        if (k < b.inboxCount) {
            uint256 inboxIndex = b.inboxStart + k;
            if (OptimisticState.inboxEntryHash(proof.entry) != rollup.inboxEntry(inboxIndex).hash)
                revert GameBadInboxEntry(inboxIndex);
            postRoot = executor.executeInbox(g.loRoot, proof.entry, proof.witness);
        } else {
            postRoot = _executeRecord(g, b, k - b.inboxCount, proof);
        }
        Party winner = postRoot == g.hiRoot ? g.hiOwner : _opponent(g.hiOwner);
        emit StepProven(gameId, k, postRoot, winner);
        _resolve(gameId, g, winner);
    }

    /// @dev Executes record `recordIndex` of batch `b`, read from calldata (proven against the
    ///      record tree) or from the batch's blobs (proven field element by field element).
    function _executeRecord(
        Game storage g,
        IOptimisticRollup.Batch memory b,
        uint256 recordIndex,
        StepProof calldata proof
    ) private view returns (bytes32) {
        bytes32 domainSeparator = rollup.domainSeparator();
        if (b.blobCount == 0) {
            if (
                proof.recordSiblings.length != OptimisticState.RECORD_DEPTH ||
                !SparseMerkle.verify(
                    b.recordRoot,
                    keccak256(proof.record),
                    recordIndex,
                    proof.recordSiblings
                )
            ) revert GameBadRecordProof(recordIndex);
            return
                executor.executeRecord(
                    g.loRoot,
                    proof.record,
                    b.feeAccount,
                    domainSeparator,
                    proof.witness
                );
        }
        if (keccak256(abi.encodePacked(proof.blobHashes)) != b.recordRoot) {
            revert GameBadBlobHashes(b.id);
        }
        bytes memory slot = BlobReader.read(
            proof.blobHashes,
            recordIndex * OptimisticState.BLOB_SLOT,
            OptimisticState.BLOB_SLOT,
            proof.chunks
        );
        uint256 length = OptimisticState.recordLength(uint8(slot[0]));
        // INVARIANT: a slot that holds no record of a known kind is a no-op step.
        if (length == 0) return g.loRoot;
        bytes memory record = new bytes(length);
        for (uint256 i; i < length; ++i) record[i] = slot[i];
        return
            executor.executeRecord(g.loRoot, record, b.feeAccount, domainSeparator, proof.witness);
    }

    /// @inheritdoc IChallengeGame
    function timeout(uint256 gameId) external {
        Game storage g = _active(gameId);
        Clock clock = _clockOf(g, g.turn);
        if (!clock.expiredAt(block.timestamp)) {
            revert GameClockRunning(gameId, clock.deadline() + 1 - block.timestamp);
        }
        _resolve(gameId, g, _opponent(g.turn));
    }

    /// @inheritdoc IChallengeGame
    function close(uint256 gameId) external {
        Game storage g = _active(gameId);
        if (rollup.isAlive(g.batchId)) revert GameBatchAlive(g.batchId);
        _closeMoot(gameId, g);
    }

    /// @inheritdoc IChallengeGame
    function withdraw() external nonReentrant {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert GameNothingToWithdraw(msg.sender);
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert GamePaymentFailed(msg.sender, amount);
    }

    /// @inheritdoc IChallengeGame
    function gameOf(uint256 gameId) external view returns (Game memory) {
        return _known(gameId);
    }

    /// @inheritdoc IChallengeGame
    function timeLeft(uint256 gameId) external view returns (uint256) {
        Game storage g = _known(gameId);
        uint256 deadline = _clockOf(g, g.turn).deadline();
        return block.timestamp >= deadline ? 0 : deadline - block.timestamp;
    }

    // ---- internals ----

    function _known(uint256 gameId) private view returns (Game storage g) {
        g = _games[gameId];
        if (g.status == Status.None) revert GameUnknown(gameId);
    }

    function _active(uint256 gameId) private view returns (Game storage g) {
        g = _known(gameId);
        // INVARIANT: nothing moves a game once it has ended.
        if (g.status != Status.Active) revert GameOver(gameId, g.status);
    }

    function _setMidClaim(uint256 gameId, Game storage g, bytes32 midRoot) private {
        bool oneStep = g.position.width() == 1;
        if (oneStep != (midRoot == bytes32(0))) revert GameBadClaim(gameId, midRoot);
        g.midRoot = midRoot;
    }

    /// @dev Stops the mover's clock and starts the opponent's, topped up to `clockExtension`.
    function _passTurn(Game storage g, Party mover, Clock moverClock) private {
        uint256 used = block.timestamp - moverClock.since();
        Clock stopped = ClockLib.make(moverClock.remaining() - used, block.timestamp);
        Party next = _opponent(mover);
        Clock nextClock = _clockOf(g, next);
        uint256 nextRemaining = nextClock.remaining();
        if (nextRemaining < clockExtension) nextRemaining = clockExtension;
        Clock started = ClockLib.make(nextRemaining, block.timestamp);
        if (mover == Party.Defender) {
            g.defenderClock = stopped;
            g.challengerClock = started;
        } else {
            g.challengerClock = stopped;
            g.defenderClock = started;
        }
        g.turn = next;
    }

    function _resolve(uint256 gameId, Game storage g, Party winner) private {
        if (!rollup.isAlive(g.batchId)) {
            // The batch left the chain meanwhile: the game is moot, as in `close`.
            _closeMoot(gameId, g);
            return;
        }
        if (winner == Party.Challenger) {
            g.status = Status.ChallengerWon;
            balanceOf[g.challenger] += g.bond;
            rollup.onChallengerWon(g.batchId, g.challenger);
            emit GameResolved(gameId, Status.ChallengerWon, g.challenger);
        } else {
            g.status = Status.DefenderWon;
            balanceOf[g.defender] += g.bond;
            rollup.onDefenderWon(g.batchId);
            emit GameResolved(gameId, Status.DefenderWon, g.defender);
        }
    }

    /// @dev Ends a game whose batch left the chain: nobody wins, the challenger's bond is refunded.
    function _closeMoot(uint256 gameId, Game storage g) private {
        g.status = Status.Closed;
        balanceOf[g.challenger] += g.bond;
        emit GameClosed(gameId);
    }

    function _clockOf(Game storage g, Party side) private view returns (Clock) {
        return side == Party.Defender ? g.defenderClock : g.challengerClock;
    }

    function _opponent(Party side) private pure returns (Party) {
        return side == Party.Defender ? Party.Challenger : Party.Defender;
    }
}
