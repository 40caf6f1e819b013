// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IOneStepExecutor} from "./IOneStepExecutor.sol";

/// @title IOptimisticRollup
/// @notice Errors, events and structs of the optimistic rollup's L1 contract (`OptimisticRollup`).
///         Protocol, parameters and trust assumptions: docs/optimistic-rollup.md.
interface IOptimisticRollup {
    /// @notice Deployment parameters (seconds and wei).
    /// @param challengeWindow How long a batch can be disputed after it is posted (7 days in production).
    /// @param forceDelay How long an inbox entry may wait; past it the next batch must include it and
    ///        any bonded address may post that batch.
    /// @param batchBond Bond locked per posted batch until it finalises (slashed if proven invalid).
    /// @param challengerBond Bond a challenger posts per game (lost to the defender if it loses).
    /// @param clockBudget Each side's chess-clock time per game.
    /// @param clockExtension A side never has less than this left when its turn starts.
    struct Params {
        uint64 challengeWindow;
        uint64 forceDelay;
        uint128 batchBond;
        uint128 challengerBond;
        uint64 clockBudget;
        uint64 clockExtension;
    }

    /// @notice A posted batch. `id` is unique forever; a batch's chain position is reused after a
    ///         discard, its id never is.
    /// @param stateRoot The state root the sequencer claims after the batch.
    /// @param recordRoot Root of the record tree (leaf i = keccak256(record i), depth 20).
    /// @param inboxStart First inbox entry the batch consumes; it consumes `inboxCount` of them,
    ///        before its records.
    /// @param blobCount 0 for records in calldata (then `recordRoot` is their record tree's root);
    ///        else the records are in this many EIP-4844 blobs, one per 97-byte slot, and
    ///        `recordRoot` is keccak256 of the blobs' versioned hashes (`BlobsPosted`).
    struct Batch {
        bytes32 stateRoot;
        bytes32 recordRoot;
        uint64 id;
        uint64 position;
        uint64 postedAt;
        uint64 inboxStart;
        uint32 inboxCount;
        uint32 recordCount;
        uint32 feeAccount;
        uint32 openGames;
        uint128 bond;
        address sequencer;
        uint8 blobCount;
    }

    /// @notice An inbox entry as stored: the entry's hash and when it was queued.
    struct QueuedEntry {
        bytes32 hash;
        uint64 queuedAt;
    }

    // ---- errors ----

    /// @notice Parameters out of range (a zero window, bond or clock; a budget above the window).
    error RollupBadParams();
    /// @notice Only the challenge game may call this.
    error RollupNotGame(address caller);
    /// @notice Not a registered sequencer, and no inbox entry is overdue.
    error RollupNotSequencer(address caller);
    /// @notice The poster's free bond does not cover a batch.
    error RollupInsufficientBond(uint256 available, uint256 required);
    /// @notice The batch does not extend the current head.
    error RollupStaleRoot(bytes32 given, bytes32 head);
    /// @notice The batch consumes more inbox entries than are queued.
    error RollupInboxOverrun(uint256 requested, uint256 pending);
    /// @notice An overdue inbox entry is left out of the batch.
    error RollupInboxEntryOverdue(uint256 index, uint256 queuedAt);
    /// @notice Unknown record kind at this byte offset of the records.
    error RollupBadRecord(uint256 offset, uint256 kind);
    /// @notice The last record is cut short.
    error RollupTruncatedRecord(uint256 offset);
    /// @notice A blob batch must carry at least one blob.
    error RollupNoBlobs();
    /// @notice More records than the record tree (or the batch's blobs) hold.
    error RollupTooManyRecords(uint256 count, uint256 max);
    /// @notice A batch without steps cannot change the state root.
    error RollupEmptyBatchChangesRoot(bytes32 prevRoot, bytes32 newRoot);
    /// @notice No token with this id.
    error RollupUnknownToken(uint256 tokenId);
    /// @notice The token is registered already.
    error RollupTokenRegistered(address token, uint256 tokenId);
    /// @notice Address 0 (ETH, id 0) or a non-contract cannot be registered as a token.
    error RollupNotAToken(address token);
    /// @notice All 65,536 token ids are taken.
    error RollupTooManyTokens();
    /// @notice Amount is 0 or above 2^128 - 1.
    error RollupBadAmount(uint256 amount);
    /// @notice The L2 address (or withdrawal recipient) is the zero address.
    error RollupZeroAddress();
    /// @notice No batch at this chain position.
    error RollupUnknownBatch(uint256 position);
    /// @notice The batch is not (or no longer) in the chain.
    error RollupBatchNotAlive(uint256 id);
    /// @notice The batch's challenge window has closed.
    error RollupWindowClosed(uint256 id, uint256 closedAt);
    /// @notice The batch cannot finalise yet: its window is open or a game on it is unresolved.
    error RollupNotFinalizable(uint256 position, uint256 windowEndsAt, uint256 openGames);
    /// @notice Nothing to finalise.
    error RollupNothingToFinalize();
    /// @notice The batch is alive (its bond is released when it finalises) or was released already.
    error RollupBondNotReleasable(uint256 id);
    /// @notice The batch is not final yet (withdrawals are proven against final batches only).
    error RollupNotFinal(uint256 position, uint256 finalizedCount);
    /// @notice The header does not hash to the batch's state root.
    error RollupBadHeader(bytes32 stateRoot, bytes32 headerRoot);
    /// @notice The withdrawal is not in the batch's withdrawal tree.
    error RollupBadWithdrawalProof(uint256 withdrawalId);
    /// @notice The withdrawal was proven (and credited) already.
    error RollupWithdrawalProven(uint256 withdrawalId);
    /// @notice Nothing to claim.
    error RollupNothingToClaim(address account, uint256 tokenId);
    /// @notice Asked to withdraw more free bond than there is.
    error RollupBondTooSmall(uint256 available, uint256 requested);
    /// @notice An ETH payment failed.
    error RollupPaymentFailed(address to, uint256 amount);

    // ---- events ----

    event SequencerSet(address indexed sequencer, bool allowed);
    event TokenRegistered(uint256 indexed tokenId, address indexed token);
    /// @notice An inbox entry was queued; its `index` is its position in the inbox.
    event InboxQueued(
        uint256 indexed index,
        uint8 kind,
        address indexed from,
        address indexed to,
        uint16 token,
        uint256 amount,
        uint64 queuedAt
    );
    event BondChanged(address indexed account, uint256 freeBond);
    /// @notice A batch was posted; its records are the `records` argument of the transaction.
    event BatchPosted(
        uint256 indexed position,
        uint256 indexed id,
        address indexed sequencer,
        bytes32 stateRoot,
        bytes32 recordRoot,
        uint256 inboxStart,
        uint256 inboxCount,
        uint256 recordCount,
        uint256 feeAccount
    );
    /// @notice The versioned hashes of a blob batch's blobs (the batch's `recordRoot` is their keccak256).
    event BlobsPosted(uint256 indexed id, bytes32[] versionedHashes);
    event BatchFinalized(uint256 indexed position, uint256 indexed id, bytes32 stateRoot);
    /// @notice Batches from `fromPosition` to `toPosition` (exclusive) left the chain.
    event BatchesDiscarded(
        uint256 fromPosition,
        uint256 toPosition,
        uint256 indexed invalidBatchId
    );
    /// @notice The invalid batch's bond: `reward` to the challenger who proved it, the rest burned.
    event SequencerSlashed(
        address indexed sequencer,
        uint256 indexed batchId,
        address indexed challenger,
        uint256 reward,
        uint256 burned
    );
    event BatchBondReleased(uint256 indexed id, address indexed sequencer, uint256 amount);
    event WithdrawalProven(
        uint256 indexed withdrawalId,
        address indexed recipient,
        uint16 token,
        uint256 amount
    );
    event Claimed(address indexed account, uint256 indexed tokenId, uint256 amount);

    /// @notice The state root of `header` (what a batch's `stateRoot` commits to).
    function stateRootOf(
        IOneStepExecutor.StateHeader calldata header
    ) external pure returns (bytes32);
}
