// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IAdjudicator} from "../interfaces/IAdjudicator.sol";
import {Payouts} from "../libraries/Payouts.sol";
import {IChannelApp} from "../interfaces/IChannelApp.sol";
import {ISecretRegistry} from "../interfaces/ISecretRegistry.sol";

/// @title Adjudicator
/// @notice The judge of l2kit's state channels. Participants lock ETH or ERC-20s here under a
///         channel id, play any number of signed states off-chain, and leave with one
///         transaction (`conclude`, a final state everyone signed). When one of them is gone or
///         dishonest, a party registers its latest state (`challenge`); within the channel's
///         challenge period a newer state replaces it (`checkpoint`, same deadline) or the next
///         mover moves on-chain under the app's rules (`progress`, new deadline); afterwards the
///         registered state's outcome is paid (`payout`) and its hash-time locks resolved against
///         the secret registry (`unlock`).
/// @dev One storage slot per channel: version (48 bits) | finalizesAt (48) | fingerprint (160,
///      the low bits of the registered state's EIP-712 struct hash). finalizesAt 0: nothing
///      challenged yet; in the future: a challenge runs; now or past: final. No path takes a
///      channel from challenged back to open, and only a strictly higher version restarts the
///      clock, so a challenge can never be prolonged at the same version. Payouts write the
///      fingerprint of the same state with the paid amounts zeroed, so nothing is paid twice.
contract Adjudicator is IAdjudicator, EIP712, Payouts {
    uint256 private constant _MAX_PARTICIPANTS = 32;
    uint256 private constant _NONE = type(uint256).max;

    // solhint-disable gas-small-strings
    bytes32 private constant _LOCK_TYPEHASH = keccak256(
        "Lock(uint256 amount,bytes32 hashlock,uint64 expiry,uint8 payer,uint8 payee)"
    );
    bytes32 private constant _ALLOCATION_TYPEHASH = keccak256(
        "Allocation(address asset,uint256[] amounts,Lock[] locks)"
        "Lock(uint256 amount,bytes32 hashlock,uint64 expiry,uint8 payer,uint8 payee)"
    );
    bytes32 private constant _STATE_TYPEHASH = keccak256(
        "State(bytes32 channelId,uint48 version,bool isFinal,bytes appData,Allocation[] outcome)"
        "Allocation(address asset,uint256[] amounts,Lock[] locks)"
        "Lock(uint256 amount,bytes32 hashlock,uint64 expiry,uint8 payer,uint8 payee)"
    );

    // solhint-enable gas-small-strings

    /// @inheritdoc IAdjudicator
    ISecretRegistry public immutable secretRegistry;

    mapping(bytes32 channelId => uint256 packed) private _status;
    /// @inheritdoc IAdjudicator
    mapping(bytes32 channelId => mapping(address asset => uint256)) public holdings;

    /// @notice Deploys the adjudicator.
    /// @param secretRegistry_ Where `unlock` looks up hash-lock secrets.
    constructor(ISecretRegistry secretRegistry_) EIP712("l2kit channels", "1") {
        secretRegistry = secretRegistry_;
    }

    // ---- views ----

    /// @inheritdoc IAdjudicator
    function channelId(Channel calldata channel) public view returns (bytes32) {
        uint256 n = channel.participants.length;
        if (n < 2 || n > _MAX_PARTICIPANTS) revert ChannelBadParticipantCount(n);
        if (channel.challengeDuration == 0) revert ChannelZeroChallengeDuration();
        return
            keccak256(
                abi.encode(
                    block.chainid,
                    address(this),
                    channel.participants,
                    channel.nonce,
                    channel.app,
                    channel.challengeDuration
                )
            );
    }

    /// @inheritdoc IAdjudicator
    function status(
        bytes32 id
    ) external view returns (uint48 version, uint48 finalizesAt, uint160 fingerprint) {
        (uint256 v, uint256 f, uint160 fp) = _load(id);
        return (uint48(v), uint48(f), fp);
    }

    /// @inheritdoc IAdjudicator
    function stateDigest(bytes32 id, State calldata state) external view returns (bytes32) {
        return _hashTypedDataV4(_hashState(id, state, false, _NONE, 0));
    }

    /// @inheritdoc IAdjudicator
    function fingerprintOf(bytes32 id, State calldata state) external pure returns (uint160) {
        return uint160(uint256(_hashState(id, state, false, _NONE, 0)));
    }

    // ---- funding ----

    /// @inheritdoc IAdjudicator
    function deposit(
        bytes32 id,
        address asset,
        uint256 expectedHeld,
        uint256 amount
    ) external payable nonReentrant {
        (, uint256 finalizesAt, ) = _load(id);
        if (finalizesAt != 0 && finalizesAt <= block.timestamp) revert ChannelFinalized(id);
        uint256 held = holdings[id][asset];
        if (held != expectedHeld) revert ChannelHoldingsChanged(expectedHeld, held);
        uint256 credited = _receive(asset, amount);
        held += credited;
        holdings[id][asset] = held;
        emit Deposited(id, asset, credited, held);
    }

    // ---- disputes ----

    /// @inheritdoc IAdjudicator
    /// @dev Support is checked by `_requireSupported`.
    function challenge(Channel calldata channel, SignedState[] calldata proof) external {
        bytes32 id = channelId(channel);
        State calldata state = _last(proof);
        (uint256 version, uint256 finalizesAt, uint160 fingerprint) = _load(id);
        _requireNotFinal(id, finalizesAt);
        // INVARIANT: a running challenge is only restarted by a newer state.
        bool stale =
            finalizesAt != 0
                ? state.version <= version
                : fingerprint != 0 && state.version < version;
        if (stale) revert ChannelStaleVersion(state.version, version);
        if (state.isFinal) revert ChannelStateIsFinal(state.version);
        bytes32 hash = _requireSupported(channel, id, proof);
        uint256 deadline = _deadline(channel.challengeDuration);
        _store(id, state.version, deadline, hash);
        emit Challenged(id, deadline, state);
    }

    /// @inheritdoc IAdjudicator
    function checkpoint(Channel calldata channel, SignedState[] calldata proof) external {
        bytes32 id = channelId(channel);
        State calldata state = _last(proof);
        (uint256 version, uint256 finalizesAt, uint160 fingerprint) = _load(id);
        _requireNotFinal(id, finalizesAt);
        if (fingerprint != 0 && state.version <= version) {
            revert ChannelStaleVersion(state.version, version);
        }
        if (state.isFinal) revert ChannelStateIsFinal(state.version);
        bytes32 hash = _requireSupported(channel, id, proof);
        _store(id, state.version, finalizesAt, hash);
        emit Checkpointed(id, finalizesAt, state);
    }

    /// @inheritdoc IAdjudicator
    function progress(
        Channel calldata channel,
        State calldata from,
        State calldata to,
        Signature calldata moverSignature
    ) external {
        bytes32 id = channelId(channel);
        (, uint256 finalizesAt, uint160 fingerprint) = _load(id);
        _requireNotFinal(id, finalizesAt);
        if (uint160(uint256(_hashState(id, from, false, _NONE, 0))) != fingerprint) {
            revert ChannelUnknownState(id);
        }
        _requireMove(channel, from, to);
        _requireOutcomeShape(to, channel.participants.length);
        bytes32 hash = _hashState(id, to, false, _NONE, 0);
        uint256 mover = to.version % channel.participants.length;
        _requireSigner(channel.participants[mover], mover, to.version, hash, moverSignature);
        uint256 deadline = to.isFinal ? block.timestamp : _deadline(channel.challengeDuration);
        _store(id, to.version, deadline, hash);
        emit Progressed(id, deadline, to);
    }

    // ---- endings ----

    /// @inheritdoc IAdjudicator
    function conclude(
        Channel calldata channel,
        SignedState[] calldata proof
    ) external nonReentrant {
        bytes32 id = channelId(channel);
        State calldata state = _last(proof);
        (uint256 version, uint256 finalizesAt, uint160 fingerprint) = _load(id);
        _requireNotFinal(id, finalizesAt);
        if (!state.isFinal) revert ChannelNotFinal(state.version);
        if (fingerprint != 0 && state.version < version) {
            revert ChannelStaleVersion(state.version, version);
        }
        _requireSupported(channel, id, proof);
        _store(id, state.version, block.timestamp, _hashState(id, state, true, _NONE, 0));
        emit Concluded(id, state.version);
        _payOutcome(id, channel.participants, state);
    }

    /// @inheritdoc IAdjudicator
    function payout(Channel calldata channel, State calldata state) external nonReentrant {
        bytes32 id = channelId(channel);
        (uint256 version, uint256 finalizesAt, ) = _requireFinalState(id, state);
        _store(id, version, finalizesAt, _hashState(id, state, true, _NONE, 0));
        _payOutcome(id, channel.participants, state);
    }

    /// @inheritdoc IAdjudicator
    function unlock(
        Channel calldata channel,
        State calldata state,
        uint256 assetIndex,
        uint256 lockIndex
    ) external nonReentrant {
        bytes32 id = channelId(channel);
        (uint256 version, uint256 finalizesAt, ) = _requireFinalState(id, state);
        (address to, Lock calldata lock) = _lockReceiver(channel, state, assetIndex, lockIndex);
        _store(id, version, finalizesAt, _hashState(id, state, false, assetIndex, lockIndex));
        address asset = state.outcome[assetIndex].asset;
        uint256 held = holdings[id][asset];
        uint256 amount = lock.amount < held ? lock.amount : held;
        holdings[id][asset] = held - amount;
        emit LockResolved(id, lock.hashlock, to, amount);
        if (amount != 0) _push(id, asset, to, amount);
    }

    // ---- internals ----

    /// @dev A proof is a run of consecutive states, each a valid app move from the one before by
    ///      its mover, where every state carries every participant's signature or its mover's, and
    ///      every participant signed some state. One state signed by all is the simplest proof;
    ///      n turn-taking states, each signed by its mover, are the other (ForceMove's rule).
    ///      Returns the struct hash of the last state.
    function _requireSupported(
        Channel calldata channel,
        bytes32 id,
        SignedState[] calldata proof
    ) private view returns (bytes32 hash) {
        uint256 count = proof.length;
        address[] calldata participants = channel.participants;
        uint256 n = participants.length;
        uint256 signedMask;
        for (uint256 i; i < count; ++i) {
            State calldata state = proof[i].state;
            if (i > 0) _requireMove(channel, proof[i - 1].state, state);
            hash = _hashState(id, state, false, _NONE, 0);
            Signature[] calldata sigs = proof[i].sigs;
            if (sigs.length == n) {
                for (uint256 p; p < n; ++p) {
                    _requireSigner(participants[p], p, state.version, hash, sigs[p]);
                }
                signedMask = (uint256(1) << n) - 1;
            } else if (sigs.length == 1) {
                uint256 mover = state.version % n;
                _requireSigner(participants[mover], mover, state.version, hash, sigs[0]);
                signedMask |= uint256(1) << mover;
            } else {
                revert ChannelBadSignatureCount(state.version, sigs.length);
            }
        }
        if (signedMask != (uint256(1) << n) - 1) revert ChannelUnsupported(signedMask);
        _requireOutcomeShape(proof[count - 1].state, n);
    }

    /// @dev `to` must follow `from` by one version, `from` must not be final, and the app must
    ///      accept the move by `to`'s mover.
    function _requireMove(
        Channel calldata channel,
        State calldata from,
        State calldata to
    ) private view {
        if (from.isFinal) revert ChannelMoveFromFinal(from.version);
        uint256 expected = uint256(from.version) + 1;
        if (to.version != expected) revert ChannelNotConsecutive(to.version, expected);
        if (channel.app.code.length == 0) revert ChannelNoApp();
        uint256 mover = to.version % channel.participants.length;
        if (!IChannelApp(channel.app).validTransition(channel, from, to, mover)) {
            revert ChannelInvalidTransition(to.version);
        }
    }

    /// @dev The lock at (`assetIndex`, `lockIndex`) of `state` and whom it pays now.
    function _lockReceiver(
        Channel calldata channel,
        State calldata state,
        uint256 assetIndex,
        uint256 lockIndex
    ) private view returns (address to, Lock calldata lock) {
        if (assetIndex >= state.outcome.length) revert ChannelNoSuchLock(assetIndex, lockIndex);
        Lock[] calldata locks = state.outcome[assetIndex].locks;
        if (lockIndex >= locks.length) revert ChannelNoSuchLock(assetIndex, lockIndex);
        lock = locks[lockIndex];
        if (lock.amount == 0) revert ChannelLockSettled(assetIndex, lockIndex);
        uint256 n = channel.participants.length;
        if (lock.payer >= n) revert ChannelBadLockParty(lock.payer);
        if (lock.payee >= n) revert ChannelBadLockParty(lock.payee);
        uint256 revealed = secretRegistry.revealedAt(lock.hashlock);
        if (revealed != 0 && revealed <= lock.expiry) {
            to = channel.participants[lock.payee];
        } else if (block.timestamp > lock.expiry) {
            to = channel.participants[lock.payer];
        } else {
            revert ChannelLockPending(lock.hashlock, lock.expiry);
        }
    }

    function _requireSigner(
        address participant,
        uint256 index,
        uint256 version,
        bytes32 structHash,
        Signature calldata sig
    ) private view {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
            _hashTypedDataV4(structHash),
            sig.v,
            sig.r,
            sig.s
        );
        if (err != ECDSA.RecoverError.NoError || signer != participant) {
            revert ChannelBadSignature(version, index);
        }
    }

    function _requireOutcomeShape(State calldata state, uint256 n) private pure {
        uint256 assets = state.outcome.length;
        for (uint256 a; a < assets; ++a) {
            uint256 length = state.outcome[a].amounts.length;
            if (length != n) revert ChannelBadAllocation(a, length);
        }
    }

    function _requireNotFinal(bytes32 id, uint256 finalizesAt) private view {
        if (finalizesAt != 0 && finalizesAt <= block.timestamp) revert ChannelFinalized(id);
    }

    /// @dev The channel must be final and `state` its registered state.
    function _requireFinalState(
        bytes32 id,
        State calldata state
    ) private view returns (uint256 version, uint256 finalizesAt, uint160 fingerprint) {
        (version, finalizesAt, fingerprint) = _load(id);
        if (finalizesAt == 0 || finalizesAt > block.timestamp) {
            revert ChannelNotFinalized(id, finalizesAt);
        }
        if (uint160(uint256(_hashState(id, state, false, _NONE, 0))) != fingerprint) {
            revert ChannelUnknownState(id);
        }
    }

    function _last(SignedState[] calldata proof) private pure returns (State calldata) {
        if (proof.length == 0) revert ChannelEmptyProof();
        return proof[proof.length - 1].state;
    }

    function _deadline(uint256 challengeDuration) private view returns (uint256 deadline) {
        deadline = block.timestamp + challengeDuration;
        if (deadline > type(uint48).max) revert ChannelTimeoutOverflow(deadline);
    }

    /// @dev Pays each participant its amount of each asset, capped by what the channel holds
    ///      (participants are paid in index order, the order they fund in). Holdings are written
    ///      before any value leaves.
    function _payOutcome(
        bytes32 id,
        address[] calldata participants,
        State calldata state
    ) private {
        uint256 assets = state.outcome.length;
        uint256 n = participants.length;
        for (uint256 a; a < assets; ++a) {
            Allocation calldata allocation = state.outcome[a];
            address asset = allocation.asset;
            uint256 held = holdings[id][asset];
            uint256[] memory paid = new uint256[](n);
            for (uint256 p; p < n && held != 0; ++p) {
                uint256 amount = allocation.amounts[p];
                if (amount > held) amount = held;
                paid[p] = amount;
                held -= amount;
            }
            holdings[id][asset] = held;
            for (uint256 p; p < n; ++p) {
                if (paid[p] != 0) _push(id, asset, participants[p], paid[p]);
            }
        }
    }

    /// @dev EIP-712 struct hash of `state` in channel `id`; with `amountsPaid` every amount
    ///      counts as zero, and lock `clearedLock` of asset `clearedAsset` (if any) as resolved.
    function _hashState(
        bytes32 id,
        State calldata state,
        bool amountsPaid,
        uint256 clearedAsset,
        uint256 clearedLock
    ) private pure returns (bytes32) {
        uint256 assets = state.outcome.length;
        bytes32[] memory allocations = new bytes32[](assets);
        for (uint256 a; a < assets; ++a) {
            Allocation calldata allocation = state.outcome[a];
            bytes32 amountsHash =
                amountsPaid
                    ? keccak256(new bytes(allocation.amounts.length * 32))
                    : keccak256(abi.encodePacked(allocation.amounts));
            allocations[a] = keccak256(
                abi.encode(
                    _ALLOCATION_TYPEHASH,
                    allocation.asset,
                    amountsHash,
                    _hashLocks(allocation.locks, a == clearedAsset ? clearedLock : _NONE)
                )
            );
        }
        return
            keccak256(
                abi.encode(
                    _STATE_TYPEHASH,
                    id,
                    state.version,
                    state.isFinal,
                    keccak256(state.appData),
                    keccak256(abi.encodePacked(allocations))
                )
            );
    }

    function _hashLocks(Lock[] calldata locks, uint256 cleared) private pure returns (bytes32) {
        uint256 count = locks.length;
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            Lock calldata lock = locks[i];
            hashes[i] = keccak256(
                abi.encode(
                    _LOCK_TYPEHASH,
                    i == cleared ? 0 : lock.amount,
                    lock.hashlock,
                    lock.expiry,
                    lock.payer,
                    lock.payee
                )
            );
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _load(
        bytes32 id
    ) private view returns (uint256 version, uint256 finalizesAt, uint160 fingerprint) {
        uint256 packed = _status[id];
        version = packed >> 208;
        finalizesAt = uint48(packed >> 160);
        fingerprint = uint160(packed);
    }

    function _store(bytes32 id, uint256 version, uint256 finalizesAt, bytes32 hash) private {
        _status[id] = (version << 208) | (finalizesAt << 160) | uint160(uint256(hash));
    }
}
