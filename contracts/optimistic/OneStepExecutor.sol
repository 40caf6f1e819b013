// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IOneStepExecutor} from "../interfaces/IOneStepExecutor.sol";
import {FloatCodec} from "../libraries/FloatCodec.sol";
import {SparseMerkle} from "../libraries/SparseMerkle.sol";
import {OptimisticState} from "./OptimisticState.sol";

/// @title OneStepExecutor
/// @notice Executes one step of the optimistic rollup on L1. Stateless: the challenge game calls
///         it with the agreed pre-state root and the witnesses, and compares the result with the
///         disputed claim.
/// @dev Accesses happen in the order of `operator/optimistic/transition.ts` (numbered in both),
///      each proof against the trees as left by the previous access. Gas is bounded by the tree
///      depths (at most three account accesses and two address lookups per step), whatever the
///      batch size.
contract OneStepExecutor is IOneStepExecutor {
    // solhint-disable gas-small-strings
    bytes32 private constant _TRANSFER_TYPEHASH = keccak256(
        "Transfer(address to,uint16 token,uint256 amount,uint256 fee,uint64 nonce)"
    );
    bytes32 private constant _WITHDRAW_TYPEHASH = keccak256(
        "Withdraw(uint16 token,uint256 amount,uint256 fee,uint64 nonce)"
    );
    // solhint-enable gas-small-strings

    /// @dev Mutable copy of the header plus witness cursors.
    struct Run {
        StateHeader h;
        uint256 nextAccount;
        uint256 nextAddress;
        uint256 nextWithdrawal;
    }

    /// @dev An account as read by one access.
    struct Access {
        uint256 witness;
        uint256 index;
        uint256 token;
        address owner;
        uint64 nonce;
        uint256 balance;
    }

    /// @dev A decoded record.
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

    /// @inheritdoc IOneStepExecutor
    function executeRecord(
        bytes32 preRoot,
        bytes calldata record,
        uint256 feeAccount,
        bytes32 domainSeparator,
        StepWitness calldata w
    ) external pure returns (bytes32) {
        Run memory run = _start(preRoot, w);
        (bool canonical, Rec memory rec) = _decode(record);
        if (!canonical) return preRoot;
        return _record(run, w, rec, feeAccount, domainSeparator) ? _root(run) : preRoot;
    }

    /// @inheritdoc IOneStepExecutor
    function executeInbox(
        bytes32 preRoot,
        InboxEntry calldata entry,
        StepWitness calldata w
    ) external pure returns (bytes32) {
        Run memory run = _start(preRoot, w);
        return _inbox(run, w, entry) ? _root(run) : preRoot;
    }

    // ---- steps ----

    function _record(
        Run memory run,
        StepWitness calldata w,
        Rec memory rec,
        uint256 feeAccount,
        bytes32 domainSeparator
    ) private pure returns (bool) {
        // Access 1: the sender, debited amount + fee, nonce + 1.
        Access memory from = _access(run, w, rec.from, rec.token);
        if (from.owner == address(0) || from.nonce == type(uint64).max) return false;
        // Cannot overflow: amount < 2^35 * 10^31 and fee < 2^3 * 10^31.
        uint256 total = rec.amount + rec.fee;
        if (from.balance < total) return false;
        uint64 nonce = from.nonce;
        // Cannot underflow (checked above) or overflow (nonce < 2^64 - 1).
        unchecked {
            _write(run, w, from, from.balance - total, nonce + 1);
        }

        if (rec.kind == OptimisticState.RECORD_WITHDRAW) {
            return _withdraw(run, w, rec, from.owner, nonce, feeAccount, domainSeparator);
        }
        return _transfer(run, w, rec, from.owner, nonce, feeAccount, domainSeparator);
    }

    function _withdraw(
        Run memory run,
        StepWitness calldata w,
        Rec memory rec,
        address owner,
        uint64 nonce,
        uint256 feeAccount,
        bytes32 domainSeparator
    ) private pure returns (bool) {
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator,
            keccak256(abi.encode(_WITHDRAW_TYPEHASH, rec.token, rec.amount, rec.fee, nonce))
        );
        if (!_signedBy(digest, rec, owner)) return false;
        if (!_payFee(run, w, feeAccount, rec.token, rec.fee)) return false;
        return _appendWithdrawal(run, w, owner, rec.token, rec.amount);
    }

    function _transfer(
        Run memory run,
        StepWitness calldata w,
        Rec memory rec,
        address owner,
        uint64 nonce,
        uint256 feeAccount,
        bytes32 domainSeparator
    ) private pure returns (bool) {
        // Access 2: the recipient, by index or by address (created when it has no account).
        Access memory to;
        bool create;
        if (rec.kind == OptimisticState.RECORD_TRANSFER) {
            to = _access(run, w, rec.toIndex, rec.token);
            if (to.owner == address(0)) return false;
            rec.toAddress = to.owner;
        } else {
            if (rec.toAddress == address(0)) return false;
            bool ok;
            (ok, to, create) = _resolveForCredit(run, w, rec.toAddress, rec.token);
            if (!ok) return false;
        }
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator,
            keccak256(
                abi.encode(_TRANSFER_TYPEHASH, rec.toAddress, rec.token, rec.amount, rec.fee, nonce)
            )
        );
        if (!_signedBy(digest, rec, owner)) return false;
        if (!_credit(run, w, to, create, rec.toAddress, rec.amount)) return false;
        // Access 3: the fee account.
        return _payFee(run, w, feeAccount, rec.token, rec.fee);
    }

    function _inbox(
        Run memory run,
        StepWitness calldata w,
        InboxEntry calldata e
    ) private pure returns (bool) {
        if (e.kind == OptimisticState.INBOX_DEPOSIT) {
            return _creditAddress(run, w, e.to, e.token, e.amount);
        }
        if (e.kind == OptimisticState.INBOX_FORCED_TRANSFER) {
            if (!_debitAddress(run, w, e.from, e.token, e.amount)) return false;
            return _creditAddress(run, w, e.to, e.token, e.amount);
        }
        if (e.kind == OptimisticState.INBOX_FORCED_WITHDRAW) {
            if (!_debitAddress(run, w, e.from, e.token, e.amount)) return false;
            return _appendWithdrawal(run, w, e.to, e.token, e.amount);
        }
        return false;
    }

    // ---- accesses ----

    function _start(bytes32 preRoot, StepWitness calldata w) private pure returns (Run memory run) {
        run.h = w.header;
        bytes32 headerRoot = OptimisticState.stateRoot(run.h);
        if (headerRoot != preRoot) revert ExecutorBadHeader(preRoot, headerRoot);
    }

    function _root(Run memory run) private pure returns (bytes32) {
        return OptimisticState.stateRoot(run.h);
    }

    /// @dev Reads account `index` at `token` from the next account witness, checking both proofs.
    function _access(
        Run memory run,
        StepWitness calldata w,
        uint256 index,
        uint256 token
    ) private pure returns (Access memory a) {
        if (run.nextAccount >= w.accounts.length) revert ExecutorMissingWitness(0, run.nextAccount);
        a.witness = run.nextAccount;
        ++run.nextAccount;
        AccountWitness calldata aw = w.accounts[a.witness];
        a.index = index;
        a.token = token;
        a.owner = aw.owner;
        // A missing account's leaf is 0 whatever the witness says its nonce is: read it as 0.
        a.nonce = aw.owner == address(0) ? 0 : aw.nonce;
        a.balance = aw.balance;
        bytes32 leaf = OptimisticState.accountLeaf(aw.owner, aw.nonce, aw.balancesRoot);
        bytes32 root = SparseMerkle.computeRootCompressed(
            leaf,
            index,
            OptimisticState.ACCOUNT_DEPTH,
            aw.accountBitmap,
            aw.accountSiblings
        );
        if (root != run.h.accountsRoot) revert ExecutorBadAccountWitness(a.witness, index);
        // INVARIANT: a missing account has no balances (its balance proof is against the empty tree).
        bytes32 balancesRoot =
            aw.owner == address(0) ? OptimisticState.EMPTY_BALANCES_ROOT : aw.balancesRoot;
        bytes32 balanceRoot = SparseMerkle.computeRootCompressed(
            bytes32(aw.balance),
            token,
            OptimisticState.BALANCE_DEPTH,
            aw.balanceBitmap,
            aw.balanceSiblings
        );
        if (balanceRoot != balancesRoot) revert ExecutorBadBalanceWitness(a.witness, token);
    }

    /// @dev Writes `a` back with a new balance and nonce (same proofs, new leaf).
    function _write(
        Run memory run,
        StepWitness calldata w,
        Access memory a,
        uint256 balance,
        uint64 nonce
    ) private pure {
        AccountWitness calldata aw = w.accounts[a.witness];
        bytes32 balancesRoot = SparseMerkle.computeRootCompressed(
            bytes32(balance),
            a.token,
            OptimisticState.BALANCE_DEPTH,
            aw.balanceBitmap,
            aw.balanceSiblings
        );
        run.h.accountsRoot = SparseMerkle.computeRootCompressed(
            OptimisticState.accountLeaf(a.owner, nonce, balancesRoot),
            a.index,
            OptimisticState.ACCOUNT_DEPTH,
            aw.accountBitmap,
            aw.accountSiblings
        );
        a.balance = balance;
        a.nonce = nonce;
    }

    /// @dev Looks `account` up in the address tree: its account index, or `found == false`.
    function _lookup(
        Run memory run,
        StepWitness calldata w,
        address account
    ) private pure returns (bool found, uint256 index, uint256 witness) {
        if (run.nextAddress >= w.addresses.length)
            revert ExecutorMissingWitness(1, run.nextAddress);
        witness = run.nextAddress;
        ++run.nextAddress;
        AddressWitness calldata aw = w.addresses[witness];
        bytes32 root = SparseMerkle.computeRootCompressed(
            bytes32(aw.leaf),
            uint160(account),
            OptimisticState.ADDRESS_DEPTH,
            aw.bitmap,
            aw.siblings
        );
        if (root != run.h.addressesRoot) revert ExecutorBadAddressWitness(witness, account);
        if (aw.leaf == 0) return (false, 0, witness);
        // Cannot underflow: leaf != 0.
        unchecked {
            return (true, aw.leaf - 1, witness);
        }
    }

    /// @dev The account to credit at `account`: its own, or the empty slot `accountCount` (create).
    function _resolveForCredit(
        Run memory run,
        StepWitness calldata w,
        address account,
        uint256 token
    ) private pure returns (bool ok, Access memory a, bool create) {
        (bool found, uint256 index, uint256 addressWitness) = _lookup(run, w, account);
        if (found) return (true, _access(run, w, index, token), false);
        if (run.h.accountCount == uint256(1) << OptimisticState.ACCOUNT_DEPTH) {
            return (false, a, false);
        }
        a = _access(run, w, run.h.accountCount, token);
        // INVARIANT: slot accountCount is always empty; a witness claiming otherwise is not a proof.
        if (a.owner != address(0)) revert ExecutorBadAccountWitness(a.witness, a.index);
        // The address leaf becomes index + 1 now; the account leaf is written by `_credit`.
        AddressWitness calldata aw = w.addresses[addressWitness];
        run.h.addressesRoot = SparseMerkle.computeRootCompressed(
            bytes32(a.index + 1),
            uint160(account),
            OptimisticState.ADDRESS_DEPTH,
            aw.bitmap,
            aw.siblings
        );
        ++run.h.accountCount;
        return (true, a, true);
    }

    function _credit(
        Run memory run,
        StepWitness calldata w,
        Access memory a,
        bool create,
        address owner,
        uint256 amount
    ) private pure returns (bool) {
        if (create) a.owner = owner;
        if (a.balance > type(uint256).max - amount) return false;
        // Cannot overflow: checked above.
        unchecked {
            _write(run, w, a, a.balance + amount, a.nonce);
        }
        return true;
    }

    /// @dev Credits `account`'s account, created if it has none; the zero address owns nothing.
    function _creditAddress(
        Run memory run,
        StepWitness calldata w,
        address account,
        uint256 token,
        uint256 amount
    ) private pure returns (bool) {
        if (account == address(0)) return false;
        (bool ok, Access memory a, bool create) = _resolveForCredit(run, w, account, token);
        if (!ok) return false;
        return _credit(run, w, a, create, account, amount);
    }

    function _debitAddress(
        Run memory run,
        StepWitness calldata w,
        address account,
        uint256 token,
        uint256 amount
    ) private pure returns (bool) {
        (bool found, uint256 index, ) = _lookup(run, w, account);
        if (!found) return false;
        Access memory a = _access(run, w, index, token);
        if (a.balance < amount) return false;
        // Cannot underflow: checked above.
        unchecked {
            _write(run, w, a, a.balance - amount, a.nonce);
        }
        return true;
    }

    function _payFee(
        Run memory run,
        StepWitness calldata w,
        uint256 feeAccount,
        uint256 token,
        uint256 fee
    ) private pure returns (bool) {
        if (fee == 0) return true;
        Access memory a = _access(run, w, feeAccount, token);
        if (a.owner == address(0)) return false;
        return _credit(run, w, a, false, a.owner, fee);
    }

    function _appendWithdrawal(
        Run memory run,
        StepWitness calldata w,
        address recipient,
        uint256 token,
        uint256 amount
    ) private pure returns (bool) {
        uint256 slot = run.h.withdrawalCount;
        if (slot == uint256(1) << OptimisticState.WITHDRAWAL_DEPTH) return false;
        if (run.nextWithdrawal >= w.withdrawals.length) {
            revert ExecutorMissingWitness(2, run.nextWithdrawal);
        }
        WithdrawalWitness calldata ww = w.withdrawals[run.nextWithdrawal];
        ++run.nextWithdrawal;
        bytes32 root = SparseMerkle.computeRootCompressed(
            bytes32(0),
            slot,
            OptimisticState.WITHDRAWAL_DEPTH,
            ww.bitmap,
            ww.siblings
        );
        if (root != run.h.withdrawalsRoot) revert ExecutorBadWithdrawalWitness(slot);
        run.h.withdrawalsRoot = SparseMerkle.computeRootCompressed(
            OptimisticState.withdrawalLeaf(recipient, token, amount),
            slot,
            OptimisticState.WITHDRAWAL_DEPTH,
            ww.bitmap,
            ww.siblings
        );
        ++run.h.withdrawalCount;
        return true;
    }

    // ---- records and signatures ----

    /// @dev Decodes a record; `canonical` is false when its amount or fee is not a canonical float.
    function _decode(bytes calldata record) private pure returns (bool canonical, Rec memory rec) {
        rec.kind = record.length == 0 ? 0 : uint8(record[0]);
        uint256 length = OptimisticState.recordLength(rec.kind);
        if (length == 0 || record.length != length) {
            revert ExecutorBadRecord(rec.kind, record.length);
        }
        rec.from = uint32(bytes4(record[1:5]));
        uint256 p = 5;
        if (rec.kind == OptimisticState.RECORD_TRANSFER) {
            rec.toIndex = uint32(bytes4(record[5:9]));
            p = 9;
        } else if (rec.kind == OptimisticState.RECORD_TRANSFER_TO_ADDRESS) {
            rec.toAddress = address(bytes20(record[5:25]));
            p = 25;
        }
        rec.token = uint16(bytes2(record[p:p + 2]));
        bool amountOk;
        bool feeOk;
        (amountOk, rec.amount) = FloatCodec.tryDecodeAmount(uint40(bytes5(record[p + 2:p + 7])));
        (feeOk, rec.fee) = FloatCodec.tryDecodeFee(uint8(record[p + 7]));
        rec.r = bytes32(record[p + 8:p + 40]);
        rec.vs = bytes32(record[p + 40:p + 72]);
        canonical = amountOk && feeOk;
    }

    function _signedBy(bytes32 digest, Rec memory rec, address owner) private pure returns (bool) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, rec.r, rec.vs);
        return err == ECDSA.RecoverError.NoError && signer == owner;
    }
}
