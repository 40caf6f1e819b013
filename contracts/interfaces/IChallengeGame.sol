// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IOneStepExecutor} from "./IOneStepExecutor.sol";
import {IOptimisticRollup} from "./IOptimisticRollup.sol";
import {BlobReader} from "../libraries/BlobReader.sol";
import {Clock, Position} from "../optimistic/GameTypes.sol";

/// @title IChallengeGame
/// @notice The optimistic rollup's bisection game (`ChallengeGame`): its errors, events, types and
///         every external function. Games between a batch's sequencer (the defender) and one
///         challenger each, ending in a one-step proof or a timeout; protocol:
///         docs/optimistic-rollup.md ("The challenge game").
interface IChallengeGame {
    /// @notice A side of a game (`None` only in a game that does not exist).
    enum Party {
        None,
        Defender,
        Challenger
    }

    /// @notice A game's state: `Active` until it is won (`DefenderWon`, `ChallengerWon`) or closed
    ///         because its batch left the chain for another reason (`Closed`).
    enum Status {
        None,
        Active,
        DefenderWon,
        ChallengerWon,
        Closed
    }

    /// @notice A game between a batch's sequencer (defender) and one challenger.
    /// @param challenger Who opened the game (and posted `bond`).
    /// @param batchId The disputed batch's id.
    /// @param moves Moves made, the opening challenge included.
    /// @param defender The batch's sequencer.
    /// @param position The disputed interval [lo, hi] of step positions.
    /// @param turn The side to move.
    /// @param hiOwner The side that asserts `hiRoot`.
    /// @param status The game's state.
    /// @param loRoot The state root both sides agree on at `lo`.
    /// @param hiRoot The root at `hi`, asserted by `hiOwner` and disputed by the other side.
    /// @param midRoot The last mover's root at the interval's midpoint (0 once one step is left).
    /// @param defenderClock The defender's chess clock.
    /// @param challengerClock The challenger's chess clock.
    /// @param bond The challenger's bond (to the winner; refunded to the challenger if closed).
    struct Game {
        address challenger;
        uint64 batchId;
        uint32 moves;
        address defender;
        Position position;
        Party turn;
        Party hiOwner;
        Status status;
        bytes32 loRoot;
        bytes32 hiRoot;
        bytes32 midRoot;
        Clock defenderClock;
        Clock challengerClock;
        uint128 bond;
    }

    /// @notice Data to execute the single disputed step. For an inbox step, `entry` (checked
    ///         against the stored hash); for a record of a calldata batch, `record` and its
    ///         record-tree siblings; for a record of a blob batch, the blobs' versioned hashes and
    ///         the `chunks` (field elements with KZG proofs) covering the record's 97-byte slot.
    /// @param entry The inbox entry (inbox steps only).
    /// @param record The record (records of calldata batches only).
    /// @param recordSiblings The record's siblings in the batch's record tree, leaf level first.
    /// @param blobHashes The blob batch's versioned hashes, in order (blob batches only).
    /// @param chunks The field elements covering the record's slot (blob batches only).
    /// @param witness The pre-state header and Merkle witnesses for `IOneStepExecutor`.
    struct StepProof {
        IOneStepExecutor.InboxEntry entry;
        bytes record;
        bytes32[] recordSiblings;
        bytes32[] blobHashes;
        BlobReader.Chunk[] chunks;
        IOneStepExecutor.StepWitness witness;
    }

    /// @notice The challenger's bond must be exactly the configured amount.
    error GameWrongBond(uint256 given, uint256 required);
    /// @notice No game with this id.
    error GameUnknown(uint256 gameId);
    /// @notice The game is over.
    error GameOver(uint256 gameId, Status status);
    /// @notice It is the other side's turn (or the caller plays no side).
    error GameNotYourTurn(uint256 gameId, address caller, address expected);
    /// @notice Only the step remains: prove it (`step`) or wait for `timeout`.
    error GameAwaitingStep(uint256 gameId);
    /// @notice More than one step remains: bisect further before proving one.
    error GameNotAtOneStep(uint256 gameId, uint256 lo, uint256 hi);
    /// @notice A midpoint claim must be nonzero while the interval is wider than one step, and
    ///         zero once it is one step.
    error GameBadClaim(uint256 gameId, bytes32 claim);
    /// @notice The mover's clock has run out (call `timeout`).
    error GameClockExpired(uint256 gameId, Party side);
    /// @notice The side to move still has time.
    error GameClockRunning(uint256 gameId, uint256 secondsLeft);
    /// @notice The batch has no steps, so nothing to dispute.
    error GameNothingToDispute(uint256 batchId);
    /// @notice The inbox entry given is not the one the step consumes.
    error GameBadInboxEntry(uint256 inboxIndex);
    /// @notice The record given is not the batch's record at this step.
    error GameBadRecordProof(uint256 recordIndex);
    /// @notice The versioned hashes given are not the blob batch's.
    error GameBadBlobHashes(uint256 batchId);
    /// @notice The game's batch is still in the chain (only games on discarded batches close).
    error GameBatchAlive(uint256 batchId);
    /// @notice Nothing to withdraw.
    error GameNothingToWithdraw(address account);
    /// @notice An ETH payment failed.
    error GamePaymentFailed(address to, uint256 amount);

    /// @notice A challenger opened a game on a batch.
    /// @param gameId The game's id.
    /// @param batchId The disputed batch's id.
    /// @param challenger Who opened it.
    /// @param defender The batch's sequencer.
    /// @param steps The batch's step count (inbox entries + records): the dispute is over
    ///        [0, steps].
    /// @param midRoot The challenger's root at the midpoint (0 for a one-step batch).
    event GameStarted(
        uint256 indexed gameId,
        uint256 indexed batchId,
        address indexed challenger,
        address defender,
        uint256 steps,
        bytes32 midRoot
    );
    /// @notice `mover` agreed (or not) with the last midpoint claim and claimed `midRoot` at the
    ///         new interval's midpoint.
    /// @param gameId The game's id.
    /// @param mover The side that moved.
    /// @param agree Whether it agreed with the last midpoint claim.
    /// @param lo The new interval's agreed end.
    /// @param hi The new interval's disputed end.
    /// @param midRoot The mover's root at the new midpoint (0 once one step is left).
    event Moved(
        uint256 indexed gameId,
        Party mover,
        bool agree,
        uint256 lo,
        uint256 hi,
        bytes32 midRoot
    );
    /// @notice The disputed step was executed on L1.
    /// @param gameId The game's id.
    /// @param step The step's position in the batch (its pre-state position).
    /// @param postRoot The state root the step produced.
    /// @param winner The side whose claim it confirms (`GameResolved` follows unless the game is
    ///        moot).
    event StepProven(uint256 indexed gameId, uint256 step, bytes32 postRoot, Party winner);
    /// @notice A game was won.
    /// @param gameId The game's id.
    /// @param status `DefenderWon` or `ChallengerWon`.
    /// @param winner The winner's address (credited the challenger's bond).
    event GameResolved(uint256 indexed gameId, Status status, address winner);
    /// @notice A game ended without a winner because its batch left the chain; the challenger's
    ///         bond is refunded.
    /// @param gameId The game's id.
    event GameClosed(uint256 indexed gameId);
    /// @notice An account withdrew its won and refunded bonds.
    /// @param account The account.
    /// @param amount Wei paid.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Disputes batch `batchId`'s claimed state root, with `challengerBond` attached,
    ///         inside the batch's challenge window. Anyone may; each call opens its own game.
    /// @param batchId The disputed batch's id (alive, with at least one step).
    /// @param midRoot The caller's state root at the midpoint of [0, steps] (0 for a one-step
    ///        batch).
    /// @return gameId The new game's id.
    function challenge(uint256 batchId, bytes32 midRoot) external payable returns (uint256 gameId);

    /// @notice The side to move answers the last midpoint claim and claims the next midpoint.
    /// @param gameId The game's id.
    /// @param agree True when the caller agrees with the last midpoint claim.
    /// @param midRoot The caller's root at the new interval's midpoint (0 if one step is left).
    function move(uint256 gameId, bool agree, bytes32 midRoot) external;

    /// @notice Executes the one disputed step on L1 and ends the game; anyone may call it.
    /// @param gameId The game's id (one step left).
    /// @param proof The step's input and witnesses.
    function step(uint256 gameId, StepProof calldata proof) external;

    /// @notice Ends the game in favour of the side not to move, once the mover's clock has run out
    ///         (never earlier); anyone may call it.
    /// @param gameId The game's id.
    function timeout(uint256 gameId) external;

    /// @notice Closes a game whose batch left the chain (another game proved it or an earlier batch
    ///         invalid): the challenger's bond is refunded and nobody wins. Anyone may call it.
    /// @param gameId The game's id.
    function close(uint256 gameId) external;

    /// @notice Pays out the caller's won and refunded bonds.
    function withdraw() external;

    /// @notice The rollup whose batches this game disputes (and whose game hooks it calls).
    /// @return rollup_ The `OptimisticRollup` that deployed this game.
    function rollup() external view returns (IOptimisticRollup rollup_);

    /// @notice The one-step executor disputed steps run on.
    /// @return executor_ The `OneStepExecutor`.
    function executor() external view returns (IOneStepExecutor executor_);

    /// @notice The exact bond a challenger attaches to `challenge`.
    /// @return bond Wei.
    function challengerBond() external view returns (uint128 bond);

    /// @notice Each side's chess-clock time per game.
    /// @return budget Seconds.
    function clockBudget() external view returns (uint64 budget);

    /// @notice A side never has less than this left when its turn starts.
    /// @return extension Seconds.
    function clockExtension() external view returns (uint64 extension);

    /// @notice How many games were ever opened (ids run from 1 to this).
    /// @return count The last game id.
    function gameCount() external view returns (uint256 count);

    /// @notice Bonds won or refunded, withdrawable with `withdraw`.
    /// @param account The account.
    /// @return amount Wei.
    function balanceOf(address account) external view returns (uint256 amount);

    /// @notice A game's full state.
    /// @param gameId The game's id (`GameUnknown` if none).
    /// @return game The game.
    function gameOf(uint256 gameId) external view returns (Game memory game);

    /// @notice Seconds the side to move has left (0 once its clock has run out).
    /// @param gameId The game's id (`GameUnknown` if none).
    /// @return secondsLeft Seconds.
    function timeLeft(uint256 gameId) external view returns (uint256 secondsLeft);
}
