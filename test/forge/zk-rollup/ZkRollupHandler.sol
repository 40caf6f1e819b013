// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

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

/// @title ModelVerifier
/// @notice Stand-in for the batch circuit's Groth16 verifier that accepts exactly what the
///         handler's reference model allows: a proof "exists" for a public input only when the
///         handler registered it, which it does for the batches its model built. Any batch the
///         model did not produce (any field changed) has another public input and is refused.
contract ModelVerifier is IRollupVerifier {
    address public immutable controller;
    mapping(uint256 input => bool) public allowed;

    constructor() {
        controller = msg.sender;
    }

    /// @notice Registers (or withdraws) a public input a proof exists for. Controller only.
    function setAllowed(uint256 input, bool on) external {
        require(msg.sender == controller, "ModelVerifier: not the controller");
        allowed[input] = on;
    }

    /// @inheritdoc IRollupVerifier
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[1] calldata publicInputs
    ) external view returns (bool) {
        return allowed[publicInputs[0]];
    }
}

/// @title ActorWallet
/// @notice A contract account among the rollup's users: it owns accounts, deposits, asks for
///         forced exits and withdraws like the EOAs, and on receiving ETH it accepts, refuses
///         (reverts) or tries to re-enter the rollup's `withdraw`, as its controller sets.
contract ActorWallet {
    enum Mode {
        Accept,
        Refuse,
        Reenter
    }

    address public immutable controller;
    IZkRollup public immutable rollup;
    Mode public mode;
    uint256 public reentriesSucceeded;

    constructor(IZkRollup rollup_) {
        controller = msg.sender;
        rollup = rollup_;
    }

    /// @notice Sets how the wallet receives ETH. Controller (the handler) only.
    function setMode(Mode newMode) external {
        require(msg.sender == controller, "ActorWallet: not the controller");
        mode = newMode;
    }

    receive() external payable {
        if (mode == Mode.Refuse) revert("ActorWallet: refuses ETH");
        if (mode == Mode.Reenter) {
            try rollup.withdraw(0) {
                ++reentriesSucceeded;
            } catch {}
        }
    }
}

/// @title ZkRollupHandler
/// @notice Drives a ZkRollup (4-ary tree of 2 levels: indices 1..15; ETH only; one batch shape
///         T=1, W=1, D=3, F=1) with honest and hostile actors, and keeps a reference model of
///         what the rollup must hold.
/// @dev    The model:
///         - L1 mirror: every priority-queue entry (kind, account, amount, depositor, key, time)
///           and its hash chain, computed here with the deployed PoseidonT6 and compared with the
///           contract's; each account's L1 owner; the waiting forced exit per account.
///         - L2 state of the last verified batch: per account (in the tree or not) its nonce,
///           balance and key; its leaf Poseidon4(token + nonce·2^32, balance, ax, ay) and the
///           4-ary root (node = Poseidon4(children)), with the deployed PoseidonT5, so the root
///           is the contract's stateRoot and exodus proofs are real Merkle proofs.
///         - Batches: the honest operator's batch takes the next queue entries and applies them
///           exactly as the circuit's DepositSlot does (create iff the index is empty; credit iff
///           the account exists and balance + amount < 2^128, else refunded; forced exit pays the
///           whole balance, published as the entry's exit amount, and zeroes it), then one
///           transfer and one withdrawal between/from existing accounts (amounts exactly
///           representable as float40, nonce + 1, fee 0). Its public input is computed as the
///           contract does and registered with the ModelVerifier before submission.
///         Actors: three EOAs and one contract wallet (accepting, refusing or re-entering) deposit
///         (create and credit, 0 to 2^128 - 1), force exits of their accounts and of others',
///         repeat requests, refund any deposit number, withdraw, call activateExodus and
///         exodusWithdraw with honest and forged proofs; time passes; the honest operator submits
///         model batches; a hostile (registered) operator submits tampered versions of them and
///         replays, or sends the honest batch from an inner call; a non-operator submits the
///         honest batch; someone force-feeds the rollup ETH.
///         A call that reverts is only counted (fail_on_revert = false), so every call wraps the
///         rollup in try/catch and writes what it saw against the model into the `*Violation`
///         strings and ghost counters the invariants check.
contract ZkRollupHandler is Base {
    // ---------------------------------------------------------------- the deployment under test
    uint256 internal constant P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant MAX_BALANCE = type(uint128).max;
    uint256 internal constant MAX_MANTISSA = (uint256(1) << 35) - 1;
    uint256 public constant LEVELS = 2;
    uint256 public constant CAPACITY = 16;
    uint256 public constant DEPOSIT_SLOTS = 3;
    uint256 public constant DEADLINE = 1 days;
    /// @notice queueSpacing: an entry expires no sooner than this after the entry before it.
    ///         An hour (the deployment default is a minute) so that the campaign's time warps
    ///         land between an entry's depositDeadline and its spacing-delayed expiry.
    uint256 public constant SPACING = 1 hours;
    uint256 internal constant SHAPE = 0;
    uint256 internal constant KIND_CREDIT = 0;
    uint256 internal constant KIND_CREATE = 1;
    uint256 internal constant KIND_EXIT = 2;

    // Pubdata of shape (T=1, W=1, D=3, F=1) at levels 2 (index bytes = 1), as
    // operator/zk/protocol.ts pubdataLayout: a transfer (from, to, float40 amount, float8 fee),
    // a withdrawal (from, amount, fee), one byte of applied bits (bit i = queue entry i of the
    // batch), 3 exit amounts of 16 bytes, one fee account index.
    uint256 internal constant TRANSFER_AT = 0;
    uint256 internal constant WITHDRAW_AT = 8;
    uint256 internal constant BITS_AT = 15;
    uint256 internal constant EXITS_AT = 16;
    uint256 internal constant FEES_AT = EXITS_AT + 16 * DEPOSIT_SLOTS;
    uint256 internal constant PUBDATA_BYTES = FEES_AT + 1;

    address public constant OPERATOR = address(0x0E7A70);
    address public constant HOSTILE_OPERATOR = address(0xBAD0E7);

    ZkRollup public immutable rollup;
    ModelVerifier public immutable verifier;
    ActorWallet public immutable wallet;
    IPoseidon4 internal immutable _p4;
    IPoseidon5 internal immutable _p5;
    IPoseidon6 internal immutable _p6;
    uint256 internal immutable _domain;

    address[] internal _actors;

    // ---------------------------------------------------------------- model: L1 queue
    /// @notice A priority-queue entry as the model saw it queued.
    struct Entry {
        uint8 kind;
        uint8 index;
        uint64 queuedAt;
        uint128 amount;
        address depositor;
        uint256 ax;
        uint256 ay;
        /// When exodus may start (strictly after) by the contract's rule:
        /// max(queuedAt + depositDeadline, the previous entry's expiresAt + queueSpacing).
        uint64 expiresAt;
        /// Entries waiting (queued, unprocessed) ahead of it when it was queued.
        uint32 ahead;
    }

    mapping(uint256 number => Entry) internal _entries;
    /// @dev The model's queue hash chain after each entry (0 before the first).
    mapping(uint256 number => uint256) internal _chain;
    uint256 public entryCount;
    uint256 public processed;
    /// @notice Accounts created on L1 (the contract's nextAccountIndex - 1).
    uint256 public l1Accounts;
    mapping(uint256 accountIndex => address) public ownerOf;
    /// @notice The waiting forced exit per account (its entry number), 0 if none.
    mapping(uint256 accountIndex => uint256) public pendingExit;
    bool public exodus;

    // ---------------------------------------------------------------- model: verified L2 state
    /// @notice An account in the model's last verified state.
    struct Account {
        bool inTree;
        bool exited;
        uint128 balance;
        uint64 nonce;
        uint256 ax;
        uint256 ay;
    }

    Account[16] internal _accounts;
    uint256[16] internal _leaves;
    uint256[4] internal _nodes;
    uint256 public modelRoot;

    // ---------------------------------------------------------------- ghosts
    mapping(uint256 number => uint256) public ghostApplied;
    mapping(uint256 number => uint256) public ghostRefunded;
    mapping(uint256 accountIndex => uint256) public ghostExodusPayments;
    mapping(uint256 accountIndex => uint256) public ghostExodusPaid;
    uint256 public ghostIn;
    uint256 public ghostOut;
    /// @notice ETH force-fed to the rollup: held, owed to nobody.
    uint256 public ghostForced;
    uint256 public ghostExodusBlocked;
    uint256 public ghostHostileAccepted;
    uint256 public ghostForgedExodusAccepted;
    // What the campaign did (for reading a run's coverage).
    uint256 public ghostHonestBatches;
    uint256 public ghostHostileRefused;
    uint256 public ghostExitsProcessed;
    uint256 public ghostExodusActivated;
    uint256 public ghostExodusExits;
    uint256 public ghostOverflowRefunds;

    /// @notice The first violation each property's checks observed ("" while none).
    string public solvencyViolation;
    string public depositViolation;
    string public exodusViolation;
    string public activationViolation;
    string public exitViolation;
    string public batchViolation;

    // The last batch the rollup accepted, for replays.
    uint256 internal _lastNewRoot;
    uint256 internal _lastTaken;
    bytes internal _lastPubdata;
    bool internal _lastChangedState;

    uint256[8] internal _noProof;
    bytes32 internal constant _EMPTY_PUBDATA = keccak256(new bytes(PUBDATA_BYTES));

    constructor() {
        _p4 = IPoseidon4(address(new PoseidonT5()));
        _p5 = IPoseidon5(address(new PoseidonT6()));
        _p6 = IPoseidon6(address(new PoseidonT7()));
        rollup = new ZkRollup(address(this), LEVELS, DEADLINE, SPACING, _p4, _p5, _p6);
        _domain = rollup.domain();
        verifier = new ModelVerifier();
        rollup.registerShape(
            SHAPE,
            IZkRollup.BatchShape({
                txSlots: 1,
                withdrawSlots: 1,
                depositSlots: uint16(DEPOSIT_SLOTS),
                feeSlots: 1,
                verifier: verifier
            })
        );
        rollup.setOperator(OPERATOR, true);
        // A registered operator can still be hostile: only the proof protects the rollup.
        rollup.setOperator(HOSTILE_OPERATOR, true);
        wallet = new ActorWallet(rollup);

        _actors.push(address(0xA11CE));
        _actors.push(address(0xB0B));
        _actors.push(address(0xCA401));
        _actors.push(address(wallet));
        vm.label(address(rollup), "ZkRollup");
        vm.label(address(wallet), "ActorWallet");

        (_nodes, modelRoot) = _rootOf(_leaves);
        require(modelRoot == rollup.stateRoot(), "model: empty root differs from the contract's");
    }

    // ================================================================ actions: deposits

    /// @notice An actor creates an account with a deposit of 0 to 2^128 - 1 wei, sometimes with
    ///         an invalid key; the contract must refuse exactly when the model says (exodus, bad
    ///         key, tree full).
    function depositCreate(uint256 actorSeed, uint256 amountSeed, uint256 keySeed) external {
        address actor = _actor(actorSeed);
        uint256 amount = _depositAmount(amountSeed);
        (uint256 ax, uint256 ay) = _key(keySeed);
        bytes memory expected;
        if (exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupExodus.selector);
        else if (_queueFull()) expected = _queueFullError();
        else if (ax == 0 || ay == 0 || ax >= P || ay >= P)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupBadPublicKey.selector, ax, ay);
        else if (l1Accounts + 1 >= CAPACITY)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupTreeFull.selector, CAPACITY);

        vm.deal(actor, actor.balance + amount);
        vm.prank(actor);
        try rollup.depositETH{value: amount}(0, ax, ay) returns (uint256 index) {
            if (expected.length != 0) _depositFail("a create the contract must refuse was queued");
            if (index != l1Accounts + 1) _depositFail("a create got another index than the next");
            l1Accounts = index;
            ownerOf[index] = actor;
            ghostIn += amount;
            _queued(KIND_CREATE, index, amount, actor, ax, ay);
        } catch (bytes memory reason) {
            if (keccak256(reason) != keccak256(expected))
                _depositFail("a create was refused, or for another reason than the model's");
        }
    }

    /// @notice An actor credits any account (its own or another's; sometimes an unknown index;
    ///         amounts 0, small, near and at 2^128 - 1, so that some overflow on L2 and must be
    ///         refunded).
    function depositCredit(uint256 actorSeed, uint256 accountSeed, uint256 amountSeed) external {
        address actor = _actor(actorSeed);
        uint256 index = 1 + (accountSeed % (l1Accounts + 1));
        uint256 amount = _depositAmount(amountSeed);
        bytes memory expected;
        if (exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupExodus.selector);
        else if (_queueFull()) expected = _queueFullError();
        else if (index > l1Accounts)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupUnknownAccount.selector, index);
        else if (amount == 0)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupZeroDeposit.selector);

        vm.deal(actor, actor.balance + amount);
        vm.prank(actor);
        try rollup.depositETH{value: amount}(index, 0, 0) returns (uint256 credited) {
            if (expected.length != 0) _depositFail("a credit the contract must refuse was queued");
            if (credited != index) _depositFail("a credit returned another account");
            ghostIn += amount;
            _queued(KIND_CREDIT, index, amount, actor, 0, 0);
        } catch (bytes memory reason) {
            if (keccak256(reason) != keccak256(expected))
                _depositFail("a credit was refused, or for another reason than the model's");
        }
    }

    // ================================================================ actions: forced exits

    /// @notice An owner asks for the forced exit of one of its accounts (a second request while
    ///         one waits must revert ZkRollupExitPending).
    function forceExitOwn(uint256 actorSeed, uint256 accountSeed) external {
        address actor = _actor(actorSeed);
        uint256 index = _accountOwnedBy(actor, accountSeed, true);
        if (index == 0) return;
        bytes memory expected;
        if (exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupExodus.selector);
        else if (pendingExit[index] != 0)
            expected = abi.encodeWithSelector(
                IZkRollup.ZkRollupExitPending.selector,
                index,
                pendingExit[index]
            );
        // A forced exit is never refused for a full queue (only deposits are bounded).

        vm.prank(actor);
        try rollup.forceExit(index) returns (uint256 number) {
            if (expected.length != 0)
                _exitFail("a forced exit the contract must refuse was queued");
            if (number != entryCount + 1) _exitFail("a forced exit got another entry number");
            _queued(KIND_EXIT, index, 0, actor, 0, 0);
            pendingExit[index] = entryCount;
        } catch (bytes memory reason) {
            if (keccak256(reason) != keccak256(expected))
                _exitFail("an owner's forced exit was refused, or for another reason");
        }
    }

    /// @notice An actor asks for the forced exit of an account it does not own (must revert
    ///         ZkRollupNotAccountOwner), or of an index that is no account.
    function forceExitOther(uint256 actorSeed, uint256 accountSeed) external {
        address actor = _actor(actorSeed);
        uint256 index = _accountOwnedBy(actor, accountSeed, false);
        bytes memory expected;
        if (index == 0) {
            // Nobody else owns an account: ask for index 0 or one past the last account.
            index = accountSeed % 2 == 0 ? 0 : l1Accounts + 1 + ((accountSeed >> 1) % 4);
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupUnknownAccount.selector, index);
        } else {
            expected = abi.encodeWithSelector(
                IZkRollup.ZkRollupNotAccountOwner.selector,
                index,
                actor
            );
        }
        if (exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupExodus.selector);

        vm.prank(actor);
        try rollup.forceExit(index) {
            _exitFail("a forced exit of another's (or no) account was queued");
        } catch (bytes memory reason) {
            if (keccak256(reason) != keccak256(expected))
                _exitFail("a forced exit of another's account did not revert as expected");
        }
    }

    // ================================================================ actions: batches

    /// @notice The honest operator submits the model's next batch (0 to 3 queue entries, maybe a
    ///         transfer and a withdrawal); it must be accepted unless in exodus mode.
    function submitHonestBatch(uint256 seed) external {
        Batch memory b = _build(seed);
        // A proof of this transition can be made from now on; it stays valid forever.
        verifier.setAllowed(b.input, true);
        uint256[] memory before = _pendingOfActors();
        // Its own transaction (tx.origin): the contract refuses batches from inner calls.
        vm.prank(OPERATOR, OPERATOR);
        try rollup.submitBatch(SHAPE, b.newRoot, b.taken, b.pubdata, _noProof) {
            if (exodus) _batchFail("a batch was accepted in exodus mode");
            ++ghostHonestBatches;
            _commit(b, before);
        } catch (bytes memory reason) {
            if (!exodus) _batchFail("an honest batch (the model's) was refused");
            else if (bytes4(reason) != IZkRollup.ZkRollupExodus.selector)
                _batchFail("a batch in exodus mode was not refused with ZkRollupExodus");
        }
    }

    /// @notice A registered but hostile operator takes the model's next batch (for which a proof
    ///         exists) and submits a tampered version: an applied bit flipped, an exit amount
    ///         changed, the withdrawal's account or amount changed, the transfer changed, the
    ///         wrong number of queue entries, a wrong new root; or a non-operator submits the
    ///         honest batch; or the last accepted batch is replayed; or the operator sends the
    ///         honest batch from an inner call (tx.origin is not the operator), hiding its
    ///         pubdata. All must be refused.
    function submitTamperedBatch(uint256 seed, uint256 kind, uint256 tweak) external {
        Batch memory b = _build(seed);
        Tampered memory t = Tampered({
            newRoot: b.newRoot,
            taken: b.taken,
            pubdata: bytes.concat(b.pubdata),
            sender: HOSTILE_OPERATOR,
            origin: HOSTILE_OPERATOR
        });
        kind %= 10;
        if (kind == 9) {
            // The model's own batch, sent by the operator from inside another transaction
            // (tx.origin is someone else): its pubdata would sit in an inner call no ordinary
            // node serves, so the contract must refuse it (data availability).
            t.sender = OPERATOR;
            t.origin = _actor(tweak);
        } else if (kind == 8) {
            // Replay of the last accepted batch: its proof is valid forever. A batch that moved
            // nothing (same root, no entries) may legitimately be repeated, so skip those.
            if (!_lastChangedState) return;
            t.newRoot = _lastNewRoot;
            t.taken = _lastTaken;
            t.pubdata = _lastPubdata;
        } else if (kind == 7) {
            t.sender = _actor(tweak);
            t.origin = t.sender;
        } else {
            _tamper(b, t, kind, tweak);
        }
        bool unchanged =
            t.newRoot == b.newRoot &&
                t.taken == b.taken &&
                keccak256(t.pubdata) == keccak256(b.pubdata);
        if (kind < 7 || kind == 8) {
            if (unchanged) return;
            // The verifier knows the batches the honest operator submitted (from earlier states)
            // and this state's honest batch. The only earlier one that can start from this very
            // state is the empty batch (no entry, no move, same root), which leaves the state as
            // it is: a tampered batch equal to it is an honest batch, not an attack.
            if (t.taken == 0 && t.newRoot == modelRoot && keccak256(t.pubdata) == _EMPTY_PUBDATA)
                return;
        }

        bool wasAllowed = verifier.allowed(b.input);
        verifier.setAllowed(b.input, true);
        vm.prank(t.sender, t.origin);
        try rollup.submitBatch(SHAPE, t.newRoot, t.taken, t.pubdata, _noProof) {
            ++ghostHostileAccepted;
            _batchFail("a batch the model did not produce was accepted");
        } catch (bytes memory reason) {
            ++ghostHostileRefused;
            bytes4 s = bytes4(reason);
            if (
                s != IZkRollup.ZkRollupInvalidProof.selector &&
                s != IZkRollup.ZkRollupTooManyDeposits.selector &&
                s != IZkRollup.ZkRollupNotOperator.selector &&
                s != IZkRollup.ZkRollupSubmitterNotEoa.selector &&
                s != IZkRollup.ZkRollupExodus.selector &&
                s != PoseidonT7.PoseidonInputOutOfField.selector
            ) _batchFail("a tampered batch was refused for an unexpected reason");
        }
        if (!wasAllowed) verifier.setAllowed(b.input, false);
    }

    // ================================================================ actions: time and exodus

    /// @notice Time passes: mostly up to 3 hours, one time in three up to two deadlines.
    function warp(uint256 seed) external {
        uint256 dt =
            seed % 3 == 0 ? bound(seed >> 2, 0, 2 * DEADLINE) : bound(seed >> 2, 0, 3 hours);
        vm.warp(block.timestamp + dt);
    }

    /// @notice Anyone calls activateExodus at any time, naming any entry (waiting, processed or
    ///         never queued): it must succeed exactly when that entry is waiting and past its
    ///         expiresAt (and not yet in exodus mode).
    function activateExodus(uint256 actorSeed, uint256 entrySeed) external {
        _activate(_actor(actorSeed), bound(entrySeed, 0, entryCount + 1));
    }

    /// @notice Whenever the oldest unprocessed queue entry (deposit or forced exit) waited longer
    ///         than depositDeadline plus queueSpacing for each entry that was waiting ahead of it
    ///         when it was queued (the operator's allowance to catch up with a burst), someone
    ///         calls activateExodus; a revert is a ghost failure (ghostExodusBlocked).
    function activateExodusWhenOverdue(uint256 actorSeed) external {
        uint256 entry = _firstOverdue();
        if (exodus || entry == 0) return;
        _activate(_actor(actorSeed), entry);
    }

    /// @notice Anyone submits the honest exodus proof of an account of the verified state: it
    ///         pays the owner exactly the verified balance, once, and only in exodus mode.
    function exodusWithdrawHonest(uint256 actorSeed, uint256 accountSeed) external {
        uint256 index = _accountInTree(accountSeed);
        if (index == 0) return;
        Claim memory c = _honestClaim(index);
        bytes memory expected;
        if (!exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupNotExodus.selector);
        else if (_accounts[index].exited)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupAlreadyExited.selector, index);
        bool paid = _exodusCall(_actor(actorSeed), index, c);
        if (paid) {
            if (expected.length != 0) _exodusFail("an exodus exit was paid that must be refused");
        } else if (keccak256(_lastReason) != keccak256(expected)) {
            _exodusFail("an honest exodus proof was refused, or for another reason");
        }
    }

    /// @notice Anyone submits a forged exodus proof: a higher or lower balance, another nonce or
    ///         key, an altered sibling, another account's leaf, a wrong number of levels, or a
    ///         leaf for an account whose creation was never verified. All must be refused.
    function exodusWithdrawForged(
        uint256 actorSeed,
        uint256 accountSeed,
        uint256 kind,
        uint256 tweak
    ) external {
        if (l1Accounts == 0) return;
        uint256 index = 1 + (accountSeed % l1Accounts);
        Claim memory c = _honestClaim(index);
        if (_accounts[index].inTree && !_forge(c, index, kind, tweak)) return;
        bytes memory expected;
        if (!exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupNotExodus.selector);
        else if (_accounts[index].exited)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupAlreadyExited.selector, index);
        else expected = abi.encodeWithSelector(IZkRollup.ZkRollupBadExodusProof.selector, index);
        if (_exodusCall(_actor(actorSeed), index, c)) {
            ++ghostForgedExodusAccepted;
            _exodusFail("a forged exodus proof was accepted");
        } else if (keccak256(_lastReason) != keccak256(expected)) {
            _exodusFail("a forged exodus proof was refused for another reason than expected");
        }
    }

    /// @notice Anyone asks for the refund of any queue number (0 to one past the last): only an
    ///         unprocessed, unrefunded deposit (not a forced exit) in exodus mode is refunded,
    ///         once, to its depositor.
    function refundDeposit(uint256 actorSeed, uint256 numberSeed) external {
        uint256 number = bound(numberSeed, 0, entryCount + 1);
        bool refundable =
            exodus &&
                number > processed &&
                number <= entryCount &&
                ghostRefunded[number] == 0 &&
                _entries[number].kind != KIND_EXIT;
        bytes memory expected;
        if (!exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupNotExodus.selector);
        else if (!refundable)
            expected = abi.encodeWithSelector(IZkRollup.ZkRollupNotRefundable.selector, number);
        address depositor = _entries[number].depositor;
        uint256 before = rollup.pendingWithdrawals(depositor, 0);
        vm.prank(_actor(actorSeed));
        try rollup.refundDeposit(number) {
            ++ghostRefunded[number];
            if (!refundable) _depositFail("a deposit that is not refundable was refunded");
            uint256 credited = _increase(rollup.pendingWithdrawals(depositor, 0), before);
            if (credited != _entries[number].amount)
                _depositFail("a refund credited other than the deposit's amount");
        } catch (bytes memory reason) {
            if (keccak256(reason) != keccak256(expected))
                _depositFail("a refund was refused, or for another reason than the model's");
        }
    }

    // ================================================================ actions: payouts

    /// @notice An actor withdraws what it may claim: exactly that leaves, once; with nothing
    ///         owed it reverts; a wallet refusing ETH keeps its claim.
    function withdraw(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        uint256 owed = rollup.pendingWithdrawals(actor, 0);
        uint256 balanceBefore = actor.balance;
        uint256 rollupBefore = address(rollup).balance;
        vm.prank(actor);
        try rollup.withdraw(0) {
            ghostOut += owed;
            if (owed == 0) _solvencyFail("withdraw paid with nothing owed");
            if (rollup.pendingWithdrawals(actor, 0) != 0) _solvencyFail("withdraw left a claim");
            if (actor.balance != balanceBefore + owed)
                _solvencyFail("withdraw did not pay exactly the claim");
            if (address(rollup).balance + owed != rollupBefore)
                _solvencyFail("withdraw took other than the claim from the rollup");
        } catch (bytes memory reason) {
            bytes memory expected;
            if (owed == 0)
                expected = abi.encodeWithSelector(
                    IZkRollup.ZkRollupNothingToWithdraw.selector,
                    actor,
                    0
                );
            else if (actor == address(wallet) && wallet.mode() == ActorWallet.Mode.Refuse)
                expected = abi.encodeWithSelector(
                    IZkRollup.ZkRollupEthTransferFailed.selector,
                    actor,
                    owed
                );
            if (expected.length == 0 || keccak256(reason) != keccak256(expected))
                _solvencyFail("withdraw was refused, or for another reason than the model's");
            if (rollup.pendingWithdrawals(actor, 0) != owed)
                _solvencyFail("a refused withdraw changed the claim");
        }
    }

    /// @notice Someone force-feeds the rollup ETH it cannot refuse (a selfdestruct to it, or a
    ///         block reward with it as coinbase; played with vm.deal): nothing may depend on the
    ///         rollup's balance, and the surplus is nobody's (ghostForced keeps it apart).
    function forceFeed(uint256 amountSeed) external {
        uint256 amount = bound(amountSeed, 1, 10 ether);
        vm.deal(address(rollup), address(rollup).balance + amount);
        ghostForced += amount;
    }

    /// @notice The contract wallet changes how it receives ETH: accept, refuse, re-enter.
    function setWalletMode(uint256 seed) external {
        wallet.setMode(ActorWallet.Mode(seed % 3));
    }

    // ================================================================ views for the invariants

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function entry(uint256 number) external view returns (Entry memory) {
        return _entries[number];
    }

    function account(uint256 index) external view returns (Account memory) {
        return _accounts[index];
    }

    /// @notice What every possible claimant may claim on L1 now.
    function sumPendingWithdrawals() public view returns (uint256 total) {
        for (uint256 i; i < _actors.length; ++i) total += rollup.pendingWithdrawals(_actors[i], 0);
        total += rollup.pendingWithdrawals(address(0), 0);
        total += rollup.pendingWithdrawals(OPERATOR, 0);
        total += rollup.pendingWithdrawals(HOSTILE_OPERATOR, 0);
    }

    /// @notice L2 balances in the model's last verified state of accounts not yet exited.
    function sumVerifiedBalances() public view returns (uint256 total) {
        for (uint256 i = 1; i < CAPACITY; ++i) {
            Account storage a = _accounts[i];
            if (a.inTree && !a.exited) total += a.balance;
        }
    }

    /// @notice Amounts of queued deposits neither processed by a batch nor refunded in exodus.
    function sumWaitingDeposits() public view returns (uint256 total) {
        for (uint256 n = processed + 1; n <= entryCount; ++n) {
            if (_entries[n].kind != KIND_EXIT && ghostRefunded[n] == 0) total += _entries[n].amount;
        }
    }

    /// @notice Checks every queue entry's fate: a taken deposit was applied or refunded exactly
    ///         once, never both, never refunded twice; an unprocessed one was never applied; a
    ///         forced exit was neither; the contract's depositRefunded agrees. Returns the first
    ///         failure ("" when none).
    function depositFates() external view returns (string memory) {
        for (uint256 n = 1; n <= entryCount; ++n) {
            uint256 applied = ghostApplied[n];
            uint256 refunded = ghostRefunded[n];
            if (refunded > 1) return "a deposit was refunded twice";
            if (applied > 1) return "a deposit was applied twice";
            if (applied + refunded > 1) return "a deposit was both applied and refunded";
            if (_entries[n].kind == KIND_EXIT) {
                if (applied + refunded != 0) return "a forced exit was counted as a deposit";
            } else if (n <= processed) {
                if (applied + refunded != 1)
                    return "a processed deposit was neither applied nor refunded";
            } else if (applied != 0) {
                return "an unprocessed deposit was applied";
            }
            if (rollup.depositRefunded(n) != (refunded == 1))
                return "depositRefunded differs from the refunds observed";
        }
        return "";
    }

    /// @notice Whether the oldest unprocessed queue entry waited past its guaranteed deadline
    ///         (depositDeadline + queueSpacing per entry waiting ahead of it when queued).
    function overdue() external view returns (bool) {
        return _firstOverdue() != 0;
    }

    // ================================================================ batch model

    /// @notice A batch the model built from its state, and the state after it.
    struct Batch {
        uint256 taken;
        bool[3] applied;
        uint256[3] exitAmount;
        uint256 transferFrom;
        uint256 transferTo;
        uint256 transferAmount;
        uint256 withdrawFrom;
        uint256 withdrawAmount;
        Account[16] next;
        bool[16] changed;
        uint256[16] leaves;
        uint256[4] nodes;
        uint256 newRoot;
        bytes pubdata;
        uint256 input;
        /// What the batch must add to each actor's claim (withdrawals, exits, refunds).
        uint256[] credits;
        /// Whether the actor is paid a forced exit in this batch.
        bool[] exitPaid;
    }

    struct Tampered {
        uint256 newRoot;
        uint256 taken;
        bytes pubdata;
        address sender;
        address origin;
    }

    function _build(uint256 seed) internal view returns (Batch memory b) {
        b.next = _accounts;
        b.leaves = _leaves;
        b.credits = new uint256[](_actors.length);
        b.exitPaid = new bool[](_actors.length);
        uint256 available = entryCount - processed;
        uint256 most = available < DEPOSIT_SLOTS ? available : DEPOSIT_SLOTS;
        // Mostly all it can; sometimes fewer (an operator that lets entries wait).
        b.taken = seed % 2 == 0 ? (seed >> 1) % (most + 1) : most;
        for (uint256 i; i < b.taken; ++i) _applyEntry(b, i);
        _pickTransfer(b, seed >> 16);
        _pickWithdrawal(b, seed >> 128);
        // Only the leaves that changed, their level-1 nodes and the root are hashed again.
        b.nodes = _nodes;
        bool[4] memory groupChanged;
        for (uint256 i = 1; i < CAPACITY; ++i) {
            if (!b.changed[i]) continue;
            b.leaves[i] = _leafOf(b.next[i]);
            groupChanged[i / 4] = true;
        }
        b.newRoot = modelRoot;
        bool any;
        for (uint256 g; g < 4; ++g) {
            if (!groupChanged[g]) continue;
            b.nodes[g] = _nodeOf(b.leaves, g);
            any = true;
        }
        if (any) b.newRoot = _p4.hash(b.nodes);
        b.pubdata = _encode(b);
        b.input = _publicInput(b.newRoot, b.taken, b.pubdata);
    }

    /// @dev The circuit's DepositSlot on queue entry `i` of the batch.
    function _applyEntry(Batch memory b, uint256 i) internal view {
        Entry memory e = _entries[processed + 1 + i];
        Account memory a = b.next[e.index];
        bool applied;
        if (e.kind == KIND_CREATE) {
            if (!a.inTree) {
                (a.inTree, a.balance, a.nonce, a.ax, a.ay) = (true, e.amount, 0, e.ax, e.ay);
                applied = true;
            }
        } else if (e.kind == KIND_CREDIT) {
            if (a.inTree && uint256(a.balance) + e.amount <= MAX_BALANCE) {
                a.balance += e.amount;
                applied = true;
            }
        } else if (a.inTree) {
            b.exitAmount[i] = a.balance;
            a.balance = 0;
            applied = true;
        }
        b.applied[i] = applied;
        if (applied) b.changed[e.index] = true;
        uint256 who = _actorIndex(e.depositor);
        if (e.kind == KIND_EXIT) {
            b.credits[who] += b.exitAmount[i];
            b.exitPaid[who] = true;
        } else if (!applied) {
            b.credits[who] += e.amount;
        }
    }

    /// @dev One transfer (two times in three) between two distinct accounts of the batch's state,
    ///      of a float40-exact amount the sender holds and the receiver can take.
    function _pickTransfer(Batch memory b, uint256 r) internal pure {
        if (r % 3 == 0) return;
        uint256 from = _findInTree(b, ((r >> 2) % 15) + 1, 0);
        if (from == 0) return;
        uint256 to = _findInTree(b, ((r >> 6) % 15) + 1, from);
        if (to == 0) return;
        Account memory s = b.next[from];
        Account memory t = b.next[to];
        uint256 room = MAX_BALANCE - t.balance;
        uint256 amount = _floorFloat40(_pickAmount(r >> 10, s.balance < room ? s.balance : room));
        s.balance -= uint128(amount);
        s.nonce += 1;
        t.balance += uint128(amount);
        (b.changed[from], b.changed[to]) = (true, true);
        (b.transferFrom, b.transferTo, b.transferAmount) = (from, to, amount);
    }

    /// @dev One withdrawal (two times in three) of a float40-exact amount, paid to the owner.
    function _pickWithdrawal(Batch memory b, uint256 r) internal view {
        if (r % 3 == 0) return;
        uint256 from = _findInTree(b, ((r >> 2) % 15) + 1, 0);
        if (from == 0) return;
        Account memory s = b.next[from];
        uint256 amount = _floorFloat40(_pickAmount(r >> 6, s.balance));
        s.balance -= uint128(amount);
        s.nonce += 1;
        b.changed[from] = true;
        (b.withdrawFrom, b.withdrawAmount) = (from, amount);
        b.credits[_actorIndex(ownerOf[from])] += amount;
    }

    function _findInTree(
        Batch memory b,
        uint256 start,
        uint256 skip
    ) internal pure returns (uint256) {
        for (uint256 k; k < 15; ++k) {
            uint256 index = ((start - 1 + k) % 15) + 1;
            if (index != skip && b.next[index].inTree) return index;
        }
        return 0;
    }

    /// @dev The batch's pubdata, byte for byte as operator/zk/protocol.ts encodePubdata.
    function _encode(Batch memory b) internal pure returns (bytes memory p) {
        p = new bytes(PUBDATA_BYTES);
        if (b.transferFrom != 0) {
            p[TRANSFER_AT] = bytes1(uint8(b.transferFrom));
            p[TRANSFER_AT + 1] = bytes1(uint8(b.transferTo));
            _put(p, TRANSFER_AT + 2, _encodeFloat40(b.transferAmount), 5);
        }
        if (b.withdrawFrom != 0) {
            p[WITHDRAW_AT] = bytes1(uint8(b.withdrawFrom));
            _put(p, WITHDRAW_AT + 1, _encodeFloat40(b.withdrawAmount), 5);
        }
        uint256 bits;
        for (uint256 i; i < DEPOSIT_SLOTS; ++i) if (b.applied[i]) bits |= 1 << i;
        p[BITS_AT] = bytes1(uint8(bits));
        for (uint256 i; i < DEPOSIT_SLOTS; ++i) _put(p, EXITS_AT + 16 * i, b.exitAmount[i], 16);
        // Fee slot unused (index 0): every fee here is 0.
    }

    /// @dev Poseidon6(oldRoot, newRoot, chainBefore, chainAfter, domain, sha256(pubdata) >> 3)
    ///      from the model's root and queue chain.
    function _publicInput(
        uint256 newRoot,
        uint256 taken,
        bytes memory pubdata
    ) internal view returns (uint256) {
        return
            _p6.hash(
                [
                    modelRoot,
                    newRoot,
                    _chain[processed],
                    _chain[processed + taken],
                    _domain,
                    uint256(sha256(pubdata)) >> 3
                ]
            );
    }

    /// @dev Moves the model to the batch's state and checks what the contract did with it.
    function _commit(Batch memory b, uint256[] memory before) internal {
        for (uint256 i = 1; i < CAPACITY; ++i) {
            if (b.changed[i]) _accounts[i] = b.next[i];
        }
        _leaves = b.leaves;
        _nodes = b.nodes;
        uint256 oldRoot = modelRoot;
        modelRoot = b.newRoot;
        for (uint256 i; i < b.taken; ++i) {
            uint256 number = processed + 1 + i;
            Entry memory e = _entries[number];
            bool refunded = rollup.depositRefunded(number);
            if (e.kind == KIND_EXIT) {
                ++ghostExitsProcessed;
                pendingExit[e.index] = 0;
                if (refunded) _depositFail("a forced exit was marked refunded");
                if (rollup.pendingForcedExit(e.index) != 0)
                    _exitFail("a processed forced exit is still pending");
                continue;
            }
            if (b.applied[i]) ++ghostApplied[number];
            if (refunded) ++ghostRefunded[number];
            if (refunded == b.applied[i])
                _depositFail("a batch refunded an applied deposit or kept an unapplied one");
            if (!b.applied[i] && e.kind == KIND_CREDIT) ++ghostOverflowRefunds;
        }
        processed += b.taken;
        for (uint256 k; k < _actors.length; ++k) {
            uint256 credited = _increase(rollup.pendingWithdrawals(_actors[k], 0), before[k]);
            if (credited == b.credits[k]) continue;
            if (b.exitPaid[k]) _exitFail("a processed forced exit did not pay the model balance");
            _solvencyFail("a batch credited an address other than the model says");
        }
        if (rollup.stateRoot() != modelRoot) _batchFail("stateRoot differs from the model's");
        if (rollup.depositsProcessed() != processed)
            _batchFail("depositsProcessed differs from the model's");
        _lastNewRoot = b.newRoot;
        _lastTaken = b.taken;
        _lastPubdata = b.pubdata;
        _lastChangedState = b.newRoot != oldRoot || b.taken != 0 || b.withdrawFrom != 0;
    }

    /// @dev Changes one field of the honest batch (kinds 0 to 6).
    function _tamper(Batch memory b, Tampered memory t, uint256 kind, uint256 tweak) internal view {
        bytes memory p = t.pubdata;
        if (kind == 0) {
            // Flip an applied bit (of an entry the batch takes, if any).
            uint256 j = b.taken > 0 ? tweak % b.taken : tweak % DEPOSIT_SLOTS;
            p[BITS_AT] = bytes1(uint8(p[BITS_AT]) ^ uint8(1 << j));
        } else if (kind == 1) {
            // Another exit amount (of a forced exit the batch takes, if any).
            uint256 j = tweak % DEPOSIT_SLOTS;
            for (uint256 i; i < b.taken; ++i) {
                if (_entries[processed + 1 + i].kind == KIND_EXIT) j = i;
            }
            uint256 old = _get(p, EXITS_AT + 16 * j, 16);
            uint256 v = tweak >> 8;
            uint256 amount =
                v % 3 == 0
                    ? (old == MAX_BALANCE ? old - 1 : old + 1)
                    : v % 3 == 1
                        ? (old == 0 ? 1 : old - 1)
                        : bound(v >> 2, 0, MAX_BALANCE);
            if (amount == old) amount = old ^ 1;
            _put(p, EXITS_AT + 16 * j, amount, 16);
        } else if (kind == 2) {
            // The withdrawal from another account (or a withdrawal where there was none).
            uint256 old = uint8(p[WITHDRAW_AT]);
            p[WITHDRAW_AT] = bytes1(uint8((old + 1 + (tweak % 15)) % 16));
        } else if (kind == 3) {
            // Another withdrawal amount.
            uint256 old = _get(p, WITHDRAW_AT + 1, 5);
            uint256 packed = _encodeFloat40(_floorFloat40(bound(tweak, 0, MAX_BALANCE)));
            _put(p, WITHDRAW_AT + 1, packed == old ? old ^ 1 : packed, 5);
        } else if (kind == 4) {
            // One queue entry more or fewer than the batch took.
            t.taken = b.taken == 0 || tweak % 2 == 0 ? b.taken + 1 : b.taken - 1;
        } else if (kind == 5) {
            // Another new root: the old one, a neighbour, or any field element.
            uint256 v = tweak % 3;
            t.newRoot =
                v == 0
                    ? modelRoot
                    : v == 1
                        ? (b.newRoot + 1) % P
                        : bound(tweak >> 2, 0, P - 1);
            if (t.newRoot == b.newRoot) t.newRoot = (b.newRoot + 1) % P;
        } else {
            // The transfer to another account, or of another amount.
            if (tweak % 2 == 0) {
                uint256 old = uint8(p[TRANSFER_AT + 1]);
                p[TRANSFER_AT + 1] = bytes1(uint8((old + 1 + ((tweak >> 1) % 15)) % 16));
            } else {
                uint256 old = _get(p, TRANSFER_AT + 2, 5);
                _put(p, TRANSFER_AT + 2, old ^ (1 + ((tweak >> 1) % 255)), 5);
            }
        }
    }

    // ================================================================ exodus model

    /// @notice The leaf fields and Merkle proof an exodus exit presents.
    struct Claim {
        uint256 nonce;
        uint256 balance;
        uint256 ax;
        uint256 ay;
        uint256[4][] siblings;
    }

    bytes internal _lastReason;

    /// @dev The account's leaf in the verified state and its proof; for an account whose create
    ///      was never verified, the leaf it would have (what a cheater would present).
    function _honestClaim(uint256 index) internal view returns (Claim memory c) {
        Account storage a = _accounts[index];
        if (a.inTree) {
            (c.nonce, c.balance, c.ax, c.ay) = (a.nonce, a.balance, a.ax, a.ay);
        } else {
            Entry storage e = _entries[_createEntry(index)];
            (c.nonce, c.balance, c.ax, c.ay) = (0, e.amount, e.ax, e.ay);
        }
        c.siblings = new uint256[4][](LEVELS);
        uint256 group = index / 4;
        for (uint256 k; k < 4; ++k) {
            c.siblings[0][k] = _leaves[4 * group + k];
            c.siblings[1][k] = _nodes[k];
        }
    }

    /// @dev Forges the claim of an account of the verified state; false when the forgery would
    ///      equal the honest claim (no forgery).
    function _forge(
        Claim memory c,
        uint256 index,
        uint256 kind,
        uint256 tweak
    ) internal view returns (bool) {
        kind %= 6;
        if (kind == 0) {
            c.balance =
                c.balance == MAX_BALANCE
                    ? bound(tweak, 0, MAX_BALANCE - 1)
                    : bound(tweak, c.balance + 1, MAX_BALANCE);
        } else if (kind == 1) {
            c.balance = c.balance == 0 ? 1 : c.balance - 1 - (tweak % c.balance);
        } else if (kind == 2) {
            c.nonce = tweak % 2 == 0 ? c.nonce + 1 : uint256(1) << 40;
        } else if (kind == 3) {
            // Alter a sibling (not the path's own slot, which the contract ignores).
            uint256 level = tweak % 2;
            uint256 pathSlot = level == 0 ? index & 3 : (index >> 2) & 3;
            uint256 slot = (pathSlot + 1 + ((tweak >> 1) % 3)) % 4;
            c.siblings[level][slot] = (c.siblings[level][slot] + 1 + ((tweak >> 3) % 1000)) % P;
        } else if (kind == 4) {
            // Another account's leaf at this index.
            uint256 other = _accountInTree(tweak);
            if (other == 0 || other == index) return false;
            Account storage o = _accounts[other];
            if (o.nonce == c.nonce && o.balance == c.balance && o.ax == c.ax && o.ay == c.ay)
                return false;
            (c.nonce, c.balance, c.ax, c.ay) = (o.nonce, o.balance, o.ax, o.ay);
        } else {
            // A proof of the wrong depth.
            uint256[4][] memory s = new uint256[4][](tweak % 2 == 0 ? LEVELS - 1 : LEVELS + 1);
            for (uint256 k; k < s.length && k < LEVELS; ++k) s[k] = c.siblings[k];
            if (s.length > LEVELS) s[LEVELS] = [modelRoot, modelRoot, modelRoot, modelRoot];
            c.siblings = s;
        }
        return true;
    }

    /// @dev Calls exodusWithdraw; on success records what the owner was credited.
    function _exodusCall(address caller, uint256 index, Claim memory c) internal returns (bool) {
        address owner = ownerOf[index];
        uint256 before = rollup.pendingWithdrawals(owner, 0);
        vm.prank(caller);
        try rollup.exodusWithdraw(index, c.nonce, c.balance, c.ax, c.ay, c.siblings) {
            uint256 paid = _increase(rollup.pendingWithdrawals(owner, 0), before);
            ++ghostExodusPayments[index];
            ghostExodusPaid[index] += paid;
            ++ghostExodusExits;
            _accounts[index].exited = true;
            if (!rollup.exited(index)) _exodusFail("a paid exodus exit is not marked exited");
            return true;
        } catch (bytes memory reason) {
            _lastReason = reason;
            return false;
        }
    }

    function _activate(address caller, uint256 entry) internal {
        bool waiting = entry > processed && entry <= entryCount;
        // The contract's rule (the model's own expiresAt) and the guarantee (_firstOverdue).
        bool expired = !exodus && waiting && block.timestamp > _entries[entry].expiresAt;
        bool mustStart = !exodus && waiting && _isOverdue(entry);
        bytes memory expected;
        if (exodus) expected = abi.encodeWithSelector(IZkRollup.ZkRollupExodus.selector);
        else if (!expired)
            expected = abi.encodeWithSelector(
                IZkRollup.ZkRollupDeadlineNotReached.selector,
                waiting ? _entries[entry].expiresAt : type(uint256).max,
                block.timestamp
            );
        vm.prank(caller);
        try rollup.activateExodus(entry) {
            exodus = true;
            ++ghostExodusActivated;
            if (!expired) _activationFail("exodus started before the entry named expired");
            if (block.timestamp <= _entries[entry].queuedAt + DEADLINE)
                _activationFail("exodus started before an entry waited depositDeadline");
        } catch (bytes memory reason) {
            if (mustStart) {
                ++ghostExodusBlocked;
                _activationFail(
                    "an entry waited past depositDeadline + queueSpacing x entries ahead of it, and exodus could not start"
                );
            } else if (keccak256(reason) != keccak256(expected)) {
                _activationFail("activateExodus refused for another reason than the model's");
            }
        }
    }

    /// @dev The guarantee for one entry: it is waiting and waited longer than depositDeadline
    ///      plus queueSpacing per entry that was waiting ahead of it when it was queued.
    function _isOverdue(uint256 entry) internal view returns (bool) {
        if (entry <= processed || entry > entryCount) return false;
        Entry storage e = _entries[entry];
        return block.timestamp > uint256(e.queuedAt) + DEADLINE + SPACING * e.ahead;
    }

    /// @dev The first waiting entry past its guaranteed deadline (any entry counts: expiries are
    ///      not in queue order), or 0.
    function _firstOverdue() internal view returns (uint256) {
        for (uint256 n = processed + 1; n <= entryCount; ++n) if (_isOverdue(n)) return n;
        return 0;
    }

    // ================================================================ model helpers

    /// @dev Records a queue entry the contract accepted, extends the model's hash chain and
    ///      compares it with the contract's.
    function _queued(
        uint256 kind,
        uint256 index,
        uint256 amount,
        address depositor,
        uint256 ax,
        uint256 ay
    ) internal {
        uint256 number = ++entryCount;
        // The contract's rule: the deadline plus a spacing per entry still waiting ahead.
        uint256 expiresAt = block.timestamp + DEADLINE + SPACING * (number - 1 - processed);
        _entries[number] = Entry({
            kind: uint8(kind),
            index: uint8(index),
            queuedAt: uint64(block.timestamp),
            amount: uint128(amount),
            depositor: depositor,
            ax: ax,
            ay: ay,
            expiresAt: uint64(expiresAt),
            ahead: uint32(number - 1 - processed)
        });
        uint256 chain = _p5.hash([_chain[number - 1], index + (kind << 64), amount, ax, ay]);
        _chain[number] = chain;
        if (rollup.depositCount() != number) _depositFail("depositCount differs from the model's");
        if (rollup.depositChain(number) != chain)
            _depositFail("the queue's hash chain differs from the model's");
        if (rollup.queuedDeposit(number).expiresAt != expiresAt)
            _activationFail("an entry's expiresAt differs from its documented formula");
    }

    function _leafOf(Account memory a) internal view returns (uint256) {
        if (!a.inTree) return 0;
        return _p4.hash([uint256(a.nonce) << 32, a.balance, a.ax, a.ay]);
    }

    function _rootOf(
        uint256[16] memory leaves
    ) internal view returns (uint256[4] memory nodes, uint256 root) {
        for (uint256 g; g < 4; ++g) nodes[g] = _nodeOf(leaves, g);
        root = _p4.hash(nodes);
    }

    function _nodeOf(uint256[16] memory leaves, uint256 g) internal view returns (uint256) {
        return _p4.hash([leaves[4 * g], leaves[4 * g + 1], leaves[4 * g + 2], leaves[4 * g + 3]]);
    }

    function _createEntry(uint256 index) internal view returns (uint256) {
        for (uint256 n = 1; n <= entryCount; ++n) {
            if (_entries[n].kind == KIND_CREATE && _entries[n].index == index) return n;
        }
        revert AssertionFailedUint("no create entry for account", index, 0);
    }

    /// @dev Deposits are refused while MAX_PENDING_DEPOSITS entries wait (forced exits never).
    function _queueFull() internal view returns (bool) {
        return entryCount - processed >= rollup.MAX_PENDING_DEPOSITS();
    }

    function _queueFullError() internal view returns (bytes memory) {
        return abi.encodeWithSelector(IZkRollup.ZkRollupQueueFull.selector, entryCount - processed);
    }

    /// @dev An account of `actor` (owned = true) or of someone else (false), 0 if none.
    function _accountOwnedBy(
        address actor,
        uint256 seed,
        bool owned
    ) internal view returns (uint256) {
        for (uint256 k; k < l1Accounts; ++k) {
            uint256 index = (((seed % l1Accounts) + k) % l1Accounts) + 1;
            if ((ownerOf[index] == actor) == owned) return index;
        }
        return 0;
    }

    function _accountInTree(uint256 seed) internal view returns (uint256) {
        for (uint256 k; k < 15; ++k) {
            uint256 index = (((seed % 15) + k) % 15) + 1;
            if (_accounts[index].inTree) return index;
        }
        return 0;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _actorIndex(address who) internal view returns (uint256) {
        for (uint256 i; i < _actors.length; ++i) if (_actors[i] == who) return i;
        revert AssertionFailedAddress("not an actor", who, address(0));
    }

    function _pendingOfActors() internal view returns (uint256[] memory amounts) {
        amounts = new uint256[](_actors.length);
        for (uint256 i; i < _actors.length; ++i)
            amounts[i] = rollup.pendingWithdrawals(_actors[i], 0);
    }

    /// @dev after - before of a claim, recording a violation when a claim decreased.
    function _increase(uint256 afterValue, uint256 beforeValue) internal returns (uint256) {
        if (afterValue >= beforeValue) return afterValue - beforeValue;
        _solvencyFail("a claim decreased without a withdraw");
        return 0;
    }

    /// @dev Deposit amounts: 0, 1..1000, up to 100 ETH, 2^128 - 1, and just below it.
    function _depositAmount(uint256 seed) internal pure returns (uint256) {
        uint256 m = seed % 8;
        if (m == 0) return 0;
        if (m == 1) return MAX_BALANCE;
        if (m == 2) return MAX_BALANCE - bound(seed >> 3, 0, 1e18);
        if (m == 3) return bound(seed >> 3, 1, 1000);
        return bound(seed >> 3, 1, 100 ether);
    }

    /// @dev L2 move amounts: all of `most`, nothing, or anything up to it.
    function _pickAmount(uint256 seed, uint256 most) internal pure returns (uint256) {
        uint256 m = seed % 4;
        if (m == 0) return most;
        if (m == 1) return 0;
        return bound(seed >> 2, 0, most);
    }

    /// @dev BabyJubJub-like public keys: a few small ones (shared between accounts), hashed
    ///      ones, and invalid ones (a zero or a non-field coordinate).
    function _key(uint256 seed) internal pure returns (uint256 ax, uint256 ay) {
        uint256 m = seed % 16;
        if (m == 1) return (0, 5);
        if (m == 3) return (5, P);
        if (m % 2 == 0) return (1 + ((seed >> 4) % 3), 7);
        ax = 1 + (uint256(keccak256(abi.encode(seed, "ax"))) % (P - 1));
        ay = 1 + (uint256(keccak256(abi.encode(seed, "ay"))) % (P - 1));
    }

    /// @dev The largest float40-exact amount not above `v` (mantissa of 35 bits times 10^e).
    function _floorFloat40(uint256 v) internal pure returns (uint256) {
        uint256 scale = 1;
        while (v / scale > MAX_MANTISSA) scale *= 10;
        return (v / scale) * scale;
    }

    /// @dev The canonical float40 packing (smallest exponent) of an exact amount.
    function _encodeFloat40(uint256 v) internal pure returns (uint256) {
        uint256 mantissa = v;
        uint256 exponent;
        while (mantissa > MAX_MANTISSA) {
            if (mantissa % 10 != 0) revert AssertionFailedUint("not float40-exact", v, 0);
            mantissa /= 10;
            ++exponent;
        }
        return (exponent << 35) | mantissa;
    }

    function _put(bytes memory p, uint256 at, uint256 value, uint256 width) internal pure {
        for (uint256 i; i < width; ++i) p[at + i] = bytes1(uint8(value >> (8 * (width - 1 - i))));
    }

    function _get(bytes memory p, uint256 at, uint256 width) internal pure returns (uint256 v) {
        for (uint256 i; i < width; ++i) v = (v << 8) | uint8(p[at + i]);
    }

    // ================================================================ violations (first kept)

    function _solvencyFail(string memory what) internal {
        if (bytes(solvencyViolation).length == 0) solvencyViolation = what;
    }

    function _depositFail(string memory what) internal {
        if (bytes(depositViolation).length == 0) depositViolation = what;
    }

    function _exodusFail(string memory what) internal {
        if (bytes(exodusViolation).length == 0) exodusViolation = what;
    }

    function _activationFail(string memory what) internal {
        if (bytes(activationViolation).length == 0) activationViolation = what;
    }

    function _exitFail(string memory what) internal {
        if (bytes(exitViolation).length == 0) exitViolation = what;
    }

    function _batchFail(string memory what) internal {
        if (bytes(batchViolation).length == 0) batchViolation = what;
    }
}
