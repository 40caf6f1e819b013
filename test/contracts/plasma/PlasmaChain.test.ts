import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import hre, { ethers } from "hardhat";
import { deployPlasma } from "../../../deploy";
import { hardhatDevKey } from "../../../operator/core/l1";
import { DigestSigner } from "../../../operator/lib/secp256k1";
import {
  BlockTree,
  ETH,
  plasmaDomain,
  signTx,
  txHash,
  utxoPos,
  type Transaction,
} from "../../../operator/plasma/tx";
import type { PlasmaChain } from "../../../typechain-types";
import { makeHostile } from "../../helpers/hostile";
import { expectReentriesRefused, hostileToken } from "../../helpers/reentrancy";
import { pinNextTimestamp } from "../../helpers/time";

const MEP = 1000n;
const BOND = ethers.parseEther("0.1");
const OPERATOR_BOND = ethers.parseEther("1");
const ONE = ethers.parseEther("1");

async function fixture() {
  const [operator, alice, bob, carol, stranger] = await ethers.getSigners();
  const plasma = (await (
    await ethers.getContractFactory("PlasmaChain")
  ).deploy(operator.address, MEP, BOND, { value: OPERATOR_BOND })) as unknown as PlasmaChain;
  const { chainId } = await ethers.provider.getNetwork();
  const domain = plasmaDomain(chainId, await plasma.getAddress());
  const keys = {
    alice: new DigestSigner(hardhatDevKey(1)),
    bob: new DigestSigner(hardhatDevKey(2)),
  };
  return { plasma, operator, alice, bob, carol, stranger, domain, keys };
}

type F = Awaited<ReturnType<typeof fixture>>;
const load = (): Promise<F> => loadFixture(fixture);

/** alice deposits `amount` ETH; returns the deposit's position and transaction. */
async function depositETH(f: F, amount = ONE) {
  const blockNumber = await f.plasma.nextDepositBlock();
  await (await f.plasma.connect(f.alice).deposit(ETH, amount, { value: amount })).wait();
  const tx: Transaction = { inputs: [], outputs: [{ owner: f.alice.address, token: ETH, amount }] };
  return { pos: utxoPos(blockNumber, 0, 0), tx };
}

/** A child block holding `txs` (the operator commits it); returns its number and tree. */
async function commit(f: F, txs: Transaction[]) {
  const tree = new BlockTree(txs.map((t) => txHash(f.domain, t)));
  const blockNumber = await f.plasma.nextChildBlock();
  await (await f.plasma.submitBlock(blockNumber, tree.root)).wait();
  return { blockNumber, tree };
}

/** alice's deposit of 1 ETH spent to bob (0.6) and back to alice (0.4) in child block 1000. */
async function transferred(f: F) {
  const d = await depositETH(f);
  const spend: Transaction = {
    inputs: [d.pos],
    outputs: [
      { owner: f.bob.address, token: ETH, amount: (ONE * 6n) / 10n },
      { owner: f.alice.address, token: ETH, amount: (ONE * 4n) / 10n },
    ],
  };
  const other: Transaction = {
    inputs: [],
    outputs: [{ owner: f.carol.address, token: ETH, amount: 1n }],
  };
  const { blockNumber, tree } = await commit(f, [other, spend]);
  return { deposit: d, spend, blockNumber, tree, bobPos: utxoPos(blockNumber, 1, 0) };
}

describe("PlasmaChain", function () {
  it("deploys through Ignition with the deployer as operator and its bond", async function () {
    const { plasma, params } = await deployPlasma(hre, { minExitPeriod: 100n });
    const [deployer] = await ethers.getSigners();
    expect(await plasma.operator()).to.equal(deployer.address);
    expect(await plasma.minExitPeriod()).to.equal(100n);
    expect(await plasma.exitBond()).to.equal(params.exitBond);
    expect(await ethers.provider.getBalance(await plasma.getAddress())).to.equal(
      params.operatorBond,
    );
  });

  describe("the root registry", function () {
    it("takes child blocks in order from the operator only", async function () {
      const f = await load();
      const root = ethers.id("block 1000");
      const at = await pinNextTimestamp();
      await expect(f.plasma.submitBlock(1000n, root))
        .to.emit(f.plasma, "BlockSubmitted")
        .withArgs(1000n, root, at);
      expect((await f.plasma.blockAt(1000n))[0]).to.equal(root);
      expect(await f.plasma.nextChildBlock()).to.equal(2000n);
      expect(await f.plasma.nextDepositBlock()).to.equal(1001n);
      await expect(f.plasma.connect(f.stranger).submitBlock(2000n, root))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotOperator")
        .withArgs(f.stranger.address);
      for (const n of [1000n, 3000n, 1999n]) {
        await expect(f.plasma.submitBlock(n, root))
          .to.be.revertedWithCustomError(f.plasma, "PlasmaBlockOutOfOrder")
          .withArgs(n, 2000n);
      }
      await expect(f.plasma.submitBlock(2000n, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.plasma,
        "PlasmaEmptyRoot",
      );
    });

    it("numbers deposit blocks between child blocks, 999 at most", async function () {
      const f = await load();
      for (let i = 1; i <= 999; i++) {
        await f.plasma.connect(f.alice).deposit(ETH, 1n, { value: 1n });
      }
      expect((await f.plasma.blockAt(999n))[2]).to.equal(true);
      await expect(f.plasma.connect(f.alice).deposit(ETH, 1n, { value: 1n }))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaDepositBlocksExhausted")
        .withArgs(1000n);
      await (await f.plasma.submitBlock(1000n, ethers.id("x"))).wait();
      await expect(f.plasma.connect(f.alice).deposit(ETH, 1n, { value: 1n }))
        .to.emit(f.plasma, "Deposited")
        .withArgs(1001n, f.alice.address, ETH, 1n);
    });

    it("keeps the operator's bond until 2·MEP after it retires, and pays it once", async function () {
      const f = await load();
      await expect(f.plasma.connect(f.stranger).retire())
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotOperator")
        .withArgs(f.stranger.address);
      await expect(f.plasma.releaseOperatorBond())
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBondLocked")
        .withArgs(ethers.MaxUint256);
      expect(await f.plasma.retiredAt()).to.equal(0n);
      await (await f.plasma.retire()).wait();
      expect(await f.plasma.retiredAt()).to.equal(BigInt(await time.latest()));
      const releasedAt = BigInt(await time.latest()) + 2n * MEP;
      await expect(f.plasma.submitBlock(1000n, ethers.id("x"))).to.be.revertedWithCustomError(
        f.plasma,
        "PlasmaRetired",
      );
      await expect(f.plasma.retire()).to.be.revertedWithCustomError(f.plasma, "PlasmaRetired");
      await expect(f.plasma.releaseOperatorBond())
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBondLocked")
        .withArgs(releasedAt);
      await time.increaseTo(releasedAt);
      await expect(f.plasma.connect(f.stranger).releaseOperatorBond()).to.changeEtherBalance(
        f.operator,
        OPERATOR_BOND,
      );
      expect(await f.plasma.bondReleased()).to.equal(true);
      await expect(f.plasma.releaseOperatorBond()).to.be.revertedWithCustomError(
        f.plasma,
        "PlasmaBondReleased",
      );
    });
  });

  describe("deposits", function () {
    it("make a deposit block whose root is the deposit transaction's hash", async function () {
      const f = await load();
      const d = await depositETH(f, 5n);
      expect((await f.plasma.blockAt(1n))[0]).to.equal(txHash(f.domain, d.tx));
      expect(await f.plasma.txHash(d.tx)).to.equal(txHash(f.domain, d.tx));
    });

    it("refuse nothing, wrong ETH and amounts beyond 2^96; credit what a fee-taking token delivers", async function () {
      const f = await load();
      await expect(f.plasma.deposit(ETH, 0n)).to.be.revertedWithCustomError(
        f.plasma,
        "PlasmaZeroDeposit",
      );
      await expect(f.plasma.deposit(ETH, 2n, { value: 1n }))
        .to.be.revertedWithCustomError(f.plasma, "BadDeposit")
        .withArgs(1n, 2n);
      const token = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
      const asset = await token.getAddress();
      await (await token.mint(f.alice.address, 2n ** 100n)).wait();
      await (await token.connect(f.alice).approve(f.domain.verifyingContract, 2n ** 100n)).wait();
      await expect(f.plasma.connect(f.alice).deposit(asset, 2n ** 97n))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaAmountTooLarge")
        .withArgs(2n ** 97n - 2n ** 97n / 100n);
      const tx = await f.plasma.connect(f.alice).deposit(asset, 1000n);
      await expect(tx).to.emit(f.plasma, "Deposited").withArgs(1n, f.alice.address, asset, 990n);
      // Its exit pays the token (less the token's own fee on the way out) and the bond in ETH.
      const out: Transaction = {
        inputs: [],
        outputs: [{ owner: f.alice.address, token: asset, amount: 990n }],
      };
      await (
        await f.plasma.connect(f.alice).startExit(utxoPos(1n, 0, 0), out, [], { value: BOND })
      ).wait();
      await time.increase(3n * MEP);
      const before = await token.balanceOf(f.alice.address);
      await expect(f.plasma.processExits(asset, 1n)).to.changeEtherBalance(f.alice, BOND);
      expect((await token.balanceOf(f.alice.address)) - before).to.equal(990n - 9n);
    });
  });

  describe("exits", function () {
    it("exits a deposit and a transferred output; pays amount and bond after the period", async function () {
      const f = await load();
      const t = await transferred(f);
      const proof = t.tree.proof(1);
      await expect(
        f.plasma.connect(f.bob).startExit(t.bobPos, t.spend, proof, { value: BOND }),
      ).to.emit(f.plasma, "ExitStarted");
      const [owner, token, amount, exitableAt, status] = await f.plasma.exitOf(t.bobPos);
      expect([owner, token, amount, status]).to.deep.equal([
        f.bob.address,
        ETH,
        (ONE * 6n) / 10n,
        1n,
      ]);
      // exitable at max(block time + 2·MEP, now + MEP): a fresh block gives block time + 2·MEP.
      expect(exitableAt).to.equal((await f.plasma.blockAt(t.blockNumber))[1] + 2n * MEP);
      expect(await f.plasma.processExits.staticCall(ETH, 10n)).to.equal(0n);
      await time.increaseTo(exitableAt);
      const tx = f.plasma.connect(f.stranger).processExits(ETH, 10n);
      await expect(tx).to.changeEtherBalance(f.bob, (ONE * 6n) / 10n + BOND);
      await expect(tx)
        .to.emit(f.plasma, "ExitProcessed")
        .withArgs(t.bobPos, f.bob.address, (ONE * 6n) / 10n);
      expect((await f.plasma.exitOf(t.bobPos))[4]).to.equal(3n);
    });

    it("gives an old output an exit period of MEP from now", async function () {
      const f = await load();
      const d = await depositETH(f);
      await time.increase(5n * MEP);
      await (await f.plasma.connect(f.alice).startExit(d.pos, d.tx, [], { value: BOND })).wait();
      expect((await f.plasma.exitOf(d.pos))[3]).to.equal(BigInt(await time.latest()) + MEP);
    });

    it("refuses someone else's output, a wrong proof, a wrong bond, unknown blocks and outputs", async function () {
      const f = await load();
      const t = await transferred(f);
      const proof = t.tree.proof(1);
      const start = (who = f.bob, pos = t.bobPos, tx = t.spend, p = proof, value = BOND) =>
        f.plasma.connect(who).startExit(pos, tx, p, { value });
      await expect(start(f.alice))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotOwner")
        .withArgs(f.bob.address, f.alice.address);
      await expect(start(f.bob, t.bobPos, t.spend, t.tree.proof(0)))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotIncluded")
        .withArgs(t.bobPos);
      const inflated = {
        ...t.spend,
        outputs: [{ ...t.spend.outputs[0], amount: ONE }, t.spend.outputs[1]],
      };
      await expect(start(f.bob, t.bobPos, inflated))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotIncluded")
        .withArgs(t.bobPos);
      await expect(start(f.bob, t.bobPos, t.spend, proof, 1n))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBadBond")
        .withArgs(1n, BOND);
      await expect(start(f.bob, utxoPos(5000n, 0, 0)))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaUnknownBlock")
        .withArgs(5000n);
      await expect(start(f.bob, utxoPos(t.blockNumber, 1, 2)))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNoSuchOutput")
        .withArgs(utxoPos(t.blockNumber, 1, 2));
      const three = { ...t.spend, inputs: [1n, 2n, 3n] };
      await expect(start(f.bob, t.bobPos, three))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBadTransaction")
        .withArgs(3n, 2n);
      await expect(start(f.bob, t.bobPos, { ...t.spend, outputs: [] }))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBadTransaction")
        .withArgs(1n, 0n);
      const threeOut = { ...t.spend, outputs: [...t.spend.outputs, t.spend.outputs[0]] };
      await expect(start(f.bob, t.bobPos, threeOut))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBadTransaction")
        .withArgs(1n, 3n);
      // A deposit block takes no proof.
      await expect(
        f.plasma
          .connect(f.alice)
          .startExit(t.deposit.pos, t.deposit.tx, [ethers.ZeroHash], { value: BOND }),
      )
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotIncluded")
        .withArgs(t.deposit.pos);
    });

    it("refuses an output over 2^96 - 1 even in a committed block (the operator can commit anything)", async function () {
      const f = await load();
      const huge: Transaction = {
        inputs: [],
        outputs: [{ owner: f.bob.address, token: ETH, amount: 1n << 96n }],
      };
      const { blockNumber, tree } = await commit(f, [huge]);
      await expect(
        f.plasma
          .connect(f.bob)
          .startExit(utxoPos(blockNumber, 0, 0), huge, tree.proof(0), { value: BOND }),
      )
        .to.be.revertedWithCustomError(f.plasma, "PlasmaAmountTooLarge")
        .withArgs(1n << 96n);
    });

    it("never starts an exit twice: not while queued, not after a challenge, not after payment", async function () {
      const f = await load();
      const t = await transferred(f);
      const start = () =>
        f.plasma.connect(f.bob).startExit(t.bobPos, t.spend, t.tree.proof(1), { value: BOND });
      await (await start()).wait();
      await expect(start())
        .to.be.revertedWithCustomError(f.plasma, "PlasmaExitExists")
        .withArgs(t.bobPos, 1n);
      await time.increase(3n * MEP);
      await (await f.plasma.processExits(ETH, 10n)).wait();
      await expect(start())
        .to.be.revertedWithCustomError(f.plasma, "PlasmaExitExists")
        .withArgs(t.bobPos, 3n);
    });
  });

  describe("challenges", function () {
    it("cancel the exit of a spent output; the bond goes to the challenger; the queue skips it", async function () {
      const f = await load();
      const t = await transferred(f);
      // alice exits her deposit although she spent it in block 1000.
      await (
        await f.plasma.connect(f.alice).startExit(t.deposit.pos, t.deposit.tx, [], { value: BOND })
      ).wait();
      const sig = signTx(f.keys.alice, f.domain, t.spend);
      const tx = f.plasma.connect(f.carol).challengeExit(t.deposit.pos, t.spend, 0n, sig);
      await expect(tx).to.changeEtherBalance(f.carol, BOND);
      await expect(tx).to.emit(f.plasma, "ExitChallenged").withArgs(t.deposit.pos, f.carol.address);
      await expect(f.plasma.challengeExit(t.deposit.pos, t.spend, 0n, sig))
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNoExit")
        .withArgs(t.deposit.pos);
      await expect(
        f.plasma.connect(f.alice).startExit(t.deposit.pos, t.deposit.tx, [], { value: BOND }),
      )
        .to.be.revertedWithCustomError(f.plasma, "PlasmaExitExists")
        .withArgs(t.deposit.pos, 2n);
      await time.increase(3n * MEP);
      const processed = f.plasma.processExits(ETH, 10n);
      await expect(processed).to.changeEtherBalance(f.alice, 0n);
      await expect(processed).to.not.emit(f.plasma, "ExitProcessed");
      expect((await f.plasma.queueOf(ETH))[0]).to.equal(0n);
    });

    it("never count an unrelated spend or a forged signature", async function () {
      const f = await load();
      const t = await transferred(f);
      await (
        await f.plasma.connect(f.bob).startExit(t.bobPos, t.spend, t.tree.proof(1), { value: BOND })
      ).wait();
      // A spend of another output (alice's change), signed by bob: unrelated.
      const unrelated: Transaction = {
        inputs: [utxoPos(t.blockNumber, 1, 1)],
        outputs: [{ owner: f.carol.address, token: ETH, amount: 1n }],
      };
      await expect(
        f.plasma.challengeExit(t.bobPos, unrelated, 0n, signTx(f.keys.bob, f.domain, unrelated)),
      )
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotASpend")
        .withArgs(t.bobPos, 0n);
      await expect(
        f.plasma.challengeExit(t.bobPos, unrelated, 5n, signTx(f.keys.bob, f.domain, unrelated)),
      )
        .to.be.revertedWithCustomError(f.plasma, "PlasmaNotASpend")
        .withArgs(t.bobPos, 5n);
      // A spend of bob's output signed by alice: forged.
      const forged: Transaction = {
        inputs: [t.bobPos],
        outputs: [{ owner: f.alice.address, token: ETH, amount: (ONE * 6n) / 10n }],
      };
      await expect(
        f.plasma.challengeExit(t.bobPos, forged, 0n, signTx(f.keys.alice, f.domain, forged)),
      )
        .to.be.revertedWithCustomError(f.plasma, "PlasmaBadSignature")
        .withArgs(f.bob.address);
      expect((await f.plasma.exitOf(t.bobPos))[4]).to.equal(1n);
    });
  });

  describe("the exit queue", function () {
    let restore: (() => Promise<void>) | undefined;
    afterEach(async function () {
      await restore?.();
      restore = undefined;
    });

    /** alice's `n` deposits of 1, 2, ... wei, each exiting (started newest first); the period passed. */
    async function queuedExits(f: F, n: number): Promise<bigint[]> {
      const positions: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const d = await depositETH(f, BigInt(i + 1));
        positions.push(d.pos);
      }
      for (const [i, pos] of [...positions.entries()].reverse()) {
        const tx: Transaction = {
          inputs: [],
          outputs: [{ owner: f.alice.address, token: ETH, amount: BigInt(i + 1) }],
        };
        await (await f.plasma.connect(f.alice).startExit(pos, tx, [], { value: BOND })).wait();
      }
      expect((await f.plasma.queueOf(ETH))[0]).to.equal(BigInt(n));
      await time.increase(3n * MEP);
      return positions;
    }

    /** The positions of the exits `processExits` paid in the transaction `tx`, in order. */
    async function paidBy(f: F, tx: ContractTransactionResponse): Promise<bigint[]> {
      const receipt = await tx.wait();
      return receipt!.logs
        .map((l) => f.plasma.interface.parseLog(l))
        .filter((e) => e?.name === "ExitProcessed")
        .map((e) => e!.args.utxoPos as bigint);
    }

    it("pays in (exitable-at, position) order, whatever order the exits started in", async function () {
      const f = await load();
      const positions = await queuedExits(f, 12);
      // Started newest first: the queue still pays the oldest output first, `max` at a time.
      const paid = [
        ...(await paidBy(f, await f.plasma.processExits(ETH, 5n))),
        ...(await paidBy(f, await f.plasma.processExits(ETH, 100n))),
      ];
      expect(paid).to.deep.equal(positions);
      expect((await f.plasma.queueOf(ETH))[0]).to.equal(0n);
    });

    // @gas-bounded: asserts what fits in 1,000,000 gas on the optimised build; skipped under
    // coverage (.solcover.js), whose instrumented, unoptimised build spends more per exit.
    it("drains a queue too long for one transaction's gas in bounded chunks @gas-bounded", async function () {
      const f = await load();
      const positions = await queuedExits(f, 60);
      // With 1,000,000 gas per transaction (standing in for a block's limit), the whole queue
      // cannot be paid in one call; 25 exits at a time fit.
      const limit = 1_000_000n;
      await expect(f.plasma.processExits(ETH, 60n, { gasLimit: limit })).to.be.reverted;
      expect((await f.plasma.queueOf(ETH))[0]).to.equal(60n);
      const paid: bigint[] = [];
      const gas: bigint[] = [];
      for (;;) {
        const tx = await f.plasma.processExits(ETH, 25n, { gasLimit: limit });
        const receipt = await tx.wait();
        const events = receipt!.logs
          .map((l) => f.plasma.interface.parseLog(l))
          .filter((e) => e?.name === "ExitProcessed");
        if (events.length === 0) break;
        paid.push(...events.map((e) => e!.args.utxoPos as bigint));
        gas.push(receipt!.gasUsed);
      }
      expect(paid).to.deep.equal(positions);
      expect(gas.length).to.equal(3);
      for (const g of gas) expect(g).to.be.lessThan(limit);
    });

    it("is not re-entered by a token calling back while it is paid", async function () {
      const f = await load();
      const token = await (await ethers.getContractFactory("HostileToken")).deploy();
      const asset = await token.getAddress();
      await (await token.mint(f.alice.address, 100n)).wait();
      await (await token.connect(f.alice).approve(f.domain.verifyingContract, 100n)).wait();
      for (let i = 0; i < 2; i++) {
        await (await f.plasma.connect(f.alice).deposit(asset, 50n)).wait();
        const out: Transaction = {
          inputs: [],
          outputs: [{ owner: f.alice.address, token: asset, amount: 50n }],
        };
        await (
          await f.plasma
            .connect(f.alice)
            .startExit(utxoPos(BigInt(i + 1), 0, 0), out, [], { value: BOND })
        ).wait();
      }
      await time.increase(3n * MEP);
      const reenter = f.plasma.interface.encodeFunctionData("processExits", [asset, 10n]);
      await (await token.arm(f.domain.verifyingContract, reenter)).wait();
      await (await f.plasma.processExits(asset, 10n)).wait();
      expect(await token.lastCallSucceeded()).to.equal(false);
      // Each exit paid once: pushed, or owed when the callback outspent the push's gas cap.
      const received = await token.balanceOf(f.alice.address);
      expect(received + (await f.plasma.owed(f.alice.address, asset))).to.equal(100n);
    });

    it("owes a token exit the token refuses to deliver; its owner takes it elsewhere, the bond is paid", async function () {
      const f = await load();
      const { token, asset } = await hostileToken(f.alice, f.domain.verifyingContract, 70n);
      await (await f.plasma.connect(f.alice).deposit(asset, 70n)).wait();
      const out: Transaction = {
        inputs: [],
        outputs: [{ owner: f.alice.address, token: asset, amount: 70n }],
      };
      const pos = utxoPos(1n, 0, 0);
      await (await f.plasma.connect(f.alice).startExit(pos, out, [], { value: BOND })).wait();
      await (await token.setBlocked(f.alice.address, true)).wait();
      await time.increase(3n * MEP);
      const tx = f.plasma.processExits(asset, 10n);
      await expect(tx)
        .to.emit(f.plasma, "PayoutDeferred")
        .withArgs(ethers.toBeHex(pos, 32), asset, f.alice.address, 70n);
      await expect(tx).to.changeEtherBalance(f.alice, BOND);
      expect(await f.plasma.owed(f.alice.address, asset)).to.equal(70n);
      await expect(
        f.plasma.connect(f.alice).withdraw(asset, f.carol.address),
      ).to.changeTokenBalance(token, f.carol, 70n);
      await expect(f.plasma.connect(f.alice).withdraw(asset, f.carol.address))
        .to.be.revertedWithCustomError(f.plasma, "NothingOwed")
        .withArgs(f.alice.address, asset);
    });

    it("cannot be re-entered at any entry point from inside a token transfer", async function () {
      const f = await load();
      const { token, asset } = await hostileToken(f.alice, f.domain.verifyingContract, 100n);
      const d = await depositETH(f);
      const p = f.plasma.interface;
      await expectReentriesRefused(
        token,
        f.domain.verifyingContract,
        {
          deposit: p.encodeFunctionData("deposit", [asset, 1n]),
          startExit: p.encodeFunctionData("startExit", [d.pos, d.tx, []]),
          challengeExit: p.encodeFunctionData("challengeExit", [d.pos, d.tx, 0n, "0x"]),
          processExits: p.encodeFunctionData("processExits", [ETH, 1n]),
          releaseOperatorBond: p.encodeFunctionData("releaseOperatorBond"),
          withdraw: p.encodeFunctionData("withdraw", [ETH, f.alice.address]),
        },
        () => f.plasma.connect(f.alice).deposit(asset, 10n),
      );
    });

    it("owes a receiver that burns gas and still pays every exit of the call", async function () {
      const f = await load();
      const a = await depositETH(f);
      const b = await depositETH(f);
      for (const d of [a, b]) {
        await (await f.plasma.connect(f.alice).startExit(d.pos, d.tx, [], { value: BOND })).wait();
      }
      // alice's account becomes a contract that burns all gas (an EIP-7702-style wallet).
      restore = await makeHostile(f.alice.address, true);
      await time.increase(3n * MEP);
      const tx = await f.plasma.processExits(ETH, 10n);
      const receipt = await tx.wait();
      expect(receipt!.gasUsed).to.be.lessThan(300_000n);
      expect(await f.plasma.owed(f.alice.address, ETH)).to.equal(2n * (ONE + BOND));
      await expect(f.plasma.connect(f.alice).withdraw(ETH, f.carol.address)).to.changeEtherBalance(
        f.carol,
        2n * (ONE + BOND),
      );
    });
  });
});
