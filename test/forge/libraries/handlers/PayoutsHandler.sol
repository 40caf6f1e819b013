// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPayouts} from "../../../../contracts/interfaces/IPayouts.sol";
import {FeeOnTransferToken} from "../../../../contracts/mocks/FeeOnTransferToken.sol";
import {NoReturnToken} from "../../../../contracts/mocks/NoReturnToken.sol";
import {HostileToken} from "../../../../contracts/mocks/HostileToken.sol";
import {Base} from "../../utils/Base.sol";
import {
    BlocklistToken,
    FalseReturningToken,
    GasBurningPayee,
    HonestWallet,
    HookToken,
    PayoutsHarness,
    ReenteringPayee,
    ReturnBombPayee,
    RevertingPayee,
    StandardToken
} from "./PayoutsActors.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
}

/// @title PayoutsHandler
/// @notice Random deposits, payouts (one receiver, or a batch over many as the systems loop over
///         participants and exits) and withdrawals on a PayoutsHarness, by honest and hostile
///         actors, in ETH and seven tokens; ghost variables keep the money in, the payouts that
///         arrived, the payouts deferred (owed) and the withdrawals, per asset and per account.
/// @dev    Actors (receivers and withdrawers): two EOAs, an honest contract wallet, a payee
///         that reverts, one that burns all gas, one that answers with ~95 KB of return data,
///         one that re-enters withdraw and push while being paid, and an EOA that delegates
///         (EIP-7702) to any of those behaviours or to none, changing at random.
///         Assets: ETH; a standard ERC-20; one returning nothing (USDT-like); one taking a 1% fee;
///         one answering `false` for refused receivers; one reverting for blocked receivers
///         (USDC-like); one calling the receiver's hook (ERC-777-like); one calling the
///         re-entering payee in the middle of every transfer. The token admins refuse and block
///         receivers at random.
///         A call that reverts is only counted (fail_on_revert = false), so what a call observes
///         against the model is recorded in the `*Violation` strings the invariants check.
contract PayoutsHandler is Base {
    enum Kind {
        Eoa,
        Wallet,
        Reverter,
        Burner,
        Bomb,
        Reenterer
    }

    enum Outcome {
        Either,
        Arrive,
        Defer
    }

    uint256 internal constant ETH = 0;
    uint256 internal constant STANDARD = 1;
    uint256 internal constant NO_RETURN = 2;
    uint256 internal constant FEE = 3;
    uint256 internal constant FALSE_RETURN = 4;
    uint256 internal constant BLOCKLIST = 5;
    uint256 internal constant HOOK = 6;
    uint256 internal constant REENTRANT = 7;
    uint256 internal constant ASSETS = 8;

    /// @notice What one push may cost its caller, whatever the receiver or token does (ETH:
    ///         30,000 for the receiver, 9,000 for the value, 2,600 for a cold account, and 25,000
    ///         for a new account or ~24,200 for an owed entry and its event: ~66,000; tokens:
    ///         100,000 for the token call plus the same bookkeeping: ~130,000), with some slack.
    ///         A batch gets this much gas per push.
    uint256 public constant ETH_PUSH_GAS_BOUND = 80_000;
    uint256 public constant TOKEN_PUSH_GAS_BOUND = 140_000;
    uint256 public constant BATCH_BASE_GAS = 50_000;
    /// @dev Enough for any honest withdrawal; bounds what a gas-burning `to` takes.
    uint256 internal constant WITHDRAW_GAS = 400_000;

    PayoutsHarness public immutable harness;
    ReenteringPayee public immutable reenterer;
    address public immutable delegatedEoa;

    address[] internal _assets;
    address[] internal _actors;
    mapping(address account => Kind) internal _kind;
    /// @dev The implementations the delegated EOA can point at, by kind.
    mapping(Kind => address) internal _impl;
    /// @dev (account, asset) pairs that were owed something at some point, for withdraw to aim at.
    address[] internal _owedAccounts;
    uint256[] internal _owedAssets;

    // ---------------------------------------------------------------- ghosts, per asset
    mapping(uint256 asset => uint256) public ghostIn;
    mapping(uint256 asset => uint256) public ghostArrived;
    mapping(uint256 asset => uint256) public ghostDeferred;
    mapping(uint256 asset => uint256) public ghostWithdrawn;
    // ---------------------------------------------------------------- ghosts, per account
    mapping(address account => mapping(uint256 asset => uint256)) public ghostDeferredTo;
    mapping(address account => mapping(uint256 asset => uint256)) public ghostWithdrawnBy;
    // ---------------------------------------------------------------- what the campaign did
    uint256 public ghostPushesArrived;
    uint256 public ghostPushesDeferred;
    uint256 public ghostBatches;
    uint256 public ghostWithdrawals;
    uint256 public ghostWithdrawalsRefused;

    /// @notice The first model violation each kind of call observed ("" while none).
    string public depositViolation;
    string public pushViolation;
    string public withdrawViolation;

    constructor() {
        harness = new PayoutsHarness();
        _assets.push(address(0));
        _assets.push(address(new StandardToken()));
        _assets.push(address(new NoReturnToken()));
        _assets.push(address(new FeeOnTransferToken()));
        _assets.push(address(new FalseReturningToken()));
        _assets.push(address(new BlocklistToken()));
        _assets.push(address(new HookToken()));
        HostileToken reentrant = new HostileToken();
        _assets.push(address(reentrant));

        reenterer = new ReenteringPayee(harness);
        reenterer.setAssets(_assets);
        reentrant.arm(address(reenterer), abi.encodeCall(ReenteringPayee.reenter, ()));

        _addActor(address(0xE0A), Kind.Eoa);
        _addActor(address(0xE0B), Kind.Eoa);
        _addActor(address(new HonestWallet()), Kind.Wallet);
        _addActor(address(new RevertingPayee()), Kind.Reverter);
        _addActor(address(new GasBurningPayee()), Kind.Burner);
        _addActor(address(new ReturnBombPayee()), Kind.Bomb);
        _addActor(address(reenterer), Kind.Reenterer);
        delegatedEoa = address(0xE07702);
        _addActor(delegatedEoa, Kind.Eoa);

        _impl[Kind.Wallet] = address(new HonestWallet());
        _impl[Kind.Reverter] = address(new RevertingPayee());
        _impl[Kind.Burner] = address(new GasBurningPayee());
        _impl[Kind.Bomb] = address(new ReturnBombPayee());

        // Contract payees ask the hook token to call them (the delegated EOA does not).
        for (uint256 i = 2; i < 7; ++i) {
            vm.prank(_actors[i]);
            HookToken(_assets[HOOK]).register();
        }
    }

    // ================================================================ actions

    /// @notice An actor deposits `amount` of an asset; what is credited must be what arrived.
    function deposit(uint256 actorSeed, uint256 assetSeed, uint256 amount) external {
        _deposit(_actor(actorSeed), assetSeed % ASSETS, bound(amount, 1, 1e27));
    }

    /// @notice A deposit whose ETH does not match (ETH: value != amount; token: any value)
    ///         must revert BadDeposit and credit nothing.
    function depositWrongValue(
        uint256 actorSeed,
        uint256 assetSeed,
        uint256 amount,
        uint256 value
    ) external {
        address actor = _actor(actorSeed);
        uint256 a = assetSeed % ASSETS;
        amount = bound(amount, 1, 1e27);
        value = bound(value, 1, 1e27);
        if (a == ETH && value == amount) value = amount + 1;
        vm.deal(actor, actor.balance + value);
        uint256 before = _balanceOf(a, address(harness));
        vm.prank(actor);
        try harness.deposit{value: value}(_assets[a], amount) {
            _violate(0, "a deposit with the wrong ETH value was accepted");
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                IPayouts.BadDeposit.selector,
                value,
                a == ETH ? amount : 0
            );
            if (keccak256(reason) != keccak256(expected)) {
                _violate(0, "a wrong-value deposit did not revert BadDeposit(sent, amount)");
            }
        }
        if (_balanceOf(a, address(harness)) != before) _violate(0, "a refused deposit moved money");
    }

    /// @notice One payout of up to what the harness holds unallocated, to any actor.
    function push(uint256 toSeed, uint256 assetSeed, uint256 amount, bytes32 id) external {
        uint256 a = assetSeed % ASSETS;
        address to = _actor(toSeed);
        uint256 free = _ensureFree(a, amount);
        amount = bound(amount, 1, free);
        Outcome expected = _expected(to, a);

        uint256 harnessBefore = _balanceOf(a, address(harness));
        uint256 toBefore = _balanceOf(a, to);
        uint256 owedBefore = harness.owed(to, _assets[a]);
        uint256 budget = BATCH_BASE_GAS + (a == ETH ? ETH_PUSH_GAS_BOUND : TOKEN_PUSH_GAS_BOUND);
        try harness.push{gas: budget}(id, _assets[a], to, amount) {} catch {
            _violate(1, "a push reverted (a receiver or token blocked the caller)");
            return;
        }
        _checkPushGas(a);
        uint256 harnessAfter = _balanceOf(a, address(harness));
        uint256 toAfter = _balanceOf(a, to);
        uint256 owedAfter = harness.owed(to, _assets[a]);

        bool arrived =
            harnessAfter + amount == harnessBefore &&
                owedAfter == owedBefore &&
                toAfter == toBefore + _net(a, amount);
        bool deferred =
            harnessAfter == harnessBefore &&
                owedAfter == owedBefore + amount &&
                toAfter == toBefore;
        if (!arrived && !deferred) _violate(1, "a push neither arrived nor was owed");
        if (expected == Outcome.Arrive && !arrived) {
            _violate(1, "a push that must arrive (honest receiver, willing token) did not");
        }
        if (expected == Outcome.Defer && !deferred) {
            _violate(1, "a push the receiver or token refused was not owed");
        }
        if (arrived) {
            ghostArrived[a] += amount;
            ++ghostPushesArrived;
        } else if (deferred) {
            ghostDeferred[a] += amount;
            ghostDeferredTo[to][a] += amount;
            ++ghostPushesDeferred;
            _owedAccounts.push(to);
            _owedAssets.push(a);
        }
    }

    /// @notice 2..12 payouts in one call, receivers drawn with repetition (one owner of many
    ///         exits, participants of one channel), within a gas budget of a fixed amount per
    ///         push: no receiver may make the batch run out or revert, and each honest
    ///         receiver's payouts must arrive.
    function pushBatch(uint256 seed, uint256 assetSeed, uint256 count) external {
        uint256 a = assetSeed % ASSETS;
        uint256 n = bound(count, 2, 12);
        uint256 free = _ensureFree(a, seed);
        if (free < n) return;
        address[] memory to = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            to[i] = _actor(r);
            amounts[i] = 1 + ((r >> 8) % (free / n));
            total += amounts[i];
        }
        Snapshot memory s = _snapshot(a, to);
        uint256 budget =
            BATCH_BASE_GAS + n * (a == ETH ? ETH_PUSH_GAS_BOUND : TOKEN_PUSH_GAS_BOUND);
        try harness.pushMany{gas: budget}(bytes32(seed), _assets[a], to, amounts) {} catch {
            _violate(1, "a batch of pushes reverted or ran out of its per-push gas bound");
            return;
        }
        ++ghostBatches;
        _checkPushGas(a);
        _checkBatch(a, to, amounts, total, s);
    }

    /// @notice An actor withdraws what it is owed in an asset, to itself or another actor.
    ///         Nothing owed: NothingOwed. Success: exactly the owed amount leaves, once (a
    ///         second withdraw right after reverts NothingOwed). Refused by `to` or the token:
    ///         nothing changes, and it must not be refused when `to` is honest and the token
    ///         willing.
    function withdraw(uint256 actorSeed, uint256 assetSeed, uint256 toSeed) external {
        address account = _actor(actorSeed);
        uint256 a = assetSeed % ASSETS;
        // Mostly someone who was owed something (perhaps already withdrawn), else anyone.
        if (actorSeed % 4 != 0 && _owedAccounts.length != 0) {
            uint256 k = (actorSeed >> 2) % _owedAccounts.length;
            account = _owedAccounts[k];
            a = _owedAssets[k];
        }
        address to = toSeed % 3 == 0 ? account : _actor(toSeed >> 2);
        address asset = _assets[a];
        uint256 owed = ghostDeferredTo[account][a] - ghostWithdrawnBy[account][a];
        uint256 harnessBefore = _balanceOf(a, address(harness));
        uint256 toBefore = _balanceOf(a, to);

        vm.prank(account);
        try harness.withdraw{gas: WITHDRAW_GAS}(asset, to) {
            if (owed == 0) {
                _violate(2, "withdraw paid with nothing owed");
                return;
            }
            if (harness.owed(account, asset) != 0) _violate(2, "owed not cleared by withdraw");
            if (_balanceOf(a, address(harness)) + owed != harnessBefore) {
                _violate(2, "withdraw did not take exactly the owed amount");
            }
            if (_balanceOf(a, to) != toBefore + _net(a, owed)) {
                _violate(2, "withdraw did not deliver the owed amount to `to`");
            }
            ghostWithdrawn[a] += owed;
            ghostWithdrawnBy[account][a] += owed;
            ++ghostWithdrawals;
            _expectNothingOwed(account, a, to);
        } catch (bytes memory reason) {
            if (owed == 0) {
                bytes memory expected = abi.encodeWithSelector(
                    IPayouts.NothingOwed.selector,
                    account,
                    asset
                );
                if (keccak256(reason) != keccak256(expected)) {
                    _violate(2, "withdraw with nothing owed did not revert NothingOwed");
                }
                return;
            }
            ++ghostWithdrawalsRefused;
            if (harness.owed(account, asset) != owed) _violate(2, "a refused withdraw lost owed");
            if (_withdrawMustSucceed(to, a)) {
                _violate(2, "an owed payout could not be withdrawn to an honest receiver");
            }
        }
    }

    /// @notice The delegated EOA points its code (EIP-7702) at another behaviour, or at none.
    function redelegate(uint256 kindSeed) external {
        uint256 k = kindSeed % 5;
        if (k == 0) {
            vm.etch(delegatedEoa, "");
            _kind[delegatedEoa] = Kind.Eoa;
            return;
        }
        Kind kind =
            k == 1
                ? Kind.Wallet
                : k == 2
                    ? Kind.Reverter
                    : k == 3
                        ? Kind.Burner
                        : Kind.Bomb;
        vm.etch(delegatedEoa, abi.encodePacked(hex"ef0100", _impl[kind]));
        _kind[delegatedEoa] = kind;
    }

    /// @notice The false-returning token's admin refuses (or accepts again) a receiver.
    function setRefused(uint256 actorSeed, bool on) external {
        FalseReturningToken(_assets[FALSE_RETURN]).setRefused(_actor(actorSeed), on);
    }

    /// @notice The blocklist token's admin blocks (or unblocks) a receiver.
    function setBlocked(uint256 actorSeed, bool on) external {
        BlocklistToken(_assets[BLOCKLIST]).setBlocked(_actor(actorSeed), on);
    }

    // ================================================================ views for the invariants

    function assetCount() external pure returns (uint256) {
        return ASSETS;
    }

    function assetAt(uint256 a) external view returns (address) {
        return _assets[a];
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    /// @notice Per actor, the payouts in asset `a` that failed to it.
    function deferredTo(uint256 a) external view returns (uint256[] memory amounts) {
        amounts = new uint256[](_actors.length);
        for (uint256 i; i < _actors.length; ++i) amounts[i] = ghostDeferredTo[_actors[i]][a];
    }

    /// @notice Per actor, what it withdrew in asset `a`.
    function withdrawnBy(uint256 a) external view returns (uint256[] memory amounts) {
        amounts = new uint256[](_actors.length);
        for (uint256 i; i < _actors.length; ++i) amounts[i] = ghostWithdrawnBy[_actors[i]][a];
    }

    function balanceOf(uint256 a, address who) external view returns (uint256) {
        return _balanceOf(a, who);
    }

    // ================================================================ internals

    struct Snapshot {
        uint256 harness;
        uint256[] received;
        uint256[] owed;
    }

    function _addActor(address actor, Kind kind) private {
        _actors.push(actor);
        _kind[actor] = kind;
        vm.label(actor, kind == Kind.Eoa ? "eoa" : "payee");
    }

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _balanceOf(uint256 a, address who) private view returns (uint256) {
        return a == ETH ? who.balance : IERC20(_assets[a]).balanceOf(who);
    }

    /// @dev What arrives of `amount` sent (the fee token burns 1%).
    function _net(uint256 a, uint256 amount) private pure returns (uint256) {
        return a == FEE ? amount - amount / 100 : amount;
    }

    function _free(uint256 a) private view returns (uint256) {
        return ghostIn[a] - ghostArrived[a] - ghostDeferred[a];
    }

    /// @dev Unallocated money in asset `a`, topped up by an EOA's deposit when short.
    function _ensureFree(uint256 a, uint256 want) private returns (uint256 free) {
        free = _free(a);
        if (free < 100) {
            _deposit(_actors[0], a, bound(want, 1e6, 1e27));
            free = _free(a);
        }
    }

    function _deposit(address actor, uint256 a, uint256 amount) private {
        address asset = _assets[a];
        uint256 value;
        if (a == ETH) {
            value = amount;
            vm.deal(actor, actor.balance + amount);
        } else {
            IMintable(asset).mint(actor, amount);
            vm.prank(actor);
            // Low-level: NoReturnToken.approve returns nothing.
            (bool ok, ) = asset.call(abi.encodeCall(IERC20.approve, (address(harness), amount)));
            if (!ok) _violate(0, "approve failed");
        }
        uint256 before = _balanceOf(a, address(harness));
        uint256 expected = _net(a, amount);
        vm.prank(actor);
        try harness.deposit{value: value}(asset, amount) returns (uint256 credited) {
            if (credited != expected) _violate(0, "credited != what the token delivered");
            if (_balanceOf(a, address(harness)) != before + expected) {
                _violate(0, "the harness's balance did not grow by the credit");
            }
            ghostIn[a] += expected;
        } catch {
            _violate(0, "an honest deposit reverted");
        }
    }

    /// @dev Whether `to` is honest: an account without code, or an honest wallet (as itself or
    ///      as the delegated EOA's code).
    function _honest(address to) private view returns (bool) {
        Kind k = _kind[to];
        return k == Kind.Eoa || k == Kind.Wallet;
    }

    /// @dev What a push of asset `a` to `to` must do. Tokens that do not call the receiver pay
    ///      any receiver; a receiver's code only matters for ETH and the hook token.
    function _expected(address to, uint256 a) private view returns (Outcome) {
        Kind k = _kind[to];
        if (a == ETH || (a == HOOK && HookToken(_assets[HOOK]).hooked(to))) {
            if (k == Kind.Eoa || k == Kind.Wallet) return Outcome.Arrive;
            if (k == Kind.Reverter || k == Kind.Burner) return Outcome.Defer;
            // The bomb accepts ETH (and its hook answers garbage); the re-enterer accepts
            // when its re-entries leave it gas.
            return a == ETH && k == Kind.Bomb ? Outcome.Arrive : Outcome.Either;
        }
        if (a == FALSE_RETURN) {
            return FalseReturningToken(_assets[a]).refused(to) ? Outcome.Defer : Outcome.Arrive;
        }
        if (a == BLOCKLIST) {
            return BlocklistToken(_assets[a]).blocked(to) ? Outcome.Defer : Outcome.Arrive;
        }
        // The re-entrant token's callback may eat the push's gas.
        if (a == REENTRANT) return Outcome.Either;
        return Outcome.Arrive;
    }

    /// @dev Whether withdrawing asset `a` to `to` must succeed (withdraw has all the gas it
    ///      needs, so the re-entrant token's callback cannot starve it).
    function _withdrawMustSucceed(address to, uint256 a) private view returns (bool) {
        if (a == ETH || (a == HOOK && HookToken(_assets[HOOK]).hooked(to))) return _honest(to);
        if (a == FALSE_RETURN) return !FalseReturningToken(_assets[a]).refused(to);
        if (a == BLOCKLIST) return !BlocklistToken(_assets[a]).blocked(to);
        return true;
    }

    function _expectNothingOwed(address account, uint256 a, address to) private {
        vm.prank(account);
        try harness.withdraw{gas: WITHDRAW_GAS}(_assets[a], to) {
            _violate(2, "a second withdraw paid again");
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                IPayouts.NothingOwed.selector,
                account,
                _assets[a]
            );
            if (keccak256(reason) != keccak256(expected)) {
                _violate(2, "a second withdraw did not revert NothingOwed");
            }
        }
    }

    function _snapshot(uint256 a, address[] memory to) private view returns (Snapshot memory s) {
        s.harness = _balanceOf(a, address(harness));
        s.received = new uint256[](to.length);
        s.owed = new uint256[](to.length);
        for (uint256 i; i < to.length; ++i) {
            s.received[i] = _balanceOf(a, to[i]);
            s.owed[i] = harness.owed(to[i], _assets[a]);
        }
    }

    /// @dev Per distinct receiver of a batch: what it was sent, what it received, what it is
    ///      now owed more; the harness paid out exactly what was not owed.
    function _checkBatch(
        uint256 a,
        address[] memory to,
        uint256[] memory amounts,
        uint256 total,
        Snapshot memory s
    ) private {
        uint256 owedTotal;
        for (uint256 i; i < to.length; ++i) {
            bool first = true;
            for (uint256 j; j < i; ++j) if (to[j] == to[i]) first = false;
            if (first) owedTotal += _checkBatchReceiver(a, to, amounts, i, s);
        }
        if (owedTotal > total) {
            _violate(1, "a batch owes more than it paid");
            return;
        }
        if (_balanceOf(a, address(harness)) + (total - owedTotal) != s.harness) {
            _violate(1, "a batch paid out other than what was not owed");
        }
        ghostArrived[a] += total - owedTotal;
        ghostDeferred[a] += owedTotal;
    }

    /// @dev Checks receiver `to[i]` (its first place in the batch); returns what it is owed more.
    function _checkBatchReceiver(
        uint256 a,
        address[] memory to,
        uint256[] memory amounts,
        uint256 i,
        Snapshot memory s
    ) private returns (uint256 owedMore) {
        address receiver = to[i];
        uint256 sent;
        uint256 sentNet;
        for (uint256 j = i; j < to.length; ++j) {
            if (to[j] != receiver) continue;
            sent += amounts[j];
            sentNet += _net(a, amounts[j]);
        }
        uint256 owedNow = harness.owed(receiver, _assets[a]);
        uint256 balanceNow = _balanceOf(a, receiver);
        if (owedNow < s.owed[i] || balanceNow < s.received[i]) {
            _violate(1, "in a batch, a receiver's balance or owed went down");
            return 0;
        }
        owedMore = owedNow - s.owed[i];
        uint256 received = balanceNow - s.received[i];
        Outcome expected = _expected(receiver, a);
        if (expected == Outcome.Arrive && (owedMore != 0 || received != sentNet)) {
            _violate(1, "in a batch, a push that must arrive did not");
        }
        if (expected == Outcome.Defer && (owedMore != sent || received != 0)) {
            _violate(1, "in a batch, a refused push was not owed");
        }
        if (owedMore > sent || (a != FEE && received + owedMore != sent)) {
            _violate(1, "in a batch, a receiver's payouts neither arrived nor were owed");
        }
        ghostDeferredTo[receiver][a] += owedMore;
        if (owedMore != 0) {
            _owedAccounts.push(receiver);
            _owedAssets.push(a);
        }
    }

    function _checkPushGas(uint256 a) private {
        uint256 used = harness.maxPushGas();
        if (used > (a == ETH ? ETH_PUSH_GAS_BOUND : TOKEN_PUSH_GAS_BOUND)) {
            _violate(1, "a push cost its caller more than its gas bound");
        }
    }

    function _violate(uint256 which, string memory what) private {
        if (which == 0 && bytes(depositViolation).length == 0) depositViolation = what;
        if (which == 1 && bytes(pushViolation).length == 0) pushViolation = what;
        if (which == 2 && bytes(withdrawViolation).length == 0) withdrawViolation = what;
    }
}
