// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IOneStepExecutor} from "../interfaces/IOneStepExecutor.sol";
import {IOptimisticRollup} from "../interfaces/IOptimisticRollup.sol";
import {BlobReader} from "../libraries/BlobReader.sol";
import {SparseMerkle} from "../libraries/SparseMerkle.sol";
import {ChallengeGame} from "./ChallengeGame.sol";
import {OptimisticState} from "./OptimisticState.sol";

/// @title OptimisticRollup
/// @notice L1 side of l2kit's optimistic rollup: token registry, the L1 inbox (deposits and forced
///         transactions), bonded batch posting, in-order finalisation after the challenge window,
///         withdrawals proven against final batches, and the consequences of a lost challenge game
///         (discard and slash). The game itself is `ChallengeGame`, deployed by this constructor.
/// @dev Chain positions: 0 is the genesis batch (the empty state, final from the start);
///      positions below `finalizedCount` are final; `batchCount` is the head's position + 1.
///      Batches are stored by a never-reused id; `_chain[position]` is the id at a position, so a
///      batch is alive exactly when `position < batchCount && _chain[position] == id`.
contract OptimisticRollup is IOptimisticRollup, EIP712, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 private constant _MAX_AMOUNT = type(uint128).max;
    uint256 private constant _MAX_TOKENS = uint256(1) << OptimisticState.BALANCE_DEPTH;
    uint256 private constant _MAX_RECORDS = uint256(1) << OptimisticState.RECORD_DEPTH;
    /// @dev More than any transaction may carry (6 under EIP-7594).
    uint256 private constant _MAX_BLOBS = 16;
    /// @dev Where `postBatch`'s records start in canonical calldata: selector, five head words,
    ///      the length word.
    uint256 private constant _RECORDS_AT = 4 + 6 * 32;

    /// @inheritdoc IOptimisticRollup
    IOneStepExecutor public immutable executor;
    /// @inheritdoc IOptimisticRollup
    address public immutable game;

    /// @inheritdoc IOptimisticRollup
    uint64 public immutable challengeWindow;
    /// @inheritdoc IOptimisticRollup
    uint64 public immutable forceDelay;
    /// @inheritdoc IOptimisticRollup
    uint128 public immutable batchBond;
    /// @inheritdoc IOptimisticRollup
    bool public immutable blobBatches;

    /// @inheritdoc IOptimisticRollup
    uint256 public burnedBonds;

    /// @inheritdoc IOptimisticRollup
    uint64 public batchCount;
    /// @inheritdoc IOptimisticRollup
    uint64 public finalizedCount;
    /// @inheritdoc IOptimisticRollup
    uint64 public nextBatchId;
    /// @inheritdoc IOptimisticRollup
    uint64 public inboxConsumed;
    /// @inheritdoc IOptimisticRollup
    uint64 public lastDiscardAt;

    mapping(uint256 id => Batch) private _batches;
    mapping(uint256 position => uint256 id) private _chain;
    QueuedEntry[] private _inbox;

    address[] private _tokens;
    mapping(address token => uint256 idPlusOne) private _tokenIds;

    /// @inheritdoc IOptimisticRollup
    mapping(address sequencer => bool) public isSequencer;
    /// @inheritdoc IOptimisticRollup
    mapping(address account => uint256) public freeBond;

    mapping(uint256 word => uint256 bits) private _provenWithdrawals;
    /// @inheritdoc IOptimisticRollup
    mapping(address account => mapping(uint256 tokenId => uint256)) public claimable;

    /// @dev INVARIANT (data availability): a batch is the top-level call of a transaction sent by
    ///      an account with no code, so its records are that transaction's calldata (or its
    ///      blobs) and every challenger reads them from L1 alone. A contract, a constructor, or an
    ///      EIP-7702-delegated account (it has code) could pass records no node serves. Both
    ///      batch routes carry it, for registered sequencers and forced posters alike.
    modifier onlyDirectPoster() {
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender != tx.origin || msg.sender.code.length != 0)
            revert RollupPosterNotEoa(msg.sender);
        _;
    }

    modifier onlyGame() {
        if (msg.sender != game) revert RollupNotGame(msg.sender);
        _;
    }

    /// @notice Deploys the rollup and its `ChallengeGame`; the genesis batch (position and id 0,
    ///         the empty state) is final from the start.
    /// @param owner_ Who registers sequencers.
    /// @param executor_ The deployed `OneStepExecutor`.
    /// @param params Windows, bonds and clocks (`RollupBadParams` when out of range).
    constructor(
        address owner_,
        IOneStepExecutor executor_,
        Params memory params
    ) EIP712("l2kit optimistic rollup", "1") Ownable(owner_) {
        if (
            params.challengeWindow == 0 ||
            params.batchBond == 0 ||
            params.challengerBond == 0 ||
            params.clockBudget == 0 ||
            params.clockExtension > params.clockBudget ||
            params.forceDelay == 0
        ) revert RollupBadParams();
        executor = executor_;
        challengeWindow = params.challengeWindow;
        forceDelay = params.forceDelay;
        batchBond = params.batchBond;
        blobBatches = params.blobBatches;
        // The one use of the concrete game: its creation code. Everything else goes through the
        // interfaces (the game sees this contract as an `IOptimisticRollup`).
        game = address(
            new ChallengeGame(
                this,
                executor_,
                params.challengerBond,
                params.clockBudget,
                params.clockExtension
            )
        );
        _tokens.push(address(0));

        IOneStepExecutor.StateHeader memory genesis = IOneStepExecutor.StateHeader({
            accountsRoot: SparseMerkle.emptyRoot(OptimisticState.ACCOUNT_DEPTH),
            addressesRoot: SparseMerkle.emptyRoot(OptimisticState.ADDRESS_DEPTH),
            withdrawalsRoot: SparseMerkle.emptyRoot(OptimisticState.WITHDRAWAL_DEPTH),
            accountCount: 0,
            withdrawalCount: 0
        });
        Batch storage b = _batches[0];
        b.stateRoot = OptimisticState.stateRoot(genesis);
        b.recordRoot = SparseMerkle.emptyRoot(OptimisticState.RECORD_DEPTH);
        b.postedAt = uint64(block.timestamp);
        nextBatchId = 1;
        batchCount = 1;
        finalizedCount = 1;
    }

    // ---- administration and tokens ----

    /// @inheritdoc IOptimisticRollup
    function setSequencer(address sequencer, bool allowed) external onlyOwner {
        isSequencer[sequencer] = allowed;
        emit SequencerSet(sequencer, allowed);
    }

    /// @inheritdoc IOptimisticRollup
    function registerToken(address token) external returns (uint256 id) {
        if (token == address(0) || token.code.length == 0) revert RollupNotAToken(token);
        if (_tokenIds[token] != 0) revert RollupTokenRegistered(token, _tokenIds[token] - 1);
        id = _tokens.length;
        if (id == _MAX_TOKENS) revert RollupTooManyTokens();
        _tokens.push(token);
        _tokenIds[token] = id + 1;
        emit TokenRegistered(id, token);
    }

    // ---- inbox ----

    /// @inheritdoc IOptimisticRollup
    function depositETH(address to) external payable {
        _checkAmount(msg.value);
        _queue(OptimisticState.INBOX_DEPOSIT, msg.sender, to, 0, msg.value);
    }

    /// @inheritdoc IOptimisticRollup
    /// @dev The amount credited is this contract's balance change, not `amount`.
    function depositERC20(uint256 tokenId, address to, uint256 amount) external nonReentrant {
        IERC20 token = IERC20(_tokenAddress(tokenId));
        if (tokenId == 0) revert RollupUnknownToken(tokenId);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        _checkAmount(received);
        _queue(OptimisticState.INBOX_DEPOSIT, msg.sender, to, uint16(tokenId), received);
    }

    /// @inheritdoc IOptimisticRollup
    function forceTransfer(address to, uint256 tokenId, uint256 amount) external {
        _tokenAddress(tokenId);
        _checkAmount(amount);
        _queue(OptimisticState.INBOX_FORCED_TRANSFER, msg.sender, to, uint16(tokenId), amount);
    }

    /// @inheritdoc IOptimisticRollup
    function forceWithdraw(uint256 tokenId, uint256 amount, address recipient) external {
        _tokenAddress(tokenId);
        _checkAmount(amount);
        _queue(
            OptimisticState.INBOX_FORCED_WITHDRAW,
            msg.sender,
            recipient,
            uint16(tokenId),
            amount
        );
    }

    function _checkAmount(uint256 amount) private pure {
        if (amount == 0 || amount > _MAX_AMOUNT) revert RollupBadAmount(amount);
    }

    function _queue(uint8 kind, address from, address to, uint16 token, uint256 amount) private {
        if (to == address(0)) revert RollupZeroAddress();
        IOneStepExecutor.InboxEntry memory entry = IOneStepExecutor.InboxEntry(
            kind,
            from,
            to,
            token,
            amount
        );
        uint256 index = _inbox.length;
        _inbox.push(QueuedEntry(OptimisticState.inboxEntryHash(entry), uint64(block.timestamp)));
        emit InboxQueued(index, kind, from, to, token, amount, uint64(block.timestamp));
    }

    // ---- bonds and batches ----

    /// @inheritdoc IOptimisticRollup
    function addBond() external payable {
        freeBond[msg.sender] += msg.value;
        emit BondChanged(msg.sender, freeBond[msg.sender]);
    }

    /// @inheritdoc IOptimisticRollup
    function withdrawBond(uint256 amount) external nonReentrant {
        uint256 available = freeBond[msg.sender];
        if (amount > available) revert RollupBondTooSmall(available, amount);
        freeBond[msg.sender] = available - amount;
        emit BondChanged(msg.sender, available - amount);
        _pay(msg.sender, amount);
    }

    /// @inheritdoc IOptimisticRollup
    /// @dev Checks the records' framing and stores the root of their record tree (depth 20). The
    ///      calldata must be the canonical ABI encoding: a challenger decodes it from the
    ///      transaction with an ordinary (strict) decoder, which must read the records the
    ///      contract hashed.
    function postBatch(
        bytes32 prevRoot,
        bytes32 newRoot,
        uint32 inboxCount,
        uint32 feeAccount,
        bytes calldata records
    ) external payable onlyDirectPoster {
        _requireCanonicalCalldata(records);
        (bytes32 recordRoot, uint256 recordCount) = _recordRoot(records);
        Batch memory b = _newBatch(prevRoot, newRoot, inboxCount, feeAccount, recordCount);
        b.recordRoot = recordRoot;
        _append(b);
    }

    /// @inheritdoc IOptimisticRollup
    /// @dev Counts the transaction's blobs (at most `_MAX_BLOBS`) and stores keccak256 of their
    ///      versioned hashes as the batch's `recordRoot`.
    function postBlobBatch(
        bytes32 prevRoot,
        bytes32 newRoot,
        uint32 inboxCount,
        uint32 feeAccount,
        uint32 recordCount
    ) external payable onlyDirectPoster {
        if (!blobBatches) revert RollupBlobsDisabled();
        uint256 blobs;
        while (blobs < _MAX_BLOBS && blobhash(blobs) != bytes32(0)) ++blobs;
        if (blobs == 0) revert RollupNoBlobs();
        uint256 capacity = (blobs * BlobReader.PAYLOAD_PER_BLOB) / OptimisticState.BLOB_SLOT;
        if (recordCount > capacity) revert RollupTooManyRecords(recordCount, capacity);
        Batch memory b = _newBatch(prevRoot, newRoot, inboxCount, feeAccount, recordCount);
        b.blobCount = uint8(blobs);
        bytes32[] memory hashes = new bytes32[](blobs);
        for (uint256 i; i < blobs; ++i) hashes[i] = blobhash(i);
        // One word commits to the blobs; their versioned hashes are in the event (and the tx).
        b.recordRoot = keccak256(abi.encodePacked(hashes));
        _append(b);
        // After BatchPosted, so a reader meets the batch before its blobs' hashes.
        emit BlobsPosted(b.id, hashes);
    }

    /// @dev The checks every batch passes: bond, poster, head, inbox (and overdue entries).
    function _newBatch(
        bytes32 prevRoot,
        bytes32 newRoot,
        uint32 inboxCount,
        uint32 feeAccount,
        uint256 recordCount
    ) private returns (Batch memory b) {
        uint256 bond = freeBond[msg.sender] + msg.value;
        if (bond < batchBond) revert RollupInsufficientBond(bond, batchBond);
        freeBond[msg.sender] = bond - batchBond;
        if (msg.value != 0) emit BondChanged(msg.sender, bond - batchBond);

        uint256 inboxStart = inboxConsumed;
        if (!isSequencer[msg.sender] && !_overdue(inboxStart)) {
            revert RollupNotSequencer(msg.sender);
        }
        uint256 position = batchCount;
        bytes32 head = _batches[_chain[position - 1]].stateRoot;
        if (prevRoot != head) revert RollupStaleRoot(prevRoot, head);
        uint256 inboxEnd = inboxStart + inboxCount;
        if (inboxEnd > _inbox.length)
            revert RollupInboxOverrun(inboxCount, _inbox.length - inboxStart);
        // INVARIANT: every entry past forceDelay is in the chain once this batch is.
        if (_overdue(inboxEnd)) revert RollupInboxEntryOverdue(inboxEnd, _inbox[inboxEnd].queuedAt);
        if (inboxCount == 0 && recordCount == 0 && newRoot != prevRoot) {
            revert RollupEmptyBatchChangesRoot(prevRoot, newRoot);
        }
        b.stateRoot = newRoot;
        b.position = uint64(position);
        b.inboxStart = uint64(inboxStart);
        b.inboxCount = inboxCount;
        b.recordCount = uint32(recordCount);
        b.feeAccount = feeAccount;
    }

    /// @dev Stores `b` (position, roots, inbox range and record count set) as the new head.
    function _append(Batch memory b) private {
        b.id = nextBatchId;
        ++nextBatchId;
        b.postedAt = uint64(block.timestamp);
        b.sequencer = msg.sender;
        b.bond = batchBond;
        _batches[b.id] = b;
        _chain[b.position] = b.id;
        batchCount = b.position + 1;
        inboxConsumed = b.inboxStart + b.inboxCount;
        emit BatchPosted(
            b.position,
            b.id,
            msg.sender,
            b.stateRoot,
            b.recordRoot,
            b.inboxStart,
            b.inboxCount,
            b.recordCount,
            b.feeAccount
        );
    }

    /// @dev `postBatch`'s calldata is its canonical ABI encoding: the records' offset is the one
    ///      an encoder writes (right after the five head words and the length word), nothing
    ///      follows their padding, and the padding is zero.
    function _requireCanonicalCalldata(bytes calldata records) private pure {
        uint256 length = records.length;
        uint256 padded = (length + 31) & ~uint256(31);
        uint256 start;
        uint256 lastWord;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            start := records.offset
            // The word holding the last bytes and the padding (the length word when empty).
            lastWord := calldataload(add(start, sub(padded, 32)))
        }
        if (start != _RECORDS_AT || msg.data.length != start + padded)
            revert RollupNonCanonicalCalldata();
        if (padded != length && lastWord & ((1 << ((padded - length) * 8)) - 1) != 0)
            revert RollupNonCanonicalCalldata();
    }

    /// @dev An entry is overdue `forceDelay` after it was queued, and never sooner than
    ///      `forceDelay` after the last discard: the entries a discarded batch consumed are
    ///      pending again and often past their delay already (a game outlasts `forceDelay`), and
    ///      without the restart the party that lost the game could post the next invalid batch
    ///      in the block of the discard, ahead of the sequencer, round after round.
    function _overdue(uint256 index) private view returns (bool) {
        if (index >= _inbox.length) return false;
        uint256 since = _inbox[index].queuedAt;
        if (lastDiscardAt > since) since = lastDiscardAt;
        return since + forceDelay <= block.timestamp;
    }

    /// @dev Checks the records' framing and returns the root of the record tree and the count.
    function _recordRoot(bytes calldata records) private pure returns (bytes32, uint256) {
        uint256 count;
        uint256 offset;
        while (offset < records.length) {
            uint256 kind = uint8(records[offset]);
            uint256 length = OptimisticState.recordLength(kind);
            if (length == 0) revert RollupBadRecord(offset, kind);
            if (offset + length > records.length) revert RollupTruncatedRecord(offset);
            offset += length;
            ++count;
        }
        if (count > _MAX_RECORDS) revert RollupTooManyRecords(count, _MAX_RECORDS);
        bytes32[] memory leaves = new bytes32[](count);
        offset = 0;
        for (uint256 i; i < count; ++i) {
            uint256 length = OptimisticState.recordLength(uint8(records[offset]));
            leaves[i] = keccak256(records[offset:offset + length]);
            offset += length;
        }
        return (SparseMerkle.rootOfLeaves(leaves, OptimisticState.RECORD_DEPTH), count);
    }

    /// @inheritdoc IOptimisticRollup
    function finalize(uint256 maxBatches) external returns (uint256 finalized) {
        uint256 position = finalizedCount;
        while (finalized < maxBatches && position < batchCount) {
            Batch storage b = _batches[_chain[position]];
            if (block.timestamp < b.postedAt + challengeWindow || b.openGames != 0) break;
            freeBond[b.sequencer] += b.bond;
            emit BatchBondReleased(b.id, b.sequencer, b.bond);
            b.bond = 0;
            emit BatchFinalized(position, b.id, b.stateRoot);
            ++position;
            ++finalized;
        }
        if (finalized == 0) {
            if (position >= batchCount) revert RollupNothingToFinalize();
            Batch storage next = _batches[_chain[position]];
            revert RollupNotFinalizable(position, next.postedAt + challengeWindow, next.openGames);
        }
        finalizedCount = uint64(position);
    }

    /// @inheritdoc IOptimisticRollup
    function releaseBond(uint256 id) external {
        Batch storage b = _batches[id];
        if (b.id == 0 || isAlive(id) || b.bond == 0) revert RollupBondNotReleasable(id);
        uint256 amount = b.bond;
        b.bond = 0;
        freeBond[b.sequencer] += amount;
        emit BatchBondReleased(id, b.sequencer, amount);
    }

    // ---- withdrawals ----

    /// @inheritdoc IOptimisticRollup
    function proveWithdrawal(
        uint256 position,
        IOneStepExecutor.StateHeader calldata header,
        uint256 withdrawalId,
        address recipient,
        uint16 tokenId,
        uint256 amount,
        uint256 bitmap,
        bytes32[] calldata siblings
    ) external {
        if (position >= finalizedCount) revert RollupNotFinal(position, finalizedCount);
        bytes32 root = _batches[_chain[position]].stateRoot;
        bytes32 headerRoot = OptimisticState.stateRoot(header);
        if (headerRoot != root) revert RollupBadHeader(root, headerRoot);
        if (
            withdrawalId >= header.withdrawalCount ||
            !SparseMerkle.verifyCompressed(
                header.withdrawalsRoot,
                OptimisticState.withdrawalLeaf(recipient, tokenId, amount),
                withdrawalId,
                OptimisticState.WITHDRAWAL_DEPTH,
                bitmap,
                siblings
            )
        ) revert RollupBadWithdrawalProof(withdrawalId);
        uint256 word = withdrawalId >> 8;
        uint256 bit = uint256(1) << (withdrawalId & 0xff);
        if (_provenWithdrawals[word] & bit != 0) revert RollupWithdrawalProven(withdrawalId);
        _provenWithdrawals[word] |= bit;
        claimable[recipient][tokenId] += amount;
        emit WithdrawalProven(withdrawalId, recipient, tokenId, amount);
    }

    /// @inheritdoc IOptimisticRollup
    function claim(uint256 tokenId) external nonReentrant {
        address token = _tokenAddress(tokenId);
        uint256 amount = claimable[msg.sender][tokenId];
        if (amount == 0) revert RollupNothingToClaim(msg.sender, tokenId);
        claimable[msg.sender][tokenId] = 0;
        emit Claimed(msg.sender, tokenId, amount);
        if (tokenId == 0) _pay(msg.sender, amount);
        else IERC20(token).safeTransfer(msg.sender, amount);
    }

    function _pay(address to, uint256 amount) private {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert RollupPaymentFailed(to, amount);
    }

    // ---- game hooks ----

    /// @inheritdoc IOptimisticRollup
    function onGameStarted(uint256 id) external onlyGame returns (Batch memory b, bytes32 preRoot) {
        b = _aliveBatch(id);
        if (block.timestamp >= b.postedAt + challengeWindow) {
            revert RollupWindowClosed(id, b.postedAt + challengeWindow);
        }
        ++_batches[id].openGames;
        preRoot = _batches[_chain[b.position - 1]].stateRoot;
    }

    /// @inheritdoc IOptimisticRollup
    function onDefenderWon(uint256 id) external onlyGame {
        --_batches[id].openGames;
    }

    /// @inheritdoc IOptimisticRollup
    function onChallengerWon(uint256 id, address challenger) external onlyGame returns (bool) {
        if (!isAlive(id)) return false;
        Batch storage b = _batches[id];
        uint256 from = b.position;
        emit BatchesDiscarded(from, batchCount, id);
        batchCount = uint64(from);
        inboxConsumed = b.inboxStart;
        lastDiscardAt = uint64(block.timestamp);
        uint256 bond = b.bond;
        b.bond = 0;
        uint256 reward = bond / 2;
        claimable[challenger][0] += reward;
        burnedBonds += bond - reward;
        if (isSequencer[b.sequencer]) {
            isSequencer[b.sequencer] = false;
            emit SequencerSet(b.sequencer, false);
        }
        emit SequencerSlashed(b.sequencer, id, challenger, reward, bond - reward);
        return true;
    }

    function _aliveBatch(uint256 id) private view returns (Batch memory b) {
        if (!isAlive(id)) revert RollupBatchNotAlive(id);
        b = _batches[id];
    }

    // ---- views ----

    /// @inheritdoc IOptimisticRollup
    function isAlive(uint256 id) public view returns (bool) {
        Batch storage b = _batches[id];
        return (b.id != 0 || id == 0) && b.position < batchCount && _chain[b.position] == id;
    }

    /// @inheritdoc IOptimisticRollup
    function batchAt(uint256 position) external view returns (Batch memory) {
        if (position >= batchCount) revert RollupUnknownBatch(position);
        return _batches[_chain[position]];
    }

    /// @inheritdoc IOptimisticRollup
    function batchById(uint256 id) external view returns (Batch memory) {
        return _batches[id];
    }

    /// @inheritdoc IOptimisticRollup
    function headRoot() external view returns (bytes32) {
        return _batches[_chain[batchCount - 1]].stateRoot;
    }

    /// @inheritdoc IOptimisticRollup
    function inboxLength() external view returns (uint256) {
        return _inbox.length;
    }

    /// @inheritdoc IOptimisticRollup
    function inboxEntry(uint256 index) external view returns (QueuedEntry memory) {
        return _inbox[index];
    }

    /// @inheritdoc IOptimisticRollup
    function tokenAddress(uint256 tokenId) external view returns (address) {
        return _tokenAddress(tokenId);
    }

    /// @inheritdoc IOptimisticRollup
    function tokenCount() external view returns (uint256) {
        return _tokens.length;
    }

    /// @inheritdoc IOptimisticRollup
    function tokenIdOf(address token) external view returns (uint256) {
        uint256 idPlusOne = _tokenIds[token];
        if (token != address(0) && idPlusOne == 0) revert RollupNotAToken(token);
        return token == address(0) ? 0 : idPlusOne - 1;
    }

    /// @inheritdoc IOptimisticRollup
    function withdrawalProven(uint256 withdrawalId) external view returns (bool) {
        return _provenWithdrawals[withdrawalId >> 8] & (uint256(1) << (withdrawalId & 0xff)) != 0;
    }

    /// @inheritdoc IOptimisticRollup
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IOptimisticRollup
    function stateRootOf(
        IOneStepExecutor.StateHeader calldata header
    ) external pure returns (bytes32) {
        return OptimisticState.stateRoot(header);
    }

    function _tokenAddress(uint256 tokenId) private view returns (address) {
        if (tokenId >= _tokens.length) revert RollupUnknownToken(tokenId);
        return _tokens[tokenId];
    }
}
