import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { deployPlasma } from "../../../deploy";
import type { L2kitError } from "../../../operator/core/errors";
import { hardhatDevKey } from "../../../operator/core/l1";
import { Store } from "../../../operator/core/store";
import { DigestSigner } from "../../../operator/lib/secp256k1";
import { PlasmaLedger } from "../../../operator/plasma/ledger";
import { ETH, plasmaDomain, signTx, utxoPos, type Transaction } from "../../../operator/plasma/tx";

const ONE = ethers.parseEther("1");

async function fixture() {
  const { plasma } = await deployPlasma(hre, { minExitPeriod: 100n });
  const [, alice, bob, carol] = await ethers.getSigners();
  const { chainId } = await ethers.provider.getNetwork();
  const domain = plasmaDomain(chainId, await plasma.getAddress());
  // alice deposits 1 ETH on L1: deposit block 1.
  await (await plasma.connect(alice).deposit(ETH, ONE, { value: ONE })).wait();
  return { plasma, alice, bob, carol, domain };
}

const keys = { alice: new DigestSigner(hardhatDevKey(1)), bob: new DigestSigner(hardhatDevKey(2)) };

async function code(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return (error as L2kitError).code;
  }
  return "accepted";
}

describe("plasma ledger (the operator's outputs, mempool and blocks)", function () {
  async function ledger(store = Store.open({ memory: true })) {
    const f = await loadFixture(fixture);
    const l = new PlasmaLedger(store, f.domain);
    l.addDeposit(1n, { owner: f.alice.address, token: ETH, amount: ONE });
    return { ...f, l };
  }

  const pay = (
    from: bigint,
    to: string,
    amount: bigint,
    change?: { owner: string; amount: bigint },
  ) =>
    ({
      inputs: [from],
      outputs: [
        { owner: to, token: ETH, amount },
        ...(change === undefined
          ? []
          : [{ owner: change.owner, token: ETH, amount: change.amount }]),
      ],
    }) as Transaction;

  it("accepts a signed transfer, builds a block whose proof L1 accepts for an exit", async function () {
    const f = await ledger();
    const deposit = utxoPos(1n, 0, 0);
    const tx = pay(deposit, f.bob.address, (ONE * 3n) / 4n, {
      owner: f.alice.address,
      amount: ONE / 4n,
    });
    f.l.submit({ tx, sigs: [signTx(keys.alice, f.domain, tx)] });
    expect(f.l.output(deposit)!.status).to.equal("pending");
    expect(f.l.mempoolSize()).to.equal(1);

    const block = f.l.buildBlock(1000n)!;
    expect(block.txs.length).to.equal(1);
    expect(f.l.mempoolSize()).to.equal(0);
    expect(f.l.output(deposit)!.status).to.equal("spent");
    const bobPos = utxoPos(1000n, 0, 0);
    expect(f.l.utxosOf(f.bob.address).map((o) => [o.pos, o.amount])).to.deep.equal([
      [bobPos, (ONE * 3n) / 4n],
    ]);
    await (await f.plasma.submitBlock(1000n, block.root)).wait();
    const { tx: exitTx, proof } = f.l.exitData(bobPos);
    await expect(
      f.plasma
        .connect(f.bob)
        .startExit(bobPos, exitTx, proof, { value: await f.plasma.exitBond() }),
    ).to.emit(f.plasma, "ExitStarted");
    expect(f.l.buildBlock(2000n)).to.equal(undefined);
  });

  it("refuses double spends, forged signatures, unbalanced and malformed transactions, changing nothing", async function () {
    const f = await ledger();
    const deposit = utxoPos(1n, 0, 0);
    const good = pay(deposit, f.bob.address, ONE);
    const sig65 = signTx(keys.alice, f.domain, good);
    const cases: [Transaction, string[], string][] = [
      [good, [signTx(keys.bob, f.domain, good)], "BAD_SIGNATURE"],
      [
        pay(deposit, f.bob.address, ONE + 1n),
        [signTx(keys.alice, f.domain, pay(deposit, f.bob.address, ONE + 1n))],
        "UNBALANCED",
      ],
      [pay(utxoPos(7n, 0, 0), f.bob.address, 1n), [sig65], "UNKNOWN_INPUT"],
      [{ inputs: [deposit, deposit], outputs: good.outputs }, [sig65, sig65], "DUPLICATE_INPUT"],
      [{ inputs: [], outputs: good.outputs }, [], "BAD_REQUEST"],
      [good, [], "BAD_REQUEST"],
      [pay(deposit, f.bob.address, 0n), [sig65], "BAD_REQUEST"],
      [good, ["0x00"], "BAD_REQUEST"],
    ];
    for (const [tx, sigs, expected] of cases) {
      expect(await code(() => f.l.submit({ tx, sigs })), expected).to.equal(expected);
    }
    expect(f.l.mempoolSize()).to.equal(0);
    expect(f.l.output(deposit)!.status).to.equal("unspent");

    f.l.submit({ tx: good, sigs: [signTx(keys.alice, f.domain, good)] });
    const again = pay(deposit, f.carol.address, ONE);
    expect(
      await code(() => f.l.submit({ tx: again, sigs: [signTx(keys.alice, f.domain, again)] })),
    ).to.equal("DOUBLE_SPEND");
    expect(f.l.mempoolSize()).to.equal(1);
  });

  it("refuses spending an output whose exit started on L1", async function () {
    const f = await ledger();
    const deposit = utxoPos(1n, 0, 0);
    f.l.markExiting(deposit);
    const tx = pay(deposit, f.bob.address, ONE);
    expect(await code(() => f.l.submit({ tx, sigs: [signTx(keys.alice, f.domain, tx)] }))).to.equal(
      "INPUT_EXITING",
    );
  });

  it("keeps the mempool, outputs and blocks across a restart", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-plasma-ledger-"));
    try {
      const first = await ledger(Store.open({ dataDir: dir, file: "ledger.sqlite" }));
      const tx = pay(utxoPos(1n, 0, 0), first.bob.address, ONE);
      const hash = first.l.submit({ tx, sigs: [signTx(keys.alice, first.domain, tx)] });
      first.l.store.close();
      const reopened = new PlasmaLedger(
        Store.open({ dataDir: dir, file: "ledger.sqlite" }),
        first.domain,
      );
      expect(reopened.mempoolSize()).to.equal(1);
      const block = reopened.buildBlock(1000n)!;
      expect(block.txs[0].tx).to.deep.equal(tx);
      expect(reopened.unsubmitted()).to.deep.equal([1000n]);
      reopened.markSubmitted(1000n, hash);
      expect(reopened.unsubmitted()).to.deep.equal([]);
      expect(reopened.lastBlock()).to.equal(1000n);
      reopened.store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("replays a published block exactly, refuses an invalid one, and finds the spend of an output", async function () {
    const f = await ledger();
    const replica = new PlasmaLedger(Store.open({ memory: true }), f.domain);
    replica.addDeposit(1n, { owner: f.alice.address, token: ETH, amount: ONE });
    const deposit = utxoPos(1n, 0, 0);
    const tx = pay(deposit, f.bob.address, ONE);
    const signed = { tx, sigs: [signTx(keys.alice, f.domain, tx)] };
    f.l.submit(signed);
    const block = f.l.buildBlock(1000n)!;

    // A root the transactions do not make, or a transaction the rules refuse: nothing changes.
    expect(await code(() => replica.applyBlock(1000n, `0x${"12".repeat(32)}`, [signed]))).to.equal(
      "INVALID_BLOCK",
    );
    const forged = { tx, sigs: [signTx(keys.bob, f.domain, tx)] };
    expect(await code(() => replica.applyBlock(1000n, block.root, [forged]))).to.equal(
      "INVALID_BLOCK",
    );
    expect(replica.output(deposit)!.status).to.equal("unspent");
    expect(replica.lastBlock()).to.equal(undefined);

    replica.applyBlock(1000n, block.root, block.txs);
    expect(replica.output(utxoPos(1000n, 0, 0))!.owner).to.equal(f.bob.address.toLowerCase());
    const spend = replica.spendOf(deposit)!;
    expect(spend).to.deep.equal({ tx, inputIndex: 0, sig: signed.sigs[0], block: 1000n });
    expect(replica.spendOf(utxoPos(1000n, 0, 0))).to.equal(undefined);
  });
});
