// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IOneStepExecutor} from "./IOneStepExecutor.sol";

/// @title IOptimisticRollup
/// @notice The optimistic rollup's L1 contract (`OptimisticRollup`): its errors, events, structs
///         and every external function except OpenZeppelin's ownership functions (see below).
///         Protocol, parameters and trust assumptions: docs/optimistic-rollup.md.
/// @dev Ownership is OpenZeppelin's `Ownable2Step` (`owner`, `pendingOwner`, `transferOwnership`,
///      `acceptOwnership`, `renounceOwnership`), documented there and not repeated here; besides
///      handing ownership on, the owner can only call `setSequencer`. The EIP-712 domain is
///      published by `eip712Domain` (ERC-5267, OpenZeppelin's `EIP712`).
interface IOptimisticRollup is IERC5267 {
    /// @notice Deployment parameters (seconds and wei).
    /// @param challengeWindow How long a batch can be disputed after it is posted (7 days in production).
    /// @param forceDelay How long an inbox entry may wait; past it the next batch must include it and
    ///        any bonded address may post that batch. The delay restarts at every discard
    ///        (`lastDiscardAt`), so the sequencer always gets `forceDelay` to build on a discard.
    /// @param batchBond Bond locked per posted batch until it finalises (slashed if proven invalid).
    /// @param challengerBond Bond a challenger posts per game (lost to the defender if it loses).
    /// @param clockBudget Each side's chess-clock time per game.
    /// @param clockExtension A side never has less than this left when its turn starts.
    /// @param blobBatches Whether batches may carry their records in EIP-4844 blobs
    ///        (`postBlobBatch`). Enable it only where every challenger reads blobs (a beacon node
    ///        serving them for the whole window; `L2KIT_BEACON_URL`): a Hardhat network serves
    ///        none, and a batch no challenger can read is a batch no one can dispute.
    struct Params {
        uint64 challengeWindow;
        uint64 forceDelay;
        uint128 batchBond;
        uint128 challengerBond;
        uint64 clockBudget;
        uint64 clockExtension;
        bool blobBatches;
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
    /// @param hash `OptimisticState.inboxEntryHash` of the entry (`IOneStepExecutor.InboxEntry`).
    /// @param queuedAt The block timestamp at which it was queued.
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
    /// @notice Batches are posted only as the top-level call of a transaction sent by an account
    ///         with no code (not a contract, a constructor or an EIP-7702-delegated account), so
    ///         that every challenger reads their records from L1 alone.
    error RollupPosterNotEoa(address caller);
    /// @notice `postBatch`'s calldata is not the canonical ABI encoding of its arguments (an
    ///         offset, trailing bytes or padding other than an encoder writes).
    error RollupNonCanonicalCalldata();
    /// @notice This deployment takes no blob batches (`blobBatches` is off).
    error RollupBlobsDisabled();

    // ---- events ----

    /// @notice The owner allowed or stopped a sequencer (or a slash deregistered it).
    /// @param sequencer The address.
    /// @param allowed Whether it may now post batches (without an overdue inbox entry).
    event SequencerSet(address indexed sequencer, bool allowed);
    /// @notice A token was registered.
    /// @param tokenId Its id (its position in the registry; ETH is 0).
    /// @param token The ERC-20 contract.
    event TokenRegistered(uint256 indexed tokenId, address indexed token);
    /// @notice An inbox entry was queued; its `index` is its position in the inbox.
    /// @param index The entry's position in the inbox.
    /// @param kind `OptimisticState.INBOX_DEPOSIT`, `INBOX_FORCED_TRANSFER` or
    ///        `INBOX_FORCED_WITHDRAW`.
    /// @param from Who queued it (the depositor, or the L2 account owner forcing a transaction).
    /// @param to The L2 recipient (deposit, forced transfer) or the L1 recipient (forced
    ///        withdrawal).
    /// @param token The token id.
    /// @param amount The amount (for a deposit, what the rollup received).
    /// @param queuedAt The block timestamp (the entry is overdue `forceDelay` later).
    event InboxQueued(
        uint256 indexed index,
        uint8 kind,
        address indexed from,
        address indexed to,
        uint16 token,
        uint256 amount,
        uint64 queuedAt
    );
    /// @notice An account's free bond changed through `addBond`, `withdrawBond` or a batch posted
    ///         with `msg.value`.
    /// @param account The account.
    /// @param freeBond Its free bond after the change.
    event BondChanged(address indexed account, uint256 freeBond);
    /// @notice A batch was posted; its records are the `records` argument of the transaction.
    /// @param position The batch's chain position.
    /// @param id The batch's id (never reused).
    /// @param sequencer Who posted it (its defender in every game).
    /// @param stateRoot The state root it claims.
    /// @param recordRoot Its record tree's root (calldata batch) or its blobs' commitment (blob
    ///        batch).
    /// @param inboxStart The first inbox entry it consumes.
    /// @param inboxCount How many inbox entries it consumes (before its records).
    /// @param recordCount How many records it carries.
    /// @param feeAccount The L2 account index that receives its fees.
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
    /// @param id The batch's id.
    /// @param versionedHashes The versioned hashes, in blob order.
    event BlobsPosted(uint256 indexed id, bytes32[] versionedHashes);
    /// @notice A batch became final.
    /// @param position Its chain position.
    /// @param id Its id.
    /// @param stateRoot Its state root (withdrawals can now be proven against it).
    event BatchFinalized(uint256 indexed position, uint256 indexed id, bytes32 stateRoot);
    /// @notice Batches from `fromPosition` to `toPosition` (exclusive) left the chain.
    /// @param fromPosition The invalid batch's position (the new `batchCount`).
    /// @param toPosition The `batchCount` before the discard.
    /// @param invalidBatchId The id of the batch proven invalid.
    event BatchesDiscarded(
        uint256 fromPosition,
        uint256 toPosition,
        uint256 indexed invalidBatchId
    );
    /// @notice The invalid batch's bond: `reward` to the challenger who proved it, the rest burned.
    /// @param sequencer The invalid batch's sequencer.
    /// @param batchId The invalid batch's id.
    /// @param challenger The challenger who proved it invalid.
    /// @param reward What the challenger may `claim` (in ETH, token id 0).
    /// @param burned What is kept forever (`burnedBonds`).
    event SequencerSlashed(
        address indexed sequencer,
        uint256 indexed batchId,
        address indexed challenger,
        uint256 reward,
        uint256 burned
    );
    /// @notice A batch's bond returned to its sequencer's free bond (it finalised, or left the
    ///         chain without being proven invalid).
    /// @param id The batch's id.
    /// @param sequencer The batch's sequencer.
    /// @param amount The bond.
    event BatchBondReleased(uint256 indexed id, address indexed sequencer, uint256 amount);
    /// @notice A withdrawal was proven and credited to its recipient.
    /// @param withdrawalId Its index in the withdrawal tree.
    /// @param recipient Who may `claim` it on L1.
    /// @param token The token id.
    /// @param amount The amount.
    event WithdrawalProven(
        uint256 indexed withdrawalId,
        address indexed recipient,
        uint16 token,
        uint256 amount
    );
    /// @notice An account was paid what was credited to it in a token.
    /// @param account The account.
    /// @param tokenId The token id (0 for ETH).
    /// @param amount The amount paid.
    event Claimed(address indexed account, uint256 indexed tokenId, uint256 amount);

    // ---- administration and tokens ----

    /// @notice Allows or stops `sequencer` posting batches (anyone bonded may post when the inbox
    ///         is overdue). Only the owner may call it.
    /// @param sequencer The address.
    /// @param allowed Whether it may post.
    function setSequencer(address sequencer, bool allowed) external;

    /// @notice Registers an ERC-20 token; anyone may. Its id is its position (ETH is 0).
    /// @param token The ERC-20 contract (a contract, not yet registered).
    /// @return id The token's id.
    function registerToken(address token) external returns (uint256 id);

    // ---- inbox ----

    /// @notice Deposits `msg.value` wei to `to`'s L2 account (created if it has none).
    /// @param to The L2 recipient.
    function depositETH(address to) external payable;

    /// @notice Deposits `amount` of a registered token to `to`'s L2 account. What arrives is
    ///         credited (fee-on-transfer tokens credit less than `amount`).
    /// @param tokenId The token's id (not 0: ETH goes through `depositETH`).
    /// @param to The L2 recipient.
    /// @param amount The amount to transfer from the caller (who approved it).
    function depositERC20(uint256 tokenId, address to, uint256 amount) external;

    /// @notice Forces an L2 transfer from the caller's account: the sequencer must include it
    ///         within `forceDelay`, or anyone bonded may post a batch that does.
    /// @param to The L2 recipient.
    /// @param tokenId The token's id.
    /// @param amount The amount (an invalid step, a no-op, if the caller's L2 balance is short).
    function forceTransfer(address to, uint256 tokenId, uint256 amount) external;

    /// @notice Forces a withdrawal of the caller's L2 funds to `recipient` on L1 (as
    ///         `forceTransfer`).
    /// @param tokenId The token's id.
    /// @param amount The amount (an invalid step, a no-op, if the caller's L2 balance is short).
    /// @param recipient Who may claim the withdrawal on L1.
    function forceWithdraw(uint256 tokenId, uint256 amount, address recipient) external;

    // ---- bonds and batches ----

    /// @notice Adds `msg.value` to the caller's free bond.
    function addBond() external payable;

    /// @notice Withdraws free bond (bond locked in unfinalised batches is not free).
    /// @param amount The wei to withdraw.
    function withdrawBond(uint256 amount) external;

    /// @notice Posts a batch: `inboxCount` inbox entries, then `records` (concatenated, see
    ///         docs/optimistic-rollup.md), claiming `newRoot` as the state after them. Locks
    ///         `batchBond` of the caller's free bond (to which `msg.value` is added first).
    ///         Registered sequencers may post; anyone may while an inbox entry is overdue. Either
    ///         way the caller is an account with no code calling directly (`RollupPosterNotEoa`)
    ///         with canonically encoded calldata (`RollupNonCanonicalCalldata`): the records are
    ///         then the posting transaction's own calldata, which every node serves.
    /// @param prevRoot The head's state root, so a batch built on a stale head fails cleanly.
    /// @param newRoot The state root the caller claims after the batch.
    /// @param inboxCount How many pending inbox entries the batch consumes (every overdue one).
    /// @param feeAccount The L2 account index that receives this batch's fees.
    /// @param records The records, concatenated (at most 2^20).
    function postBatch(
        bytes32 prevRoot,
        bytes32 newRoot,
        uint32 inboxCount,
        uint32 feeAccount,
        bytes calldata records
    ) external payable;

    /// @notice Posts a batch whose `recordCount` records are in this transaction's EIP-4844 blobs
    ///         (97-byte slots, docs/optimistic-rollup.md) instead of calldata; otherwise as
    ///         `postBatch` (the same posters, an account with no code calling directly). Only on a
    ///         deployment with `blobBatches` on (`RollupBlobsDisabled`). The records are not
    ///         readable here: a malformed slot is an invalid (no-op) step.
    /// @param prevRoot The head's state root.
    /// @param newRoot The state root the caller claims after the batch.
    /// @param inboxCount How many pending inbox entries the batch consumes (every overdue one).
    /// @param feeAccount The L2 account index that receives this batch's fees.
    /// @param recordCount How many 97-byte slots of the blobs hold the batch's records.
    function postBlobBatch(
        bytes32 prevRoot,
        bytes32 newRoot,
        uint32 inboxCount,
        uint32 feeAccount,
        uint32 recordCount
    ) external payable;

    /// @notice Finalises up to `maxBatches` batches in order, each once its window has passed and
    ///         no game on it is open; returns their bonds to their sequencers. Anyone may call it.
    /// @param maxBatches The most batches to finalise.
    /// @return finalized How many batches were finalised (reverts rather than return 0).
    function finalize(uint256 maxBatches) external returns (uint256 finalized);

    /// @notice Returns the bond of a batch that left the chain without being proven invalid (it
    ///         was built on one that was) to its sequencer. Anyone may call it.
    /// @param id The batch's id.
    function releaseBond(uint256 id) external;

    // ---- withdrawals ----

    /// @notice Credits withdrawal `withdrawalId` to its recipient, proven against the state of the
    ///         final batch at `position` (any final batch at or after the one that made it).
    ///         Anyone may call it; the recipient then `claim`s.
    /// @param position The chain position of a final batch.
    /// @param header The preimage of that batch's state root.
    /// @param withdrawalId The withdrawal's index in the withdrawal tree.
    /// @param recipient The withdrawal's L1 recipient.
    /// @param tokenId The withdrawal's token id.
    /// @param amount The withdrawal's amount.
    /// @param bitmap Bit k set when the sibling at height k is in `siblings` (else it is the empty
    ///        subtree's root).
    /// @param siblings The siblings given, lowest height first.
    function proveWithdrawal(
        uint256 position,
        IOneStepExecutor.StateHeader calldata header,
        uint256 withdrawalId,
        address recipient,
        uint16 tokenId,
        uint256 amount,
        uint256 bitmap,
        bytes32[] calldata siblings
    ) external;

    /// @notice Pays the caller everything credited to it in `tokenId` (withdrawals, rewards).
    /// @param tokenId The token's id (0 for ETH).
    function claim(uint256 tokenId) external;

    // ---- game hooks (only the challenge game, `game()`, may call them: `RollupNotGame`) ----

    /// @notice Called by the game when a challenge opens on batch `id`, inside its window: counts
    ///         the open game (which holds back the batch's finalisation) and returns what the game
    ///         needs.
    /// @param id The disputed batch's id (alive).
    /// @return b The batch.
    /// @return preRoot The state root of the batch before it in the chain (the agreed start).
    function onGameStarted(uint256 id) external returns (Batch memory b, bytes32 preRoot);

    /// @notice Called by the game when the defender of batch `id` wins a game: the game no longer
    ///         holds back the batch's finalisation.
    /// @param id The batch's id.
    function onDefenderWon(uint256 id) external;

    /// @notice Called by the game when a challenger proves batch `id` invalid: the batch and every
    ///         batch after it leave the chain, the inbox entries they consumed are pending again,
    ///         the batch's bond is slashed (half to `challenger`, half burned) and its sequencer is
    ///         deregistered. Returns false (and does nothing) when the batch has already left the
    ///         chain.
    /// @param id The invalid batch's id.
    /// @param challenger Who proved it (credited the reward, claimable in ETH).
    /// @return discarded True when the batch was alive and has now been discarded.
    function onChallengerWon(uint256 id, address challenger) external returns (bool discarded);

    // ---- parameters and counters ----

    /// @notice The one-step executor the game runs disputed steps with.
    /// @return executor_ The `OneStepExecutor`.
    function executor() external view returns (IOneStepExecutor executor_);

    /// @notice The challenge game (`IChallengeGame`), deployed by this contract's constructor; the
    ///         only caller of the game hooks.
    /// @return game_ Its address.
    function game() external view returns (address game_);

    /// @notice How long a batch can be disputed after it is posted.
    /// @return challengeWindow_ Seconds.
    function challengeWindow() external view returns (uint64 challengeWindow_);

    /// @notice How long an inbox entry may wait before the next batch must include it (and anyone
    ///         bonded may post that batch).
    /// @return forceDelay_ Seconds.
    function forceDelay() external view returns (uint64 forceDelay_);

    /// @notice The bond locked per posted batch until it finalises.
    /// @return batchBond_ Wei.
    function batchBond() external view returns (uint128 batchBond_);

    /// @notice When the last discard happened (0: never). Inbox entries are overdue (anyone bonded
    ///         may post, and every batch must include them) `forceDelay` after they were queued
    ///         and never sooner than `forceDelay` after this.
    /// @return at Unix seconds.
    function lastDiscardAt() external view returns (uint64 at);

    /// @notice Whether batches may carry their records in EIP-4844 blobs (`postBlobBatch`); a
    ///         deployment parameter, on only where every challenger reads blobs.
    /// @return enabled True when `postBlobBatch` is open.
    function blobBatches() external view returns (bool enabled);

    /// @notice Burned bonds (half of every slashed bond): held here forever, owed to no one.
    /// @return burned Wei.
    function burnedBonds() external view returns (uint256 burned);

    /// @notice The head's chain position + 1 (the genesis batch is at position 0).
    /// @return count The number of batches in the chain, final or not.
    function batchCount() external view returns (uint64 count);

    /// @notice Batches at positions below this are final.
    /// @return count The number of final batches (the genesis batch included).
    function finalizedCount() external view returns (uint64 count);

    /// @notice The id the next posted batch gets (ids are never reused; the genesis batch is 0).
    /// @return id The next id.
    function nextBatchId() external view returns (uint64 id);

    /// @notice Inbox entries consumed by the batches in the chain.
    /// @return count The index of the first pending inbox entry.
    function inboxConsumed() external view returns (uint64 count);

    /// @notice Whether `sequencer` is registered.
    /// @param sequencer The address.
    /// @return allowed Whether it may post batches without an overdue inbox entry.
    function isSequencer(address sequencer) external view returns (bool allowed);

    /// @notice An account's free bond (not locked in a batch): spendable on batches, withdrawable.
    /// @param account The account.
    /// @return amount Wei.
    function freeBond(address account) external view returns (uint256 amount);

    /// @notice What `account` may `claim` in token `tokenId` (proven withdrawals, challenge
    ///         rewards).
    /// @param account The account.
    /// @param tokenId The token's id (0 for ETH).
    /// @return amount The amount.
    function claimable(address account, uint256 tokenId) external view returns (uint256 amount);

    // ---- views ----

    /// @notice True when batch `id` is in the chain (final or not).
    /// @param id The batch's id.
    /// @return alive Whether it is in the chain.
    function isAlive(uint256 id) external view returns (bool alive);

    /// @notice The batch at chain position `position`.
    /// @param position A position below `batchCount`.
    /// @return batch The batch.
    function batchAt(uint256 position) external view returns (Batch memory batch);

    /// @notice A batch by id (alive or not; all zero for an id never used).
    /// @param id The batch's id.
    /// @return batch The batch.
    function batchById(uint256 id) external view returns (Batch memory batch);

    /// @notice The state root of the head (the last batch in the chain).
    /// @return root The head's state root.
    function headRoot() external view returns (bytes32 root);

    /// @notice How many entries were ever queued in the inbox (consumed or not).
    /// @return length The inbox's length.
    function inboxLength() external view returns (uint256 length);

    /// @notice An inbox entry as stored.
    /// @param index Its position in the inbox (below `inboxLength`).
    /// @return entry Its hash and queue time.
    function inboxEntry(uint256 index) external view returns (QueuedEntry memory entry);

    /// @notice A registered token's contract.
    /// @param tokenId The token's id (below `tokenCount`).
    /// @return token Its ERC-20 contract (address 0 for ETH, id 0).
    function tokenAddress(uint256 tokenId) external view returns (address token);

    /// @notice How many tokens are registered, ETH included.
    /// @return count The number of token ids.
    function tokenCount() external view returns (uint256 count);

    /// @notice A registered token's id.
    /// @param token The ERC-20 contract (address 0 for ETH).
    /// @return tokenId Its id.
    function tokenIdOf(address token) external view returns (uint256 tokenId);

    /// @notice Whether withdrawal `withdrawalId` was proven (and credited) already.
    /// @param withdrawalId The withdrawal's index in the withdrawal tree.
    /// @return proven Whether it was.
    function withdrawalProven(uint256 withdrawalId) external view returns (bool proven);

    /// @notice The EIP-712 domain separator L2 signatures are bound to.
    /// @return separator The domain separator.
    function domainSeparator() external view returns (bytes32 separator);

    /// @notice The state root of `header` (what a batch's `stateRoot` commits to).
    /// @param header A state root's preimage.
    /// @return root keccak256(abi.encode(all five fields in order)).
    function stateRootOf(
        IOneStepExecutor.StateHeader calldata header
    ) external pure returns (bytes32 root);
}
