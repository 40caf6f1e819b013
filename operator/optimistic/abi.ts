/**
 * The part of the optimistic rollup's ABI (OptimisticRollup and its ChallengeGame) that the
 * sequencer, the challenger and the user client call, as human-readable fragments: processes
 * that only talk to a deployed rollup need neither compiled artifacts nor generated types. A test
 * checks every fragment against the compiled contracts.
 */
import { Contract, Interface, type ContractRunner } from "ethers";

const BATCH =
  "tuple(bytes32 stateRoot, bytes32 recordRoot, uint64 id, uint64 position, uint64 postedAt, uint64 inboxStart, uint32 inboxCount, uint32 recordCount, uint32 feeAccount, uint32 openGames, uint128 bond, address sequencer, uint8 blobCount)";
const HEADER =
  "tuple(bytes32 accountsRoot, bytes32 addressesRoot, bytes32 withdrawalsRoot, uint64 accountCount, uint64 withdrawalCount)";

export const OPTIMISTIC_ROLLUP_ABI = [
  "function game() view returns (address)",
  "function challengeWindow() view returns (uint64)",
  "function forceDelay() view returns (uint64)",
  "function batchBond() view returns (uint128)",
  "function blobBatches() view returns (bool)",
  "function isSequencer(address sequencer) view returns (bool)",
  "function freeBond(address account) view returns (uint256)",
  "function claimable(address account, uint256 tokenId) view returns (uint256)",
  "function batchCount() view returns (uint64)",
  "function finalizedCount() view returns (uint64)",
  "function nextBatchId() view returns (uint64)",
  "function inboxConsumed() view returns (uint64)",
  `function batchAt(uint256 position) view returns (${BATCH})`,
  `function batchById(uint256 id) view returns (${BATCH})`,
  "function isAlive(uint256 id) view returns (bool)",
  "function headRoot() view returns (bytes32)",
  "function inboxLength() view returns (uint256)",
  "function inboxEntry(uint256 index) view returns (tuple(bytes32 hash, uint64 queuedAt))",
  "function tokenAddress(uint256 tokenId) view returns (address)",
  "function tokenIdOf(address token) view returns (uint256)",
  "function withdrawalProven(uint256 withdrawalId) view returns (bool)",
  "function setSequencer(address sequencer, bool allowed)",
  "function depositETH(address to) payable",
  "function depositERC20(uint256 tokenId, address to, uint256 amount)",
  "function forceTransfer(address to, uint256 tokenId, uint256 amount)",
  "function forceWithdraw(uint256 tokenId, uint256 amount, address recipient)",
  "function addBond() payable",
  "function withdrawBond(uint256 amount)",
  "function postBatch(bytes32 prevRoot, bytes32 newRoot, uint32 inboxCount, uint32 feeAccount, bytes records) payable",
  "function postBlobBatch(bytes32 prevRoot, bytes32 newRoot, uint32 inboxCount, uint32 feeAccount, uint32 recordCount) payable",
  "function finalize(uint256 maxBatches) returns (uint256 finalized)",
  "function releaseBond(uint256 id)",
  `function proveWithdrawal(uint256 position, ${HEADER} header, uint256 withdrawalId, address recipient, uint16 tokenId, uint256 amount, uint256 bitmap, bytes32[] siblings)`,
  "function claim(uint256 tokenId)",
  "event InboxQueued(uint256 indexed index, uint8 kind, address indexed from, address indexed to, uint16 token, uint256 amount, uint64 queuedAt)",
  "event BatchPosted(uint256 indexed position, uint256 indexed id, address indexed sequencer, bytes32 stateRoot, bytes32 recordRoot, uint256 inboxStart, uint256 inboxCount, uint256 recordCount, uint256 feeAccount)",
  "event BlobsPosted(uint256 indexed id, bytes32[] versionedHashes)",
  "event BatchFinalized(uint256 indexed position, uint256 indexed id, bytes32 stateRoot)",
  "event BatchesDiscarded(uint256 fromPosition, uint256 toPosition, uint256 indexed invalidBatchId)",
  "event SequencerSlashed(address indexed sequencer, uint256 indexed batchId, address indexed challenger, uint256 reward, uint256 burned)",
  "event BatchBondReleased(uint256 indexed id, address indexed sequencer, uint256 amount)",
  "error RollupNotSequencer(address caller)",
  "error RollupInsufficientBond(uint256 available, uint256 required)",
  "error RollupStaleRoot(bytes32 given, bytes32 head)",
  "error RollupInboxOverrun(uint256 requested, uint256 pending)",
  "error RollupInboxEntryOverdue(uint256 index, uint256 queuedAt)",
  "error RollupNothingToFinalize()",
  "error RollupBondNotReleasable(uint256 id)",
  "error RollupNotFinal(uint256 position, uint256 finalizedCount)",
  "error RollupWithdrawalProven(uint256 withdrawalId)",
  "error RollupNothingToClaim(address account, uint256 tokenId)",
  "error RollupPosterNotEoa(address caller)",
  "error RollupNonCanonicalCalldata()",
  "error RollupBlobsDisabled()",
] as const;

export const optimisticRollupInterface = new Interface(OPTIMISTIC_ROLLUP_ABI);

export function optimisticRollupAt(address: string, runner?: ContractRunner): Contract {
  return new Contract(address, optimisticRollupInterface, runner);
}

export const CHALLENGE_GAME_ABI = [
  "function challengerBond() view returns (uint128)",
  "function gameCount() view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function gameOf(uint256 gameId) view returns ((address challenger, uint64 batchId, uint32 moves, address defender, uint64 position, uint8 turn, uint8 hiOwner, uint8 status, bytes32 loRoot, bytes32 hiRoot, bytes32 midRoot, uint128 defenderClock, uint128 challengerClock, uint128 bond))",
  "function timeLeft(uint256 gameId) view returns (uint256)",
  "function challenge(uint256 batchId, bytes32 midRoot) payable returns (uint256 gameId)",
  "function move(uint256 gameId, bool agree, bytes32 midRoot)",
  "function step(uint256 gameId, ((uint8 kind, address from, address to, uint16 token, uint256 amount) entry, bytes record, bytes32[] recordSiblings, bytes32[] blobHashes, (bytes32 value, bytes commitment, bytes proof)[] chunks, ((bytes32 accountsRoot, bytes32 addressesRoot, bytes32 withdrawalsRoot, uint64 accountCount, uint64 withdrawalCount) header, (address owner, uint64 nonce, bytes32 balancesRoot, uint256 accountBitmap, bytes32[] accountSiblings, uint256 balance, uint256 balanceBitmap, bytes32[] balanceSiblings)[] accounts, (uint256 leaf, uint256 bitmap, bytes32[] siblings)[] addresses, (uint256 bitmap, bytes32[] siblings)[] withdrawals) witness) proof)",
  "function timeout(uint256 gameId)",
  "function close(uint256 gameId)",
  "function withdraw()",
  "event GameClosed(uint256 indexed gameId)",
  "event GameResolved(uint256 indexed gameId, uint8 status, address winner)",
  "event GameStarted(uint256 indexed gameId, uint256 indexed batchId, address indexed challenger, address defender, uint256 steps, bytes32 midRoot)",
  "event Moved(uint256 indexed gameId, uint8 mover, bool agree, uint256 lo, uint256 hi, bytes32 midRoot)",
  "event StepProven(uint256 indexed gameId, uint256 step, bytes32 postRoot, uint8 winner)",
  "event Withdrawn(address indexed account, uint256 amount)",
  "error BlobReaderBadChunk(uint256 index)",
  "error BlobReaderChunkCount(uint256 given, uint256 needed)",
  "error BlobReaderOutOfRange(uint256 offset, uint256 length, uint256 blobs)",
  "error GameAwaitingStep(uint256 gameId)",
  "error GameBadBlobHashes(uint256 batchId)",
  "error GameBadClaim(uint256 gameId, bytes32 claim)",
  "error GameBadInboxEntry(uint256 inboxIndex)",
  "error GameBadRecordProof(uint256 recordIndex)",
  "error GameBatchAlive(uint256 batchId)",
  "error GameClockExpired(uint256 gameId, uint8 side)",
  "error GameClockRunning(uint256 gameId, uint256 secondsLeft)",
  "error GameNotAtOneStep(uint256 gameId, uint256 lo, uint256 hi)",
  "error GameNothingToDispute(uint256 batchId)",
  "error GameNothingToWithdraw(address account)",
  "error GameNotYourTurn(uint256 gameId, address caller, address expected)",
  "error GameOver(uint256 gameId, uint8 status)",
  "error GamePaymentFailed(address to, uint256 amount)",
  "error GameUnknown(uint256 gameId)",
  "error GameWrongBond(uint256 given, uint256 required)",
] as const;

export const challengeGameInterface = new Interface(CHALLENGE_GAME_ABI);

export function challengeGameAt(address: string, runner?: ContractRunner): Contract {
  return new Contract(address, challengeGameInterface, runner);
}
