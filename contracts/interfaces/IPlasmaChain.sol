// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IPayouts} from "./IPayouts.sol";

/// @title IPlasmaChain
/// @notice The API of `PlasmaChain`, l2kit's Plasma root chain (Plasma MVP style: UTXOs, standard
///         exits with inclusion proofs and bonds, challenges of spent outputs, a per-token exit
///         priority queue): its functions, structs, errors and events. Protocol, parameters and
///         trust assumptions: docs/plasma.md.
/// @dev Pull payments (`owed`, `withdraw`) come from `IPayouts`; the EIP-712 domain transactions
///      are signed under (`eip712Domain`) from OpenZeppelin's `IERC5267`.
interface IPlasmaChain is IPayouts, IERC5267 {
    /// @notice A transaction output: `amount` of `token` (address(0): ETH) owned by `owner`.
    /// @param owner Who may spend or exit it.
    /// @param token The asset (address(0): ETH).
    /// @param amount The amount, below 2^96.
    struct Output {
        address owner;
        address token;
        uint256 amount;
    }

    /// @notice A child-chain transaction: up to 2 inputs (output positions
    ///         blockNumber·10^9 + txIndex·10^4 + outputIndex) and up to 2 outputs. Each input is
    ///         signed by its owner over `txHash` (EIP-712, bound to the chain and this contract).
    /// @param inputs The positions of the outputs it spends (none in a deposit).
    /// @param outputs The outputs it creates.
    struct Transaction {
        uint256[] inputs;
        Output[] outputs;
    }

    /// @notice Only the operator submits blocks.
    error PlasmaNotOperator(address caller);
    /// @notice Child blocks are numbered 1000, 2000, ... and submitted in that order.
    error PlasmaBlockOutOfOrder(uint256 given, uint256 expected);
    /// @notice A block root may not be zero.
    error PlasmaEmptyRoot();
    /// @notice The operator retired: no more blocks.
    error PlasmaRetired();
    /// @notice 999 deposit blocks already follow the last child block; the next child block
    ///         makes room.
    error PlasmaDepositBlocksExhausted(uint256 nextChildBlock);
    /// @notice Amounts are limited to 2^96 - 1 (an exit packs its amount with its token).
    error PlasmaAmountTooLarge(uint256 amount);
    /// @notice A deposit of nothing.
    error PlasmaZeroDeposit();
    /// @notice The exit bond is exactly `required`.
    error PlasmaBadBond(uint256 sent, uint256 required);
    /// @notice No block at this number.
    error PlasmaUnknownBlock(uint256 blockNumber);
    /// @notice The transaction has no output at this index, or too many inputs or outputs.
    error PlasmaBadTransaction(uint256 inputs, uint256 outputs);
    /// @notice The position's output index is past the transaction's outputs.
    error PlasmaNoSuchOutput(uint256 utxoPos);
    /// @notice Only an output's owner may exit it.
    error PlasmaNotOwner(address owner, address caller);
    /// @notice The transaction is not in the block at this position.
    error PlasmaNotIncluded(uint256 utxoPos);
    /// @notice This output has an exit already (`status`: 1 queued, 2 challenged, 3 paid).
    error PlasmaExitExists(uint256 utxoPos, uint256 status);
    /// @notice No queued exit of this output.
    error PlasmaNoExit(uint256 utxoPos);
    /// @notice The challenging transaction does not spend the exiting output at `inputIndex`.
    error PlasmaNotASpend(uint256 utxoPos, uint256 inputIndex);
    /// @notice The spend is not signed by the exiting output's owner.
    error PlasmaBadSignature(address owner);
    /// @notice The operator's bond is released only after the retirement delay.
    error PlasmaBondLocked(uint256 releasedAt);
    /// @notice The operator's bond was paid back already.
    error PlasmaBondReleased();

    /// @notice The operator committed a child block.
    /// @param blockNumber The block's number, a multiple of 1000.
    /// @param root The root of its transaction tree.
    /// @param timestamp When it was committed.
    event BlockSubmitted(uint256 indexed blockNumber, bytes32 root, uint256 timestamp);

    /// @notice A deposit made block `blockNumber`: one transaction whose only output is
    ///         (`owner`, `token`, `amount`), at position blockNumber·10^9.
    /// @param blockNumber The deposit block's number (between two child blocks).
    /// @param owner The depositor, owner of the output.
    /// @param token The asset deposited (address(0): ETH).
    /// @param amount What arrived (less than asked for a fee-taking token).
    event Deposited(
        uint256 indexed blockNumber,
        address indexed owner,
        address indexed token,
        uint256 amount
    );

    /// @notice An exit of output `utxoPos` was queued; it pays after `exitableAt`.
    /// @param utxoPos The output's position.
    /// @param owner The output's owner, who started the exit and is paid.
    /// @param token The output's asset.
    /// @param amount The output's amount.
    /// @param exitableAt When it may be paid.
    event ExitStarted(
        uint256 indexed utxoPos,
        address indexed owner,
        address indexed token,
        uint256 amount,
        uint256 exitableAt
    );

    /// @notice An exit was shown to spend an already spent output; its bond went to `challenger`.
    /// @param utxoPos The exiting output's position.
    /// @param challenger Who showed the spend, paid the exit's bond.
    event ExitChallenged(uint256 indexed utxoPos, address indexed challenger);

    /// @notice An exit was paid (amount and bond).
    /// @param utxoPos The output's position.
    /// @param owner Who was paid.
    /// @param amount The output's amount (the bond, in ETH, comes on top).
    event ExitProcessed(uint256 indexed utxoPos, address indexed owner, uint256 amount);

    /// @notice The operator stopped submitting blocks; its bond is released at `releasedAt`.
    /// @param releasedAt When `releaseOperatorBond` may pay the bond back (retirement + 2·MEP).
    event OperatorRetired(uint256 releasedAt);

    // ---- parameters and state ----

    /// @notice Child blocks are numbered in multiples of this; deposit blocks fill the numbers in
    ///         between.
    /// @return interval 1000.
    function CHILD_BLOCK_INTERVAL() external view returns (uint256 interval);

    /// @notice The depth of a child block's transaction tree.
    /// @return depth 16: a block holds up to 65,536 transactions.
    function TREE_DEPTH() external view returns (uint256 depth);

    /// @notice Who submits child blocks.
    /// @return account The operator.
    function operator() external view returns (address account);

    /// @notice The minimum exit period (MEP).
    /// @return period Seconds.
    function minExitPeriod() external view returns (uint256 period);

    /// @notice The bond an exit posts (ETH); a successful challenger takes it.
    /// @return bond Wei.
    function exitBond() external view returns (uint256 bond);

    /// @notice The operator's bond, locked while it may submit blocks and for 2·MEP after.
    /// @return bond Wei, sent with the deployment.
    function operatorBond() external view returns (uint256 bond);

    /// @notice The number the next child block must have.
    /// @return blockNumber A multiple of 1000.
    function nextChildBlock() external view returns (uint256 blockNumber);

    /// @notice The number the next deposit block gets.
    /// @return blockNumber The last child block's number + the deposits since + 1.
    function nextDepositBlock() external view returns (uint256 blockNumber);

    /// @notice When the operator retired.
    /// @return timestamp 0 while it is active.
    function retiredAt() external view returns (uint256 timestamp);

    /// @notice Whether the operator's bond was paid back.
    /// @return released True once paid.
    function bondReleased() external view returns (bool released);

    /// @notice Block `blockNumber`'s root, when it was committed, and whether it is a deposit block.
    /// @param blockNumber The block's number.
    /// @return root Its transaction tree's root (a deposit block: its one transaction's hash);
    ///         0 for no block.
    /// @return timestamp When it was committed.
    /// @return isDeposit True for a deposit block.
    function blockAt(
        uint256 blockNumber
    ) external view returns (bytes32 root, uint256 timestamp, bool isDeposit);

    /// @notice The exit of output `utxoPos`.
    /// @param utxoPos The output's position.
    /// @return owner Who started the exit.
    /// @return token The output's asset.
    /// @return amount The output's amount.
    /// @return exitableAt When it may be paid.
    /// @return status 0: none, 1 queued, 2 challenged, 3 paid.
    function exitOf(
        uint256 utxoPos
    )
        external
        view
        returns (address owner, address token, uint256 amount, uint256 exitableAt, uint256 status);

    /// @notice The exit queue of `token`.
    /// @param token The asset (address(0): ETH).
    /// @return length How many exits are queued (paid and challenged ones leave as processed).
    /// @return first The first one's priority, exitableAt << 128 | utxoPos (0 when empty).
    function queueOf(address token) external view returns (uint256 length, uint256 first);

    /// @notice The EIP-712 hash of `transaction`: its leaf in a block, and what input owners sign.
    /// @param transaction The transaction.
    /// @return hash Its EIP-712 digest under this contract's domain.
    function txHash(Transaction calldata transaction) external view returns (bytes32 hash);

    // ---- the operator ----

    /// @notice Commits child block `blockNumber` (the next multiple of 1000) with `root`.
    ///         Operator only, until it retires.
    /// @param blockNumber The block's number: `nextChildBlock()`.
    /// @param root The root of its transaction tree (not zero).
    function submitBlock(uint256 blockNumber, bytes32 root) external;

    /// @notice Stops block submission for good; the operator's bond is released 2·MEP later,
    ///         once every exit that can still be started has had its period. Operator only.
    function retire() external;

    /// @notice After retirement and 2·MEP: pays the operator's bond to the operator (anyone may
    ///         call it).
    function releaseOperatorBond() external;

    // ---- users ----

    /// @notice Deposits `amount` of `token` (address(0): ETH, sent as value) into a new deposit
    ///         block whose one transaction gives the caller one output (what arrived, for a
    ///         fee-taking token). The output sits at position blockNumber·10^9.
    /// @param token The asset (address(0): ETH; an ERC-20 must be approved first).
    /// @param amount The amount; for ETH, exactly the value sent.
    function deposit(address token, uint256 amount) external payable;

    /// @notice Starts the standard exit of output `utxoPos`, created by `transaction` (proven in
    ///         its block by `proof`: 16 siblings, or none for a deposit block). The caller must
    ///         own the output and post `exitBond`. It pays after max(block time + 2·MEP,
    ///         now + MEP), in (exitable-at, position) order per token.
    /// @param utxoPos The output's position, blockNumber·10^9 + txIndex·10^4 + outputIndex.
    /// @param transaction The transaction that created the output.
    /// @param proof The transaction's inclusion proof in its block (siblings bottom-up).
    function startExit(
        uint256 utxoPos,
        Transaction calldata transaction,
        bytes32[] calldata proof
    ) external payable;

    /// @notice Cancels the queued exit of `utxoPos` by showing `spend`, a transaction whose input
    ///         `inputIndex` is that output, signed by the output's owner (`signature` over
    ///         `txHash(spend)`); the exit's bond goes to the caller. The spend need not be in a
    ///         block: its owner's signature proves the output was spent.
    /// @param utxoPos The exiting output's position.
    /// @param spend A transaction spending it.
    /// @param inputIndex The index of `utxoPos` among `spend`'s inputs.
    /// @param signature The exiting output's owner's signature of `txHash(spend)`.
    function challengeExit(
        uint256 utxoPos,
        Transaction calldata spend,
        uint256 inputIndex,
        bytes calldata signature
    ) external;

    /// @notice Pays up to `max` exits of `token` whose exit period is over, in priority order
    ///         (challenged ones are dropped from the queue, and count towards `max`). Call again
    ///         while the queue holds exits that are due.
    /// @param token The asset whose queue to process (address(0): ETH).
    /// @param max The most exits to take off the queue.
    /// @return done How many left the queue.
    function processExits(address token, uint256 max) external returns (uint256 done);
}
