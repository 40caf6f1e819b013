/**
 * The demo's Plasma scenario, on the chosen network: the root chain, the operator's ledger (the
 * same code `npx l2kit plasma operator` runs) building blocks whose roots go to L1, a watcher's
 * replica (the code `npx l2kit plasma watcher` runs) replaying them, deposits, transfers, an
 * honest exit paid after the exit period, and a fraudulent exit of a spent output challenged.
 */
import { formatEther, parseEther, Wallet, type ContractTransactionResponse } from "ethers";
import { deployPlasma } from "../../deploy";
import { hardhatDevKey } from "../core/l1";
import { Store } from "../core/store";
import { DigestSigner } from "../lib/secp256k1";
import { PlasmaLedger } from "../plasma/ledger";
import { ETH, plasmaDomain, signTx, utxoPos, type Transaction } from "../plasma/tx";
import { advance, gas, vsL1 } from "./helpers";
import type { DemoScenario } from "./index";

const MEP = 3600n;

export const plasmaScenario: DemoScenario = {
  system: "plasma",
  title: "Plasma: deposits, blocks committed by their roots, an exit, a fraudulent exit challenged",
  async run(ctx) {
    const { ethers } = ctx.hre;
    const { plasma } = await deployPlasma(ctx.hre, { minExitPeriod: MEP });
    const address = await plasma.getAddress();
    const { chainId } = await ethers.provider.getNetwork();
    const domain = plasmaDomain(chainId, address);
    const [alice, bob, carol] = [1, 2, 3].map((i) => new Wallet(hardhatDevKey(i), ethers.provider));
    const keys = [1, 2].map((i) => new DigestSigner(hardhatDevKey(i)));
    const operatorLedger = new PlasmaLedger(Store.open({ memory: true }), domain);
    const replica = new PlasmaLedger(Store.open({ memory: true }), domain);
    const eth = (wei: bigint) => `${formatEther(wei)} ETH`;
    const mined = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!;
    ctx.say(
      `PlasmaChain at ${address}, operated by the deployer; exit period ${MEP} s here (a week in production), exit bond ${eth(await plasma.exitBond())}`,
    );

    // Deposits: each makes a deposit block on L1; operator and watcher both record it.
    const deposit = async (who: Wallet, amount: bigint) => {
      const blockNumber = await plasma.nextDepositBlock();
      const r = await mined(plasma.connect(who).deposit(ETH, amount, { value: amount }));
      for (const l of [operatorLedger, replica]) {
        l.addDeposit(blockNumber, { owner: who.address, token: ETH, amount });
      }
      return { pos: utxoPos(blockNumber, 0, 0), gasUsed: r.gasUsed };
    };
    const a = await deposit(alice, parseEther("2"));
    const b = await deposit(bob, parseEther("1"));
    ctx.say(
      `alice deposits 2 ETH and bob 1 ETH: two deposit blocks (1 and 2), ${gas(a.gasUsed)} gas for a deposit${vsL1(a.gasUsed, ctx.results.baseline)}`,
    );

    // Transfers, batched into child blocks whose roots alone go to L1.
    const commit = async (txs: Transaction[], signers: DigestSigner[]) => {
      txs.forEach((tx, i) =>
        operatorLedger.submit({ tx, sigs: tx.inputs.map(() => signTx(signers[i], domain, tx)) }),
      );
      const number = await plasma.nextChildBlock();
      const block = operatorLedger.buildBlock(number)!;
      const r = await mined(plasma.submitBlock(number, block.root));
      replica.applyBlock(number, block.root, block.txs);
      return { number, gasUsed: r.gasUsed };
    };
    const pay1: Transaction = {
      inputs: [a.pos],
      outputs: [
        { owner: bob.address, token: ETH, amount: parseEther("0.5") },
        { owner: alice.address, token: ETH, amount: parseEther("1.5") },
      ],
    };
    const pay2: Transaction = {
      inputs: [b.pos],
      outputs: [
        { owner: carol.address, token: ETH, amount: parseEther("0.4") },
        { owner: bob.address, token: ETH, amount: parseEther("0.6") },
      ],
    };
    const block = await commit([pay1, pay2], keys);
    ctx.say(
      `alice pays bob 0.5 ETH and bob pays carol 0.4 ETH off-chain: block ${block.number} holds both; the operator commits only its root (${gas(block.gasUsed)} gas, the same for 2 or 10,000 transactions); the watcher replays the block and finds it valid`,
    );
    ctx.say(
      `balances on the child chain: alice ${eth(sum(operatorLedger, alice.address))}, bob ${eth(sum(operatorLedger, bob.address))}, carol ${eth(sum(operatorLedger, carol.address))}`,
    );

    // An honest exit: carol leaves with her output, proven in block 1000.
    const bond = await plasma.exitBond();
    const carolPos = utxoPos(block.number, 1, 0);
    const { tx: carolTx, proof } = operatorLedger.exitData(carolPos);
    const start = await mined(
      plasma.connect(carol).startExit(carolPos, carolTx, proof, { value: bond }),
    );
    ctx.say(
      `carol starts an exit of her 0.4 ETH with its 16-sibling inclusion proof and a bond (${gas(start.gasUsed)} gas); it is queued by (exitable-at, position)`,
    );

    // A fraudulent exit: alice exits the deposit she already spent; the watcher challenges it.
    await mined(
      plasma
        .connect(alice)
        .startExit(
          a.pos,
          { inputs: [], outputs: [{ owner: alice.address, token: ETH, amount: parseEther("2") }] },
          [],
          { value: bond },
        ),
    );
    const spend = replica.spendOf(a.pos)!;
    const challenge = await mined(
      plasma.connect(bob).challengeExit(a.pos, spend.tx, spend.inputIndex, spend.sig),
    );
    ctx.say(
      `alice tries to exit her 2 ETH deposit although she spent it in block ${spend.block}; the watcher shows her signed spend and cancels the exit, taking her bond (${gas(challenge.gasUsed)} gas${vsL1(challenge.gasUsed, ctx.results.baseline)})`,
    );

    await advance(ctx.hre, 2n * MEP + 1n);
    const before = await ethers.provider.getBalance(carol.address);
    const processed = await mined(plasma.processExits(ETH, 10n));
    const got = (await ethers.provider.getBalance(carol.address)) - before;
    ctx.say(
      `after the exit period anyone processes the queue: carol is paid ${eth(got)} (her 0.4 ETH and her bond back; ${gas(processed.gasUsed)} gas); alice's challenged exit pays nothing`,
    );
  },
};

function sum(ledger: PlasmaLedger, owner: string): bigint {
  return ledger.utxosOf(owner).reduce((s, o) => s + o.amount, 0n);
}
