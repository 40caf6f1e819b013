/**
 * The optimistic rollup's L2 state: three keccak sparse Merkle trees (accounts by index, the
 * address → account index map, withdrawals) and two counters, committed to by `stateRoot`.
 *
 * Every mutation goes through this class so that it can be journalled: the transition function
 * applies a step leaf by leaf (the one-step proof needs proofs against each intermediate tree)
 * and rolls it back when the step turns out invalid.
 */
import { getAddress } from "ethers";
import { SparseMerkleTree, type CompressedMerkleProof, type Hex } from "../lib/sparse-merkle";
import {
  ACCOUNT_DEPTH,
  ADDRESS_DEPTH,
  BALANCE_DEPTH,
  EMPTY_BALANCES_ROOT,
  EMPTY_LEAF,
  WITHDRAWAL_DEPTH,
  accountLeaf,
  addressLeaf,
  balanceLeaf,
  stateRoot,
  withdrawalLeaf,
  type StateHeader,
} from "./protocol";

export interface AccountState {
  index: bigint;
  owner: string;
  nonce: bigint;
  balances: SparseMerkleTree;
  /** Balances by token id, mirroring the tree's leaves. */
  amounts: Map<number, bigint>;
}

export interface Withdrawal {
  id: bigint;
  recipient: string;
  token: number;
  amount: bigint;
}

type Undo = () => void;

export class L2State {
  readonly accounts = new Map<bigint, AccountState>();
  readonly indexByAddress = new Map<string, bigint>();
  readonly withdrawals: Withdrawal[] = [];
  private journal: Undo[] | null = null;

  constructor(
    readonly accountTree = new SparseMerkleTree(ACCOUNT_DEPTH),
    readonly addressTree = new SparseMerkleTree(ADDRESS_DEPTH),
    readonly withdrawalTree = new SparseMerkleTree(WITHDRAWAL_DEPTH),
  ) {}

  /** Accounts are created with consecutive indices, so their count is the next index. */
  get accountCount(): bigint {
    return BigInt(this.accounts.size);
  }

  get withdrawalCount(): bigint {
    return BigInt(this.withdrawals.length);
  }

  get header(): StateHeader {
    return {
      accountsRoot: this.accountTree.root,
      addressesRoot: this.addressTree.root,
      withdrawalsRoot: this.withdrawalTree.root,
      accountCount: this.accountCount,
      withdrawalCount: this.withdrawalCount,
    };
  }

  get root(): Hex {
    return stateRoot(this.header);
  }

  account(index: bigint): AccountState | undefined {
    return this.accounts.get(index);
  }

  indexOf(address: string): bigint | undefined {
    return this.indexByAddress.get(address.toLowerCase());
  }

  accountByAddress(address: string): AccountState | undefined {
    const index = this.indexOf(address);
    return index === undefined ? undefined : this.accounts.get(index);
  }

  balance(index: bigint, token: number): bigint {
    return this.accounts.get(index)?.amounts.get(token) ?? 0n;
  }

  accountProof(index: bigint): CompressedMerkleProof {
    return this.accountTree.compressedProof(index);
  }

  addressProof(address: string): CompressedMerkleProof {
    return this.addressTree.compressedProof(BigInt(address));
  }

  withdrawalProof(id: bigint): CompressedMerkleProof {
    return this.withdrawalTree.compressedProof(id);
  }

  // ---- journalled mutations ----

  /** Starts recording undo steps; `rollback` or `commit` ends it. */
  begin(): void {
    if (this.journal) throw new Error("L2State: nested begin");
    this.journal = [];
  }

  commit(): void {
    this.journal = null;
  }

  rollback(): void {
    const journal = this.journal ?? [];
    this.journal = null;
    for (let i = journal.length - 1; i >= 0; i--) journal[i]();
  }

  private record(undo: Undo): void {
    this.journal?.push(undo);
  }

  /** Creates account `accountCount` for `owner` (no balances) and maps the address to it. */
  createAccount(owner: string): AccountState {
    const index = this.accountCount;
    const account: AccountState = {
      index,
      owner: getAddress(owner),
      nonce: 0n,
      balances: new SparseMerkleTree(BALANCE_DEPTH),
      amounts: new Map(),
    };
    this.accounts.set(index, account);
    this.indexByAddress.set(owner.toLowerCase(), index);
    this.accountTree.set(index, accountLeaf(account.owner, 0n, EMPTY_BALANCES_ROOT));
    this.addressTree.set(BigInt(owner), addressLeaf(index));
    this.record(() => {
      this.accounts.delete(index);
      this.indexByAddress.delete(owner.toLowerCase());
      this.accountTree.set(index, EMPTY_LEAF);
      this.addressTree.set(BigInt(owner), EMPTY_LEAF);
    });
    return account;
  }

  /** Sets one balance (and optionally the nonce) of an existing account. */
  updateAccount(
    account: AccountState,
    token: number,
    balance: bigint,
    nonce = account.nonce,
  ): void {
    const previousBalance = account.amounts.get(token) ?? 0n;
    const previousNonce = account.nonce;
    const apply = (b: bigint, n: bigint): void => {
      if (b === 0n) account.amounts.delete(token);
      else account.amounts.set(token, b);
      account.balances.set(BigInt(token), balanceLeaf(b));
      account.nonce = n;
      this.accountTree.set(account.index, accountLeaf(account.owner, n, account.balances.root));
    };
    apply(balance, nonce);
    this.record(() => apply(previousBalance, previousNonce));
  }

  appendWithdrawal(recipient: string, token: number, amount: bigint): Withdrawal {
    const id = this.withdrawalCount;
    const withdrawal = { id, recipient: getAddress(recipient), token, amount };
    this.withdrawals.push(withdrawal);
    this.withdrawalTree.set(id, withdrawalLeaf(recipient, token, amount));
    this.record(() => {
      this.withdrawals.pop();
      this.withdrawalTree.set(id, EMPTY_LEAF);
    });
    return withdrawal;
  }

  /** A deep copy; the challenger keeps one per batch boundary it may have to replay from. */
  clone(): L2State {
    const copy = new L2State(
      this.accountTree.clone(),
      this.addressTree.clone(),
      this.withdrawalTree.clone(),
    );
    for (const [index, a] of this.accounts) {
      copy.accounts.set(index, { ...a, balances: a.balances.clone(), amounts: new Map(a.amounts) });
    }
    for (const [address, index] of this.indexByAddress) copy.indexByAddress.set(address, index);
    copy.withdrawals.push(...this.withdrawals);
    return copy;
  }
}
