/**
 * The part of ZkRollup's ABI that operator processes and the user client call, as human-readable
 * fragments: a process that only talks to a deployed rollup needs neither compiled artifacts nor
 * generated types. A test checks every fragment against the compiled contract.
 */
import { Contract, Interface, type ContractRunner } from "ethers";

export const ZK_ROLLUP_ABI = [
  "function domain() view returns (uint256)",
  "function levels() view returns (uint256)",
  "function depositDeadline() view returns (uint256)",
  "function stateRoot() view returns (uint256)",
  "function batchCount() view returns (uint256)",
  "function depositCount() view returns (uint256)",
  "function depositsProcessed() view returns (uint256)",
  "function exodusMode() view returns (bool)",
  "function isOperator(address operator) view returns (bool)",
  "function exited(uint256 accountIndex) view returns (bool)",
  "function depositRefunded(uint256 depositNumber) view returns (bool)",
  "function pendingWithdrawals(address owner, uint256 tokenId) view returns (uint256)",
  "function shapeOf(uint256 shapeId) view returns (tuple(uint16 txSlots, uint16 withdrawSlots, uint16 depositSlots, uint16 feeSlots, address verifier))",
  "function queuedDeposit(uint256 depositNumber) view returns (tuple(address depositor, uint32 token, uint64 queuedAt, uint128 amount, uint8 kind, uint64 expiresAt))",
  "function queueSpacing() view returns (uint256)",
  "function pendingForcedExit(uint256 accountIndex) view returns (uint256)",
  "function forceExit(uint256 accountIndex) returns (uint256)",
  "function accountInfo(uint256 accountIndex) view returns (tuple(address owner, uint32 token))",
  "function tokenAddress(uint256 tokenId) view returns (address)",
  "function tokenIdOf(address token) view returns (uint256)",
  "function depositETH(uint256 accountIndex, uint256 ax, uint256 ay) payable returns (uint256)",
  "function depositERC20(uint256 tokenId, uint256 amount, uint256 accountIndex, uint256 ax, uint256 ay) returns (uint256)",
  "function submitBatch(uint256 shapeId, uint256 newRoot, uint256 depositsTaken, bytes pubdata, uint256[8] proof)",
  "function withdraw(uint256 tokenId)",
  "function activateExodus(uint256 entryNumber)",
  "function exodusWithdraw(uint256 accountIndex, uint256 nonce, uint256 balance, uint256 ax, uint256 ay, uint256[4][] siblings)",
  "function refundDeposit(uint256 depositNumber)",
  "event DepositQueued(uint256 indexed depositNumber, uint256 indexed accountIndex, uint256 kind, uint256 tokenId, uint256 amount, uint256 ax, uint256 ay, address depositor, uint256 chain)",
  "event BatchVerified(uint256 indexed batchNumber, uint256 shapeId, uint256 oldRoot, uint256 newRoot, uint256 depositsTaken, address operator)",
  "event WithdrawalCredited(uint256 indexed batchNumber, uint256 indexed accountIndex, address indexed owner, uint256 tokenId, uint256 amount)",
  "event DepositRefunded(uint256 indexed depositNumber, address indexed depositor, uint256 tokenId, uint256 amount)",
  "event ExodusActivated(uint256 depositNumber, uint256 queuedAt, uint256 lastRoot)",
  "event ForcedExitRequested(uint256 indexed entryNumber, uint256 indexed accountIndex, address indexed owner)",
  "event ForcedExitCredited(uint256 indexed batchNumber, uint256 indexed entryNumber, uint256 indexed accountIndex, address owner, uint256 tokenId, uint256 amount)",
  "error ZkRollupNotOperator(address caller)",
  "error ZkRollupSubmitterNotEoa(address caller)",
  "error ZkRollupNonCanonicalCalldata()",
  "error ZkRollupExodus()",
  "error ZkRollupNotExodus()",
  "error ZkRollupUnknownShape(uint256 shapeId)",
  "error ZkRollupBadShape()",
  "error ZkRollupUnknownToken(uint256 tokenId)",
  "error ZkRollupTokenRegistered(address token, uint256 tokenId)",
  "error ZkRollupNotAToken(address token)",
  "error ZkRollupUnknownAccount(uint256 accountIndex)",
  "error ZkRollupTokenMismatch(uint256 accountIndex, uint256 accountToken, uint256 token)",
  "error ZkRollupTreeFull(uint256 capacity)",
  "error ZkRollupAmountTooLarge(uint256 amount)",
  "error ZkRollupZeroDeposit()",
  "error ZkRollupBadPublicKey(uint256 ax, uint256 ay)",
  "error ZkRollupQueueFull(uint256 pending)",
  "error ZkRollupBadPubdataLength(uint256 expected, uint256 given)",
  "error ZkRollupTooManyDeposits(uint256 taken, uint256 available)",
  "error ZkRollupInvalidProof(uint256 batchNumber)",
  "error ZkRollupNothingToWithdraw(address owner, uint256 tokenId)",
  "error ZkRollupEthTransferFailed(address to, uint256 amount)",
  "error ZkRollupDeadlineNotReached(uint256 deadline, uint256 now_)",
  "error ZkRollupAlreadyExited(uint256 accountIndex)",
  "error ZkRollupBadExodusProof(uint256 accountIndex)",
  "error ZkRollupNotRefundable(uint256 depositNumber)",
  "error ZkRollupNotAccountOwner(uint256 accountIndex, address caller)",
  "error ZkRollupExitPending(uint256 accountIndex, uint256 entryNumber)",
  "error ZkRollupBadParameter(string name, uint256 value)",
] as const;

export const zkRollupInterface = new Interface(ZK_ROLLUP_ABI);

/** A ZkRollup handle without generated types (methods are looked up by name). */
export function zkRollupAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, zkRollupInterface, runner);
}
