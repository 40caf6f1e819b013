// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {Base} from "../utils/Base.sol";
import {IChallengeGame} from "../../../contracts/interfaces/IChallengeGame.sol";
import {IOneStepExecutor} from "../../../contracts/interfaces/IOneStepExecutor.sol";
import {IOptimisticRollup} from "../../../contracts/interfaces/IOptimisticRollup.sol";
import {BlobReader} from "../../../contracts/libraries/BlobReader.sol";
import {OneStepExecutor} from "../../../contracts/optimistic/OneStepExecutor.sol";
import {OptimisticRollup} from "../../../contracts/optimistic/OptimisticRollup.sol";
import {OptimisticState} from "../../../contracts/optimistic/OptimisticState.sol";
import {Clock} from "../../../contracts/optimistic/GameTypes.sol";
import {L2Model} from "./L2Model.sol";

/// @title OptimisticRollupHandler
/// @notice Drives an OptimisticRollup and its ChallengeGame with honest and hostile actors and
///         keeps the truth beside them: the L2 state after every step of every batch whose
///         pre-state is true (L2Model), so it knows which batches are valid and what an honest
///         party claims, agrees with and proves in a game.
/// @dev    Actors (all accounts without code; batches are posted with msg.sender == tx.origin):
///         - HONEST_SEQUENCER (registered): posts batches with true roots, only on a valid head;
///           defends them truthfully (moves, one-step proofs).
///         - DISHONEST_SEQUENCER (registered until slashed) and ROGUE (never registered, posts
///           when an entry is overdue): post valid batches, wrong roots (random, or the root of a
///           state with a forged withdrawal to themselves), empty batches that change the root,
///           stale heads, batches leaving overdue entries out, batches sent from inside another
///           transaction; answer games at random or not at all; self-challenge.
///         - HONEST_CHALLENGER: disputes the first invalid batch (only that one) and plays the
///           truth; GRIEFER (and DISHONEST_SEQUENCER as its own challenger) disputes any batch,
///           valid or not, with any claims.
///         - STRANGER (never registered): once an inbox entry is overdue, posts the honest batch
///           that includes it; it must always be accepted while the head is valid.
///         - five users with keys (and NOBODY, an L2 address without one): deposit ETH,
///           forceTransfer, forceWithdraw, sign transfers and withdrawals the batches carry (some
///           invalid: short balance, wrong nonce or signer, missing fee account), prove
///           withdrawals against final batches (and forged ones), claim.
///         - anyone: finalize, releaseBond, step (with true and forged witnesses), timeout,
///           close, withdraw from the game, add and withdraw bond; time passes; ETH is
///           force-fed.
///         Liveness of the honest parties (the assumption the protocol's safety rests on): before
///         time passes (`warp`), the honest challenger disputes the first invalid batch, both
///         honest parties answer every game in which it is their turn, prove steps, claim
///         timeouts and close moot games, and the sequencer finalises what is ready
///         (`_honestDuties`); `warpInTime` lets time pass without them, but never past an honest
///         party's deadline.
///         The executor is checked against the model on every step proven in a game and on one
///         random step of every batch whose pre-state is true, when it is posted.
///         A call that reverts is only counted (fail_on_revert = false), so calls are wrapped in
///         try/catch and what was seen is written into the `*Violation` strings and the ghost
///         counters the invariants read.
contract OptimisticRollupHandler is Base {
    // ---------------------------------------------------------------- deployment
    uint64 public constant WINDOW = 1000;
    uint64 public constant FORCE_DELAY = 500;
    uint128 public constant BATCH_BOND = 1 ether;
    uint128 public constant CHALLENGER_BOND = 0.5 ether;
    uint64 public constant BUDGET = 300;
    uint64 public constant EXTENSION = 60;
    /// @notice Inbox entries queued at most (batches stay small enough to re-execute often).
    uint256 public constant MAX_INBOX = 64;
    /// @notice Forced withdrawals queued at most, and record withdrawals only while a state has
    ///         fewer than RECORD_WITHDRAWAL_ROOM: together below L2Model.MAX_WITHDRAWALS.
    uint256 public constant MAX_FORCED_WITHDRAWALS = 15;
    uint256 internal constant RECORD_WITHDRAWAL_ROOM = 32;

    address public constant OWNER = address(0x0E7E);
    address public constant HONEST_SEQUENCER = address(0x5EC0);
    address public constant DISHONEST_SEQUENCER = address(0xBAD5EC);
    address public constant ROGUE = address(0x60E0);
    address public constant STRANGER = address(0x57A4);
    address public constant HONEST_CHALLENGER = address(0xC4A1);
    address public constant GRIEFER = address(0x6F1EF);
    address public constant NOBODY = address(0xD00D);

    OptimisticRollup public immutable rollup;
    IChallengeGame public immutable game;
    OneStepExecutor public immutable executor;
    bytes32 internal immutable _domain;

    uint256[5] internal _keys;
    address[5] internal _users;
    address[] internal _actors;

    // ---------------------------------------------------------------- model: inbox and batches
    /// @notice An inbox entry as queued (ETH only).
    struct Entry {
        uint8 kind;
        address from;
        address to;
        uint128 amount;
        uint64 queuedAt;
    }

    Entry[] internal _inbox;
    uint256 public forcedWithdrawals;

    /// @notice What the model knows of a posted batch.
    /// @param known Its pre-state is a true state (the batch before it was valid when it was
    ///        posted), so its steps' true roots are known.
    /// @param valid Known, and it claims the true root.
    /// @param honest Posted by an honest party (HONEST_SEQUENCER or STRANGER), which defends it.
    /// @param theft It claims the root of the true state plus a withdrawal to its poster.
    struct BatchInfo {
        bool known;
        bool valid;
        bool honest;
        bool theft;
        uint64 prevId;
        uint64 position;
        uint64 inboxStart;
        uint32 inboxCount;
        uint32 feeAccount;
        address sequencer;
    }

    mapping(uint256 id => BatchInfo) internal _batches;
    mapping(uint256 id => bytes[]) internal _records;
    /// @dev True roots at positions 0..steps (known batches).
    mapping(uint256 id => bytes32[]) internal _roots;
    /// @dev True post-state (known batches; the genesis batch's is the empty state).
    mapping(uint256 id => L2Model.State) internal _postState;
    /// @dev The state a theft batch claims.
    mapping(uint256 id => L2Model.State) internal _fake;
    uint256[] internal _thefts;

    // ---------------------------------------------------------------- model: games
    struct GameInfo {
        uint64 batchId;
        bool honestChallenger;
        bool honestDefender;
    }

    mapping(uint256 gameId => GameInfo) internal _games;
    /// @dev Games that may still be active (pruned lazily).
    uint256[] internal _open;
    /// @dev The honest challenger's game on a batch.
    mapping(uint256 batchId => uint256 gameId) internal _honestGame;

    // ---------------------------------------------------------------- ghosts
    // ETH in and out of the two contracts.
    uint256 public ghostDeposits;
    uint256 public ghostBondsIn;
    uint256 public ghostBondsOut;
    uint256 public ghostChallengeBondsIn;
    uint256 public ghostGameOut;
    uint256 public ghostClaimsPaid;
    uint256 public ghostWithdrawalsCredited;
    uint256 public ghostForcedRollup;
    uint256 public ghostForcedGame;
    uint256 public ghostRewards;
    uint256 public ghostBurned;
    /// @notice Per account: withdrawals proven to it plus challenge rewards (rollup claimable),
    ///         and what `claim` paid it.
    mapping(address account => uint256) public ghostCredited;
    mapping(address account => uint256) public ghostClaimed;
    /// @notice Per account: bonds the game credited to it (won, refunded), and what it withdrew.
    mapping(address account => uint256) public ghostGameCredited;
    mapping(address account => uint256) public ghostGameWithdrawn;
    /// @notice Per withdrawal id: successful proofs, and the leaf proven.
    mapping(uint256 withdrawalId => uint256) public ghostProofs;
    mapping(uint256 withdrawalId => bytes32) internal _provenLeaf;
    uint256 public ghostProvenCount;
    /// @notice When each batch became final (0: never).
    mapping(uint256 id => uint256) public ghostFinalizedAt;
    uint256[] internal _final;
    uint256 public ghostTheftAccepted;
    // What the campaign did (coverage).
    uint256 public ghostHonestBatches;
    uint256 public ghostHostileBatches;
    uint256 public ghostForcedBatches;
    uint256 public ghostRefusedBatches;
    uint256 public ghostGames;
    uint256 public ghostSteps;
    uint256 public ghostExecutorChecks;
    uint256 public ghostForgedStepsRefused;
    uint256 public ghostTimeouts;
    uint256 public ghostCloses;
    uint256 public ghostDiscards;
    /// @notice Valid honest batches that left the chain because an earlier batch lost a game.
    uint256 public ghostHonestBatchesDiscarded;
    mapping(uint256 id => bool) internal _discardCounted;
    uint256 public ghostFinalized;
    uint256 public ghostClaims;

    /// @notice The first violation each property's checks observed ("" while none).
    string public solvencyViolation;
    string public honestyViolation;
    string public finalityViolation;
    string public withdrawalViolation;
    string public chainViolation;
    bytes public lastUnexpectedReason;

    constructor() {
        executor = new OneStepExecutor();
        rollup = new OptimisticRollup(
            OWNER,
            executor,
            IOptimisticRollup.Params({
                challengeWindow: WINDOW,
                forceDelay: FORCE_DELAY,
                batchBond: BATCH_BOND,
                challengerBond: CHALLENGER_BOND,
                clockBudget: BUDGET,
                clockExtension: EXTENSION,
                blobBatches: false
            })
        );
        game = IChallengeGame(rollup.game());
        _domain = rollup.domainSeparator();
        vm.prank(OWNER);
        rollup.setSequencer(HONEST_SEQUENCER, true);
        vm.prank(OWNER);
        rollup.setSequencer(DISHONEST_SEQUENCER, true);

        uint256[5] memory keys = [uint256(0xA11CE), 0xB0B, 0xCA401, 0xD0E, 0xE7E];
        for (uint256 i; i < 5; ++i) {
            _keys[i] = keys[i];
            _users[i] = vm.addr(keys[i]);
            _actors.push(_users[i]);
        }
        _actors.push(HONEST_SEQUENCER);
        _actors.push(DISHONEST_SEQUENCER);
        _actors.push(ROGUE);
        _actors.push(STRANGER);
        _actors.push(HONEST_CHALLENGER);
        _actors.push(GRIEFER);
        _actors.push(NOBODY);
        vm.label(address(rollup), "OptimisticRollup");
        vm.label(address(game), "ChallengeGame");

        _batches[0].known = true;
        _batches[0].valid = true;
        L2Model.State memory genesis;
        _roots[0].push(L2Model.root(genesis, L2Model.empties()));
        require(
            _roots[0][0] == rollup.headRoot(),
            "model: the empty state's root differs from the genesis batch's"
        );
    }

    // ================================================================ users: the inbox

    /// @notice A user deposits 0 to 5 ETH to an L2 address (0 must be refused).
    function deposit(uint256 userSeed, uint256 toSeed, uint256 amountSeed) external {
        if (_inbox.length >= MAX_INBOX) return;
        address user = _users[userSeed % 5];
        address to = _l2Address(toSeed);
        uint256 amount = amountSeed % 16 == 0 ? 0 : bound(amountSeed >> 4, 1, 5 ether);
        vm.deal(user, user.balance + amount);
        vm.prank(user);
        try rollup.depositETH{value: amount}(to) {
            if (amount == 0) _chainFail("a deposit of 0 was queued");
            ghostDeposits += amount;
            _queued(OptimisticState.INBOX_DEPOSIT, user, to, amount);
        } catch (bytes memory reason) {
            if (amount != 0 || bytes4(reason) != IOptimisticRollup.RollupBadAmount.selector)
                _unexpected(reason, "a deposit was refused");
        }
    }

    /// @notice A user forces an L2 transfer of ETH from its account (the amount may exceed its
    ///         balance: then the step is a no-op).
    function forceTransfer(uint256 userSeed, uint256 toSeed, uint256 amountSeed) external {
        if (_inbox.length >= MAX_INBOX) return;
        address user = _users[userSeed % 5];
        address to = _l2Address(toSeed);
        uint256 amount = bound(amountSeed, 1, 4 ether);
        vm.prank(user);
        try rollup.forceTransfer(to, 0, amount) {
            _queued(OptimisticState.INBOX_FORCED_TRANSFER, user, to, amount);
        } catch (bytes memory reason) {
            _unexpected(reason, "a forced transfer was refused");
        }
    }

    /// @notice A user forces a withdrawal of ETH from its L2 account to any L1 address.
    function forceWithdraw(uint256 userSeed, uint256 recipientSeed, uint256 amountSeed) external {
        if (_inbox.length >= MAX_INBOX || forcedWithdrawals >= MAX_FORCED_WITHDRAWALS) return;
        address user = _users[userSeed % 5];
        address recipient = _actor(recipientSeed);
        uint256 amount = bound(amountSeed, 1, 3 ether);
        vm.prank(user);
        try rollup.forceWithdraw(0, amount, recipient) {
            ++forcedWithdrawals;
            _queued(OptimisticState.INBOX_FORCED_WITHDRAW, user, recipient, amount);
        } catch (bytes memory reason) {
            _unexpected(reason, "a forced withdrawal was refused");
        }
    }

    // ================================================================ batches

    /// @notice The honest sequencer posts the true batch (every overdue entry, up to 3 more, up
    ///         to 3 signed records) on a valid head; it must be accepted.
    function postHonest(uint256 seed) external {
        if (!_batches[_headId()].valid) return;
        Built memory b = _build(seed, _inboxCountFor(seed), false);
        _post(HONEST_SEQUENCER, HONEST_SEQUENCER, b, b.prevRoot, b.roots[b.roots.length - 1], true);
    }

    /// @notice A bonded stranger posts the true batch once an inbox entry is overdue (and is
    ///         refused with RollupNotSequencer before): a user the sequencer ignores gets in.
    function postForced(uint256 seed) external {
        if (!_batches[_headId()].valid) return;
        Built memory b = _build(seed, _inboxCountFor(seed), false);
        bytes32 claimed = b.roots[b.roots.length - 1];
        bool overdue = _overdueCount() != 0;
        (bool posted, ) = _post(STRANGER, STRANGER, b, b.prevRoot, claimed, overdue);
        if (posted) ++ghostForcedBatches;
    }

    /// @notice The dishonest sequencer (or the unregistered ROGUE) posts: a valid batch, a wrong
    ///         root (random, or a forged withdrawal to itself), an empty batch changing the root,
    ///         a stale head, a batch leaving an overdue entry out, or a batch sent from inside
    ///         another transaction. Each must be accepted or refused exactly as the rules say.
    function postDishonest(uint256 seed, uint256 kind) external {
        address poster = _mix(seed, kind) % 4 == 0 ? ROGUE : DISHONEST_SEQUENCER;
        address origin = poster;
        // 0 valid, 1 random root, 2 theft (twice as often as each refusal), 3 empty batch
        // changing the root, 4 stale head, 5 overdue entry left out, 6 from another transaction.
        kind %= 10;
        kind = kind < 6 ? kind / 2 : kind - 3;
        uint256 overdue = _overdueCount();
        uint256 count = _inboxCountFor(seed);
        if (kind == 3) count = overdue;
        if (kind == 5 && overdue != 0) count = overdue - 1;
        Built memory b = _build(seed, count, kind == 3);
        bytes32 prevRoot = b.prevRoot;
        bytes32 newRoot = b.known ? b.roots[b.roots.length - 1] : _noise(seed, 1);
        bool theft;
        if (kind == 1 || (kind == 2 && !b.known)) {
            newRoot = _noise(seed, 2);
        } else if (kind == 2) {
            if (b.post.withdrawalCount == L2Model.MAX_WITHDRAWALS) return;
            newRoot = _theft(b, poster);
            theft = true;
        } else if (kind == 3) {
            newRoot = _noise(seed, 3);
        } else if (kind == 4) {
            prevRoot = _noise(seed, 4);
        } else if (kind == 6) {
            origin = _actor(seed);
        }
        (bool posted, uint256 id) = _post(poster, origin, b, prevRoot, newRoot, false);
        if (posted && theft) {
            _batches[id].theft = true;
            _fake[id] = b.fake;
            _thefts.push(id);
        }
    }

    // ================================================================ games

    /// @notice The honest challenger disputes the first invalid batch (if it has no game on it).
    function challengeHonest() external {
        (uint256 id, bool found) = _firstInvalid();
        if (found) _honestChallenge(id);
    }

    /// @notice The griefer (or the dishonest sequencer, challenging itself) disputes any batch
    ///         with any claim: refused outside the window, on the genesis batch, on a batch
    ///         without steps, with a malformed claim or a wrong bond.
    function challengeAny(uint256 batchSeed, uint256 claimSeed) external {
        uint256 r = _mix(batchSeed, claimSeed);
        uint256 bc = rollup.batchCount();
        uint256 fc = rollup.finalizedCount();
        uint256 position = bound(batchSeed, fc - 1, bc - 1);
        IOptimisticRollup.Batch memory b = rollup.batchAt(position);
        uint256 steps = uint256(b.inboxCount) + b.recordCount;
        bytes32 midClaim;
        if (steps >= 2) {
            midClaim =
                _batches[b.id].known && r % 3 == 0 ? _roots[b.id][steps / 2] : _noise(claimSeed, 5);
        }
        bool badClaim = (r >> 8) % 16 == 0;
        if (badClaim) midClaim = midClaim == bytes32(0) ? _noise(claimSeed, 6) : bytes32(0);
        uint256 value = (r >> 12) % 16 == 0 ? CHALLENGER_BOND - 1 : CHALLENGER_BOND;
        address challenger = (r >> 16) % 4 == 0 ? DISHONEST_SEQUENCER : GRIEFER;
        bool allowed =
            value == CHALLENGER_BOND &&
                position != 0 &&
                block.timestamp < b.postedAt + WINDOW &&
                steps != 0 &&
                !badClaim;
        vm.deal(challenger, challenger.balance + value);
        vm.prank(challenger);
        try game.challenge{value: value}(b.id, midClaim) returns (uint256 gameId) {
            if (!allowed) _chainFail("a challenge the game must refuse was opened");
            ghostChallengeBondsIn += value;
            _opened(gameId, b.id, false);
        } catch (bytes memory reason) {
            if (allowed) _unexpected(reason, "an allowed challenge was refused");
        }
    }

    /// @notice Every honest party does what is due now: dispute the first invalid batch, answer
    ///         its games, prove the step of games at one step, close games on discarded batches.
    function honestAct() external {
        _honestDuties();
    }

    /// @notice The dishonest side of a game moves (agreeing or not, with true or invented claims,
    ///         sometimes a malformed one), or tries to move out of turn in a game against an
    ///         honest party: each accepted or refused exactly as the game's rules say.
    function dishonestMove(uint256 gameSeed, uint256 choice) external {
        // Three times in four a game where a dishonest side is to move, if there is one.
        choice = _mix(gameSeed, choice);
        uint256 gameId = (choice >> 12) % 4 == 0 ? _pickGame(gameSeed) : _dishonestTurn(gameSeed);
        if (gameId == 0) return;
        IChallengeGame.Game memory g = game.gameOf(gameId);
        GameInfo memory info = _games[gameId];
        IChallengeGame.Party side = g.turn;
        bool honestToMove =
            side == IChallengeGame.Party.Defender ? info.honestDefender : info.honestChallenger;
        address mover;
        if (honestToMove) mover = side == IChallengeGame.Party.Defender ? g.challenger : g.defender;
        else mover = side == IChallengeGame.Party.Defender ? g.defender : g.challenger;
        (bool agree, bytes32 midClaim, bool badClaim) = _dishonestClaim(gameId, g, choice);
        bytes4 expected;
        if (
            honestToMove &&
            mover != (side == IChallengeGame.Party.Defender ? g.defender : g.challenger)
        ) expected = IChallengeGame.GameNotYourTurn.selector;
        else if (_width(g) < 2) expected = IChallengeGame.GameAwaitingStep.selector;
        else if (_clockOf(g, side).expiredAt(block.timestamp))
            expected = IChallengeGame.GameClockExpired.selector;
        else if (badClaim) expected = IChallengeGame.GameBadClaim.selector;
        vm.prank(mover);
        try game.move(gameId, agree, midClaim) {
            if (expected != 0) _chainFail("a move the game must refuse was accepted");
        } catch (bytes memory reason) {
            if (expected == 0) _unexpected(reason, "a well-formed move in turn was refused");
            else if (bytes4(reason) != expected)
                _chainFail("a move was refused for another reason than expected");
        }
    }

    /// @notice Anyone proves the step of a game at one step: with the true witnesses (the game
    ///         ends as the model says), or with a forged entry, record, header or witness (must
    ///         be refused).
    function stepAnyone(uint256 gameSeed, uint256 callerSeed, uint256 forgeKind) external {
        uint256 gameId = _pickGame(gameSeed);
        if (gameId == 0) return;
        IChallengeGame.Game memory g = game.gameOf(gameId);
        if (_width(g) != 1 || !_batches[g.batchId].known) return;
        uint256 lo = _lo(g);
        if (g.loRoot != _roots[g.batchId][lo]) return; // no true pre-state: no witness exists
        forgeKind %= 5;
        if (forgeKind == 0) {
            _step(gameId, _actor(callerSeed));
            return;
        }
        (IChallengeGame.StepProof memory proof, ) = _stepProof(g.batchId, lo);
        if (!_forge(proof, forgeKind)) return;
        vm.prank(_actor(callerSeed));
        try game.step(gameId, proof) {
            _honestyFail("a step with a forged entry, record, header or witness was accepted");
        } catch {
            ++ghostForgedStepsRefused;
        }
    }

    /// @notice Anyone calls timeout: it succeeds exactly when the side to move ran out of time.
    function timeoutAnyone(uint256 gameSeed, uint256 callerSeed) external {
        uint256 gameId = _pickGame(gameSeed);
        if (gameId == 0) return;
        _timeout(gameId, _actor(callerSeed));
    }

    function _timeout(uint256 gameId, address caller) internal {
        Before memory s = _before(gameId);
        bool expired = _clockOf(s.g, s.g.turn).expiredAt(block.timestamp);
        vm.prank(caller);
        try game.timeout(gameId) {
            if (!expired) _chainFail("timeout ended a game whose side to move still had time");
            ++ghostTimeouts;
            _settle(gameId, s);
        } catch (bytes memory reason) {
            if (expired) _unexpected(reason, "timeout refused with the mover's clock run out");
        }
    }

    /// @notice Anyone closes a game: it succeeds exactly when its batch left the chain.
    function closeAnyone(uint256 gameSeed, uint256 callerSeed) external {
        uint256 gameId = _pickGame(gameSeed);
        if (gameId == 0) return;
        _close(gameId, _actor(callerSeed));
    }

    // ================================================================ finality and bonds

    /// @notice Anyone finalises up to 4 batches: exactly those, in order, whose window has passed
    ///         and that have no open game.
    function finalize(uint256 callerSeed, uint256 maxSeed) external {
        _finalize(_actor(callerSeed), bound(maxSeed, 0, 4));
    }

    function _finalize(address caller, uint256 max) internal {
        uint256 fc = rollup.finalizedCount();
        uint256 bc = rollup.batchCount();
        uint256 expected;
        for (uint256 p = fc; p < bc && expected < max; ++p) {
            IOptimisticRollup.Batch memory b = rollup.batchAt(p);
            if (block.timestamp < b.postedAt + WINDOW || b.openGames != 0) break;
            ++expected;
        }
        vm.prank(caller);
        try rollup.finalize(max) returns (uint256 n) {
            if (n != expected || rollup.finalizedCount() != fc + n)
                _finalityFail("finalize finalised other batches than those ready, in order");
            for (uint256 p = fc; p < fc + n; ++p) _finalized(rollup.batchAt(p));
        } catch (bytes memory reason) {
            if (expected != 0) _unexpected(reason, "finalize refused a batch that was ready");
        }
    }

    /// @notice Anyone releases the bond of any batch id: only of a batch that left the chain
    ///         without being proven invalid, once, to its sequencer's free bond.
    function releaseBond(uint256 callerSeed, uint256 idSeed) external {
        uint256 id = bound(idSeed, 0, rollup.nextBatchId());
        IOptimisticRollup.Batch memory b = rollup.batchById(id);
        bool releasable = id != 0 && b.id != 0 && !rollup.isAlive(id) && b.bond != 0;
        uint256 freeBefore = rollup.freeBond(b.sequencer);
        vm.prank(_actor(callerSeed));
        try rollup.releaseBond(id) {
            if (!releasable) _chainFail("a bond that is not releasable was released");
            if (rollup.freeBond(b.sequencer) != freeBefore + b.bond)
                _solvencyFail("a released bond did not return to its sequencer");
        } catch (bytes memory reason) {
            if (releasable) _unexpected(reason, "a releasable bond was not released");
        }
    }

    /// @notice An actor adds 0 to 3 ETH of free bond.
    function addBond(uint256 actorSeed, uint256 amountSeed) external {
        address actor = _actor(actorSeed);
        uint256 amount = bound(amountSeed, 0, 3 ether);
        vm.deal(actor, actor.balance + amount);
        vm.prank(actor);
        rollup.addBond{value: amount}();
        ghostBondsIn += amount;
    }

    /// @notice An actor withdraws free bond (up to one wei more than it has: refused).
    function withdrawBond(uint256 actorSeed, uint256 amountSeed) external {
        address actor = _actor(actorSeed);
        uint256 free = rollup.freeBond(actor);
        uint256 amount = bound(amountSeed, 0, free + 1);
        uint256 balanceBefore = actor.balance;
        vm.prank(actor);
        try rollup.withdrawBond(amount) {
            if (amount > free) _solvencyFail("more bond than free was withdrawn");
            ghostBondsOut += amount;
            if (actor.balance != balanceBefore + amount)
                _solvencyFail("withdrawBond paid other than the amount");
        } catch (bytes memory reason) {
            if (amount <= free) _unexpected(reason, "free bond could not be withdrawn");
        }
    }

    // ================================================================ withdrawals and payouts

    /// @notice Anyone proves a withdrawal of a final batch's state: with the true header and
    ///         proof it is credited once (again: RollupWithdrawalProven); forged (amount,
    ///         recipient, id, header) or against a batch not final, it is refused.
    function proveWithdrawal(
        uint256 callerSeed,
        uint256 positionSeed,
        uint256 idSeed,
        uint256 forgeKind
    ) external {
        uint256 fc = rollup.finalizedCount();
        // Half the time the last final state (it holds every withdrawal final so far).
        uint256 position = positionSeed % 2 == 0 ? fc - 1 : bound(positionSeed >> 1, 0, fc - 1);
        uint256 batchId = rollup.batchAt(position).id;
        if (!_batches[batchId].valid) return; // an invalid final batch: invariant 3 reports it
        L2Model.State memory s = _postState[batchId];
        if (s.withdrawalCount == 0) return;

        Proof memory p = _withdrawalProof(s, idSeed % s.withdrawalCount, position);
        bytes32 leaf = keccak256(abi.encode(p.recipient, p.amount));
        if (ghostProofs[p.id] != 0 && _provenLeaf[p.id] != leaf)
            _withdrawalFail("a withdrawal id names different withdrawals in two final states");
        // Half the time the true proof, else one of five forgeries.
        forgeKind = forgeKind % 2 == 0 ? 0 : 1 + ((forgeKind >> 1) % 5);
        if (forgeKind == 1) ++p.amount;
        else if (forgeKind == 2) p.recipient = p.recipient == GRIEFER ? ROGUE : GRIEFER;
        else if (forgeKind == 3) ++p.header.accountCount;
        else if (forgeKind == 4) ++p.id;
        else if (forgeKind == 5) p.position = fc;
        bool credit = forgeKind == 0 && ghostProofs[p.id] == 0;
        (bool proven, bytes memory reason) = _prove(_actor(callerSeed), p);
        if (proven) {
            if (!credit) _withdrawalFail("a forged or repeated withdrawal proof was credited");
            ++ghostProofs[p.id];
            ++ghostProvenCount;
            _provenLeaf[p.id] = leaf;
        } else if (credit) {
            _unexpected(reason, "a true withdrawal proof was refused");
        }
    }

    /// @notice The thief proves the forged withdrawal its theft batch claims: refused unless that
    ///         batch became final (which a live honest challenger prevents).
    function proveTheft(uint256 seed) external {
        if (_thefts.length == 0) return;
        uint256 id = _thefts[seed % _thefts.length];
        L2Model.State memory f = _fake[id];
        Proof memory p = _withdrawalProof(f, f.withdrawalCount - 1, _batches[id].position);
        (bool proven, ) = _prove(_batches[id].sequencer, p);
        if (proven) {
            ++ghostTheftAccepted;
            _withdrawalFail("a withdrawal forged by an invalid batch was credited");
        }
    }

    /// @dev `caller` proves withdrawal `p`; a credit is recorded (and must be exactly its amount).
    function _prove(
        address caller,
        Proof memory p
    ) internal returns (bool proven, bytes memory reason) {
        uint256 before = rollup.claimable(p.recipient, 0);
        vm.prank(caller);
        try
            rollup.proveWithdrawal(
                p.position,
                p.header,
                p.id,
                p.recipient,
                0,
                p.amount,
                p.bitmap,
                p.siblings
            )
        {
            ghostCredited[p.recipient] += p.amount;
            ghostWithdrawalsCredited += p.amount;
            if (rollup.claimable(p.recipient, 0) != before + p.amount)
                _withdrawalFail("a proven withdrawal credited other than its amount");
            return (true, "");
        } catch (bytes memory r) {
            return (false, r);
        }
    }

    /// @notice An actor claims its ETH credited on the rollup: exactly that is paid, once.
    function claim(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        uint256 owed = rollup.claimable(actor, 0);
        uint256 balanceBefore = actor.balance;
        vm.prank(actor);
        try rollup.claim(0) {
            if (owed == 0) _withdrawalFail("claim paid with nothing credited");
            ghostClaimsPaid += owed;
            ghostClaimed[actor] += owed;
            ++ghostClaims;
            if (actor.balance != balanceBefore + owed || rollup.claimable(actor, 0) != 0)
                _withdrawalFail("claim did not pay exactly what was credited");
        } catch (bytes memory reason) {
            if (owed != 0) _unexpected(reason, "a claim of credited ETH was refused");
        }
    }

    /// @notice An actor withdraws its bonds won or refunded in games.
    function gameWithdraw(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        uint256 owed = game.balanceOf(actor);
        uint256 balanceBefore = actor.balance;
        vm.prank(actor);
        try game.withdraw() {
            if (owed == 0) _solvencyFail("the game paid with nothing owed");
            ghostGameOut += owed;
            ghostGameWithdrawn[actor] += owed;
            if (actor.balance != balanceBefore + owed)
                _solvencyFail("the game paid other than what it owed");
        } catch (bytes memory reason) {
            if (owed != 0) _unexpected(reason, "a game withdrawal of what is owed was refused");
        }
    }

    // ================================================================ time and the outside

    /// @notice The honest parties do their duties, then time passes: mostly within a clock
    ///         budget, one time in three up to a window and a quarter.
    function warp(uint256 seed) external {
        _honestDuties();
        uint256 dt =
            seed % 3 == 0
                ? bound(seed / 3, 0, WINDOW + WINDOW / 4)
                : bound(seed / 3, 0, BUDGET + EXTENSION);
        vm.warp(block.timestamp + dt);
    }

    /// @notice Time passes without the honest parties acting, but never past the last second
    ///         at which one of them can still answer (or dispute the first invalid batch).
    function warpInTime(uint256 seed) external {
        vm.warp(block.timestamp + bound(seed, 0, _honestSlack()));
    }

    /// @notice Someone force-feeds ETH to the rollup or the game (selfdestruct, coinbase): owed
    ///         to nobody, and nothing may depend on it.
    function forceFeed(uint256 seed) external {
        uint256 amount = bound(seed >> 1, 1, 2 ether);
        if (seed % 2 == 0) {
            vm.deal(address(rollup), address(rollup).balance + amount);
            ghostForcedRollup += amount;
        } else {
            vm.deal(address(game), address(game).balance + amount);
            ghostForcedGame += amount;
        }
    }

    // ================================================================ views for the invariants

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function batchInfo(uint256 id) external view returns (BatchInfo memory) {
        return _batches[id];
    }

    function gameInfo(uint256 gameId) external view returns (GameInfo memory) {
        return _games[gameId];
    }

    function finalIds() external view returns (uint256[] memory) {
        return _final;
    }

    function trueRoot(uint256 id) external view returns (bytes32) {
        bytes32[] storage r = _roots[id];
        return r.length == 0 ? bytes32(0) : r[r.length - 1];
    }

    function inboxLength() external view returns (uint256) {
        return _inbox.length;
    }

    /// @notice What the users' funds in the rollup must cover per the last final state: its L2
    ///         balances, its withdrawals not yet credited, and ETH deposits it has not consumed.
    function finalStateOwes() external view returns (uint256 total) {
        uint256 position = rollup.finalizedCount() - 1;
        IOptimisticRollup.Batch memory b = rollup.batchAt(position);
        L2Model.State memory s = _postState[b.id];
        (total, ) = L2Model.owed(s);
        for (uint256 i; i < s.withdrawalCount; ++i) if (ghostProofs[i] == 0) total += s.amounts[i];
        for (uint256 i = b.inboxStart + b.inboxCount; i < _inbox.length; ++i) {
            if (_inbox[i].kind == OptimisticState.INBOX_DEPOSIT) total += _inbox[i].amount;
        }
    }

    // ================================================================ honest parties

    /// @dev What every honest party must do before time passes.
    function _honestDuties() internal {
        (uint256 id, bool found) = _firstInvalid();
        if (found) _honestChallenge(id);
        // The sequencer service finalises what is ready (docs/optimistic-rollup.md).
        _finalize(HONEST_SEQUENCER, 8);
        // A copy: a game that ends is dropped from _open meanwhile.
        uint256[] memory open = _open;
        for (uint256 i; i < open.length; ++i) _honestPlay(open[i]);
    }

    function _honestChallenge(uint256 id) internal {
        uint256 existing = _honestGame[id];
        if (existing != 0 && game.gameOf(existing).status == IChallengeGame.Status.Active) return;
        bytes32[] storage r = _roots[id];
        uint256 steps = r.length - 1;
        bytes32 midClaim = steps >= 2 ? r[steps / 2] : bytes32(0);
        vm.deal(HONEST_CHALLENGER, HONEST_CHALLENGER.balance + CHALLENGER_BOND);
        vm.prank(HONEST_CHALLENGER);
        try game.challenge{value: CHALLENGER_BOND}(id, midClaim) returns (uint256 gameId) {
            ghostChallengeBondsIn += CHALLENGER_BOND;
            _opened(gameId, id, true);
            _honestGame[id] = gameId;
        } catch (bytes memory reason) {
            _unexpected(reason, "the honest challenger could not dispute the first invalid batch");
            _honestyFail("the honest challenger could not dispute the first invalid batch");
        }
    }

    /// @dev The honest side of game `gameId` answers if it is its turn, proves the step once one
    ///      is left (whoever's turn), and closes the game if its batch left the chain.
    function _honestPlay(uint256 gameId) internal {
        GameInfo memory info = _games[gameId];
        if (!info.honestChallenger && !info.honestDefender) return;
        IChallengeGame.Game memory g = game.gameOf(gameId);
        if (g.status != IChallengeGame.Status.Active) return;
        address self = info.honestChallenger ? g.challenger : g.defender;
        if (!rollup.isAlive(g.batchId)) {
            _close(gameId, self);
            return;
        }
        bytes32[] storage r = _roots[g.batchId];
        uint256 lo = _lo(g);
        uint256 hi = _hi(g);
        if (g.loRoot != r[lo])
            _honestyFail("the agreed root of an honest game is not the true root");
        if (hi - lo == 1) {
            _step(gameId, self);
            return;
        }
        IChallengeGame.Party side =
            info.honestChallenger ? IChallengeGame.Party.Challenger : IChallengeGame.Party.Defender;
        if (g.turn != side) {
            if (_clockOf(g, g.turn).expiredAt(block.timestamp)) _timeout(gameId, self);
            return;
        }
        uint256 mid = lo + (hi - lo) / 2;
        bool agree = g.midRoot == r[mid];
        (lo, hi) = agree ? (mid, hi) : (lo, mid);
        bytes32 midClaim = hi - lo >= 2 ? r[lo + (hi - lo) / 2] : bytes32(0);
        vm.prank(self);
        try game.move(gameId, agree, midClaim) {} catch (bytes memory reason) {
            _unexpected(reason, "an honest move was refused");
            _honestyFail("an honest move was refused");
        }
    }

    /// @dev The longest time can pass with every honest party still able to act in time.
    function _honestSlack() internal view returns (uint256 slack) {
        slack = WINDOW;
        (uint256 id, bool found) = _firstInvalid();
        if (found && _honestGame[id] == 0) {
            uint256 closes = rollup.batchById(id).postedAt + WINDOW;
            slack = closes > block.timestamp ? closes - block.timestamp - 1 : 0;
        }
        for (uint256 i; i < _open.length; ++i) {
            GameInfo memory info = _games[_open[i]];
            if (!info.honestChallenger && !info.honestDefender) continue;
            IChallengeGame.Game memory g = game.gameOf(_open[i]);
            if (g.status != IChallengeGame.Status.Active) continue;
            IChallengeGame.Party side =
                info.honestChallenger
                    ? IChallengeGame.Party.Challenger
                    : IChallengeGame.Party.Defender;
            if (g.turn != side) continue;
            uint256 deadline = _clockOf(g, side).deadline();
            uint256 left = deadline > block.timestamp ? deadline - block.timestamp : 0;
            if (left < slack) slack = left;
        }
    }

    // ================================================================ steps and game outcomes

    /// @dev A game's state before a call that may end it.
    struct Before {
        IChallengeGame.Game g;
        bool alive;
        IOptimisticRollup.Batch b;
    }

    function _before(uint256 gameId) internal view returns (Before memory s) {
        s.g = game.gameOf(gameId);
        s.alive = rollup.isAlive(s.g.batchId);
        s.b = rollup.batchById(s.g.batchId);
    }

    /// @dev `caller` proves the step of game `gameId` with the true witnesses; the executor must
    ///      return the model's root, and the game must end as the model says.
    function _step(uint256 gameId, address caller) internal {
        Before memory s = _before(gameId);
        uint256 lo = _lo(s.g);
        (IChallengeGame.StepProof memory proof, bytes32 post) = _stepProof(s.g.batchId, lo);
        if (post != _roots[s.g.batchId][lo + 1]) _honestyFail("the model's step root drifted");
        _checkExecutor(s.g.batchId, lo, s.g.loRoot, proof, post);
        IChallengeGame.Party winner = post == s.g.hiRoot ? s.g.hiOwner : _opponent(s.g.hiOwner);
        vm.prank(caller);
        try game.step(gameId, proof) {
            ++ghostSteps;
            IChallengeGame.Status status = game.gameOf(gameId).status;
            IChallengeGame.Status expected =
                !s.alive
                    ? IChallengeGame.Status.Closed
                    : winner == IChallengeGame.Party.Challenger
                        ? IChallengeGame.Status.ChallengerWon
                        : IChallengeGame.Status.DefenderWon;
            if (status != expected) _honestyFail("a proven step ended the game otherwise");
            _settle(gameId, s);
        } catch (bytes memory reason) {
            _unexpected(reason, "a step with the true witnesses was refused");
            _honestyFail("a step with the true witnesses was refused");
        }
    }

    /// @dev The executor, run directly on step `k` of batch `id` from `pre` with the model's
    ///      witnesses, must return the model's root `post` (and never refuse the witnesses).
    function _checkExecutor(
        uint256 id,
        uint256 k,
        bytes32 pre,
        IChallengeGame.StepProof memory proof,
        bytes32 post
    ) internal {
        BatchInfo storage info = _batches[id];
        bytes32 root;
        if (k < info.inboxCount) {
            try executor.executeInbox(pre, proof.entry, proof.witness) returns (bytes32 r) {
                root = r;
            } catch (bytes memory reason) {
                _unexpected(reason, "the one-step executor refused the model's witnesses");
                _honestyFail("the one-step executor refused the model's witnesses");
                return;
            }
        } else {
            try
                executor.executeRecord(pre, proof.record, info.feeAccount, _domain, proof.witness)
            returns (bytes32 r) {
                root = r;
            } catch (bytes memory reason) {
                _unexpected(reason, "the one-step executor refused the model's witnesses");
                _honestyFail("the one-step executor refused the model's witnesses");
                return;
            }
        }
        ++ghostExecutorChecks;
        if (root != post) _honestyFail("the one-step executor and the model disagree on a step");
    }

    /// @dev The step proof of step `k` of batch `id` from the true state at position k, and the
    ///      root the model gives after it.
    function _stepProof(
        uint256 id,
        uint256 k
    ) internal view returns (IChallengeGame.StepProof memory proof, bytes32 post) {
        BatchInfo storage info = _batches[id];
        bytes32[] memory e = L2Model.empties();
        L2Model.State memory s = _postState[info.prevId];
        L2Model.Wit memory silent;
        for (uint256 j; j < k; ++j) (s, ) = _applyStep(s, id, j, silent, e);
        L2Model.Wit memory w = L2Model.recorder();
        (L2Model.State memory t, ) = _applyStep(s, id, k, w, e);
        post = L2Model.root(t, e);
        proof.witness = L2Model.stepWitness(w, s, e);
        if (k < info.inboxCount) {
            proof.entry = _entry(info.inboxStart + k);
        } else {
            bytes[] memory records = _records[id];
            proof.record = records[k - info.inboxCount];
            proof.recordSiblings = L2Model.recordProof(records, k - info.inboxCount, e);
        }
        proof.blobHashes = new bytes32[](0);
        proof.chunks = new BlobReader.Chunk[](0);
    }

    function _applyStep(
        L2Model.State memory s,
        uint256 id,
        uint256 k,
        L2Model.Wit memory w,
        bytes32[] memory e
    ) internal view returns (L2Model.State memory, bool) {
        BatchInfo storage info = _batches[id];
        if (k < info.inboxCount) return L2Model.applyInbox(s, _entry(info.inboxStart + k), w, e);
        return
            L2Model.applyRecord(
                s,
                _records[id][k - info.inboxCount],
                info.feeAccount,
                _domain,
                w,
                e
            );
    }

    /// @dev Corrupts one part of a true step proof; false when this proof has no such part.
    function _forge(
        IChallengeGame.StepProof memory proof,
        uint256 kind
    ) internal pure returns (bool) {
        IOneStepExecutor.StepWitness memory w = proof.witness;
        if (kind == 1) {
            if (proof.record.length == 0) ++proof.entry.amount;
            else proof.record[proof.record.length - 1] ^= 0x01;
        } else if (kind == 2) {
            ++w.header.withdrawalCount;
        } else if (kind == 3) {
            if (w.accounts.length == 0) return false;
            ++w.accounts[0].balance;
        } else {
            // Drop the last witness the step reads (an address lookup or an account access).
            if (w.accounts.length != 0) {
                IOneStepExecutor.AccountWitness[] memory a = w.accounts;
                assembly ("memory-safe") {
                    mstore(a, sub(mload(a), 1))
                }
            } else if (w.addresses.length != 0) {
                IOneStepExecutor.AddressWitness[] memory a = w.addresses;
                assembly ("memory-safe") {
                    mstore(a, sub(mload(a), 1))
                }
            } else {
                return false;
            }
        }
        return true;
    }

    function _close(uint256 gameId, address caller) internal {
        Before memory s = _before(gameId);
        bool moot = s.g.status == IChallengeGame.Status.Active && !s.alive;
        vm.prank(caller);
        try game.close(gameId) {
            if (!moot) _chainFail("a game on a live batch (or an ended game) was closed");
            ++ghostCloses;
            _settle(gameId, s);
        } catch (bytes memory reason) {
            if (moot) _unexpected(reason, "a game on a discarded batch could not be closed");
        }
    }

    /// @dev Records what the end of game `gameId` must have done (from its state before).
    function _settle(uint256 gameId, Before memory s) internal {
        IChallengeGame.Game memory g = game.gameOf(gameId);
        if (g.status == IChallengeGame.Status.ChallengerWon) {
            ghostGameCredited[g.challenger] += g.bond;
            if (!s.alive) _chainFail("a game on a discarded batch was won");
            uint256 reward = s.b.bond / 2;
            ghostCredited[g.challenger] += reward;
            ghostRewards += reward;
            ghostBurned += s.b.bond - reward;
            ++ghostDiscards;
            _countHonestDiscarded(g.batchId);
            if (rollup.batchCount() != s.b.position || rollup.inboxConsumed() != s.b.inboxStart)
                _chainFail("a batch proven invalid did not leave the chain with its inbox entries");
            if (rollup.isSequencer(s.b.sequencer))
                _chainFail("the sequencer of a batch proven invalid is still registered");
        } else if (g.status == IChallengeGame.Status.DefenderWon) {
            ghostGameCredited[g.defender] += g.bond;
            if (!s.alive) _chainFail("a game on a discarded batch was won");
        } else if (g.status == IChallengeGame.Status.Closed) {
            ghostGameCredited[g.challenger] += g.bond;
            if (s.alive) _chainFail("a game on a live batch closed without a winner");
        }
        // A discard can make other games moot and ends no other game itself.
        for (uint256 i; i < _open.length; ++i) {
            if (_open[i] == gameId) {
                _open[i] = _open[_open.length - 1];
                _open.pop();
                break;
            }
        }
    }

    /// @dev Counts the honest batches that left the chain with batch `lost` (built on it).
    function _countHonestDiscarded(uint256 lost) internal {
        uint256 next = rollup.nextBatchId();
        for (uint256 id = lost + 1; id < next; ++id) {
            if (_batches[id].honest && !_discardCounted[id] && !rollup.isAlive(id)) {
                _discardCounted[id] = true;
                ++ghostHonestBatchesDiscarded;
            }
        }
    }

    function _opened(uint256 gameId, uint256 batchId, bool honestChallenger) internal {
        BatchInfo storage info = _batches[batchId];
        _games[gameId] = GameInfo({
            batchId: uint64(batchId),
            honestChallenger: honestChallenger,
            honestDefender: info.honest && info.valid
        });
        _open.push(gameId);
        ++ghostGames;
        if (honestChallenger && info.valid)
            _honestyFail("the honest challenger disputed a valid batch");
    }

    /// @dev A game from `_open` that is still active (ended ones are dropped), 0 if none.
    function _pickGame(uint256 seed) internal returns (uint256) {
        while (_open.length != 0) {
            uint256 i = seed % _open.length;
            uint256 gameId = _open[i];
            if (game.gameOf(gameId).status == IChallengeGame.Status.Active) return gameId;
            _open[i] = _open[_open.length - 1];
            _open.pop();
        }
        return 0;
    }

    /// @dev An active game in which a dishonest side is to move (else any active game), 0 if none.
    function _dishonestTurn(uint256 seed) internal returns (uint256) {
        uint256 n = _open.length;
        for (uint256 k; k < n; ++k) {
            uint256 gameId = _open[((seed % n) + k) % n];
            IChallengeGame.Game memory g = game.gameOf(gameId);
            if (g.status != IChallengeGame.Status.Active) continue;
            GameInfo memory info = _games[gameId];
            bool honestToMove =
                g.turn == IChallengeGame.Party.Defender
                    ? info.honestDefender
                    : info.honestChallenger;
            if (!honestToMove) return gameId;
        }
        return _pickGame(seed);
    }

    /// @dev A dishonest side's answer: agree at random or truthfully, claim the truth or noise;
    ///      one time in sixteen a malformed claim (zero where one is needed, or the reverse).
    function _dishonestClaim(
        uint256 gameId,
        IChallengeGame.Game memory g,
        uint256 choice
    ) internal view returns (bool agree, bytes32 midClaim, bool badClaim) {
        uint256 lo = _lo(g);
        uint256 hi = _hi(g);
        bool known = _batches[g.batchId].known;
        agree = choice & 1 == 1;
        if (hi - lo < 2) return (agree, bytes32(0), false);
        uint256 mid = lo + (hi - lo) / 2;
        if (known && (choice >> 1) % 2 == 0) agree = g.midRoot == _roots[g.batchId][mid];
        (lo, hi) = agree ? (mid, hi) : (lo, mid);
        if (hi - lo >= 2) {
            uint256 next = lo + (hi - lo) / 2;
            midClaim =
                known && (choice >> 2) % 3 == 0
                    ? _roots[g.batchId][next]
                    : keccak256(abi.encode(gameId, next, choice));
        }
        badClaim = (choice >> 8) % 16 == 0;
        if (badClaim)
            midClaim = midClaim == bytes32(0) ? keccak256(abi.encode(choice)) : bytes32(0);
    }

    function _finalized(IOptimisticRollup.Batch memory b) internal {
        ghostFinalizedAt[b.id] = block.timestamp;
        _final.push(b.id);
        ++ghostFinalized;
        if (block.timestamp < b.postedAt + WINDOW)
            _finalityFail("a batch became final before its window closed");
        if (b.openGames != 0) _finalityFail("a batch became final with a game open on it");
        for (uint256 i; i < _open.length; ++i) {
            GameInfo memory info = _games[_open[i]];
            if (
                info.batchId == b.id && game.gameOf(_open[i]).status == IChallengeGame.Status.Active
            ) _finalityFail("a batch became final while a game on it was active");
        }
        if (!_batches[b.id].valid) _finalityFail("a batch with a wrong root became final");
    }

    // ================================================================ building batches

    /// @notice A batch as built by the model: its inbox range, records, the true roots at each
    ///         position (known batches), the true post-state, and a theft state when asked.
    struct Built {
        uint256 headId;
        bytes32 prevRoot;
        bool known;
        uint256 inboxStart;
        uint32 inboxCount;
        uint32 feeAccount;
        bytes[] recs;
        bytes records;
        bytes32[] roots;
        L2Model.State post;
        L2Model.State fake;
    }

    /// @dev Every overdue entry plus up to 3 more (what a batch must and may consume).
    function _inboxCountFor(uint256 seed) internal view returns (uint256) {
        uint256 overdue = _overdueCount();
        uint256 pending = _inbox.length - rollup.inboxConsumed();
        uint256 room = pending - overdue;
        return overdue + bound(seed >> 4, 0, room < 3 ? room : 3);
    }

    function _build(
        uint256 seed,
        uint256 inboxCount,
        bool noRecords
    ) internal view returns (Built memory b) {
        b.headId = _headId();
        b.prevRoot = rollup.headRoot();
        b.known = _batches[b.headId].valid;
        b.inboxStart = rollup.inboxConsumed();
        b.inboxCount = uint32(inboxCount);
        uint256 r = _mix(seed, inboxCount);
        b.feeAccount = uint32((r >> 200) % 8);
        uint256 recordCount = noRecords ? 0 : (r >> 8) % 4;
        b.recs = new bytes[](recordCount);
        bytes32[] memory e = L2Model.empties();
        L2Model.State memory s;
        if (b.known) {
            s = _postState[b.headId];
            b.roots = new bytes32[](inboxCount + recordCount + 1);
            b.roots[0] = L2Model.root(s, e);
        }
        L2Model.Wit memory silent;
        bool ok;
        for (uint256 i; i < inboxCount; ++i) {
            if (!b.known) continue;
            (s, ok) = L2Model.applyInbox(s, _entry(b.inboxStart + i), silent, e);
            b.roots[i + 1] = ok ? L2Model.root(s, e) : b.roots[i];
        }
        for (uint256 j; j < recordCount; ++j) {
            b.recs[j] = _makeRecord(s, uint256(keccak256(abi.encode(seed, j))));
            b.records = bytes.concat(b.records, b.recs[j]);
            if (!b.known) continue;
            (s, ok) = L2Model.applyRecord(s, b.recs[j], b.feeAccount, _domain, silent, e);
            uint256 k = inboxCount + j;
            b.roots[k + 1] = ok ? L2Model.root(s, e) : b.roots[k];
        }
        b.post = s;
    }

    /// @dev The root of the true post-state plus a withdrawal to `thief` of more than was ever
    ///      deposited (a real state root: what a fraud proof exists to stop).
    function _theft(Built memory b, address thief) internal view returns (bytes32) {
        L2Model.State memory f = L2Model.clone(b.post);
        f.recipients[f.withdrawalCount] = thief;
        f.amounts[f.withdrawalCount] = ghostDeposits + 1;
        ++f.withdrawalCount;
        b.fake = f;
        return L2Model.root(f, L2Model.empties());
    }

    /// @dev A signed record from a user: a transfer by index or to an address, or a withdrawal,
    ///      usually valid in state `s`; sometimes more than the balance, a wrong nonce, another
    ///      user's signature, a fee (paid to the batch's fee account, which may not exist).
    function _makeRecord(L2Model.State memory s, uint256 r) internal view returns (bytes memory) {
        Rec memory rec;
        uint256 u = r % 5;
        (bool found, uint256 index) = L2Model.indexOf(s, _users[u]);
        rec.from = found ? index : (r >> 3) % 8;
        uint256 balance = found ? s.balances[index] : 0;
        // Transfers by index and to an address, and (half of the records) withdrawals.
        rec.kind = (r >> 6) % 4 < 2 ? 1 + ((r >> 6) % 4) : OptimisticState.RECORD_WITHDRAW;
        if (
            rec.kind == OptimisticState.RECORD_WITHDRAW &&
            s.withdrawalCount >= RECORD_WITHDRAWAL_ROOM
        ) rec.kind = OptimisticState.RECORD_TRANSFER_TO_ADDRESS;
        uint256 m = (r >> 9) % 8;
        uint256 amount =
            m == 0
                ? balance
                : m == 1
                    ? balance + 1
                    : bound(r >> 12, 0, balance);
        rec.amount = _floorFloat40(amount);
        rec.fee = (r >> 80) % 3 == 0 ? 1 + ((r >> 82) % 7) : 0;
        rec.nonce = found ? s.nonces[index] : 0;
        if ((r >> 88) % 8 == 0) ++rec.nonce;
        uint256 key = _keys[(r >> 92) % 8 == 0 ? (u + 1) % 5 : u];
        if (rec.kind == OptimisticState.RECORD_TRANSFER) {
            rec.toIndex = (r >> 96) % (s.accountCount + 1);
            rec.to = rec.toIndex < s.accountCount ? s.owners[rec.toIndex] : NOBODY;
        } else {
            rec.to = _l2Address(r >> 96);
        }
        return _encodeRecord(rec, key);
    }

    struct Rec {
        uint256 kind;
        uint256 from;
        uint256 toIndex;
        address to;
        uint256 amount;
        uint256 fee;
        uint64 nonce;
    }

    function _encodeRecord(Rec memory rec, uint256 key) internal view returns (bytes memory) {
        bytes32 digest =
            rec.kind == OptimisticState.RECORD_WITHDRAW
                ? L2Model.withdrawDigest(_domain, 0, rec.amount, rec.fee, rec.nonce)
                : L2Model.transferDigest(_domain, rec.to, 0, rec.amount, rec.fee, rec.nonce);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        bytes memory tail = abi.encodePacked(
            uint16(0),
            uint40(_encodeFloat40(rec.amount)),
            uint8(rec.fee),
            r,
            vs
        );
        if (rec.kind == OptimisticState.RECORD_TRANSFER)
            return abi.encodePacked(uint8(rec.kind), uint32(rec.from), uint32(rec.toIndex), tail);
        if (rec.kind == OptimisticState.RECORD_TRANSFER_TO_ADDRESS)
            return abi.encodePacked(uint8(rec.kind), uint32(rec.from), rec.to, tail);
        return abi.encodePacked(uint8(rec.kind), uint32(rec.from), tail);
    }

    /// @dev Posts `b` claiming `newRoot` as `poster` (tx.origin `origin`), checks acceptance
    ///      against the rules, and records an accepted batch. `mustPost`: refusal is a violation
    ///      of the honesty property (an honest poster's batch).
    function _post(
        address poster,
        address origin,
        Built memory b,
        bytes32 prevRoot,
        bytes32 newRoot,
        bool mustPost
    ) internal returns (bool posted, uint256 id) {
        bytes4 expected = _postError(poster, origin, b, prevRoot, newRoot);
        uint256 value = rollup.freeBond(poster) >= BATCH_BOND ? 0 : BATCH_BOND;
        vm.deal(poster, poster.balance + value);
        id = rollup.nextBatchId();
        vm.prank(poster, origin);
        try
            rollup.postBatch{value: value}(prevRoot, newRoot, b.inboxCount, b.feeAccount, b.records)
        {
            posted = true;
            ghostBondsIn += value;
            if (expected != 0) _chainFail("a batch the rollup must refuse was posted");
            _remember(id, poster, b, newRoot);
        } catch (bytes memory reason) {
            ++ghostRefusedBatches;
            if (mustPost) {
                _unexpected(reason, "an honest batch was refused");
                _honestyFail("an honest batch was refused");
            } else if (expected == 0) {
                _unexpected(reason, "a batch the rules allow was refused");
            } else if (bytes4(reason) != expected) {
                _chainFail("a batch was refused for another reason than expected");
            }
        }
    }

    function _postError(
        address poster,
        address origin,
        Built memory b,
        bytes32 prevRoot,
        bytes32 newRoot
    ) internal view returns (bytes4) {
        if (poster != origin) return IOptimisticRollup.RollupPosterNotEoa.selector;
        uint256 overdue = _overdueCount();
        if (!rollup.isSequencer(poster) && overdue == 0)
            return IOptimisticRollup.RollupNotSequencer.selector;
        if (prevRoot != rollup.headRoot()) return IOptimisticRollup.RollupStaleRoot.selector;
        if (b.inboxCount < overdue) return IOptimisticRollup.RollupInboxEntryOverdue.selector;
        if (b.inboxCount == 0 && b.recs.length == 0 && newRoot != prevRoot)
            return IOptimisticRollup.RollupEmptyBatchChangesRoot.selector;
        return 0;
    }

    function _remember(uint256 id, address poster, Built memory b, bytes32 newRoot) internal {
        bool honest = poster == HONEST_SEQUENCER || poster == STRANGER;
        BatchInfo storage info = _batches[id];
        info.known = b.known;
        info.valid = b.known && newRoot == b.roots[b.roots.length - 1];
        info.honest = honest;
        info.prevId = uint64(b.headId);
        info.position = uint64(rollup.batchCount() - 1);
        info.inboxStart = uint64(b.inboxStart);
        info.inboxCount = b.inboxCount;
        info.feeAccount = b.feeAccount;
        info.sequencer = poster;
        for (uint256 i; i < b.recs.length; ++i) _records[id].push(b.recs[i]);
        if (b.known) {
            _roots[id] = b.roots;
            _postState[id] = b.post;
        }
        if (honest) ++ghostHonestBatches;
        else ++ghostHostileBatches;
        // The executor on one step of the batch, proven or not: what an honest party would
        // prove there must be what the model computed.
        uint256 steps = b.inboxCount + b.recs.length;
        if (b.known && steps != 0) {
            uint256 k = _mix(id, block.timestamp) % steps;
            (IChallengeGame.StepProof memory proof, bytes32 post) = _stepProof(id, k);
            if (post != b.roots[k + 1]) _honestyFail("the model's step root drifted");
            _checkExecutor(id, k, b.roots[k], proof, post);
        }
        if (honest && !info.valid) _honestyFail("an honest party posted a wrong root");

        IOptimisticRollup.Batch memory stored = rollup.batchById(id);
        if (
            stored.stateRoot != newRoot ||
            stored.position != info.position ||
            stored.inboxStart != b.inboxStart ||
            stored.inboxCount != b.inboxCount ||
            stored.recordCount != b.recs.length ||
            stored.sequencer != poster ||
            stored.bond != BATCH_BOND ||
            stored.postedAt != block.timestamp ||
            stored.recordRoot != L2Model.recordRoot(b.recs, L2Model.empties())
        ) _chainFail("a posted batch is stored otherwise than it was posted");
    }

    // ================================================================ withdrawal proofs

    struct Proof {
        uint256 position;
        IOneStepExecutor.StateHeader header;
        uint256 id;
        address recipient;
        uint256 amount;
        uint256 bitmap;
        bytes32[] siblings;
    }

    function _withdrawalProof(
        L2Model.State memory s,
        uint256 id,
        uint256 position
    ) internal pure returns (Proof memory p) {
        bytes32[] memory e = L2Model.empties();
        p.position = position;
        p.header = L2Model.header(s, e);
        p.id = id;
        p.recipient = s.recipients[id];
        p.amount = s.amounts[id];
        (p.bitmap, p.siblings) = L2Model.withdrawalProof(s, id, e);
    }

    // ================================================================ helpers

    function _queued(uint8 kind, address from, address to, uint256 amount) internal {
        uint256 index = _inbox.length;
        _inbox.push(Entry(kind, from, to, uint128(amount), uint64(block.timestamp)));
        IOptimisticRollup.QueuedEntry memory stored = rollup.inboxEntry(index);
        if (
            rollup.inboxLength() != index + 1 ||
            stored.hash != OptimisticState.inboxEntryHash(_entry(index)) ||
            stored.queuedAt != block.timestamp
        ) _chainFail("an inbox entry is stored otherwise than it was queued");
    }

    function _entry(uint256 index) internal view returns (IOneStepExecutor.InboxEntry memory) {
        Entry storage q = _inbox[index];
        return IOneStepExecutor.InboxEntry(q.kind, q.from, q.to, 0, q.amount);
    }

    /// @dev Pending entries from the first one that waited forceDelay or more (a prefix: entries
    ///      are queued in time order), counted from the last discard at the earliest.
    function _overdueCount() internal view returns (uint256) {
        uint256 start = rollup.inboxConsumed();
        if (rollup.lastDiscardAt() + FORCE_DELAY > block.timestamp) return 0;
        uint256 i = start;
        while (i < _inbox.length && _inbox[i].queuedAt + FORCE_DELAY <= block.timestamp) ++i;
        return i - start;
    }

    function _headId() internal view returns (uint256) {
        return rollup.batchAt(rollup.batchCount() - 1).id;
    }

    /// @dev The first batch not final that is not valid (the one the honest challenger
    ///      disputes; every later batch builds on it and leaves the chain with it).
    function _firstInvalid() internal view returns (uint256, bool) {
        uint256 bc = rollup.batchCount();
        for (uint256 p = rollup.finalizedCount(); p < bc; ++p) {
            uint256 id = rollup.batchAt(p).id;
            if (!_batches[id].valid) return (id, true);
        }
        return (0, false);
    }

    function _clockOf(
        IChallengeGame.Game memory g,
        IChallengeGame.Party side
    ) internal pure returns (Clock) {
        return side == IChallengeGame.Party.Defender ? g.defenderClock : g.challengerClock;
    }

    function _opponent(IChallengeGame.Party side) internal pure returns (IChallengeGame.Party) {
        return
            side == IChallengeGame.Party.Defender
                ? IChallengeGame.Party.Challenger
                : IChallengeGame.Party.Defender;
    }

    function _lo(IChallengeGame.Game memory g) internal pure returns (uint256) {
        return g.position.lo();
    }

    function _hi(IChallengeGame.Game memory g) internal pure returns (uint256) {
        return g.position.hi();
    }

    function _width(IChallengeGame.Game memory g) internal pure returns (uint256) {
        return g.position.width();
    }

    /// @dev The L2 addresses accounts can have: the five users and NOBODY (no key).
    function _l2Address(uint256 seed) internal view returns (address) {
        uint256 i = seed % 6;
        return i == 5 ? NOBODY : _users[i];
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev Bits for rare choices: fuzzed seeds are often small, and their high bits zero.
    function _mix(uint256 a, uint256 b) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(a, b)));
    }

    function _noise(uint256 seed, uint256 tag) internal pure returns (bytes32) {
        return keccak256(abi.encode("noise", seed, tag));
    }

    /// @dev The largest float40-exact amount not above `v` (35-bit mantissa times 10^e).
    function _floorFloat40(uint256 v) internal pure returns (uint256) {
        uint256 scale = 1;
        while (v / scale > (uint256(1) << 35) - 1) scale *= 10;
        return (v / scale) * scale;
    }

    /// @dev The canonical float40 packing (smallest exponent) of an exact amount.
    function _encodeFloat40(uint256 v) internal pure returns (uint256) {
        uint256 mantissa = v;
        uint256 exponent;
        while (mantissa > (uint256(1) << 35) - 1) {
            mantissa /= 10;
            ++exponent;
        }
        return (exponent << 35) | mantissa;
    }

    // ================================================================ violations (first kept)

    function _unexpected(bytes memory reason, string memory what) internal {
        if (lastUnexpectedReason.length == 0) lastUnexpectedReason = reason;
        _chainFail(what);
    }

    function _solvencyFail(string memory what) internal {
        if (bytes(solvencyViolation).length == 0) solvencyViolation = what;
    }

    function _honestyFail(string memory what) internal {
        if (bytes(honestyViolation).length == 0) honestyViolation = what;
    }

    function _finalityFail(string memory what) internal {
        if (bytes(finalityViolation).length == 0) finalityViolation = what;
    }

    function _withdrawalFail(string memory what) internal {
        if (bytes(withdrawalViolation).length == 0) withdrawalViolation = what;
    }

    function _chainFail(string memory what) internal {
        if (bytes(chainViolation).length == 0) chainViolation = what;
    }
}
