// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {
    IPoseidon4,
    IPoseidon5,
    IPoseidon6,
    IRollupVerifier,
    IZkRollup
} from "../interfaces/IZkRollup.sol";
import {FloatCodec} from "../libraries/FloatCodec.sol";

/// @title ZkRollup
/// @notice A ZK rollup of ETH and ERC-20 transfers. Operators submit batches with a Groth16 proof;
///         the contract checks that the batch starts from its current state root, verifies the
///         proof, and moves to the new root. Withdrawals in a verified batch are claimable at once.
///         L1 deposits and forced exits (an owner's request for its account's whole balance) wait
///         in one hash-chained priority queue that batches consume in order; if an entry waits
///         longer than the deadline, anyone can switch the rollup to exodus mode, where every
///         account exits once with a Merkle proof against the last verified root and unprocessed
///         deposits are refunded. Protocol, parameters and trust assumptions: docs/zk-rollup.md.
/// @dev The batch proof has one public input,
///      Poseidon(oldRoot, newRoot, chainBefore, chainAfter, domain, sha256(pubdata) >> 3),
///      recomputed here from storage and calldata (circuits/src/rollup.circom).
contract ZkRollup is IZkRollup, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @dev BN254 scalar field.
    uint256 internal constant _P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant _MAX_BALANCE = type(uint128).max;
    uint256 internal constant _MAX_TOKENS = type(uint32).max;
    uint256 internal constant _KIND_CREDIT = 0;
    uint256 internal constant _KIND_CREATE = 1;
    uint256 internal constant _KIND_EXIT = 2;
    /// @dev Bytes of a queue entry's exit amount in pubdata.
    uint256 internal constant _EXIT_AMOUNT_BYTES = 16;

    /// @inheritdoc IZkRollup
    uint256 public constant MAX_PENDING_DEPOSITS = 1024;

    /// @inheritdoc IZkRollup
    uint256 public immutable levels;
    /// @inheritdoc IZkRollup
    uint256 public immutable capacity;
    /// @inheritdoc IZkRollup
    uint256 public immutable depositDeadline;
    /// @inheritdoc IZkRollup
    uint256 public immutable queueSpacing;
    /// @inheritdoc IZkRollup
    uint256 public immutable domain;
    IPoseidon4 internal immutable _poseidon4;
    IPoseidon5 internal immutable _poseidon5;
    IPoseidon6 internal immutable _poseidon6;
    /// @dev Bytes of an account index in pubdata.
    uint256 internal immutable _indexBytes;

    /// @inheritdoc IZkRollup
    uint256 public stateRoot;
    /// @inheritdoc IZkRollup
    uint256 public batchCount;
    /// @inheritdoc IZkRollup
    uint256 public depositCount;
    /// @inheritdoc IZkRollup
    uint256 public depositsProcessed;
    /// @inheritdoc IZkRollup
    uint256 public nextAccountIndex = 1;
    /// @inheritdoc IZkRollup
    bool public exodusMode;
    /// @inheritdoc IZkRollup
    mapping(address operator => bool) public isOperator;
    /// @inheritdoc IZkRollup
    mapping(address owner => mapping(uint256 tokenId => uint256)) public pendingWithdrawals;
    /// @inheritdoc IZkRollup
    mapping(uint256 accountIndex => bool) public exited;
    /// @inheritdoc IZkRollup
    mapping(uint256 depositNumber => bool) public depositRefunded;
    /// @inheritdoc IZkRollup
    mapping(uint256 accountIndex => uint256 entryNumber) public pendingForcedExit;

    mapping(uint256 depositNumber => uint256) internal _depositChain;
    mapping(uint256 depositNumber => QueuedDeposit) internal _deposits;
    mapping(uint256 accountIndex => AccountInfo) internal _accounts;
    /// @dev The account of each forced-exit queue entry.
    mapping(uint256 entryNumber => uint256 accountIndex) internal _exitAccount;
    mapping(uint256 shapeId => BatchShape) internal _shapes;
    address[] internal _tokens;
    mapping(address token => uint256) internal _tokenIdPlusOne;

    /// @notice Deploys a rollup with an empty tree of `levels_` levels.
    /// @param owner_ Governance: registers shapes (verifiers) and operators.
    /// @param levels_ 4-ary tree levels, 1..16 (must match the circuits).
    /// @param depositDeadline_ Seconds a deposit may wait before exodus may start.
    /// @param queueSpacing_ Seconds the operator is given for each entry waiting ahead of a new
    ///        one: an entry expires depositDeadline + queueSpacing x (entries waiting ahead of it)
    ///        after it is queued (0 < queueSpacing_ <= depositDeadline_).
    /// @param poseidon4 PoseidonT5 contract.
    /// @param poseidon5 PoseidonT6 contract.
    /// @param poseidon6 PoseidonT7 contract.
    constructor(
        address owner_,
        uint256 levels_,
        uint256 depositDeadline_,
        uint256 queueSpacing_,
        IPoseidon4 poseidon4,
        IPoseidon5 poseidon5,
        IPoseidon6 poseidon6
    ) Ownable(owner_) {
        if (levels_ == 0 || levels_ > 16) revert ZkRollupBadParameter("levels", levels_);
        if (depositDeadline_ == 0) revert ZkRollupBadParameter("depositDeadline", depositDeadline_);
        if (queueSpacing_ == 0 || queueSpacing_ > depositDeadline_)
            revert ZkRollupBadParameter("queueSpacing", queueSpacing_);
        levels = levels_;
        capacity = 1 << (2 * levels_);
        depositDeadline = depositDeadline_;
        queueSpacing = queueSpacing_;
        _poseidon4 = poseidon4;
        _poseidon5 = poseidon5;
        _poseidon6 = poseidon6;
        _indexBytes = (2 * levels_ + 7) / 8;
        domain =
            uint256(keccak256(abi.encode("l2kit-zk-rollup", block.chainid, address(this)))) % _P;
        uint256 empty;
        for (uint256 h; h < levels_; ++h) empty = poseidon4.hash([empty, empty, empty, empty]);
        stateRoot = empty;
        _tokens.push(address(0));
        emit TokenRegistered(0, address(0));
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IZkRollup
    function setOperator(address operator, bool allowed) external onlyOwner {
        isOperator[operator] = allowed;
        emit OperatorSet(operator, allowed);
    }

    /// @inheritdoc IZkRollup
    function registerShape(uint256 shapeId, BatchShape calldata newShape) external onlyOwner {
        if (
            newShape.txSlots == 0 ||
            newShape.withdrawSlots == 0 ||
            newShape.depositSlots == 0 ||
            newShape.feeSlots == 0 ||
            address(newShape.verifier) == address(0)
        ) revert ZkRollupBadShape();
        _shapes[shapeId] = newShape;
        emit ShapeRegistered(
            shapeId,
            newShape.txSlots,
            newShape.withdrawSlots,
            newShape.depositSlots,
            newShape.feeSlots,
            address(newShape.verifier)
        );
    }

    /// @inheritdoc IZkRollup
    function registerToken(address token) external returns (uint256 id) {
        if (token.code.length == 0) revert ZkRollupNotAToken(token);
        uint256 known = _tokenIdPlusOne[token];
        if (known != 0) revert ZkRollupTokenRegistered(token, known - 1);
        id = _tokens.length;
        if (id > _MAX_TOKENS) revert ZkRollupUnknownToken(id);
        _tokens.push(token);
        _tokenIdPlusOne[token] = id + 1;
        emit TokenRegistered(id, token);
    }

    // ------------------------------------------------------------------ deposits

    /// @inheritdoc IZkRollup
    function depositETH(
        uint256 accountIndex,
        uint256 ax,
        uint256 ay
    ) external payable returns (uint256 index) {
        return _queue(0, msg.value, accountIndex, ax, ay);
    }

    /// @inheritdoc IZkRollup
    function depositERC20(
        uint256 tokenId,
        uint256 amount,
        uint256 accountIndex,
        uint256 ax,
        uint256 ay
    ) external nonReentrant returns (uint256 index) {
        if (tokenId == 0 || tokenId >= _tokens.length) revert ZkRollupUnknownToken(tokenId);
        IERC20 token = IERC20(_tokens[tokenId]);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        return _queue(tokenId, token.balanceOf(address(this)) - before, accountIndex, ax, ay);
    }

    function _queue(
        uint256 tokenId,
        uint256 amount,
        uint256 accountIndex,
        uint256 ax,
        uint256 ay
    ) internal returns (uint256 index) {
        if (exodusMode) revert ZkRollupExodus();
        if (amount > _MAX_BALANCE) revert ZkRollupAmountTooLarge(amount);
        // Deposits are bounded; forced exits are not (one per account at a time bounds them), so
        // nobody, the operator included, can keep a user from asking to leave by filling the
        // queue with deposits.
        {
            uint256 pending = depositCount - depositsProcessed;
            if (pending >= MAX_PENDING_DEPOSITS) revert ZkRollupQueueFull(pending);
        }
        uint256 kind;
        if (accountIndex == 0) {
            if (ax == 0 || ay == 0 || ax >= _P || ay >= _P) revert ZkRollupBadPublicKey(ax, ay);
            index = nextAccountIndex;
            if (index >= capacity) revert ZkRollupTreeFull(capacity);
            nextAccountIndex = index + 1;
            _accounts[index] = AccountInfo({owner: msg.sender, token: uint32(tokenId)});
            kind = _KIND_CREATE;
        } else {
            if (accountIndex >= nextAccountIndex) revert ZkRollupUnknownAccount(accountIndex);
            uint256 accountToken = _accounts[accountIndex].token;
            if (accountToken != tokenId)
                revert ZkRollupTokenMismatch(accountIndex, accountToken, tokenId);
            if (amount == 0) revert ZkRollupZeroDeposit();
            index = accountIndex;
            (ax, ay) = (0, 0);
        }
        _append(kind, index, tokenId, amount, ax, ay);
    }

    /// @dev Appends an entry to the priority queue and its hash chain (the circuit's DepositSlot
    ///      extends the chain the same way). The caller has checked the ranges the circuit
    ///      relies on: index < capacity, tokenId < 2^32, amount < 2^128, ax and ay below p.
    function _append(
        uint256 kind,
        uint256 index,
        uint256 tokenId,
        uint256 amount,
        uint256 ax,
        uint256 ay
    ) internal returns (uint256 number) {
        // An entry expires depositDeadline after it is queued, plus queueSpacing for each entry
        // still waiting ahead of it: a burst of entries (a flood of zero-amount account
        // creations, say) gives the operator queueSpacing per entry to catch up, so it cannot
        // force exodus, however full the queue; an entry with nothing waiting ahead gets exactly
        // depositDeadline, however busy the queue was before (entries already processed never
        // push a deadline back).
        uint256 expiresAt =
            block.timestamp + depositDeadline + queueSpacing * (depositCount - depositsProcessed);
        number = depositCount + 1;
        uint256 chain = _poseidon5.hash(
            [_depositChain[number - 1], index + (tokenId << 32) + (kind << 64), amount, ax, ay]
        );
        depositCount = number;
        _depositChain[number] = chain;
        _deposits[number] = QueuedDeposit({
            depositor: msg.sender,
            token: uint32(tokenId),
            // Safe: timestamps fit 64 bits for billions of years.
            queuedAt: uint64(block.timestamp),
            amount: uint128(amount),
            kind: uint8(kind),
            // Safe: timestamps, deadlines and spacings are far below 2^64 s in any deployment.
            expiresAt: uint64(expiresAt)
        });
        emit DepositQueued(number, index, kind, tokenId, amount, ax, ay, msg.sender, chain);
    }

    /// @inheritdoc IZkRollup
    function forceExit(uint256 accountIndex) external returns (uint256 entryNumber) {
        if (exodusMode) revert ZkRollupExodus();
        if (accountIndex == 0 || accountIndex >= nextAccountIndex)
            revert ZkRollupUnknownAccount(accountIndex);
        AccountInfo memory info = _accounts[accountIndex];
        if (info.owner != msg.sender) revert ZkRollupNotAccountOwner(accountIndex, msg.sender);
        uint256 waiting = pendingForcedExit[accountIndex];
        if (waiting != 0) revert ZkRollupExitPending(accountIndex, waiting);
        entryNumber = _append(_KIND_EXIT, accountIndex, info.token, 0, 0, 0);
        pendingForcedExit[accountIndex] = entryNumber;
        _exitAccount[entryNumber] = accountIndex;
        emit ForcedExitRequested(entryNumber, accountIndex, msg.sender);
    }

    // ------------------------------------------------------------------ batches

    /// @inheritdoc IZkRollup
    function submitBatch(
        uint256 shapeId,
        uint256 newRoot,
        uint256 depositsTaken,
        bytes calldata pubdata,
        uint256[8] calldata proof
    ) external {
        if (!isOperator[msg.sender]) revert ZkRollupNotOperator(msg.sender);
        // Data availability: state reconstruction reads pubdata from the calldata of the
        // transaction, so a batch must be that transaction's own call, sent by an account with
        // no code. A contract operator, an EIP-7702-delegated one (it has code), or a
        // constructor could hide the pubdata in an inner call no ordinary node serves.
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender != tx.origin || msg.sender.code.length != 0)
            revert ZkRollupSubmitterNotEoa(msg.sender);
        _requireCanonicalCalldata(pubdata);
        if (exodusMode) revert ZkRollupExodus();
        BatchShape memory batchShape = _shapes[shapeId];
        if (address(batchShape.verifier) == address(0)) revert ZkRollupUnknownShape(shapeId);
        _layout(batchShape, pubdata.length);
        uint256 processed = depositsProcessed;
        {
            uint256 available = depositCount - processed;
            if (depositsTaken > batchShape.depositSlots || depositsTaken > available) {
                revert ZkRollupTooManyDeposits(
                    depositsTaken,
                    available < batchShape.depositSlots ? available : batchShape.depositSlots
                );
            }
        }
        uint256 batchNumber = batchCount + 1;
        // INVARIANT: the proof's old root is the current root (it is part of the public input).
        if (
            !_proofIsValid(
                batchShape.verifier,
                _publicInput(newRoot, processed, depositsTaken, pubdata),
                proof
            )
        ) {
            revert ZkRollupInvalidProof(batchNumber);
        }

        uint256 oldRoot = stateRoot;
        stateRoot = newRoot;
        batchCount = batchNumber;
        depositsProcessed = processed + depositsTaken;
        emit BatchVerified(batchNumber, shapeId, oldRoot, newRoot, depositsTaken, msg.sender);
        _payOut(batchShape, batchNumber, processed, depositsTaken, pubdata);
    }

    /// @dev Data availability, second half: the calldata must be the canonical ABI encoding of
    ///      the call (pubdata right after the 12 head words and its length word, zero-padded to a
    ///      whole word, nothing after it), so that any decoder, strict or loose, reads the batch.
    ///      Solidity's own decoder accepts more (a missing padding, trailing bytes, another
    ///      offset), which the second independent attack on issue 20 used to make strict
    ///      decoders, and so state reconstruction, fail on a valid batch.
    function _requireCanonicalCalldata(bytes calldata pubdata) internal pure {
        uint256 length = pubdata.length;
        uint256 padded = (length + 31) & ~uint256(31);
        uint256 start;
        uint256 lastWord;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            start := pubdata.offset
            // The word that holds the last bytes and the padding (0 when length is 0).
            lastWord := calldataload(add(start, sub(padded, 32)))
        }
        if (start != 4 + 13 * 32 || msg.data.length != start + padded)
            revert ZkRollupNonCanonicalCalldata();
        if (padded != length && lastWord & ((1 << ((padded - length) * 8)) - 1) != 0)
            revert ZkRollupNonCanonicalCalldata();
    }

    /// @dev Offsets of the withdrawal records, the applied bits and the exit amounts; checks the
    ///      total length.
    function _layout(
        BatchShape memory batchShape,
        uint256 length
    ) internal view returns (uint256 withdrawalsAt, uint256 depositBitsAt, uint256 exitsAt) {
        uint256 ib = _indexBytes;
        withdrawalsAt = uint256(batchShape.txSlots) * (2 * ib + 6);
        depositBitsAt = withdrawalsAt + uint256(batchShape.withdrawSlots) * (ib + 6);
        exitsAt = depositBitsAt + (uint256(batchShape.depositSlots) + 7) / 8;
        uint256 expected =
            exitsAt +
                uint256(batchShape.depositSlots) * _EXIT_AMOUNT_BYTES +
                uint256(batchShape.feeSlots) * ib;
        if (length != expected) revert ZkRollupBadPubdataLength(expected, length);
    }

    /// @dev Poseidon(oldRoot, newRoot, chainBefore, chainAfter, domain, sha256(pubdata) >> 3).
    function _publicInput(
        uint256 newRoot,
        uint256 processed,
        uint256 depositsTaken,
        bytes calldata pubdata
    ) internal view returns (uint256) {
        return
            _poseidon6.hash(
                [
                    stateRoot,
                    newRoot,
                    _depositChain[processed],
                    _depositChain[processed + depositsTaken],
                    domain,
                    uint256(sha256(pubdata)) >> 3
                ]
            );
    }

    function _proofIsValid(
        IRollupVerifier verifier,
        uint256 input,
        uint256[8] calldata proof
    ) internal view returns (bool) {
        return
            verifier.verifyProof(
                [proof[0], proof[1]],
                [[proof[2], proof[3]], [proof[4], proof[5]]],
                [proof[6], proof[7]],
                [input]
            );
    }

    /// @dev Credits the batch's withdrawals and forced exits to the accounts' owners and refunds
    ///      unapplied deposits.
    function _payOut(
        BatchShape memory batchShape,
        uint256 batchNumber,
        uint256 processed,
        uint256 depositsTaken,
        bytes calldata pubdata
    ) internal {
        (uint256 withdrawalsAt, uint256 depositBitsAt, uint256 exitsAt) = _layout(
            batchShape,
            pubdata.length
        );
        uint256 ib = _indexBytes;
        for (uint256 w; w < batchShape.withdrawSlots; ++w) {
            uint256 at = withdrawalsAt + w * (ib + 6);
            uint256 from = _readUint(pubdata, at, ib);
            if (from == 0) continue;
            uint256 amount = FloatCodec.decodeAmount(_readUint(pubdata, at + ib, 5));
            AccountInfo memory info = _accounts[from];
            pendingWithdrawals[info.owner][info.token] += amount;
            emit WithdrawalCredited(batchNumber, from, info.owner, info.token, amount);
        }
        // The applied bits are one big-endian number of ceil(depositSlots / 8) bytes, deposit i
        // at bit i. Each bit is read from its own byte, so a shape of any size (more than 256
        // deposit slots is more than one word) reads the bits the proof committed to.
        uint256 lastBitByte = depositBitsAt + (uint256(batchShape.depositSlots) + 7) / 8 - 1;
        for (uint256 i; i < depositsTaken; ++i) {
            uint256 number = processed + 1 + i;
            if (_deposits[number].kind == _KIND_EXIT) {
                // The circuit proves the amount: the account's whole balance (0 if not applied).
                _creditExit(
                    batchNumber,
                    number,
                    _readUint(pubdata, exitsAt + i * _EXIT_AMOUNT_BYTES, _EXIT_AMOUNT_BYTES)
                );
                continue;
            }
            uint256 bits = _readUint(pubdata, lastBitByte - i / 8, 1);
            if ((bits >> (i % 8)) & 1 == 0) _refund(number);
        }
    }

    /// @dev Pays a processed forced exit to the owner who requested it.
    function _creditExit(uint256 batchNumber, uint256 number, uint256 amount) internal {
        QueuedDeposit memory request = _deposits[number];
        // The queue's hash chain binds the account index, so the proof's amount is its balance.
        uint256 accountIndex = _exitAccount[number];
        delete pendingForcedExit[accountIndex];
        pendingWithdrawals[request.depositor][request.token] += amount;
        emit ForcedExitCredited(
            batchNumber,
            number,
            accountIndex,
            request.depositor,
            request.token,
            amount
        );
    }

    function _refund(uint256 number) internal {
        QueuedDeposit memory d = _deposits[number];
        depositRefunded[number] = true;
        pendingWithdrawals[d.depositor][d.token] += d.amount;
        emit DepositRefunded(number, d.depositor, d.token, d.amount);
    }

    /// @dev Big-endian unsigned integer of `n` bytes at `at` in `data`. Every caller passes a
    ///      constant `n` from 1 to 32: for `n` > 32 the shift wraps and the result is 0.
    function _readUint(
        bytes calldata data,
        uint256 at,
        uint256 n
    ) internal pure returns (uint256 v) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            v := shr(sub(256, mul(n, 8)), calldataload(add(data.offset, at)))
        }
    }

    // ------------------------------------------------------------------ payouts

    /// @inheritdoc IZkRollup
    function withdraw(uint256 tokenId) external nonReentrant {
        uint256 amount = pendingWithdrawals[msg.sender][tokenId];
        if (amount == 0) revert ZkRollupNothingToWithdraw(msg.sender, tokenId);
        pendingWithdrawals[msg.sender][tokenId] = 0;
        emit Withdrawn(msg.sender, tokenId, amount);
        if (tokenId == 0) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = msg.sender.call{value: amount}("");
            if (!ok) revert ZkRollupEthTransferFailed(msg.sender, amount);
        } else {
            IERC20(_tokens[tokenId]).safeTransfer(msg.sender, amount);
        }
    }

    // ------------------------------------------------------------------ exodus

    /// @inheritdoc IZkRollup
    function activateExodus(uint256 entryNumber) external {
        if (exodusMode) revert ZkRollupExodus();
        // INVARIANT: never before an entry's expiry, and only with that entry (a deposit or a
        // forced exit) actually waiting. Any waiting entry counts, not only the oldest: expiries
        // are not in queue order (an entry queued behind a burst the operator has since
        // processed expires before the burst's last entry), and an operator that processes one
        // entry per queueSpacing meets every entry's own expiry, so none may shield another.
        if (entryNumber <= depositsProcessed || entryNumber > depositCount)
            revert ZkRollupDeadlineNotReached(type(uint256).max, block.timestamp);
        QueuedDeposit storage entry = _deposits[entryNumber];
        uint256 deadline = entry.expiresAt;
        if (block.timestamp <= deadline)
            revert ZkRollupDeadlineNotReached(deadline, block.timestamp);
        exodusMode = true;
        emit ExodusActivated(entryNumber, entry.queuedAt, stateRoot);
    }

    /// @inheritdoc IZkRollup
    function exodusWithdraw(
        uint256 accountIndex,
        uint256 nonce,
        uint256 balance,
        uint256 ax,
        uint256 ay,
        uint256[4][] calldata siblings
    ) external {
        if (!exodusMode) revert ZkRollupNotExodus();
        if (exited[accountIndex]) revert ZkRollupAlreadyExited(accountIndex);
        if (accountIndex == 0 || accountIndex >= nextAccountIndex)
            revert ZkRollupUnknownAccount(accountIndex);
        if (siblings.length != levels || balance > _MAX_BALANCE || nonce >= 1 << 40) {
            revert ZkRollupBadExodusProof(accountIndex);
        }
        AccountInfo memory info = _accounts[accountIndex];
        uint256 node = _poseidon4.hash([uint256(info.token) + (nonce << 32), balance, ax, ay]);
        uint256 index = accountIndex;
        for (uint256 h; h < siblings.length; ++h) {
            uint256[4] memory children = siblings[h];
            children[index & 3] = node;
            node = _poseidon4.hash(children);
            index >>= 2;
        }
        if (node != stateRoot) revert ZkRollupBadExodusProof(accountIndex);
        exited[accountIndex] = true;
        pendingWithdrawals[info.owner][info.token] += balance;
        emit ExodusWithdrawal(accountIndex, info.owner, info.token, balance);
    }

    /// @inheritdoc IZkRollup
    function refundDeposit(uint256 depositNumber) external {
        if (!exodusMode) revert ZkRollupNotExodus();
        if (
            depositNumber <= depositsProcessed ||
            depositNumber > depositCount ||
            depositRefunded[depositNumber] ||
            _deposits[depositNumber].kind == _KIND_EXIT
        ) {
            revert ZkRollupNotRefundable(depositNumber);
        }
        _refund(depositNumber);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IZkRollup
    function depositChain(uint256 depositNumber) external view returns (uint256) {
        return _depositChain[depositNumber];
    }

    /// @inheritdoc IZkRollup
    function queuedDeposit(uint256 depositNumber) external view returns (QueuedDeposit memory) {
        return _deposits[depositNumber];
    }

    /// @inheritdoc IZkRollup
    function accountInfo(uint256 accountIndex) external view returns (AccountInfo memory) {
        return _accounts[accountIndex];
    }

    /// @inheritdoc IZkRollup
    function shapeOf(uint256 shapeId) external view returns (BatchShape memory) {
        return _shapes[shapeId];
    }

    /// @inheritdoc IZkRollup
    function tokenAddress(uint256 tokenId) external view returns (address) {
        if (tokenId >= _tokens.length) revert ZkRollupUnknownToken(tokenId);
        return _tokens[tokenId];
    }

    /// @inheritdoc IZkRollup
    function tokenIdOf(address token) external view returns (uint256) {
        uint256 plusOne = _tokenIdPlusOne[token];
        if (plusOne == 0 && token != address(0)) revert ZkRollupNotAToken(token);
        return plusOne == 0 ? 0 : plusOne - 1;
    }

    /// @inheritdoc IZkRollup
    function tokenCount() external view returns (uint256) {
        return _tokens.length;
    }
}
