/**
 * A world for attack drills (no tests here): a spawned `npx hardhat node` with the optimistic rollup deployed, the
 * real sequencer (wallet 0) and an honest challenger (wallet 5) running in-process, a registered
 * co-sequencer (wallet 6) the attacker controls, and wallets 1-3 funded on L2.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, parseEther, type Wallet } from "ethers";
import hre from "hardhat";
import { secp256k1 } from "@noble/curves/secp256k1";
import { deployOptimisticRollupWithSigner } from "../../deploy";
import { createLogger } from "../../operator/core/log";
import { pollUntil } from "../../operator/core/rpc";
import { Store } from "../../operator/core/store";
import type { Eip712Domain } from "../../operator/lib/eip712";
import { AMOUNT, FEE } from "../../operator/lib/float";
import type { Hex } from "../../operator/lib/sparse-merkle";
import { challengeGameAt, optimisticRollupAt } from "../../operator/optimistic/abi";
import { executeBatch, recordsCalldata } from "../../operator/optimistic/batch";
import { encodeBlobs, ethersKzg } from "../../operator/optimistic/blob";
import { BeaconBlobSource } from "../../operator/optimistic/l1-batches";
import { Challenger, type ChallengerConfig } from "../../operator/optimistic/challenger/challenger";
import { signL2Tx } from "../../operator/optimistic/client";
import { compactSignature, encodeRecord } from "../../operator/optimistic/codec";
import {
  RecordKind,
  TRANSFER,
  rollupDomain,
  type CompactSignature,
} from "../../operator/optimistic/protocol";
import type { SignedL2Tx } from "../../operator/optimistic/sequencer/db";
import { Sequencer, type SequencerConfig } from "../../operator/optimistic/sequencer/sequencer";
import { L2State } from "../../operator/optimistic/state";
import { startHardhatNode, type HardhatNode } from "./hardhat-node";
import { FAST_PUBLISHER, startBeaconApi } from "./optimistic-node";

export const PARAMS = {
  challengeWindow: 1000n,
  forceDelay: 600n,
  batchBond: parseEther("1"),
  challengerBond: parseEther("0.5"),
  clockBudget: 300n,
  clockExtension: 60n,
};

export const log = () =>
  process.env.L2KIT_TEST_LOG ? createLogger({ level: "debug" }) : undefined;

export interface World {
  node: HardhatNode;
  dir: string;
  rollup: Contract;
  game: Contract;
  domain: Eip712Domain;
  seq: Sequencer;
  seqConfig: SequencerConfig;
  chal: Challenger;
  /** The attacker's registered co-sequencer key. */
  co: Wallet;
  /** With `blobs`: the beacon API the services read blob batches from. */
  beacon?: Awaited<ReturnType<typeof startBeaconApi>>;
  store(name: string): Store;
  sign(from: Wallet, to: string, amount: bigint): Promise<SignedL2Tx>;
  /** The L2 state after the rollup's live chain, replayed honestly from the sequencer's records. */
  chainState(): L2State;
  stop(): Promise<void>;
}

export async function startWorld(
  opts: {
    maxBatchWaitMs?: number;
    challenge?: boolean;
    /** A deployment that takes blob batches, and services that read them from a beacon API. */
    blobs?: boolean;
  } = {},
): Promise<World> {
  const node = await startHardhatNode();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-optattack-"));
  const closers: (() => Promise<void> | void)[] = [];
  const store = (name: string): Store => {
    const s = Store.open({ dataDir: dir, file: `${name}.sqlite` });
    closers.push(() => s.close());
    return s;
  };
  const d = await deployOptimisticRollupWithSigner(hre, node.wallet(0), {
    ...PARAMS,
    blobBatches: opts.blobs === true,
  });
  const beacon = opts.blobs === true ? await startBeaconApi(node) : undefined;
  if (beacon !== undefined) closers.push(() => beacon.close());
  const blobSource =
    beacon === undefined ? {} : { blobSource: new BeaconBlobSource(beacon.url, node.provider) };
  const rollup = optimisticRollupAt(d.rollup, node.wallet(0));
  const game = challengeGameAt(d.game, node.provider);
  const domain = rollupDomain(31337n, d.rollup);
  const co = node.wallet(6);
  await (await rollup.setSequencer(co.address, true)).wait();
  const poll = { confirmations: 1, pollIntervalMs: 50, rpcRetries: 2, rpcRetryDelayMs: 50 };
  const seqConfig: SequencerConfig = {
    rollup: d.rollup,
    chainId: 31337n,
    domain,
    fromBlock: d.deployBlock,
    batchBond: PARAMS.batchBond,
    bondTopUp: PARAMS.batchBond * 4n,
    challengeWindowSeconds: Number(PARAMS.challengeWindow),
    maxBatchWaitMs: opts.maxBatchWaitMs ?? 3_000,
    maxBatchRecords: 100,
    maxBatchInbox: 3,
    minFee: 0n,
    maxPendingTxs: 1000,
    verifyWorkers: 1,
    ...blobSource,
    ...poll,
    publisher: FAST_PUBLISHER,
  };
  const seq = new Sequencer(seqConfig, {
    provider: node.provider,
    signer: node.wallet(0),
    store: store("sequencer"),
    log: log(),
  });
  await seq.start();
  closers.push(() => seq.stop());
  const chalConfig: ChallengerConfig = {
    rollup: d.rollup,
    game: d.game,
    chainId: 31337n,
    domain,
    fromBlock: d.deployBlock,
    challengerBond: PARAMS.challengerBond,
    challengeWindowSeconds: Number(PARAMS.challengeWindow),
    blobBatches: opts.blobs === true,
    ...blobSource,
    alarmRepeatMs: 0,
    challenge: opts.challenge ?? true,
    defend: false,
    ...poll,
    publisher: FAST_PUBLISHER,
  };
  const chal = new Challenger(chalConfig, {
    provider: node.provider,
    signer: node.wallet(5),
    store: store("challenger"),
    log: log(),
  });
  await chal.start();
  closers.push(() => chal.stop());
  // Three deposits (maxBatchInbox 3): the sequencer seals and posts them at once.
  for (const i of [1, 2, 3]) {
    const w = node.wallet(i);
    await (
      await (rollup.connect(w) as Contract).depositETH(w.address, { value: parseEther("10") })
    ).wait();
  }
  await pollUntil("the deposits' batch", async () => Number(await rollup.batchCount()) === 2, {
    timeoutMs: 30_000,
  });
  const nonces = new Map<string, bigint>();
  const world: World = {
    node,
    dir,
    rollup,
    game,
    domain,
    seq,
    seqConfig,
    chal,
    co,
    beacon,
    store,
    async sign(from, to, amount) {
      const key = from.address.toLowerCase();
      const nonce = nonces.get(key) ?? 0n;
      nonces.set(key, nonce + 1n);
      return signL2Tx(from, domain, { type: "transfer", to, amount, nonce });
    },
    chainState() {
      const state = new L2State();
      for (const b of seq.db.liveBatches()) executeBatch(state, seq.db.content(b), domain);
      return state;
    },
    async stop() {
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch {
          /* best effort */
        }
      }
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** A kind-1 record (transfer between existing accounts) carrying `sig` for `tx`. */
export function transferRecord(state: L2State, tx: SignedL2Tx, sig?: CompactSignature): Uint8Array {
  return encodeRecord({
    kind: RecordKind.Transfer,
    from: state.indexOf(tx.sender)!,
    to: state.indexOf(tx.recipient!)!,
    token: tx.token,
    amountPacked: AMOUNT.encode(tx.amount, "amount"),
    feePacked: FEE.encode(tx.fee, "fee"),
    signature: sig ?? compactSignature(tx.signature),
  });
}

/**
 * A second, equally valid signature of `tx` by its owner (another ECDSA nonce k): what the owner of
 * any account can produce at will.
 */
export function resign(w: World, wallet: Wallet, tx: SignedL2Tx): CompactSignature {
  const digest = TRANSFER.digest(w.domain, {
    to: tx.recipient!,
    token: tx.token,
    amount: tx.amount,
    fee: tx.fee,
    nonce: tx.nonce,
  });
  const sig = secp256k1.sign(digest.slice(2), wallet.privateKey.slice(2), {
    extraEntropy: true,
    lowS: true,
  });
  const vs = sig.s | (BigInt(sig.recovery) << 255n);
  return {
    r: `0x${sig.r.toString(16).padStart(64, "0")}` as Hex,
    yParityAndS: `0x${vs.toString(16).padStart(64, "0")}` as Hex,
  };
}

/**
 * The co-sequencer posts `records` on the live head, in calldata or (`inBlobs`, served by the
 * world's beacon API) in blobs, claiming the honest root (or `claim`).
 */
export async function postForeign(
  w: World,
  records: Uint8Array[],
  claim?: (honest: Hex) => Hex,
  inBlobs = false,
): Promise<{ id: bigint; position: bigint; honest: Hex; prevRoot: Hex }> {
  const state = w.chainState();
  const prevRoot = state.root;
  const content = { inbox: [], records, feeAccount: 0n };
  const honest = executeBatch(state, content, w.domain).roots.at(-1)!;
  const claimed = claim?.(honest) ?? honest;
  const co = w.rollup.connect(w.co) as Contract;
  const blobs = encodeBlobs(records);
  const receipt = await (
    inBlobs
      ? await co.postBlobBatch(prevRoot, claimed, 0, 0, records.length, {
          value: PARAMS.batchBond,
          type: 3,
          blobs: blobs.map((b) => `0x${Buffer.from(b).toString("hex")}`),
          kzg: ethersKzg,
          maxFeePerBlobGas: 10n ** 10n,
          gasLimit: 1_000_000n,
        })
      : await co.postBatch(prevRoot, claimed, 0, 0, recordsCalldata(content), {
          value: PARAMS.batchBond,
        })
  ).wait();
  if (inBlobs) await w.beacon!.serve(receipt.blockNumber as number, blobs);
  const posted = receipt.logs
    .map((l: { topics: string[]; data: string }) => w.rollup.interface.parseLog(l))
    .find((l: { name: string } | null) => l?.name === "BatchPosted");
  return {
    id: posted.args.id as bigint,
    position: posted.args.position as bigint,
    honest,
    prevRoot,
  };
}
