// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IPlasmaChain} from "../interfaces/IPlasmaChain.sol";
import {ExitQueue} from "../libraries/ExitQueue.sol";
import {Payouts} from "../libraries/Payouts.sol";
import {SparseMerkle} from "../libraries/SparseMerkle.sol";

/// @title PlasmaChain
/// @notice l2kit's Plasma root chain. A bonded operator commits the roots of child blocks
///         (numbered 1000, 2000, ...); each deposit of ETH or an ERC-20 makes a deposit block
///         numbered in between. Users transact off-chain with UTXO transactions and leave with a
///         standard exit of an output they own: its inclusion proof and a bond queue it by
///         (exitable-at, output position); anyone who shows a spend of that output signed by its
///         owner takes the bond and cancels the exit; after the exit period `processExits` pays
///         the queue in priority order, a bounded number per call.
/// @dev Blocks are depth-16 keccak sparse Merkle trees of transaction hashes (`SparseMerkle`,
///      the same as `operator/lib/sparse-merkle.ts`); a deposit block's root is its single
///      transaction's hash. An exit is two storage slots; its status only moves forward
///      (queued → challenged or paid), so an output is exited at most once.
contract PlasmaChain is IPlasmaChain, EIP712, Payouts {
    using ExitQueue for ExitQueue.Heap;

    /// @inheritdoc IPlasmaChain
    uint256 public constant CHILD_BLOCK_INTERVAL = 1000;
    /// @inheritdoc IPlasmaChain
    uint256 public constant TREE_DEPTH = 16;
    uint256 private constant _BLOCK_OFFSET = 1e9;
    uint256 private constant _TX_OFFSET = 1e4;
    uint256 private constant _MAX_AMOUNT = type(uint96).max;

    uint8 private constant _QUEUED = 1;
    uint8 private constant _CHALLENGED = 2;
    uint8 private constant _PAID = 3;

    // solhint-disable gas-small-strings
    bytes32 private constant _OUTPUT_TYPEHASH = keccak256(
        "Output(address owner,address token,uint256 amount)"
    );
    bytes32 private constant _TRANSACTION_TYPEHASH = keccak256(
        "Transaction(uint256[] inputs,Output[] outputs)Output(address owner,address token,uint256 amount)"
    );
    // solhint-enable gas-small-strings

    struct BlockInfo {
        bytes32 root;
        uint64 timestamp;
        bool deposit;
    }

    struct Exit {
        address owner;
        uint64 exitableAt;
        uint8 status;
        address token;
        uint96 amount;
    }

    /// @inheritdoc IPlasmaChain
    address public immutable operator;
    /// @inheritdoc IPlasmaChain
    uint256 public immutable minExitPeriod;
    /// @inheritdoc IPlasmaChain
    uint256 public immutable exitBond;
    /// @inheritdoc IPlasmaChain
    uint256 public immutable operatorBond;

    /// @dev The chain's counters, in one slot: the number the next child block must have, the
    ///      number the next deposit block gets, when the operator retired (0: active), and
    ///      whether its bond was paid back.
    struct Counters {
        uint64 nextChildBlock;
        uint64 nextDepositBlock;
        uint64 retiredAt;
        bool bondReleased;
    }

    Counters private _counters = Counters(uint64(CHILD_BLOCK_INTERVAL), 1, 0, false);

    mapping(uint256 blockNumber => BlockInfo) private _blocks;
    mapping(uint256 utxoPos => Exit) private _exits;
    mapping(address token => ExitQueue.Heap) private _queues;

    /// @notice Deploys the root chain; the value sent is the operator's bond.
    /// @param operator_ Who submits child blocks.
    /// @param minExitPeriod_ The minimum exit period (MEP), seconds.
    /// @param exitBond_ The bond an exit posts, wei.
    constructor(
        address operator_,
        uint256 minExitPeriod_,
        uint256 exitBond_
    ) payable EIP712("l2kit plasma", "1") {
        operator = operator_;
        minExitPeriod = minExitPeriod_;
        exitBond = exitBond_;
        operatorBond = msg.value;
    }

    // ---- views ----

    /// @inheritdoc IPlasmaChain
    function nextChildBlock() external view returns (uint256) {
        return _counters.nextChildBlock;
    }

    /// @inheritdoc IPlasmaChain
    function nextDepositBlock() external view returns (uint256) {
        return _counters.nextDepositBlock;
    }

    /// @inheritdoc IPlasmaChain
    function retiredAt() external view returns (uint256) {
        return _counters.retiredAt;
    }

    /// @inheritdoc IPlasmaChain
    function bondReleased() external view returns (bool) {
        return _counters.bondReleased;
    }

    /// @inheritdoc IPlasmaChain
    function blockAt(
        uint256 blockNumber
    ) external view returns (bytes32 root, uint256 timestamp, bool deposit) {
        BlockInfo memory b = _blocks[blockNumber];
        return (b.root, b.timestamp, b.deposit);
    }

    /// @inheritdoc IPlasmaChain
    function exitOf(
        uint256 utxoPos
    )
        external
        view
        returns (address owner, address token, uint256 amount, uint256 exitableAt, uint256 status)
    {
        Exit memory e = _exits[utxoPos];
        return (e.owner, e.token, e.amount, e.exitableAt, e.status);
    }

    /// @inheritdoc IPlasmaChain
    function queueOf(address token) external view returns (uint256 length, uint256 first) {
        ExitQueue.Heap storage q = _queues[token];
        length = q.size();
        first = length == 0 ? 0 : q.top();
    }

    /// @inheritdoc IPlasmaChain
    function txHash(Transaction calldata transaction) public view returns (bytes32) {
        uint256 n = transaction.outputs.length;
        bytes32[] memory outputs = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            Output calldata o = transaction.outputs[i];
            outputs[i] = keccak256(abi.encode(_OUTPUT_TYPEHASH, o.owner, o.token, o.amount));
        }
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        _TRANSACTION_TYPEHASH,
                        keccak256(abi.encodePacked(transaction.inputs)),
                        keccak256(abi.encodePacked(outputs))
                    )
                )
            );
    }

    // ---- the operator ----

    /// @inheritdoc IPlasmaChain
    function submitBlock(uint256 blockNumber, bytes32 root) external {
        if (msg.sender != operator) revert PlasmaNotOperator(msg.sender);
        Counters memory c = _counters;
        if (c.retiredAt != 0) revert PlasmaRetired();
        uint256 expected = c.nextChildBlock;
        if (blockNumber != expected) revert PlasmaBlockOutOfOrder(blockNumber, expected);
        if (root == bytes32(0)) revert PlasmaEmptyRoot();
        _blocks[blockNumber] = BlockInfo(root, uint64(block.timestamp), false);
        c.nextChildBlock = uint64(expected + CHILD_BLOCK_INTERVAL);
        c.nextDepositBlock = uint64(expected + 1);
        _counters = c;
        emit BlockSubmitted(blockNumber, root, block.timestamp);
    }

    /// @inheritdoc IPlasmaChain
    function retire() external {
        if (msg.sender != operator) revert PlasmaNotOperator(msg.sender);
        if (_counters.retiredAt != 0) revert PlasmaRetired();
        _counters.retiredAt = uint64(block.timestamp);
        emit OperatorRetired(block.timestamp + 2 * minExitPeriod);
    }

    /// @inheritdoc IPlasmaChain
    function releaseOperatorBond() external nonReentrant {
        Counters memory c = _counters;
        if (c.bondReleased) revert PlasmaBondReleased();
        uint256 releasedAt = c.retiredAt == 0 ? type(uint256).max : c.retiredAt + 2 * minExitPeriod;
        if (block.timestamp < releasedAt) revert PlasmaBondLocked(releasedAt);
        _counters.bondReleased = true;
        _push(bytes32(0), address(0), operator, operatorBond);
    }

    // ---- internals ----

    /// @dev The output at `utxoPos` of `transaction`, once the transaction is shown to be in its
    ///      block, and the block's time.
    function _provenOutput(
        uint256 utxoPos,
        Transaction calldata transaction,
        bytes32[] calldata proof
    ) private view returns (Output calldata o, uint256 blockTime) {
        uint256 blockNumber = utxoPos / _BLOCK_OFFSET;
        uint256 txIndex = (utxoPos % _BLOCK_OFFSET) / _TX_OFFSET;
        BlockInfo memory b = _blocks[blockNumber];
        if (b.root == bytes32(0)) revert PlasmaUnknownBlock(blockNumber);
        uint256 inputs = transaction.inputs.length;
        uint256 outputs = transaction.outputs.length;
        if (inputs > 2 || outputs == 0 || outputs > 2) revert PlasmaBadTransaction(inputs, outputs);
        if (utxoPos % _TX_OFFSET >= outputs) revert PlasmaNoSuchOutput(utxoPos);
        o = transaction.outputs[utxoPos % _TX_OFFSET];
        if (o.amount > _MAX_AMOUNT) revert PlasmaAmountTooLarge(o.amount);
        bytes32 leaf = txHash(transaction);
        bool included =
            b.deposit
                ? txIndex == 0 && proof.length == 0 && leaf == b.root
                : proof.length == TREE_DEPTH && SparseMerkle.verify(b.root, leaf, txIndex, proof);
        if (!included) revert PlasmaNotIncluded(utxoPos);
        blockTime = b.timestamp;
    }

    // ---- users ----

    /// @inheritdoc IPlasmaChain
    function deposit(address token, uint256 amount) external payable nonReentrant {
        if (amount == 0) revert PlasmaZeroDeposit();
        Counters memory c = _counters;
        uint256 blockNumber = c.nextDepositBlock;
        if (blockNumber % CHILD_BLOCK_INTERVAL == 0) {
            revert PlasmaDepositBlocksExhausted(c.nextChildBlock);
        }
        uint256 credited = _receive(token, amount);
        if (credited > _MAX_AMOUNT) revert PlasmaAmountTooLarge(credited);
        Output[] memory outputs = new Output[](1);
        outputs[0] = Output(msg.sender, token, credited);
        bytes32 outputHash = keccak256(abi.encode(_OUTPUT_TYPEHASH, msg.sender, token, credited));
        bytes32 root = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    _TRANSACTION_TYPEHASH,
                    keccak256(""),
                    keccak256(abi.encodePacked(outputHash))
                )
            )
        );
        _blocks[blockNumber] = BlockInfo(root, uint64(block.timestamp), true);
        _counters.nextDepositBlock = uint64(blockNumber + 1);
        emit Deposited(blockNumber, msg.sender, token, credited);
    }

    /// @inheritdoc IPlasmaChain
    function startExit(
        uint256 utxoPos,
        Transaction calldata transaction,
        bytes32[] calldata proof
    ) external payable nonReentrant {
        if (msg.value != exitBond) revert PlasmaBadBond(msg.value, exitBond);
        uint8 status = _exits[utxoPos].status;
        if (status != 0) revert PlasmaExitExists(utxoPos, status);
        (Output calldata o, uint256 blockTime) = _provenOutput(utxoPos, transaction, proof);
        if (o.owner != msg.sender) revert PlasmaNotOwner(o.owner, msg.sender);
        uint256 exitableAt = blockTime + 2 * minExitPeriod;
        uint256 soonest = block.timestamp + minExitPeriod;
        if (soonest > exitableAt) exitableAt = soonest;
        _exits[utxoPos] = Exit(msg.sender, uint64(exitableAt), _QUEUED, o.token, uint96(o.amount));
        _queues[o.token].insert((exitableAt << 128) | utxoPos);
        emit ExitStarted(utxoPos, msg.sender, o.token, o.amount, exitableAt);
    }

    /// @inheritdoc IPlasmaChain
    function challengeExit(
        uint256 utxoPos,
        Transaction calldata spend,
        uint256 inputIndex,
        bytes calldata signature
    ) external nonReentrant {
        Exit storage e = _exits[utxoPos];
        if (e.status != _QUEUED) revert PlasmaNoExit(utxoPos);
        if (inputIndex >= spend.inputs.length || spend.inputs[inputIndex] != utxoPos) {
            revert PlasmaNotASpend(utxoPos, inputIndex);
        }
        address owner = e.owner;
        (address signer, , ) = ECDSA.tryRecover(txHash(spend), signature);
        if (signer != owner) revert PlasmaBadSignature(owner);
        e.status = _CHALLENGED;
        emit ExitChallenged(utxoPos, msg.sender);
        _push(bytes32(utxoPos), address(0), msg.sender, exitBond);
    }

    /// @inheritdoc IPlasmaChain
    function processExits(address token, uint256 max) external nonReentrant returns (uint256 done) {
        ExitQueue.Heap storage q = _queues[token];
        while (done < max && q.size() != 0) {
            uint256 priority = q.top();
            if ((priority >> 128) > block.timestamp) break;
            q.pop();
            ++done;
            uint256 utxoPos = priority & type(uint128).max;
            Exit storage e = _exits[utxoPos];
            if (e.status != _QUEUED) continue;
            e.status = _PAID;
            address owner = e.owner;
            uint256 amount = e.amount;
            emit ExitProcessed(utxoPos, owner, amount);
            if (token == address(0)) {
                _push(bytes32(utxoPos), address(0), owner, amount + exitBond);
            } else {
                _push(bytes32(utxoPos), token, owner, amount);
                _push(bytes32(utxoPos), address(0), owner, exitBond);
            }
        }
    }
}
