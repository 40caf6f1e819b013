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
  "function finalize(uint256 maxBatches) returns (uint256 finalized)",
  "function releaseBond(uint256 id)",
  `function proveWithdrawal(uint256 position, ${HEADER} header, uint256 withdrawalId, address recipient, uint16 tokenId, uint256 amount, uint256 bitmap, bytes32[] siblings)`,
  "function claim(uint256 tokenId)",
  "event InboxQueued(uint256 indexed index, uint8 kind, address indexed from, address indexed to, uint16 token, uint256 amount, uint64 queuedAt)",
  "event BatchPosted(uint256 indexed position, uint256 indexed id, address indexed sequencer, bytes32 stateRoot, bytes32 recordRoot, uint256 inboxStart, uint256 inboxCount, uint256 recordCount, uint256 feeAccount)",
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
] as const;

export const optimisticRollupInterface = new Interface(OPTIMISTIC_ROLLUP_ABI);

export function optimisticRollupAt(address: string, runner?: ContractRunner): Contract {
  return new Contract(address, optimisticRollupInterface, runner);
}
