// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity ^0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IPayouts} from "./IPayouts.sol";
import {ISecretRegistry} from "./ISecretRegistry.sol";

/// @title IAdjudicator
/// @notice The API of l2kit's state-channel judge (`Adjudicator`): its functions, structs, errors
///         and events. Participants lock ETH or ERC-20s under a channel id, play signed states
///         off-chain, and leave with one final state everyone signed (`conclude`) or by dispute
///         (`challenge`, answered by `checkpoint` or `progress`, then `payout` and `unlock`).
///         Protocol, parameters and trust assumptions: docs/channels.md.
/// @dev Pull payments (`owed`, `withdraw`) come from `IPayouts`; the EIP-712 domain states are
///      signed under (`eip712Domain`) from OpenZeppelin's `IERC5267`.
interface IAdjudicator is IPayouts, IERC5267 {
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
    /// @param channelId The channel.
    /// @param asset The asset (address(0): ETH).
    /// @param amount What was credited.
    /// @param held What the channel holds of `asset` now.
    event Deposited(bytes32 indexed channelId, address indexed asset, uint256 amount, uint256 held);

    /// @notice A challenge started or restarted: `state` becomes final at `finalizesAt` unless a
    ///         newer state is registered or the next mover moves.
    /// @param channelId The channel.
    /// @param finalizesAt When the registered state becomes final.
    /// @param state The registered state.
    event Challenged(bytes32 indexed channelId, uint256 finalizesAt, State state);

    /// @notice A newer state replaced the registered one; a running challenge keeps its deadline.
    /// @param channelId The channel.
    /// @param finalizesAt The running challenge's deadline (0: no challenge).
    /// @param state The registered state.
    event Checkpointed(bytes32 indexed channelId, uint256 finalizesAt, State state);

    /// @notice A participant moved on-chain from the registered state; the next mover has until
    ///         `finalizesAt` (now, if the move ended the game).
    /// @param channelId The channel.
    /// @param finalizesAt When the new state becomes final.
    /// @param state The new registered state.
    event Progressed(bytes32 indexed channelId, uint256 finalizesAt, State state);

    /// @notice The channel was closed with a final state signed by all, and paid out.
    /// @param channelId The channel.
    /// @param version The final state's version.
    event Concluded(bytes32 indexed channelId, uint256 version);

    /// @notice A lock was resolved to `to` (payee when revealed in time, else payer).
    /// @param channelId The channel.
    /// @param hashlock The lock's hashlock.
    /// @param to Who was paid.
    /// @param amount What was paid (the lock's amount, capped by the channel's holdings).
    event LockResolved(
        bytes32 indexed channelId,
        bytes32 indexed hashlock,
        address to,
        uint256 amount
    );

    // ---- views ----

    /// @notice Where hash-lock secrets are revealed; `unlock` pays a lock by it.
    /// @return registry The secret registry, fixed at deployment.
    function secretRegistry() external view returns (ISecretRegistry registry);

    /// @notice What channel `channelId` holds of `asset`.
    /// @param channelId The channel.
    /// @param asset The asset (address(0): ETH).
    /// @return amount Deposited and not yet paid out.
    function holdings(bytes32 channelId, address asset) external view returns (uint256 amount);

    /// @notice The id of `channel` on this chain and this adjudicator; reverts for a channel
    ///         without 2 to 32 participants or without a challenge duration.
    /// @param channel The channel.
    /// @return id keccak256(abi.encode(chain id, this, participants, nonce, app,
    ///         challengeDuration)).
    function channelId(Channel calldata channel) external view returns (bytes32 id);

    /// @notice What is registered for channel `id`.
    /// @param id The channel.
    /// @return version The registered state's version.
    /// @return finalizesAt When it is (or was) final (0: no challenge yet).
    /// @return fingerprint The low 160 bits of the registered state's EIP-712 struct hash (0:
    ///         nothing registered).
    function status(
        bytes32 id
    ) external view returns (uint48 version, uint48 finalizesAt, uint160 fingerprint);

    /// @notice The EIP-712 digest participants sign for `state` of channel `id`.
    /// @param id The channel.
    /// @param state The state.
    /// @return digest The typed-data digest under this adjudicator's domain.
    function stateDigest(bytes32 id, State calldata state) external view returns (bytes32 digest);

    /// @notice The fingerprint `status` reports when `state` is the registered state.
    /// @param id The channel.
    /// @param state The state.
    /// @return fingerprint The low 160 bits of its EIP-712 struct hash.
    function fingerprintOf(
        bytes32 id,
        State calldata state
    ) external pure returns (uint160 fingerprint);

    // ---- funding ----

    /// @notice Adds `amount` of `asset` to channel `id` (anyone may, until the channel is
    ///         final). `expectedHeld` must equal what the channel holds, so participants fund in
    ///         their agreed order (participant 0 first) and a deposit never lands on top of one it
    ///         did not expect.
    /// @param id The channel.
    /// @param asset The asset (address(0): ETH, sent as value; an ERC-20 must be approved first).
    /// @param expectedHeld What the channel must hold of `asset` before this deposit.
    /// @param amount The amount; for ETH, exactly the value sent.
    function deposit(
        bytes32 id,
        address asset,
        uint256 expectedHeld,
        uint256 amount
    ) external payable;

    // ---- disputes ----

    /// @notice Registers the last state of `proof` and starts the challenge period: it becomes
    ///         final after `challengeDuration` unless replaced. While a challenge runs, only a
    ///         strictly higher version restarts it. The state must not be final.
    /// @param channel The channel.
    /// @param proof A support proof: states of consecutive versions, each a move the app accepts
    ///        from the one before, each signed by every participant or only its mover, every
    ///        participant signing at least one (docs/channels.md#support-proofs).
    function challenge(Channel calldata channel, SignedState[] calldata proof) external;

    /// @notice Replaces the registered state with the newer last state of `proof`; a running
    ///         challenge keeps its deadline (this is how a stale close is answered).
    /// @param channel The channel.
    /// @param proof A support proof (as for `challenge`) of a non-final state newer than the
    ///        registered one.
    function checkpoint(Channel calldata channel, SignedState[] calldata proof) external;

    /// @notice Moves the app on-chain from the registered state `from` to `to`, signed by its
    ///         mover (participant `to.version % n`) and accepted by the app. The other side then
    ///         has a full challenge period to answer; a move that ends the game is final at once.
    /// @param channel The channel.
    /// @param from The registered state.
    /// @param to The next state (version + 1).
    /// @param moverSignature The mover's signature of `to`.
    function progress(
        Channel calldata channel,
        State calldata from,
        State calldata to,
        Signature calldata moverSignature
    ) external;

    // ---- endings ----

    /// @notice Closes the channel at once with the final last state of `proof` and pays it out
    ///         (locks stay until `unlock`).
    /// @param channel The channel.
    /// @param proof A support proof (as for `challenge`) of a final state not older than the
    ///        registered one.
    function conclude(Channel calldata channel, SignedState[] calldata proof) external;

    /// @notice Pays the outcome of the final registered `state` (locks stay until `unlock`), capped
    ///         by the holdings, in participant order; the state is then registered with its
    ///         amounts zeroed, so nothing is paid twice.
    /// @param channel The channel.
    /// @param state The registered state.
    function payout(Channel calldata channel, State calldata state) external;

    /// @notice Resolves lock `lockIndex` of asset `assetIndex` in the final registered `state`:
    ///         to the payee if its secret was revealed at or before expiry, else (once expired) to
    ///         the payer. The state is then registered with that lock's amount zeroed.
    /// @param channel The channel.
    /// @param state The registered state.
    /// @param assetIndex The allocation holding the lock.
    /// @param lockIndex The lock's index in that allocation.
    function unlock(
        Channel calldata channel,
        State calldata state,
        uint256 assetIndex,
        uint256 lockIndex
    ) external;
}
