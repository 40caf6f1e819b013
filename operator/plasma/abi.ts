/**
 * The part of `PlasmaChain`'s ABI that the Plasma operator, clients and watcher call, as
 * human-readable fragments (tested against the compiled artifact).
 */
import { Contract, Interface, type ContractRunner } from "ethers";

const OUTPUT = "(address owner, address token, uint256 amount)";
const TX = `(uint256[] inputs, ${OUTPUT}[] outputs)`;

export const PLASMA_ABI = [
  "function operator() view returns (address)",
  "function minExitPeriod() view returns (uint256)",
  "function exitBond() view returns (uint256)",
  "function nextChildBlock() view returns (uint256)",
  "function nextDepositBlock() view returns (uint256)",
  "function blockAt(uint256 blockNumber) view returns (bytes32 root, uint256 timestamp, bool deposit)",
  "function exitOf(uint256 utxoPos) view returns (address owner, address token, uint256 amount, uint256 exitableAt, uint256 status)",
  "function queueOf(address token) view returns (uint256 length, uint256 first)",
  `function txHash(${TX} transaction) view returns (bytes32)`,
  "function submitBlock(uint256 blockNumber, bytes32 root)",
  "function deposit(address token, uint256 amount) payable",
  `function startExit(uint256 utxoPos, ${TX} transaction, bytes32[] proof) payable`,
  `function challengeExit(uint256 utxoPos, ${TX} spend, uint256 inputIndex, bytes signature)`,
  "function processExits(address token, uint256 max) returns (uint256 done)",
  "function withdraw(address asset, address to)",
  "event BlockSubmitted(uint256 indexed blockNumber, bytes32 root, uint256 timestamp)",
  "event Deposited(uint256 indexed blockNumber, address indexed owner, address indexed token, uint256 amount)",
  "event ExitStarted(uint256 indexed utxoPos, address indexed owner, address indexed token, uint256 amount, uint256 exitableAt)",
  "event ExitChallenged(uint256 indexed utxoPos, address indexed challenger)",
  "event ExitProcessed(uint256 indexed utxoPos, address indexed owner, uint256 amount)",
] as const;

export const plasmaInterface = new Interface(PLASMA_ABI);

export function plasmaAt(address: string, runner?: ContractRunner): Contract {
  return new Contract(address, plasmaInterface, runner);
}
