import { parseEther, Wallet } from "ethers";
import { deployPlasma } from "../../../deploy";
import { advanceChain } from "../../core/rpc";
import { DigestSigner } from "../../lib/secp256k1";
import {
  BlockTree,
  ETH,
  plasmaDomain,
  signTx,
  txHash,
  utxoPos,
  type Transaction,
} from "../../plasma/tx";
import { gasOf, type BenchSuite, type SuiteRecord } from "../harness";

/** OMG plasma-framework's sizing comments (gas). */
const OMG = { challenge: 233_000, processExit: 107_000 };
const GOAL_SHARE = 0.5;
const MEP = 3600n;

/**
 * Plasma on the embedded EVM: the gas of a block-root submission at 10, 1,000 and 10,000
 * transactions per block (and so the L1 gas per transfer), of a deposit, and of starting,
 * challenging and processing an exit, against OMG's figures.
 */
export const plasmaSuite: BenchSuite = {
  system: "plasma",
  description:
    "Plasma: gas of block submission at 10 / 1,000 / 10,000 tx per block and per transfer; deposit; start, challenge and process an exit",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const [, funder] = await ethers.getSigners();
    const { plasma } = await deployPlasma(ctx.hre, { minExitPeriod: MEP });
    const { chainId } = await ethers.provider.getNetwork();
    const domain = plasmaDomain(chainId, await plasma.getAddress());
    const exitBond = await plasma.exitBond();
    const users = [0, 1].map(
      (i) => new Wallet(ethers.id(`l2kit plasma bench ${i}`), ethers.provider),
    );
    for (const u of users) {
      await (await funder.sendTransaction({ to: u.address, value: parseEther("100") })).wait();
    }
    const [alice, bob] = users;
    const aliceKey = new DigestSigner(alice.privateKey);
    const network = ctx.hre.network.name;
    const record = (
      metric: string,
      value: number,
      extra: Record<string, string | number> = {},
    ): SuiteRecord => ({
      system: "plasma",
      metric,
      value,
      unit: "gas",
      params: { network, ...extra },
      compareTo: "erc20-transfer",
    });
    const records: SuiteRecord[] = [];

    ctx.progress("  block submissions");
    const sizes = ctx.quick ? [10, 1000] : [10, 1000, 10_000];
    let submitted: { blockNumber: bigint; tree: BlockTree; txs: Transaction[] } | undefined;
    for (const size of sizes) {
      const txs: Transaction[] = Array.from({ length: size }, (_, i) => ({
        inputs: [utxoPos(1n, 0, 0) + BigInt(i)],
        outputs: [{ owner: bob.address, token: ETH, amount: BigInt(i + 1) }],
      }));
      const tree = new BlockTree(txs.map((t) => txHash(domain, t)));
      const blockNumber = await plasma.nextChildBlock();
      const gas = await gasOf(plasma.submitBlock(blockNumber, tree.root));
      records.push(record("submit-block-gas", gas, { txPerBlock: size }));
      records.push(
        record("l1-gas-per-transfer", Math.round((gas / size) * 100) / 100, {
          txPerBlock: size,
          path: "block root only (deposits and exits not counted)",
        }),
      );
      submitted ??= { blockNumber, tree, txs };
    }

    ctx.progress("  deposit, exits, challenge");
    const deposit = async () => {
      const blockNumber = await plasma.nextDepositBlock();
      const gas = await gasOf(
        plasma.connect(alice).deposit(ETH, parseEther("1"), { value: parseEther("1") }),
      );
      const tx: Transaction = {
        inputs: [],
        outputs: [{ owner: alice.address, token: ETH, amount: parseEther("1") }],
      };
      return { gas, pos: utxoPos(blockNumber, 0, 0), tx };
    };
    const d = await deposit();
    records.push(record("deposit-gas", d.gas, { asset: "ETH" }));

    // An exit from a child block (16-sibling proof): bob's output of the first submitted block.
    const s = submitted!;
    const startGas = await gasOf(
      plasma
        .connect(bob)
        .startExit(utxoPos(s.blockNumber, 3, 0), s.txs[3], s.tree.proof(3), { value: exitBond }),
    );
    records.push(record("start-exit-gas", startGas, { block: "child, 16-sibling proof" }));

    // A fraudulent exit of a spent deposit, challenged with the owner's signed spend.
    const spend: Transaction = {
      inputs: [d.pos],
      outputs: [{ owner: bob.address, token: ETH, amount: parseEther("1") }],
    };
    await gasOf(plasma.connect(alice).startExit(d.pos, d.tx, [], { value: exitBond }));
    const challengeGas = await gasOf(
      plasma.connect(bob).challengeExit(d.pos, spend, 0n, signTx(aliceKey, domain, spend)),
    );
    records.push(
      record("challenge-exit-gas", challengeGas, {
        anchor: `OMG ${OMG.challenge}`,
        goal: Math.floor(OMG.challenge * GOAL_SHARE),
      }),
    );

    // Processing: one exit alone, then a batch (per exit).
    await advanceChain(ethers.provider, 3n * MEP);
    // The challenged exit and bob's start are in the queue; drain them first.
    await gasOf(plasma.processExits(ETH, 10n));
    const batch = ctx.quick ? 5 : 20;
    const queued: bigint[] = [];
    for (let i = 0; i < batch + 1; i++) {
      const e = await deposit();
      await gasOf(plasma.connect(alice).startExit(e.pos, e.tx, [], { value: exitBond }));
      queued.push(e.pos);
    }
    await advanceChain(ethers.provider, 3n * MEP);
    const one = await gasOf(plasma.processExits(ETH, 1n));
    const many = await gasOf(plasma.processExits(ETH, BigInt(batch)));
    const goal = {
      anchor: `OMG ${OMG.processExit}`,
      goal: Math.floor(OMG.processExit * GOAL_SHARE),
    };
    records.push(record("process-exit-gas", one, { exits: 1, ...goal }));
    records.push(
      record("process-exit-gas-per-exit", Math.round(many / batch), { exits: batch, ...goal }),
    );
    return records;
  },
};
