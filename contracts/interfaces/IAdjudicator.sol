// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IPayouts} from "./IPayouts.sol";

/// @title IAdjudicator
/// @notice Structs, errors and events of l2kit's state-channel judge (`Adjudicator`).
///         Protocol, parameters and trust assumptions: docs/channels.md.
interface IAdjudicator is IPayouts {
    /// @notice What a channel is; its id is `channelId(channel)`, bound to the chain, this
    ///         adjudicator and every field here, so no state or signature replays elsewhere.
    /// @param participants Two or more distinct signers; index i is participant i everywhere.
    /// @param nonce Chosen by the participants, never reused between the same participants, so a
    ///        reopened channel has a new id and old states are worthless in it.
    /// @param app The rules (`IChannelApp`) that on-chain moves (`progress`) must follow.
    /// @param challengeDuration Seconds a registered state waits before it is final.
    struct Channel {
        address[] participants;
        uint64 nonce;
        address app;
        uint48 challengeDuration;
    }

    /// @notice A hash-time lock: `amount` goes to `payee` if the preimage of `hashlock` was
    ///         revealed in the secret registry at or before `expiry`, and back to `payer` once
    ///         `expiry` has passed without it.
    struct Lock {
        uint256 amount;
        bytes32 hashlock;
        uint64 expiry;
        uint8 payer;
        uint8 payee;
    }

    /// @notice One asset's share of a channel: `amounts[i]` to participant i, plus pending locks.
    /// @param asset address(0) for ETH, else an ERC-20.
    struct Allocation {
        address asset;
        uint256[] amounts;
        Lock[] locks;
    }

    /// @notice A channel state, signed as EIP-712 typed data (`State`, bound to the channel id).
    /// @param version Orders states; in turn-taking apps participant `version % n` made it.
    /// @param isFinal A final state ends the channel: it can be concluded, never moved from.
    /// @param appData The app's own state (a board, a score), opaque to the adjudicator.
    /// @param outcome What each participant gets if the channel ends in this state.
    struct State {
        uint48 version;
        bool isFinal;
        bytes appData;
        Allocation[] outcome;
    }

    /// @notice An ECDSA signature of a state's EIP-712 digest (low s, v in {27, 28}).
    struct Signature {
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice A state with either every participant's signature (in participant order) or only
    ///         its mover's (participant `version % n`).
    struct SignedState {
        State state;
        Signature[] sigs;
    }

    // ---- errors ----

    /// @notice A channel needs 2 to 32 participants.
    error ChannelBadParticipantCount(uint256 count);
    /// @notice A channel without a challenge period would finalise any state at once.
    error ChannelZeroChallengeDuration();
    /// @notice The channel has no app, so no state can be reached by an on-chain move.
    error ChannelNoApp();
    /// @notice A support proof needs at least one state.
    error ChannelEmptyProof();
    /// @notice A state must carry every participant's signature or only its mover's.
    error ChannelBadSignatureCount(uint256 version, uint256 count);
    /// @notice The signature of `participant` on the state of this version does not recover to it.
    error ChannelBadSignature(uint256 version, uint256 participant);
    /// @notice Each state of a proof (and an on-chain move) must be the previous version + 1.
    error ChannelNotConsecutive(uint256 version, uint256 expected);
    /// @notice Nothing may follow a final state.
    error ChannelMoveFromFinal(uint256 version);
    /// @notice The app rejected the move to this version.
    error ChannelInvalidTransition(uint256 version);
    /// @notice Not every participant signed some state of the proof (bit i = participant i).
    error ChannelUnsupported(uint256 signedMask);
    /// @notice An outcome's amounts must list every participant.
    error ChannelBadAllocation(uint256 assetIndex, uint256 length);
    /// @notice The state is not newer than the one registered (a challenge in progress needs a
    ///         strictly higher version, so a challenge can never be restarted at the same one).
    error ChannelStaleVersion(uint256 given, uint256 current);
    /// @notice A final state ends the channel through `conclude`, not a challenge or checkpoint.
    error ChannelStateIsFinal(uint256 version);
    /// @notice `conclude` needs a final state.
    error ChannelNotFinal(uint256 version);
    /// @notice The channel is final: no state, move or deposit changes it any more.
    error ChannelFinalized(bytes32 channelId);
    /// @notice The channel is not final yet (0: nothing registered).
    error ChannelNotFinalized(bytes32 channelId, uint256 finalizesAt);
    /// @notice The state given is not the one registered for the channel.
    error ChannelUnknownState(bytes32 channelId);
    /// @notice now + challengeDuration does not fit the 48-bit clock.
    error ChannelTimeoutOverflow(uint256 finalizesAt);
    /// @notice The channel's holdings moved since the depositor looked (`expectedHeld`).
    error ChannelHoldingsChanged(uint256 expected, uint256 actual);
    /// @notice No lock at this position of the outcome.
    error ChannelNoSuchLock(uint256 assetIndex, uint256 lockIndex);
    /// @notice The lock names a payer or payee that is not a participant.
    error ChannelBadLockParty(uint256 participant);
    /// @notice The lock was already resolved.
    error ChannelLockSettled(uint256 assetIndex, uint256 lockIndex);
    /// @notice Neither revealed in time nor expired yet.
    error ChannelLockPending(bytes32 hashlock, uint256 expiry);

    // ---- events ----

    /// @notice `amount` of `asset` was credited to the channel (what arrived, for fee-taking tokens).
    event Deposited(bytes32 indexed channelId, address indexed asset, uint256 amount, uint256 held);
    /// @notice A challenge started or restarted: `state` becomes final at `finalizesAt` unless a
    ///         newer state is registered or the next mover moves.
    event Challenged(bytes32 indexed channelId, uint256 finalizesAt, State state);
    /// @notice A newer state replaced the registered one; a running challenge keeps its deadline.
    event Checkpointed(bytes32 indexed channelId, uint256 finalizesAt, State state);
    /// @notice A participant moved on-chain from the registered state; the next mover has until
    ///         `finalizesAt` (now, if the move ended the game).
    event Progressed(bytes32 indexed channelId, uint256 finalizesAt, State state);
    /// @notice The channel was closed with a final state signed by all, and paid out.
    event Concluded(bytes32 indexed channelId, uint256 version);
    /// @notice A lock was resolved to `to` (payee when revealed in time, else payer).
    event LockResolved(
        bytes32 indexed channelId,
        bytes32 indexed hashlock,
        address to,
        uint256 amount
    );
}
