/**
 * The part of the channels' ABI (Adjudicator, SecretRegistry) that channel clients and the
 * watchtower call, as human-readable fragments: processes that only talk to deployed contracts
 * need neither compiled artifacts nor generated types. A test checks every fragment against the
 * compiled contracts.
 */
import { Contract, Interface, type ContractRunner } from "ethers";

const LOCK = "(uint256 amount, bytes32 hashlock, uint64 expiry, uint8 payer, uint8 payee)";
const STATE = `(uint48 version, bool isFinal, bytes appData, (address asset, uint256[] amounts, ${LOCK}[] locks)[] outcome)`;
const CHANNEL = "(address[] participants, uint64 nonce, address app, uint48 challengeDuration)";
const SIG = "(uint8 v, bytes32 r, bytes32 s)";
const PROOF = `(${STATE} state, ${SIG}[] sigs)[]`;

export const ADJUDICATOR_ABI = [
  `function channelId(${CHANNEL} channel) view returns (bytes32)`,
  "function status(bytes32 id) view returns (uint48 version, uint48 finalizesAt, uint160 fingerprint)",
  `function stateDigest(bytes32 id, ${STATE} state) view returns (bytes32)`,
  "function holdings(bytes32 channelId, address asset) view returns (uint256)",
  "function owed(address account, address asset) view returns (uint256)",
  "function secretRegistry() view returns (address)",
  "function deposit(bytes32 id, address asset, uint256 expectedHeld, uint256 amount) payable",
  `function challenge(${CHANNEL} channel, ${PROOF} proof)`,
  `function checkpoint(${CHANNEL} channel, ${PROOF} proof)`,
  `function progress(${CHANNEL} channel, ${STATE} from, ${STATE} to, ${SIG} moverSignature)`,
  `function conclude(${CHANNEL} channel, ${PROOF} proof)`,
  `function payout(${CHANNEL} channel, ${STATE} state)`,
  `function unlock(${CHANNEL} channel, ${STATE} state, uint256 assetIndex, uint256 lockIndex)`,
  "function withdraw(address asset, address to)",
  "error ChannelBadAllocation(uint256 assetIndex, uint256 length)",
  "error BadDeposit(uint256 sent, uint256 amount)",
  "error ChannelBadLockParty(uint256 participant)",
  "error ChannelBadParticipantCount(uint256 count)",
  "error ChannelBadSignature(uint256 version, uint256 participant)",
  "error ChannelBadSignatureCount(uint256 version, uint256 count)",
  "error ChannelEmptyProof()",
  "error ChannelFinalized(bytes32 channelId)",
  "error ChannelHoldingsChanged(uint256 expected, uint256 actual)",
  "error ChannelInvalidTransition(uint256 version)",
  "error ChannelLockPending(bytes32 hashlock, uint256 expiry)",
  "error ChannelLockSettled(uint256 assetIndex, uint256 lockIndex)",
  "error ChannelMoveFromFinal(uint256 version)",
  "error ChannelNoApp()",
  "error ChannelNoSuchLock(uint256 assetIndex, uint256 lockIndex)",
  "error ChannelNotConsecutive(uint256 version, uint256 expected)",
  "error ChannelNotFinal(uint256 version)",
  "error ChannelNotFinalized(bytes32 channelId, uint256 finalizesAt)",
  "error NothingOwed(address account, address asset)",
  "error ChannelStaleVersion(uint256 given, uint256 current)",
  "error ChannelStateIsFinal(uint256 version)",
  "error ChannelTimeoutOverflow(uint256 finalizesAt)",
  "error TransferFailed(address asset, address to, uint256 amount)",
  "error ChannelUnknownState(bytes32 channelId)",
  "error ChannelUnsupported(uint256 signedMask)",
  "error ChannelZeroChallengeDuration()",
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  `event Challenged(bytes32 indexed channelId, uint256 finalizesAt, ${STATE} state)`,
  `event Checkpointed(bytes32 indexed channelId, uint256 finalizesAt, ${STATE} state)`,
  `event Concluded(bytes32 indexed channelId, uint256 version)`,
  `event Deposited(bytes32 indexed channelId, address indexed asset, uint256 amount, uint256 held)`,
  `event LockResolved(bytes32 indexed channelId, bytes32 indexed hashlock, address to, uint256 amount)`,
  `event PayoutDeferred(bytes32 indexed channelId, address indexed asset, address indexed to, uint256 amount)`,
  `event Progressed(bytes32 indexed channelId, uint256 finalizesAt, ${STATE} state)`,
  `event Withdrawn(address indexed account, address indexed asset, uint256 amount)`,
] as const;

export const adjudicatorInterface = new Interface(ADJUDICATOR_ABI);

export function adjudicatorAt(address: string, runner?: ContractRunner): Contract {
  return new Contract(address, adjudicatorInterface, runner);
}

export const SECRET_REGISTRY_ABI = [
  "function revealedAt(bytes32 hashlock) view returns (uint256)",
  "function reveal(bytes32 secret) returns (bool revealed)",
  "function revealBatch(bytes32[] secrets) returns (uint256 revealed)",
  "event SecretRevealed(bytes32 indexed hashlock, bytes32 secret)",
] as const;

export const secretRegistryInterface = new Interface(SECRET_REGISTRY_ABI);

export function secretRegistryAt(address: string, runner?: ContractRunner): Contract {
  return new Contract(address, secretRegistryInterface, runner);
}
