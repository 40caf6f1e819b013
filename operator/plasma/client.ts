/**
 * A Plasma user's client. It deposits on L1, spends its outputs through the operator, and keeps,
 * in its own SQLite file, everything it needs to leave without the operator: for each output it
 * owns, the transaction that created it and its inclusion proof, fetched as soon as the block is
 * committed. So when the watcher raises the alarm (or the operator disappears), `exitAll` starts
 * an exit of every output it holds, oldest first, from its own store, and `processExits` pays
 * them after the exit period.
 */
import type { Contract, ContractTransactionResponse, Wallet } from "ethers";
import { L2kitError } from "../core/errors";
import { JsonApi } from "../core/http-client";
import type { Migration, Store } from "../core/store";
import type { Eip712Domain } from "../lib/eip712";
import { DigestSigner } from "../lib/secp256k1";
import { verifyProof, type Hex } from "../lib/sparse-merkle";
import { txFromJson, txJson, type TxJson } from "./ledger";
import { CHILD_BLOCK_INTERVAL, decodePos, ETH, signTx, utxoPos, type Transaction } from "./tx";

const CLIENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "owned outputs with their exit data",
    up: `
      CREATE TABLE pc_outputs (
        pos TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        amount TEXT NOT NULL,
        tx TEXT NOT NULL,
        proof TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('unspent', 'spending', 'spent', 'exiting', 'exited'))
      );
    `,
  },
];

export interface OwnedOutput {
  pos: bigint;
  token: string;
  amount: bigint;
  status: "unspent" | "spending" | "spent" | "exiting" | "exited";
}

export class PlasmaClient {
  readonly address: string;
  private readonly key: DigestSigner;
  private readonly api: JsonApi;

  constructor(
    private readonly deps: {
      /** The user's key; it sends the user's L1 transactions. */
      wallet: Wallet;
      /** The root chain, connected to `wallet`. */
      plasma: Contract;
      domain: Eip712Domain;
      operatorUrl: string;
      store: Store;
    },
  ) {
    deps.store.migrate("plasma-client", CLIENT_MIGRATIONS);
    this.address = deps.wallet.address;
    this.key = new DigestSigner(deps.wallet.privateKey);
    this.api = new JsonApi("plasma operator", () => deps.operatorUrl);
  }

  /**
   * Deposits `amount` of ETH (or of the ERC-20 `token`, which must have approved the root chain
   * for it) on L1; the output is recorded at once (its block is its proof).
   */
  async deposit(amount: bigint, token: string = ETH): Promise<bigint> {
    const blockNumber = (await this.deps.plasma.nextDepositBlock()) as bigint;
    const tx = (await this.deps.plasma.deposit(token, amount, {
      value: token === ETH ? amount : 0n,
    })) as ContractTransactionResponse;
    const receipt = await tx.wait();
    const event = receipt!.logs
      .map((l) => this.deps.plasma.interface.parseLog(l))
      .find((e) => e?.name === "Deposited");
    const number = (event?.args.blockNumber as bigint | undefined) ?? blockNumber;
    const pos = utxoPos(number, 0, 0);
    const deposit: Transaction = {
      inputs: [],
      outputs: [{ owner: this.address, token, amount }],
    };
    this.save(pos, deposit, [], token, amount);
    return pos;
  }

  /**
   * Learns the outputs the operator says this user owns and fetches, for each one in a committed
   * block, its transaction and proof (checked against the root on L1) before counting it as held.
   */
  async sync(): Promise<void> {
    const utxos = (await this.api.get(`/v1/utxos/${this.address}`)) as {
      pos: string;
      token: string;
      amount: string;
      status: string;
    }[];
    for (const u of utxos) {
      const pos = BigInt(u.pos);
      if (this.output(pos) !== undefined) continue;
      const { blockNumber } = decodePos(pos);
      if (blockNumber % CHILD_BLOCK_INTERVAL !== 0n) continue; // deposits are recorded by `deposit`
      const [root] = (await this.deps.plasma.blockAt(blockNumber)) as [string];
      if (/^0x0+$/.test(root)) continue; // not committed yet: the next sync takes it
      const exit = (await this.api.get(`/v1/exits/${pos}`)) as { tx: TxJson; proof: string[] };
      const tx = txFromJson(exit.tx);
      const hash = (await this.deps.plasma.txHash(tx)) as string;
      if (!verifyInclusion(root, hash, decodePos(pos).txIndex, exit.proof)) {
        throw new L2kitError(
          "BAD_PROOF",
          `the operator's proof of ${pos} does not match L1`,
          {},
          502,
        );
      }
      this.save(pos, tx, exit.proof, u.token, BigInt(u.amount));
    }
    // Outputs the operator no longer lists as ours (spent in a committed block) are spent.
    const listed = new Set(utxos.map((u) => u.pos));
    this.deps.store.db
      .prepare(
        `UPDATE pc_outputs SET status = 'spent' WHERE status = 'spending' AND pos NOT IN (${[...listed].map(() => "?").join(",") || "''"})`,
      )
      .run(...listed);
  }

  /** Pays `amount` of ETH (or `token`) to `to` from this user's unspent outputs (with change back). */
  async transfer(to: string, amount: bigint, token: string = ETH): Promise<string> {
    const spendable = this.outputs().filter(
      (o) => o.status === "unspent" && o.token === token.toLowerCase(),
    );
    const inputs: OwnedOutput[] = [];
    let total = 0n;
    for (const o of spendable.sort((a, b) => (a.amount > b.amount ? -1 : 1))) {
      if (total >= amount || inputs.length === 2) break;
      inputs.push(o);
      total += o.amount;
    }
    if (total < amount) {
      throw new L2kitError(
        "INSUFFICIENT_FUNDS",
        "two outputs do not cover the amount",
        {
          available: total.toString(),
        },
        422,
      );
    }
    const tx: Transaction = {
      inputs: inputs.map((o) => o.pos),
      outputs: [
        { owner: to, token, amount },
        ...(total > amount ? [{ owner: this.address, token, amount: total - amount }] : []),
      ],
    };
    const sig = signTx(this.key, this.deps.domain, tx);
    const { hash } = (await this.api.post("/v1/transactions", {
      tx: txJson(tx),
      sigs: inputs.map(() => sig),
    })) as { hash: string };
    const mark = this.deps.store.db.prepare(
      "UPDATE pc_outputs SET status = 'spending' WHERE pos = ?",
    );
    for (const o of inputs) mark.run(o.pos.toString());
    return hash;
  }

  /** Starts the exit of output `pos` from the client's own store (no operator needed). */
  async startExit(pos: bigint): Promise<ContractTransactionResponse> {
    const row = this.raw(pos);
    if (row === undefined) throw new L2kitError("UNKNOWN_OUTPUT", `no output ${pos} held`, {}, 404);
    const bond = (await this.deps.plasma.exitBond()) as bigint;
    const tx = (await this.deps.plasma.startExit(
      pos,
      txFromJson(JSON.parse(row.tx) as TxJson),
      JSON.parse(row.proof),
      {
        value: bond,
      },
    )) as ContractTransactionResponse;
    await tx.wait();
    this.setStatus(pos, "exiting");
    return tx;
  }

  /**
   * The mass exit: starts an exit of every output this client holds unspent (or whose spend the
   * operator may not have committed), oldest first. Returns the positions exited.
   */
  async exitAll(): Promise<bigint[]> {
    const held = this.outputs()
      .filter((o) => o.status === "unspent" || o.status === "spending")
      .sort((a, b) => (a.pos < b.pos ? -1 : 1));
    for (const o of held) await this.startExit(o.pos);
    return held.map((o) => o.pos);
  }

  /** Pays exits of ETH (or `token`) that are due (anyone's, in queue order), at most `max`. */
  async processExits(max = 100n, token: string = ETH): Promise<void> {
    await ((await this.deps.plasma.processExits(token, max)) as ContractTransactionResponse).wait();
  }

  /** ETH (or `token`) held in outputs not yet spent or exited. */
  balance(token: string = ETH): bigint {
    return this.outputs()
      .filter(
        (o) =>
          o.token === token.toLowerCase() && (o.status === "unspent" || o.status === "spending"),
      )
      .reduce((s, o) => s + o.amount, 0n);
  }

  outputs(): OwnedOutput[] {
    return (
      this.deps.store.db.prepare("SELECT pos, token, amount, status FROM pc_outputs").all() as {
        pos: string;
        token: string;
        amount: string;
        status: OwnedOutput["status"];
      }[]
    ).map((r) => ({
      pos: BigInt(r.pos),
      token: r.token,
      amount: BigInt(r.amount),
      status: r.status,
    }));
  }

  output(pos: bigint): OwnedOutput | undefined {
    return this.outputs().find((o) => o.pos === pos);
  }

  private raw(pos: bigint): { tx: string; proof: string } | undefined {
    return this.deps.store.db
      .prepare("SELECT tx, proof FROM pc_outputs WHERE pos = ?")
      .get(pos.toString()) as { tx: string; proof: string } | undefined;
  }

  private save(pos: bigint, tx: Transaction, proof: string[], token: string, amount: bigint): void {
    this.deps.store.db
      .prepare(
        "INSERT OR IGNORE INTO pc_outputs (pos, token, amount, tx, proof, status) VALUES (?, ?, ?, ?, ?, 'unspent')",
      )
      .run(
        pos.toString(),
        token.toLowerCase(),
        amount.toString(),
        JSON.stringify(txJson(tx)),
        JSON.stringify(proof),
      );
  }

  private setStatus(pos: bigint, status: OwnedOutput["status"]): void {
    this.deps.store.db
      .prepare("UPDATE pc_outputs SET status = ? WHERE pos = ?")
      .run(status, pos.toString());
  }
}

/** Whether `leaf` sits at `index` under `root` with these 16 siblings. */
function verifyInclusion(root: string, leaf: string, index: number, siblings: string[]): boolean {
  return verifyProof(root as Hex, {
    index: BigInt(index),
    leaf: leaf as Hex,
    siblings: siblings as Hex[],
  });
}
