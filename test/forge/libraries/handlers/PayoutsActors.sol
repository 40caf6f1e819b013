// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Payouts} from "../../../../contracts/libraries/Payouts.sol";

// The cast of the Payouts suite: the harness (a contract that holds funds and pays them out the
// way Adjudicator, PaymentChannels and PlasmaChain do), the receivers of payouts (honest and
// hostile) and the tokens (well-behaved, quirky and hostile).

/// @notice Payouts as l2kit's systems use it: every entry point is nonReentrant, deposits credit
///         what `_receive` says arrived, and payouts go through `_push` one receiver at a time
///         (`pushMany`: a loop over receivers, as Adjudicator pays participants and
///         PlasmaChain.processExits pays exits). No receive(): like the systems, it takes ETH
///         only through deposit. Instrumented: `maxPushGas` is the most gas one `_push` of the
///         last push/pushMany call cost its caller.
contract PayoutsHarness is Payouts {
    uint256 public maxPushGas;

    function deposit(
        address asset,
        uint256 amount
    ) external payable nonReentrant returns (uint256 credited) {
        return _receive(asset, amount);
    }

    /// @notice `owed(accounts[i], asset)` for every i, in one call (the invariants read all).
    function owedOf(
        address[] calldata accounts,
        address asset
    ) external view returns (uint256[] memory amounts) {
        amounts = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) amounts[i] = owed[accounts[i]][asset];
    }

    function push(bytes32 id, address asset, address to, uint256 amount) external nonReentrant {
        uint256 before = gasleft();
        _push(id, asset, to, amount);
        maxPushGas = before - gasleft();
    }

    function pushMany(
        bytes32 id,
        address asset,
        address[] calldata to,
        uint256[] calldata amounts
    ) external nonReentrant {
        uint256 most;
        for (uint256 i; i < to.length; ++i) {
            uint256 before = gasleft();
            _push(id, asset, to[i], amounts[i]);
            uint256 used = before - gasleft();
            if (used > most) most = used;
        }
        maxPushGas = most;
    }
}

// ---------------------------------------------------------------------------------- receivers

/// @notice What HookToken asks a receiver that registered for transfer hooks (ERC-777 style).
interface ITokenHook {
    function onTokenReceived(address from, uint256 amount) external returns (bytes4);
}

/// @notice An honest contract account: accepts ETH and token hooks, cheaply.
contract HonestWallet is ITokenHook {
    receive() external payable {}

    function onTokenReceived(address, uint256) external pure returns (bytes4) {
        return ITokenHook.onTokenReceived.selector;
    }
}

/// @notice Refuses every payment (ETH and hooked tokens).
contract RevertingPayee is ITokenHook {
    error NoThanks();

    receive() external payable {
        revert NoThanks();
    }

    function onTokenReceived(address, uint256) external pure returns (bytes4) {
        revert NoThanks();
    }
}

/// @notice Burns all the gas it is given on every payment (the INVALID opcode consumes all of
///         it, as an endless loop would, without making the test run one).
contract GasBurningPayee is ITokenHook {
    receive() external payable {
        _burn();
    }

    function onTokenReceived(address, uint256) external pure returns (bytes4) {
        _burn();
        return ITokenHook.onTokenReceived.selector;
    }

    function _burn() private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            invalid()
        }
    }
}

/// @notice Accepts every payment and answers with as much return data as its gas can pay for
///         (about 95 KB from a 30,000-gas push), so a caller that copies return data pays for
///         the copy and the memory, and again for each such receiver in the same call.
contract ReturnBombPayee {
    receive() external payable {
        _bomb();
    }

    fallback() external payable {
        _bomb();
    }

    function _bomb() private view {
        // Words w with 3w + w^2/512 <= gas: w = sqrt(512 gas + 768^2) - 768.
        uint256 budget = gasleft();
        budget = budget > 6_000 ? budget - 6_000 : 0;
        uint256 words = _sqrt(512 * budget + 589_824) - 768;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            return(0, mul(words, 32))
        }
    }

    function _sqrt(uint256 x) private pure returns (uint256 r) {
        r = x;
        uint256 next = (x + 1) / 2;
        while (next < r) {
            r = next;
            next = (x / r + r) / 2;
        }
    }
}

/// @notice Accepts every payment and, while being paid, tries to take more: withdraw for
///         itself in every asset, and a push to itself (the harness's stand-in for re-entering
///         a system's payout function). Counts the attempts that got through.
contract ReenteringPayee is ITokenHook {
    PayoutsHarness public immutable harness;
    address[] private _assets;
    /// @notice Re-entries into the harness that did not revert (must stay 0).
    uint256 public reentriesSucceeded;

    constructor(PayoutsHarness harness_) {
        harness = harness_;
    }

    function setAssets(address[] calldata assets) external {
        _assets = assets;
    }

    receive() external payable {
        _reenter();
    }

    function onTokenReceived(address, uint256) external returns (bytes4) {
        _reenter();
        return ITokenHook.onTokenReceived.selector;
    }

    /// @notice Called by HostileToken (armed) in the middle of its transfers.
    function reenter() external {
        _reenter();
    }

    function _reenter() private {
        uint256 n = _assets.length;
        for (uint256 i; i < n; ++i) {
            try harness.withdraw(_assets[i], address(this)) {
                ++reentriesSucceeded;
            } catch {}
        }
        try harness.push(bytes32(0), address(0), address(this), 1) {
            ++reentriesSucceeded;
        } catch {}
    }
}

// ---------------------------------------------------------------------------------- tokens

/// @notice A plain OpenZeppelin ERC-20 anyone can mint.
contract StandardToken is ERC20 {
    constructor() ERC20("Standard", "STD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice An ERC-20 that answers `false` (moving nothing) for a transfer to a refused receiver,
///         the way old tokens reported failure instead of reverting.
contract FalseReturningToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public refused;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function setRefused(address account, bool on) external {
        refused[account] = on;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (allowance[from][msg.sender] < amount) return false;
        if (!_move(from, to, amount)) return false;
        allowance[from][msg.sender] -= amount;
        return true;
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        if (refused[to] || balanceOf[from] < amount) return false;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// @notice An ERC-20 whose admin can block receivers (USDC-style): a transfer to a blocked
///         account reverts (the admin's mint does not).
contract BlocklistToken is ERC20 {
    mapping(address => bool) public blocked;

    error Blocked(address account);

    constructor() ERC20("Blocklist", "BLK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool on) external {
        blocked[account] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}

/// @notice An ERC-20 that calls the receiver's hook after a transfer when the receiver asked
///         for it (ERC-777 style) and reverts unless the hook answers its selector. The
///         receiver's code runs inside the token's transfer.
contract HookToken is ERC20 {
    mapping(address => bool) public hooked;

    error HookRejected(address to);

    constructor() ERC20("Hook", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The caller wants onTokenReceived calls.
    function register() external {
        hooked[msg.sender] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) {
            if (
                ITokenHook(to).onTokenReceived(from, value) != ITokenHook.onTokenReceived.selector
            ) {
                revert HookRejected(to);
            }
        }
    }
}
