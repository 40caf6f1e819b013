// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IOneStepExecutor} from "./IOneStepExecutor.sol";
import {BlobReader} from "../libraries/BlobReader.sol";
import {Clock, Position} from "../optimistic/GameTypes.sol";

/// @title IChallengeGame
/// @notice Errors, events and types of the optimistic rollup's bisection game (`ChallengeGame`).
interface IChallengeGame {
    enum Party {
        None,
        Defender,
        Challenger
    }

    enum Status {
        None,
        Active,
        DefenderWon,
        ChallengerWon,
        Closed
    }

    /// @notice A game between a batch's sequencer (defender) and one challenger.
    /// @param loRoot The state root both sides agree on at `lo`.
    /// @param hiRoot The root at `hi`, asserted by `hiOwner` and disputed by the other side.
    /// @param midRoot The last mover's root at the interval's midpoint (0 once one step is left).
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
    event Moved(
        uint256 indexed gameId,
        Party mover,
        bool agree,
        uint256 lo,
        uint256 hi,
        bytes32 midRoot
    );
    event StepProven(uint256 indexed gameId, uint256 step, bytes32 postRoot, Party winner);
    event GameResolved(uint256 indexed gameId, Status status, address winner);
    event GameClosed(uint256 indexed gameId);
    event Withdrawn(address indexed account, uint256 amount);
}
