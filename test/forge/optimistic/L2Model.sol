// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IOneStepExecutor} from "../../../contracts/interfaces/IOneStepExecutor.sol";
import {FloatCodec} from "../../../contracts/libraries/FloatCodec.sol";
import {OptimisticState} from "../../../contracts/optimistic/OptimisticState.sol";

/// @title L2Model
/// @notice A reference model of the optimistic rollup's L2 state for the forge suites, small
///         enough to live in memory: at most 8 accounts (ETH balances only, token 0) and 48
///         withdrawals. It computes state roots and the one-step executor's witnesses itself,
///         with its own sparse Merkle code (not `SparseMerkle`'s, which reads calldata), so a
///         root that matches the contracts' is evidence, not an echo.
/// @dev The transition mirrors `operator/optimistic/transition.ts` and `OneStepExecutor`, access
///      for access (sender, recipient by index or address, signature, credit, fee account;
///      withdrawals append after the fee): a step works on a copy of the state and, when it is
///      invalid, the copy is dropped (the post-state is the pre-state). With `Wit.on` each access
///      records its witness against the trees as the previous accesses left them, which is what
///      the executor checks. Limits (caller's duty): every account address in a universe of at
///      most 8, token 0 only, fewer than 48 withdrawals per lineage. Exceeding one reverts with
///      `L2ModelFull`, never silently.
library L2Model {
    uint256 internal constant MAX_ACCOUNTS = 8;
    uint256 internal constant MAX_WITHDRAWALS = 48;

    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        "Transfer(address to,uint16 token,uint256 amount,uint256 fee,uint64 nonce)"
    );
    bytes32 internal constant WITHDRAW_TYPEHASH = keccak256(
        "Withdraw(uint16 token,uint256 amount,uint256 fee,uint64 nonce)"
    );

    /// @notice The model cannot hold this step (more accounts or withdrawals than its arrays).
    error L2ModelFull(uint256 what);

    /// @notice The L2 state: accounts 0..accountCount-1 (owner never 0), withdrawals
    ///         0..withdrawalCount-1 (all in ETH).
    struct State {
        address[8] owners;
        uint64[8] nonces;
        uint256[8] balances;
        uint256 accountCount;
        address[48] recipients;
        uint256[48] amounts;
        uint256 withdrawalCount;
    }

    /// @notice The witnesses one step consumes, recorded while `on`.
    struct Wit {
        bool on;
        IOneStepExecutor.AccountWitness[] accounts;
        uint256 accountsUsed;
        IOneStepExecutor.AddressWitness[] addresses;
        uint256 addressesUsed;
        IOneStepExecutor.WithdrawalWitness[] withdrawals;
        uint256 withdrawalsUsed;
    }

    /// @dev An account as one access read it.
    struct Acc {
        uint256 index;
        address owner;
        uint64 nonce;
        uint256 balance;
    }

    /// @dev A decoded record (token 0 only is modelled; another token reads as no balance).
    struct Rec {
        uint256 kind;
        uint256 from;
        uint256 toIndex;
        address toAddress;
        uint256 token;
        uint256 amount;
        uint256 fee;
        bytes32 r;
        bytes32 vs;
    }

    // ================================================================ trees

    /// @notice Empty subtree roots E[0..160] (E[0] the empty leaf).
    function empties() internal pure returns (bytes32[] memory e) {
        e = new bytes32[](161);
        for (uint256 h; h < 160; ++h) e[h + 1] = _hash(e[h], e[h]);
    }

    /// @notice Root of the subtree at `height` whose keys have `key >> height == prefix`, in the
    ///         sparse tree holding `leaves[i]` at `keys[i]` (distinct keys).
    function subRoot(
        uint256[] memory keys,
        bytes32[] memory leaves,
        uint256 height,
        uint256 prefix,
        bytes32[] memory e
    ) internal pure returns (bytes32) {
        uint256 count;
        uint256 only;
        for (uint256 i; i < keys.length; ++i) {
            if (keys[i] >> height == prefix) {
                ++count;
                only = i;
            }
        }
        if (count == 0) return e[height];
        if (count == 1) return _path(leaves[only], keys[only], height, e);
        return
            _hash(
                subRoot(keys, leaves, height - 1, prefix << 1, e),
                subRoot(keys, leaves, height - 1, (prefix << 1) | 1, e)
            );
    }

    /// @notice Compressed proof of `key` (bit h of `bitmap` set when the sibling at height h is
    ///         not the empty subtree; those siblings in order of height).
    function proof(
        uint256[] memory keys,
        bytes32[] memory leaves,
        uint256 key,
        uint256 depth,
        bytes32[] memory e
    ) internal pure returns (uint256 bitmap, bytes32[] memory siblings) {
        siblings = new bytes32[](depth);
        uint256 n;
        for (uint256 h; h < depth; ++h) {
            bytes32 s = subRoot(keys, leaves, h, (key >> h) ^ 1, e);
            if (s == e[h]) continue;
            bitmap |= uint256(1) << h;
            siblings[n++] = s;
        }
        _truncate(siblings, n);
    }

    /// @notice Every sibling of `key` (uncompressed), lowest first.
    function fullProof(
        uint256[] memory keys,
        bytes32[] memory leaves,
        uint256 key,
        uint256 depth,
        bytes32[] memory e
    ) internal pure returns (bytes32[] memory siblings) {
        siblings = new bytes32[](depth);
        for (uint256 h; h < depth; ++h) siblings[h] = subRoot(keys, leaves, h, (key >> h) ^ 1, e);
    }

    /// @notice Root of the depth-20 record tree of a batch (leaf i = keccak256(record i)).
    function recordRoot(
        bytes[] memory records,
        bytes32[] memory e
    ) internal pure returns (bytes32) {
        (uint256[] memory keys, bytes32[] memory leaves) = _recordTree(records);
        return subRoot(keys, leaves, OptimisticState.RECORD_DEPTH, 0, e);
    }

    /// @notice The record-tree siblings of record `index` (what `ChallengeGame.step` verifies).
    function recordProof(
        bytes[] memory records,
        uint256 index,
        bytes32[] memory e
    ) internal pure returns (bytes32[] memory) {
        (uint256[] memory keys, bytes32[] memory leaves) = _recordTree(records);
        return fullProof(keys, leaves, index, OptimisticState.RECORD_DEPTH, e);
    }

    // ================================================================ state roots

    /// @notice The state's header (its root's preimage).
    function header(
        State memory s,
        bytes32[] memory e
    ) internal pure returns (IOneStepExecutor.StateHeader memory h) {
        (uint256[] memory k, bytes32[] memory l) = _accountTree(s, e);
        h.accountsRoot = subRoot(k, l, OptimisticState.ACCOUNT_DEPTH, 0, e);
        (k, l) = _addressTree(s);
        h.addressesRoot = subRoot(k, l, OptimisticState.ADDRESS_DEPTH, 0, e);
        (k, l) = _withdrawalTree(s);
        h.withdrawalsRoot = subRoot(k, l, OptimisticState.WITHDRAWAL_DEPTH, 0, e);
        h.accountCount = uint64(s.accountCount);
        h.withdrawalCount = uint64(s.withdrawalCount);
    }

    /// @notice The state root.
    function root(State memory s, bytes32[] memory e) internal pure returns (bytes32) {
        return OptimisticState.stateRoot(header(s, e));
    }

    /// @notice Compressed proof of withdrawal `id` in the state's withdrawal tree.
    function withdrawalProof(
        State memory s,
        uint256 id,
        bytes32[] memory e
    ) internal pure returns (uint256 bitmap, bytes32[] memory siblings) {
        (uint256[] memory k, bytes32[] memory l) = _withdrawalTree(s);
        return proof(k, l, id, OptimisticState.WITHDRAWAL_DEPTH, e);
    }

    /// @notice The index of `owner`'s account, or `found == false`.
    function indexOf(State memory s, address owner) internal pure returns (bool, uint256) {
        for (uint256 i; i < s.accountCount; ++i) if (s.owners[i] == owner) return (true, i);
        return (false, 0);
    }

    /// @notice A deep copy (memory structs are references).
    function clone(State memory s) internal pure returns (State memory t) {
        for (uint256 i; i < MAX_ACCOUNTS; ++i) {
            t.owners[i] = s.owners[i];
            t.nonces[i] = s.nonces[i];
            t.balances[i] = s.balances[i];
        }
        t.accountCount = s.accountCount;
        for (uint256 i; i < s.withdrawalCount; ++i) {
            t.recipients[i] = s.recipients[i];
            t.amounts[i] = s.amounts[i];
        }
        t.withdrawalCount = s.withdrawalCount;
    }

    /// @notice Total ETH the state owes: L2 balances plus every withdrawal in its tree.
    function owed(State memory s) internal pure returns (uint256 balances, uint256 withdrawals) {
        for (uint256 i; i < s.accountCount; ++i) balances += s.balances[i];
        for (uint256 i; i < s.withdrawalCount; ++i) withdrawals += s.amounts[i];
    }

    // ================================================================ witnesses

    /// @notice An empty witness recorder (`on`) with room for one step's accesses.
    function recorder() internal pure returns (Wit memory w) {
        w.on = true;
        w.accounts = new IOneStepExecutor.AccountWitness[](3);
        w.addresses = new IOneStepExecutor.AddressWitness[](2);
        w.withdrawals = new IOneStepExecutor.WithdrawalWitness[](1);
    }

    /// @notice A recorder that records nothing (bulk execution).
    function silent() internal pure returns (Wit memory w) {}

    /// @notice The recorded witnesses as the executor takes them, with `pre`'s header.
    function stepWitness(
        Wit memory w,
        State memory pre,
        bytes32[] memory e
    ) internal pure returns (IOneStepExecutor.StepWitness memory sw) {
        sw.header = header(pre, e);
        sw.accounts = w.accounts;
        sw.addresses = w.addresses;
        sw.withdrawals = w.withdrawals;
        uint256 n = w.accountsUsed;
        uint256 m = w.addressesUsed;
        uint256 k = w.withdrawalsUsed;
        // Shrinks the arrays in place to the entries used.
        assembly ("memory-safe") {
            mstore(mload(add(sw, 0x20)), n)
            mstore(mload(add(sw, 0x40)), m)
            mstore(mload(add(sw, 0x60)), k)
        }
    }

    // ================================================================ steps

    /// @notice The state after inbox entry (kind, from, to, amount) in ETH; `s` itself when the
    ///         step is invalid (the executor returns the pre-state root).
    function applyInbox(
        State memory s,
        IOneStepExecutor.InboxEntry memory entry,
        Wit memory w,
        bytes32[] memory e
    ) internal pure returns (State memory, bool) {
        State memory t = clone(s);
        bool ok;
        if (entry.kind == OptimisticState.INBOX_DEPOSIT) {
            ok = _creditAddress(t, w, entry.to, entry.token, entry.amount, e);
        } else if (entry.kind == OptimisticState.INBOX_FORCED_TRANSFER) {
            ok =
                _debitAddress(t, w, entry.from, entry.token, entry.amount, e) &&
                _creditAddress(t, w, entry.to, entry.token, entry.amount, e);
        } else if (entry.kind == OptimisticState.INBOX_FORCED_WITHDRAW) {
            ok =
                _debitAddress(t, w, entry.from, entry.token, entry.amount, e) &&
                _appendWithdrawal(t, w, entry.to, entry.amount, e);
        }
        return ok ? (t, true) : (s, false);
    }

    /// @notice The state after a posted record of a batch whose fee account is `feeAccount`;
    ///         `s` itself when the step is invalid.
    function applyRecord(
        State memory s,
        bytes memory record,
        uint256 feeAccount,
        bytes32 domainSeparator,
        Wit memory w,
        bytes32[] memory e
    ) internal pure returns (State memory, bool) {
        (bool canonical, Rec memory rec) = decode(record);
        if (!canonical) return (s, false);
        State memory t = clone(s);
        bool ok = _record(t, w, rec, feeAccount, domainSeparator, e);
        return ok ? (t, true) : (s, false);
    }

    /// @notice Decodes a whole record of a known kind; `canonical` is false when its amount or
    ///         fee is not a canonical float.
    function decode(bytes memory record) internal pure returns (bool canonical, Rec memory rec) {
        rec.kind = uint8(record[0]);
        rec.from = _read(record, 1, 4);
        uint256 p = 5;
        if (rec.kind == OptimisticState.RECORD_TRANSFER) {
            rec.toIndex = _read(record, 5, 4);
            p = 9;
        } else if (rec.kind == OptimisticState.RECORD_TRANSFER_TO_ADDRESS) {
            rec.toAddress = address(uint160(_read(record, 5, 20)));
            p = 25;
        }
        rec.token = _read(record, p, 2);
        bool amountOk;
        bool feeOk;
        (amountOk, rec.amount) = FloatCodec.tryDecodeAmount(_read(record, p + 2, 5));
        (feeOk, rec.fee) = FloatCodec.tryDecodeFee(_read(record, p + 7, 1));
        rec.r = bytes32(_read(record, p + 8, 32));
        rec.vs = bytes32(_read(record, p + 40, 32));
        canonical = amountOk && feeOk;
    }

    /// @notice The EIP-712 digest a transfer's sender signs.
    function transferDigest(
        bytes32 domainSeparator,
        address to,
        uint256 token,
        uint256 amount,
        uint256 fee,
        uint64 nonce
    ) internal pure returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                domainSeparator,
                keccak256(abi.encode(TRANSFER_TYPEHASH, to, uint16(token), amount, fee, nonce))
            );
    }

    /// @notice The EIP-712 digest a withdrawal's sender signs.
    function withdrawDigest(
        bytes32 domainSeparator,
        uint256 token,
        uint256 amount,
        uint256 fee,
        uint64 nonce
    ) internal pure returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                domainSeparator,
                keccak256(abi.encode(WITHDRAW_TYPEHASH, uint16(token), amount, fee, nonce))
            );
    }

    function _record(
        State memory t,
        Wit memory w,
        Rec memory rec,
        uint256 feeAccount,
        bytes32 domainSeparator,
        bytes32[] memory e
    ) private pure returns (bool) {
        // Access 1: the sender, debited amount + fee, nonce + 1.
        Acc memory from = _access(t, w, rec.from, rec.token, e);
        if (from.owner == address(0) || from.nonce == type(uint64).max) return false;
        uint256 total = rec.amount + rec.fee;
        if (from.balance < total) return false;
        // Signatures are over the nonce before this step.
        uint64 nonce = from.nonce;
        _write(t, from, from.balance - total, nonce + 1);
        if (rec.kind == OptimisticState.RECORD_WITHDRAW) {
            bytes32 digest = withdrawDigest(domainSeparator, rec.token, rec.amount, rec.fee, nonce);
            if (!_signedBy(digest, rec, from.owner)) return false;
            if (!_payFee(t, w, feeAccount, rec.token, rec.fee, e)) return false;
            return _appendWithdrawal(t, w, from.owner, rec.amount, e);
        }
        // Access 2: the recipient, by index or by address (created when it has none).
        Acc memory to;
        bool create;
        if (rec.kind == OptimisticState.RECORD_TRANSFER) {
            to = _access(t, w, rec.toIndex, rec.token, e);
            if (to.owner == address(0)) return false;
            rec.toAddress = to.owner;
        } else {
            if (rec.toAddress == address(0)) return false;
            (to, create) = _resolveForCredit(t, w, rec.toAddress, rec.token, e);
        }
        bytes32 digest2 = transferDigest(
            domainSeparator,
            rec.toAddress,
            rec.token,
            rec.amount,
            rec.fee,
            nonce
        );
        if (!_signedBy(digest2, rec, from.owner)) return false;
        if (!_credit(t, to, create, rec.toAddress, rec.amount)) return false;
        // Access 3: the fee account.
        return _payFee(t, w, feeAccount, rec.token, rec.fee, e);
    }

    function _creditAddress(
        State memory t,
        Wit memory w,
        address account,
        uint256 token,
        uint256 amount,
        bytes32[] memory e
    ) private pure returns (bool) {
        if (account == address(0)) return false;
        (Acc memory a, bool create) = _resolveForCredit(t, w, account, token, e);
        return _credit(t, a, create, account, amount);
    }

    function _debitAddress(
        State memory t,
        Wit memory w,
        address account,
        uint256 token,
        uint256 amount,
        bytes32[] memory e
    ) private pure returns (bool) {
        (bool found, uint256 index) = _lookup(t, w, account, e);
        if (!found) return false;
        Acc memory a = _access(t, w, index, token, e);
        if (a.balance < amount) return false;
        _write(t, a, a.balance - amount, a.nonce);
        return true;
    }

    /// @dev The account to credit at `account`: its own, or the empty slot accountCount, which
    ///      gets the address now (its account leaf is written by `_credit`).
    function _resolveForCredit(
        State memory t,
        Wit memory w,
        address account,
        uint256 token,
        bytes32[] memory e
    ) private pure returns (Acc memory a, bool create) {
        (bool found, uint256 index) = _lookup(t, w, account, e);
        if (found) return (_access(t, w, index, token, e), false);
        a = _access(t, w, t.accountCount, token, e);
        if (t.accountCount == MAX_ACCOUNTS) revert L2ModelFull(0);
        t.owners[a.index] = account;
        t.nonces[a.index] = 0;
        t.balances[a.index] = 0;
        ++t.accountCount;
        return (a, true);
    }

    function _credit(
        State memory t,
        Acc memory a,
        bool create,
        address owner,
        uint256 amount
    ) private pure returns (bool) {
        if (create) a.owner = owner;
        if (a.balance > type(uint256).max - amount) return false;
        _write(t, a, a.balance + amount, a.nonce);
        return true;
    }

    function _payFee(
        State memory t,
        Wit memory w,
        uint256 feeAccount,
        uint256 token,
        uint256 fee,
        bytes32[] memory e
    ) private pure returns (bool) {
        if (fee == 0) return true;
        Acc memory a = _access(t, w, feeAccount, token, e);
        if (a.owner == address(0)) return false;
        return _credit(t, a, false, a.owner, fee);
    }

    function _appendWithdrawal(
        State memory t,
        Wit memory w,
        address recipient,
        uint256 amount,
        bytes32[] memory e
    ) private pure returns (bool) {
        uint256 slot = t.withdrawalCount;
        if (slot == MAX_WITHDRAWALS) revert L2ModelFull(2);
        if (w.on) {
            IOneStepExecutor.WithdrawalWitness memory ww = w.withdrawals[w.withdrawalsUsed++];
            (uint256[] memory k, bytes32[] memory l) = _withdrawalTree(t);
            (ww.bitmap, ww.siblings) = proof(k, l, slot, OptimisticState.WITHDRAWAL_DEPTH, e);
        }
        t.recipients[slot] = recipient;
        t.amounts[slot] = amount;
        ++t.withdrawalCount;
        return true;
    }

    /// @dev Reads account `index` (at `token`: only token 0 holds a balance here).
    function _access(
        State memory t,
        Wit memory w,
        uint256 index,
        uint256 token,
        bytes32[] memory e
    ) private pure returns (Acc memory a) {
        a.index = index;
        if (index < t.accountCount) {
            a.owner = t.owners[index];
            a.nonce = t.nonces[index];
            if (token == 0) a.balance = t.balances[index];
            else revert L2ModelFull(3);
        }
        if (!w.on) return a;
        IOneStepExecutor.AccountWitness memory aw = w.accounts[w.accountsUsed++];
        aw.owner = a.owner;
        aw.nonce = a.nonce;
        aw.balancesRoot = _balancesRoot(a.balance, e);
        (uint256[] memory k, bytes32[] memory l) = _accountTree(t, e);
        (aw.accountBitmap, aw.accountSiblings) = proof(
            k,
            l,
            index,
            OptimisticState.ACCOUNT_DEPTH,
            e
        );
        aw.balance = a.balance;
        // One token per account: token 0's siblings are all empty subtrees.
        aw.balanceSiblings = new bytes32[](0);
    }

    function _write(State memory t, Acc memory a, uint256 balance, uint64 nonce) private pure {
        t.balances[a.index] = balance;
        t.nonces[a.index] = nonce;
        a.balance = balance;
        a.nonce = nonce;
    }

    function _lookup(
        State memory t,
        Wit memory w,
        address account,
        bytes32[] memory e
    ) private pure returns (bool found, uint256 index) {
        (found, index) = indexOf(t, account);
        if (!w.on) return (found, index);
        IOneStepExecutor.AddressWitness memory aw = w.addresses[w.addressesUsed++];
        aw.leaf = found ? index + 1 : 0;
        (uint256[] memory k, bytes32[] memory l) = _addressTree(t);
        (aw.bitmap, aw.siblings) = proof(k, l, uint160(account), OptimisticState.ADDRESS_DEPTH, e);
    }

    function _signedBy(bytes32 digest, Rec memory rec, address owner) private pure returns (bool) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, rec.r, rec.vs);
        return err == ECDSA.RecoverError.NoError && signer == owner;
    }

    // ================================================================ tree contents

    function _accountTree(
        State memory s,
        bytes32[] memory e
    ) private pure returns (uint256[] memory keys, bytes32[] memory leaves) {
        uint256 n = s.accountCount;
        keys = new uint256[](n);
        leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = i;
            leaves[i] = OptimisticState.accountLeaf(
                s.owners[i],
                s.nonces[i],
                _balancesRoot(s.balances[i], e)
            );
        }
    }

    function _addressTree(
        State memory s
    ) private pure returns (uint256[] memory keys, bytes32[] memory leaves) {
        uint256 n = s.accountCount;
        keys = new uint256[](n);
        leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = uint160(s.owners[i]);
            leaves[i] = bytes32(i + 1);
        }
    }

    function _withdrawalTree(
        State memory s
    ) private pure returns (uint256[] memory keys, bytes32[] memory leaves) {
        uint256 n = s.withdrawalCount;
        keys = new uint256[](n);
        leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = i;
            leaves[i] = OptimisticState.withdrawalLeaf(s.recipients[i], 0, s.amounts[i]);
        }
    }

    function _recordTree(
        bytes[] memory records
    ) private pure returns (uint256[] memory keys, bytes32[] memory leaves) {
        keys = new uint256[](records.length);
        leaves = new bytes32[](records.length);
        for (uint256 i; i < records.length; ++i) {
            keys[i] = i;
            leaves[i] = keccak256(records[i]);
        }
    }

    /// @dev The balance tree of an account holding only ETH: leaf 0, all siblings empty.
    function _balancesRoot(uint256 balance, bytes32[] memory e) private pure returns (bytes32) {
        return _path(bytes32(balance), 0, OptimisticState.BALANCE_DEPTH, e);
    }

    function _path(
        bytes32 leaf,
        uint256 key,
        uint256 height,
        bytes32[] memory e
    ) private pure returns (bytes32 node) {
        node = leaf;
        for (uint256 h; h < height; ++h) {
            node = (key >> h) & 1 == 0 ? _hash(node, e[h]) : _hash(e[h], node);
        }
    }

    function _hash(bytes32 left, bytes32 right) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            h := keccak256(0x00, 0x40)
        }
    }

    function _read(bytes memory b, uint256 at, uint256 width) private pure returns (uint256 v) {
        for (uint256 i; i < width; ++i) v = (v << 8) | uint8(b[at + i]);
    }

    function _truncate(bytes32[] memory a, uint256 n) private pure {
        assembly ("memory-safe") {
            mstore(a, n)
        }
    }
}
