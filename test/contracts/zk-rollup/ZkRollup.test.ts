import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { deployBaseline, deployZkRollup } from "../../../deploy";
import { buildBatch, ZkState } from "../../../operator/zk/batch";
import { circuitShape } from "../../../operator/zk/circuits";
import { ZkKey } from "../../../operator/zk/keys";
import { proveBatch } from "../../../operator/zk/prover";
import { DEPOSIT_CREATE, DEPOSIT_CREDIT, pubdataBytes } from "../../../operator/zk/protocol";
import { BatchSubmitter } from "../../../operator/zk/submitter";
import { REPO_ROOT } from "../../../operator/zk/setup/compile";
import { expectReentriesRefused, hostileToken } from "../../helpers/reentrancy";

const BUILD = path.join(REPO_ROOT, "circuits", "build");
const CIRCUIT = {
  wasm: path.join(BUILD, "rollup-test", "rollup-test_js", "rollup-test.wasm"),
  zkey: path.join(BUILD, "rollup-test", "rollup-test.zkey"),
};
const SHAPE = circuitShape("test");
const SHAPE_ID = 0;
const DEADLINE = 3600;
const ETH = 0;
const E18 = 10n ** 18n;

const aliceKey = ZkKey.fromSeed("alice's rollup key, for tests");
const bobKey = ZkKey.fromSeed("bob's rollup key, for tests..");
const opKey = ZkKey.fromSeed("operator's rollup key, for tests");

async function fixture() {
  const [owner, alice, bob, mallory] = await ethers.getSigners();
  const { rollup } = await deployZkRollup(hre, {
    circuits: ["test"],
    depositDeadline: DEADLINE,
    zkBuildDir: BUILD,
  });
  const { token } = await deployBaseline(hre);
  await rollup.registerToken(await token.getAddress());
  return { rollup, token, owner, alice, bob, mallory };
}

/** Alice (1) and Bob (2) hold ETH on L2, the operator's fee account is 3; one batch verified. */
async function fundedFixture() {
  const f = await fixture();
  const { rollup, alice, bob, owner } = f;
  await rollup.connect(alice).depositETH(0, aliceKey.ax, aliceKey.ay, { value: E18 });
  await rollup.connect(bob).depositETH(0, bobKey.ax, bobKey.ay, { value: E18 / 2n });
  const h = await new BatchSubmitter(rollup, SHAPE, SHAPE_ID, CIRCUIT).init();
  await h.submit([]);
  await rollup.connect(owner).depositETH(0, opKey.ax, opKey.ay, { value: 0 });
  await h.submit([]);
  return { ...f, snapshot: h };
}

/** Moves time past the expiry of the oldest unprocessed queue entry (exodus is then due). */
async function pastExpiry(rollup: Awaited<ReturnType<typeof fixture>>["rollup"]): Promise<bigint> {
  const next = (await rollup.depositsProcessed()) + 1n;
  await time.setNextBlockTimestamp((await rollup.queuedDeposit(next)).expiresAt + 1n);
  return next;
}

/** The funded fixture with a fresh copy of its tracked L2 state. */
async function funded() {
  const f = await loadFixture(fundedFixture);
  return { ...f, h: f.snapshot.clone() };
}

describe("ZkRollup (contract, with real Groth16 proofs of the test circuit)", function () {
  it("starts at the empty tree's root, with its domain and ETH as token 0", async function () {
    const { rollup } = await loadFixture(fixture);
    expect(await rollup.stateRoot()).to.equal(new ZkState(SHAPE.levels).root);
    expect(await rollup.tokenAddress(0)).to.equal(ethers.ZeroAddress);
    expect(await rollup.levels()).to.equal(BigInt(SHAPE.levels));
    const { chainId } = await ethers.provider.getNetwork();
    const { rollupDomain } = await import("../../../operator/zk/protocol");
    expect(await rollup.domain()).to.equal(rollupDomain(chainId, await rollup.getAddress()));
  });

  it("deposits -> transfer -> withdraw -> claim, end to end with real proofs", async function () {
    const { rollup, alice, h } = await funded();
    expect(await rollup.stateRoot()).to.equal(h.state.root);
    expect(await rollup.depositsProcessed()).to.equal(3n);

    const pay = aliceKey.sign(h.domain, {
      from: 1n,
      to: 2n,
      token: ETH,
      nonce: 0n,
      amount: E18 / 10n,
      fee: 10n ** 15n,
    });
    const out = aliceKey.sign(h.domain, {
      from: 1n,
      to: 0n,
      token: ETH,
      nonce: 1n,
      amount: E18 / 5n,
      fee: 10n ** 15n,
    });
    const { receipt } = await h.submit([pay, out], [3n]);
    expect(receipt.gasUsed).to.be.greaterThan(0n);
    expect(await rollup.stateRoot()).to.equal(h.state.root);
    expect(h.state.account(2n)?.balance).to.equal(E18 / 2n + E18 / 10n);
    expect(h.state.account(3n)?.balance).to.equal(2n * 10n ** 15n);

    // The withdrawal is claimable at once by the account's owner.
    expect(await rollup.pendingWithdrawals(alice.address, ETH)).to.equal(E18 / 5n);
    await expect(rollup.connect(alice).withdraw(ETH)).to.changeEtherBalances(
      [alice, rollup],
      [E18 / 5n, -(E18 / 5n)],
    );
    await expect(rollup.connect(alice).withdraw(ETH))
      .to.be.revertedWithCustomError(rollup, "ZkRollupNothingToWithdraw")
      .withArgs(alice.address, ETH);
  });

  it("rebuilds the state from L1 data alone (events and calldata)", async function () {
    const { rollup, bob, h } = await funded();
    const pay = aliceKey.sign(h.domain, {
      from: 1n,
      to: 2n,
      token: ETH,
      nonce: 0n,
      amount: E18 / 10n,
      fee: 10n ** 15n,
    });
    const out = bobKey.sign(h.domain, {
      from: 2n,
      to: 0n,
      token: ETH,
      nonce: 0n,
      amount: E18 / 4n,
      fee: 0n,
    });
    await rollup.connect(bob).depositETH(2, 0, 0, { value: 7n });
    await h.submit([pay, out], [3n]);
    await rollup.connect(bob).depositETH(2, 0, 0, { value: 9n }); // still queued
    const { rebuildFromL1 } = await import("../../../operator/zk/reconstruct");
    const rebuilt = await rebuildFromL1({
      provider: ethers.provider,
      rollup: await rollup.getAddress(),
      levels: SHAPE.levels,
      domain: h.domain,
      shapes: { [SHAPE_ID]: SHAPE },
    });
    expect(rebuilt.state.root).to.equal(await rollup.stateRoot());
    expect(rebuilt.batches).to.have.length(3);
    for (const i of [1n, 2n, 3n])
      expect(rebuilt.state.account(i)).to.deep.equal(h.state.account(i));
    expect(rebuilt.pending.map((d) => d.amount)).to.deep.equal([9n]);
  });

  it("rejects a batch from a non-operator, a tampered pubdata, a replay and a wrong shape", async function () {
    const { rollup, mallory, h } = await funded();
    const tx = aliceKey.sign(h.domain, {
      from: 1n,
      to: 2n,
      token: ETH,
      nonce: 0n,
      amount: 1000n,
      fee: 0n,
    });
    const batch = buildBatch(h.state, SHAPE, h.domain, {
      deposits: [],
      txs: [tx],
      feeAccounts: [],
    });
    const proof = await proveBatch(CIRCUIT, batch.circuitInput);
    await expect(
      rollup
        .connect(mallory)
        .submitBatch(SHAPE_ID, batch.newRoot, 0, batch.pubdata, proof.calldata),
    )
      .to.be.revertedWithCustomError(rollup, "ZkRollupNotOperator")
      .withArgs(mallory.address);
    const tampered = Uint8Array.from(batch.pubdata);
    tampered[3] ^= 1; // the amount of the transfer
    await expect(rollup.submitBatch(SHAPE_ID, batch.newRoot, 0, tampered, proof.calldata))
      .to.be.revertedWithCustomError(rollup, "ZkRollupInvalidProof")
      .withArgs(3n);
    await expect(rollup.submitBatch(SHAPE_ID, batch.newRoot + 1n, 0, batch.pubdata, proof.calldata))
      .to.be.revertedWithCustomError(rollup, "ZkRollupInvalidProof")
      .withArgs(3n);
    await expect(rollup.submitBatch(SHAPE_ID, batch.newRoot, 1, batch.pubdata, proof.calldata))
      .to.be.revertedWithCustomError(rollup, "ZkRollupTooManyDeposits")
      .withArgs(1n, 0n);
    await expect(rollup.submitBatch(7, batch.newRoot, 0, batch.pubdata, proof.calldata))
      .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownShape")
      .withArgs(7n);
    await expect(
      rollup.submitBatch(SHAPE_ID, batch.newRoot, 0, batch.pubdata.slice(1), proof.calldata),
    )
      .to.be.revertedWithCustomError(rollup, "ZkRollupBadPubdataLength")
      .withArgs(BigInt(batch.pubdata.length), BigInt(batch.pubdata.length - 1));

    await rollup.submitBatch(SHAPE_ID, batch.newRoot, 0, batch.pubdata, proof.calldata);
    expect(await rollup.stateRoot()).to.equal(batch.newRoot);
    // The same proof again: its old root is no longer the current root.
    await expect(rollup.submitBatch(SHAPE_ID, batch.newRoot, 0, batch.pubdata, proof.calldata))
      .to.be.revertedWithCustomError(rollup, "ZkRollupInvalidProof")
      .withArgs(4n);
  });

  it("takes batches only as their sender's own transaction from an account with no code (no contract, no EIP-7702 delegation)", async function () {
    // Reconstruction reads pubdata from the batch transaction's calldata; the independent attack
    // on issue 20 hid it in an inner call of a 7702-delegated operator, and zk rebuild and zk exit
    // failed for everyone.
    const { rollup, owner, h } = await funded();
    const batch = buildBatch(h.state, SHAPE, h.domain, { deposits: [], txs: [], feeAccounts: [] });
    const proof = await proveBatch(CIRCUIT, batch.circuitInput);
    const submit = rollup.interface.encodeFunctionData("submitBatch", [
      SHAPE_ID,
      batch.newRoot,
      0,
      batch.pubdata,
      proof.calldata,
    ]);
    const forwarder = await (await ethers.getContractFactory("CallForwarder")).deploy();
    const rollupAddress = await rollup.getAddress();
    // A contract registered as operator.
    await rollup.setOperator(await forwarder.getAddress(), true);
    await expect(forwarder.forward(rollupAddress, submit))
      .to.be.revertedWithCustomError(rollup, "ZkRollupSubmitterNotEoa")
      .withArgs(await forwarder.getAddress());
    // An operator EOA delegating to the forwarder, calling submitBatch from inside its own
    // type-4 transaction (msg.sender is the operator, tx.origin too, but it has code).
    const op = ethers.Wallet.createRandom().connect(ethers.provider);
    await owner.sendTransaction({ to: op.address, value: E18 });
    await rollup.setOperator(op.address, true);
    const { chainId } = await ethers.provider.getNetwork();
    const auth = await op.authorize({
      address: await forwarder.getAddress(),
      nonce: (await op.getNonce()) + 1,
      chainId,
    });
    const delegated = op.sendTransaction({
      type: 4,
      to: op.address,
      data: forwarder.interface.encodeFunctionData("forward", [rollupAddress, submit]),
      authorizationList: [auth],
      gasLimit: 3_000_000,
    });
    await expect(delegated)
      .to.be.revertedWithCustomError(rollup, "ZkRollupSubmitterNotEoa")
      .withArgs(op.address);
    expect(await ethers.provider.getCode(op.address)).to.not.equal("0x");
    // Undelegated, the same key submits the batch directly, and L1 data alone rebuilds the state.
    const undo = await op.authorize({
      address: ethers.ZeroAddress,
      nonce: (await op.getNonce()) + 1,
      chainId,
    });
    await (await op.sendTransaction({ type: 4, to: op.address, authorizationList: [undo] })).wait();
    expect(await ethers.provider.getCode(op.address)).to.equal("0x");
    await rollup.connect(op).submitBatch(SHAPE_ID, batch.newRoot, 0, batch.pubdata, proof.calldata);
    expect(await rollup.stateRoot()).to.equal(batch.newRoot);
  });

  it("takes only the canonical encoding of a batch's calldata, which every decoder reads", async function () {
    // The second independent attack on issue 20: the operator left the padding of pubdata off
    // the calldata; Solidity's decoder accepted the batch, ethers' strict decoder (and so
    // zk rebuild and zk exit) failed on it.
    const { rollup, owner, h } = await funded();
    const batch = buildBatch(h.state, SHAPE, h.domain, { deposits: [], txs: [], feeAccounts: [] });
    const proof = await proveBatch(CIRCUIT, batch.circuitInput);
    const data = rollup.interface.encodeFunctionData("submitBatch", [
      SHAPE_ID,
      batch.newRoot,
      0,
      batch.pubdata,
      proof.calldata,
    ]);
    const padding = (32 - (batch.pubdata.length % 32)) % 32;
    expect(padding).to.be.greaterThan(0);
    const unpadded = data.slice(0, data.length - 2 * padding);
    const dirtyPadding = `${data.slice(0, -2)}01`;
    const trailing = `${data}00`;
    const { submittedPubdata } = await import("../../../operator/zk/reconstruct");
    // What a loose decoder reads from the unpadded form is the pubdata itself.
    expect(submittedPubdata(unpadded)).to.equal(ethers.hexlify(batch.pubdata));
    const to = await rollup.getAddress();
    for (const bad of [unpadded, dirtyPadding, trailing]) {
      await expect(owner.sendTransaction({ to, data: bad })).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupNonCanonicalCalldata",
      );
    }
    await owner.sendTransaction({ to, data });
    expect(await rollup.stateRoot()).to.equal(batch.newRoot);
  });

  it("a fee account created by the batch's own deposit: the contract accepts it, and L1 data alone rebuilds it", async function () {
    // The independent attack on issue 20: the circuit reads fee accounts after the deposit slots,
    // the TypeScript builder read them before, so such a batch made zk rebuild and zk exit fail.
    const { rollup, owner, h } = await funded();
    await rollup.connect(owner).depositETH(0, opKey.ax, opKey.ay, { value: 0 });
    const pay = aliceKey.sign(h.domain, {
      from: 1n,
      to: 2n,
      token: ETH,
      nonce: 0n,
      amount: 1000n,
      fee: 10n,
    });
    await h.submit([pay], [4n]);
    expect(h.state.account(4n)?.balance).to.equal(10n);
    const { rebuildFromL1 } = await import("../../../operator/zk/reconstruct");
    const rebuilt = await rebuildFromL1({
      provider: ethers.provider,
      rollup: rollup.target as string,
      levels: SHAPE.levels,
      domain: h.domain,
      shapes: { [SHAPE_ID]: SHAPE },
    });
    expect(rebuilt.state.root).to.equal(await rollup.stateRoot());
    expect(rebuilt.state.account(4n)?.balance).to.equal(10n);
  });

  it("refunds a deposit the circuit could not apply", async function () {
    const { rollup, bob, h } = await funded();
    // Credit deposits are checked on L1 (account exists, same token); a balance overflow is only
    // visible on L2, so the circuit turns it into a no-op and the contract refunds it.
    const max = 2n ** 128n - 1n;
    await ethers.provider.send("hardhat_setBalance", [bob.address, ethers.toBeHex(max + E18)]);
    await rollup.connect(bob).depositETH(2, 0, 0, { value: max });
    await h.submit([]);
    // Bob's first credit fits: 0.5 ETH + (2^128 - 1) overflows, so it was refunded.
    expect(await rollup.depositRefunded(4)).to.equal(true);
    expect(await rollup.pendingWithdrawals(bob.address, ETH)).to.equal(max);
    expect(h.state.account(2n)?.balance).to.equal(E18 / 2n);
  });

  describe("deposits", function () {
    it("assign fresh account indices and extend the hash chain as the circuit does", async function () {
      const { rollup, alice } = await loadFixture(fixture);
      await expect(rollup.connect(alice).depositETH(0, aliceKey.ax, aliceKey.ay, { value: 5n }))
        .to.emit(rollup, "DepositQueued")
        .withArgs(
          1n,
          1n,
          DEPOSIT_CREATE,
          ETH,
          5n,
          aliceKey.ax,
          aliceKey.ay,
          alice.address,
          (v: bigint) => v > 0n,
        );
      const { depositChainNext } = await import("../../../operator/zk/protocol");
      const expected = depositChainNext(0n, {
        kind: DEPOSIT_CREATE,
        to: 1n,
        token: ETH,
        amount: 5n,
        ax: aliceKey.ax,
        ay: aliceKey.ay,
      });
      expect(await rollup.depositChain(1)).to.equal(expected);
      expect((await rollup.accountInfo(1)).owner).to.equal(alice.address);
      await rollup.connect(alice).depositETH(1, 0, 0, { value: 7n });
      expect(await rollup.depositChain(2)).to.equal(
        depositChainNext(expected, {
          kind: DEPOSIT_CREDIT,
          to: 1n,
          token: ETH,
          amount: 7n,
          ax: 0n,
          ay: 0n,
        }),
      );
    });

    it("take ERC-20s, including tokens that return nothing", async function () {
      const { rollup, token, owner, alice } = await loadFixture(fixture);
      await token.mint(alice.address, 1000n);
      await token.connect(alice).approve(await rollup.getAddress(), 1000n);
      await rollup.connect(alice).depositERC20(1, 600n, 0, aliceKey.ax, aliceKey.ay);
      expect(await token.balanceOf(await rollup.getAddress())).to.equal(600n);
      const odd = await (await ethers.getContractFactory("NoReturnToken")).deploy();
      await rollup.registerToken(await odd.getAddress());
      await odd.mint(owner.address, 50n);
      await odd.approve(await rollup.getAddress(), 50n);
      await rollup.depositERC20(2, 50n, 0, aliceKey.ax, aliceKey.ay);
      expect(await odd.balanceOf(await rollup.getAddress())).to.equal(50n);
    });

    it("credit a fee-on-transfer token what arrived, never what was asked, and refund that", async function () {
      const { rollup, alice } = await loadFixture(fixture);
      const fot = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy();
      await rollup.registerToken(await fot.getAddress());
      await fot.mint(alice.address, 10_000n);
      await fot.connect(alice).approve(await rollup.getAddress(), 10_000n);
      // 1% of every transfer is burnt: 1,000 asked, 990 arrive, 990 queued.
      await expect(rollup.connect(alice).depositERC20(2, 1000n, 0, aliceKey.ax, aliceKey.ay))
        .to.emit(rollup, "DepositQueued")
        .withArgs(
          1n,
          1n,
          DEPOSIT_CREATE,
          2n,
          990n,
          aliceKey.ax,
          aliceKey.ay,
          alice.address,
          anyValue,
        );
      expect((await rollup.queuedDeposit(1)).amount).to.equal(990n);
      expect(await fot.balanceOf(await rollup.getAddress())).to.equal(990n);
      // Exodus refunds what was credited: the rollup can pay it (the outgoing fee is the payee's).
      await rollup.activateExodus(await pastExpiry(rollup));
      await rollup.refundDeposit(1);
      expect(await rollup.pendingWithdrawals(alice.address, 2)).to.equal(990n);
      await rollup.connect(alice).withdraw(2);
      expect(await fot.balanceOf(await rollup.getAddress())).to.equal(0n);
    });

    it("refuse what the circuit could not take, with the reason", async function () {
      const { rollup, alice } = await loadFixture(fixture);
      const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
      await expect(rollup.depositETH(0, 0, 1, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadPublicKey")
        .withArgs(0n, 1n);
      await expect(rollup.depositETH(0, P, 1, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadPublicKey")
        .withArgs(P, 1n);
      await expect(rollup.depositETH(0, 1, 0, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadPublicKey")
        .withArgs(1n, 0n);
      await expect(rollup.depositETH(0, 1, P, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadPublicKey")
        .withArgs(1n, P);
      await expect(rollup.depositETH(9, 0, 0, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownAccount")
        .withArgs(9n);
      await rollup.connect(alice).depositETH(0, aliceKey.ax, aliceKey.ay, { value: 1 });
      await expect(rollup.depositETH(1, 0, 0, { value: 0 })).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupZeroDeposit",
      );
      await expect(rollup.depositERC20(1, 0, 1, 0, 0))
        .to.be.revertedWithCustomError(rollup, "ZkRollupTokenMismatch")
        .withArgs(1n, 0n, 1n);
      await expect(rollup.depositERC20(9, 1, 0, aliceKey.ax, aliceKey.ay))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownToken")
        .withArgs(9n);
      // ETH (token 0) only comes in through depositETH, with its value.
      await expect(rollup.depositERC20(ETH, 1, 0, aliceKey.ax, aliceKey.ay))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownToken")
        .withArgs(0n);
      await ethers.provider.send("hardhat_setBalance", [alice.address, ethers.toBeHex(2n ** 129n)]);
      await expect(rollup.connect(alice).depositETH(1, 0, 0, { value: 2n ** 128n }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupAmountTooLarge")
        .withArgs(2n ** 128n);
    });

    it("record each queued deposit: depositor, token, amount and time", async function () {
      const { rollup, token, alice } = await loadFixture(fixture);
      await token.mint(alice.address, 600n);
      await token.connect(alice).approve(await rollup.getAddress(), 600n);
      await rollup.connect(alice).depositERC20(1, 600n, 0, aliceKey.ax, aliceKey.ay);
      const queued = await rollup.queuedDeposit(1);
      expect(queued.depositor).to.equal(alice.address);
      expect(queued.token).to.equal(1n);
      expect(queued.amount).to.equal(600n);
      expect(queued.queuedAt).to.equal(BigInt(await time.latest()));
      expect((await rollup.queuedDeposit(2)).depositor).to.equal(ethers.ZeroAddress);
    });

    it("cannot be re-entered from inside a token transfer, to deposit or withdraw again", async function () {
      const { rollup, alice } = await loadFixture(fixture);
      const { token, asset } = await hostileToken(alice, await rollup.getAddress(), 1000n);
      await rollup.registerToken(asset);
      const tokenId = (await rollup.tokenCount()) - 1n;
      const r = rollup.interface;
      await expectReentriesRefused(
        token,
        await rollup.getAddress(),
        {
          depositERC20: r.encodeFunctionData("depositERC20", [
            tokenId,
            1n,
            0n,
            aliceKey.ax,
            aliceKey.ay,
          ]),
          withdraw: r.encodeFunctionData("withdraw", [tokenId]),
        },
        () => rollup.connect(alice).depositERC20(tokenId, 500n, 0, aliceKey.ax, aliceKey.ay),
      );
      expect(await rollup.depositCount()).to.equal(2n);
      expect((await rollup.queuedDeposit(2)).amount).to.equal(500n);
    });

    it("are taken by a batch at most as many as the shape has slots, and only those queued", async function () {
      const { rollup } = await loadFixture(fixture);
      const pubdata = new Uint8Array(pubdataBytes(SHAPE));
      const proof = Array<bigint>(8).fill(0n);
      await rollup.depositETH(0, aliceKey.ax, aliceKey.ay, { value: 1 });
      // One queued: taking two is asking for more than is available.
      await expect(rollup.submitBatch(SHAPE_ID, 0, 2, pubdata, proof))
        .to.be.revertedWithCustomError(rollup, "ZkRollupTooManyDeposits")
        .withArgs(2n, 1n);
      for (let i = 0; i < SHAPE.depositSlots; i++)
        await rollup.depositETH(0, aliceKey.ax, aliceKey.ay, { value: 1 });
      // More queued than slots: the shape is the limit.
      const over = BigInt(SHAPE.depositSlots + 1);
      await expect(rollup.submitBatch(SHAPE_ID, 0, over, pubdata, proof))
        .to.be.revertedWithCustomError(rollup, "ZkRollupTooManyDeposits")
        .withArgs(over, BigInt(SHAPE.depositSlots));
    });

    it("stop when the queue is full, until a batch takes deposits; a forced exit is never refused for it", async function () {
      const { rollup, alice, bob, h } = await funded();
      const max = await rollup.MAX_PENDING_DEPOSITS();
      for (let i = 0n; i < max - 1n; i++) await rollup.depositETH(1, 0, 0, { value: 1 });
      await rollup.connect(alice).forceExit(1);
      await expect(rollup.depositETH(1, 0, 0, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupQueueFull")
        .withArgs(max);
      // A full queue never keeps a user from asking to leave (the independent attack on issue 20
      // kept the queue full of 1-wei credits so that forceExit always reverted).
      await expect(rollup.connect(bob).forceExit(2)).to.emit(rollup, "ForcedExitRequested");
      expect(await rollup.depositCount()).to.equal(3n + max + 1n);
      await h.submit([]);
      await rollup.depositETH(1, 0, 0, { value: 1 });
    });

    it("stop when the tree is full", async function () {
      const { rollup } = await loadFixture(fixture);
      const capacity = await rollup.capacity();
      for (let i = 1n; i < capacity; i++)
        await rollup.depositETH(0, aliceKey.ax, aliceKey.ay, { value: 1 });
      await expect(rollup.depositETH(0, aliceKey.ax, aliceKey.ay, { value: 1 }))
        .to.be.revertedWithCustomError(rollup, "ZkRollupTreeFull")
        .withArgs(capacity);
    });
  });

  describe("forced exits", function () {
    it("are queued only by the account's owner, one at a time, never in exodus", async function () {
      const { rollup, alice, mallory, h } = await funded();
      await expect(rollup.connect(alice).forceExit(0))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownAccount")
        .withArgs(0n);
      await expect(rollup.connect(alice).forceExit(4))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownAccount")
        .withArgs(4n);
      await expect(rollup.connect(mallory).forceExit(1))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotAccountOwner")
        .withArgs(1n, mallory.address);
      const chainBefore = await rollup.depositChain(3);
      const { depositChainNext, FORCED_EXIT } = await import("../../../operator/zk/protocol");
      const chain = depositChainNext(chainBefore, {
        kind: FORCED_EXIT,
        to: 1n,
        token: ETH,
        amount: 0n,
        ax: 0n,
        ay: 0n,
      });
      await expect(rollup.connect(alice).forceExit(1))
        .to.emit(rollup, "ForcedExitRequested")
        .withArgs(4n, 1n, alice.address)
        .and.to.emit(rollup, "DepositQueued")
        .withArgs(4n, 1n, FORCED_EXIT, ETH, 0n, 0n, 0n, alice.address, chain);
      expect(await rollup.pendingForcedExit(1)).to.equal(4n);
      expect((await rollup.queuedDeposit(4)).kind).to.equal(BigInt(FORCED_EXIT));
      await expect(rollup.connect(alice).forceExit(1))
        .to.be.revertedWithCustomError(rollup, "ZkRollupExitPending")
        .withArgs(1n, 4n);
      expect(h.state.account(1n)?.balance).to.equal(E18);
      await rollup.activateExodus(await pastExpiry(rollup));
      await expect(rollup.connect(alice).forceExit(1)).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupExodus",
      );
    });

    it("a batch pays the whole balance to the owner, proven; a forged amount does not verify", async function () {
      const { rollup, alice, bob, h } = await funded();
      await rollup.connect(alice).forceExit(1);
      await rollup.connect(bob).depositETH(2, 0, 0, { value: 7n });
      await h.syncDeposits();
      const batch = buildBatch(h.state, SHAPE, h.domain, {
        deposits: h.queue,
        txs: [],
        feeAccounts: [],
      });
      expect(batch.exitAmounts).to.deep.equal([E18, 0n]);
      expect(batch.depositApplied).to.deep.equal([true, true]);
      const proof = await proveBatch(CIRCUIT, batch.circuitInput);
      // The operator cannot pay the owner less (or more) than the proven balance.
      const { pubdataLayout } = await import("../../../operator/zk/protocol");
      const at = pubdataLayout(SHAPE).exitsAt;
      for (const forged of [E18 - 1n, E18 + 1n, 0n]) {
        const tampered = Uint8Array.from(batch.pubdata);
        tampered.set(ethers.getBytes(ethers.toBeHex(forged, 16)), at);
        await expect(rollup.submitBatch(SHAPE_ID, batch.newRoot, 2, tampered, proof.calldata))
          .to.be.revertedWithCustomError(rollup, "ZkRollupInvalidProof")
          .withArgs(3n);
      }
      await expect(rollup.submitBatch(SHAPE_ID, batch.newRoot, 2, batch.pubdata, proof.calldata))
        .to.emit(rollup, "ForcedExitCredited")
        .withArgs(3n, 4n, 1n, alice.address, ETH, E18);
      expect(await rollup.pendingForcedExit(1)).to.equal(0n);
      expect(await rollup.pendingWithdrawals(alice.address, ETH)).to.equal(E18);
      expect(await rollup.depositRefunded(4)).to.equal(false);
      expect(batch.state.account(1n)?.balance).to.equal(0n);
      expect(batch.state.account(2n)?.balance).to.equal(E18 / 2n + 7n);
      await expect(rollup.connect(alice).withdraw(ETH)).to.changeEtherBalance(alice, E18);
      // The account stays usable: a second request pays its (now empty) balance, 0.
      await rollup.connect(alice).forceExit(1);
      h.state = batch.state;
      h.queue = [];
      const { receipt } = await h.submit([]);
      const credited = receipt.logs
        .map((l) => rollup.interface.parseLog(l))
        .find((e) => e?.name === "ForcedExitCredited");
      expect([...credited!.args]).to.deep.equal([4n, 6n, 1n, alice.address, BigInt(ETH), 0n]);
    });

    it("one left unprocessed past the deadline starts exodus; it is not refundable, the account exits", async function () {
      const { rollup, alice, h } = await funded();
      await rollup.connect(alice).forceExit(1);
      const { queuedAt, expiresAt } = await rollup.queuedDeposit(4);
      await time.setNextBlockTimestamp(expiresAt);
      await expect(rollup.activateExodus(4)).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupDeadlineNotReached",
      );
      await expect(rollup.activateExodus(4))
        .to.emit(rollup, "ExodusActivated")
        .withArgs(4n, queuedAt, h.state.root);
      await expect(rollup.refundDeposit(4))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotRefundable")
        .withArgs(4n);
      const a = h.state.account(1n)!;
      const siblings = h.state.tree.proof(1n).siblings as [bigint, bigint, bigint, bigint][];
      await expect(rollup.exodusWithdraw(1, a.nonce, a.balance, a.ax, a.ay, siblings))
        .to.emit(rollup, "ExodusWithdrawal")
        .withArgs(1n, alice.address, ETH, E18);
    });
  });

  describe("exodus", function () {
    it("cannot start before a deposit waited past the deadline, then pays every account once", async function () {
      const { rollup, alice, bob, h } = await funded();
      // Nothing waits: entry 4 does not exist yet, and entry 3 was processed.
      for (const entry of [3, 4])
        await expect(rollup.activateExodus(entry)).to.be.revertedWithCustomError(
          rollup,
          "ZkRollupDeadlineNotReached",
        );
      // A deposit the operator ignores.
      await rollup.connect(bob).depositETH(2, 0, 0, { value: 123n });
      const { queuedAt, expiresAt: deadline } = await rollup.queuedDeposit(4);
      expect(queuedAt).to.equal(BigInt(await time.latest()));
      expect(deadline).to.be.at.least(queuedAt + BigInt(DEADLINE));
      // INVARIANT under test: never at the deadline itself, only after it.
      await time.setNextBlockTimestamp(deadline);
      await expect(rollup.activateExodus(4))
        .to.be.revertedWithCustomError(rollup, "ZkRollupDeadlineNotReached")
        .withArgs(deadline, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(rollup.activateExodus(4))
        .to.emit(rollup, "ExodusActivated")
        .withArgs(4n, queuedAt, h.state.root);

      // No more deposits or batches.
      await expect(rollup.depositETH(1, 0, 0, { value: 1 })).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupExodus",
      );
      await expect(
        rollup.submitBatch(SHAPE_ID, 0, 0, "0x", Array(8).fill(0n)),
      ).to.be.revertedWithCustomError(rollup, "ZkRollupExodus");

      // Alice exits with a proof from the last verified state.
      const a = h.state.account(1n)!;
      const proof = h.state.tree.proof(1n);
      const siblings = proof.siblings as [bigint, bigint, bigint, bigint][];
      await expect(rollup.exodusWithdraw(1, a.nonce, a.balance + 1n, a.ax, a.ay, siblings))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadExodusProof")
        .withArgs(1n);
      await expect(rollup.exodusWithdraw(1, a.nonce, a.balance, a.ax, a.ay, siblings))
        .to.emit(rollup, "ExodusWithdrawal")
        .withArgs(1n, alice.address, ETH, a.balance);
      await expect(rollup.exodusWithdraw(1, a.nonce, a.balance, a.ax, a.ay, siblings))
        .to.be.revertedWithCustomError(rollup, "ZkRollupAlreadyExited")
        .withArgs(1n);
      await expect(rollup.connect(alice).withdraw(ETH)).to.changeEtherBalance(alice, a.balance);

      // Bob's unprocessed deposit is refunded, once.
      await rollup.refundDeposit(4);
      await expect(rollup.refundDeposit(4))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotRefundable")
        .withArgs(4n);
      await expect(rollup.refundDeposit(3))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotRefundable")
        .withArgs(3n);
      expect(await rollup.pendingWithdrawals(bob.address, ETH)).to.equal(123n);
    });

    it("staggers expiries: a flood of queue entries gives the operator queueSpacing per entry, so it cannot force exodus", async function () {
      const { rollup, mallory, h } = await funded();
      const spacing = await rollup.queueSpacing();
      expect(spacing).to.equal(60n);
      // Mallory floods the queue with zero-amount account creations in one block.
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        for (let i = 0; i < 6; i++)
          await rollup.connect(mallory).depositETH(0, aliceKey.ax, aliceKey.ay, { value: 0 });
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const entries = await Promise.all([4, 5, 6, 7, 8, 9].map((n) => rollup.queuedDeposit(n)));
      expect(new Set(entries.map((e) => e.queuedAt)).size).to.equal(1);
      // Entry 4 has nothing waiting ahead (the fixture's three were processed): exactly the
      // deadline, however busy the queue was before. Each later one gets a spacing per entry
      // waiting ahead of it.
      entries.forEach((e, i) =>
        expect(e.expiresAt).to.equal(e.queuedAt + BigInt(DEADLINE) + BigInt(i) * spacing),
      );
      // The operator takes two entries per batch on its way: once entry 4's deadline passes,
      // exodus is still not due while it keeps up at queueSpacing per entry.
      await time.setNextBlockTimestamp(entries[0].expiresAt - 1n);
      await h.submit([]);
      await time.setNextBlockTimestamp(entries[1].expiresAt + 1n);
      await expect(rollup.activateExodus(6))
        .to.be.revertedWithCustomError(rollup, "ZkRollupDeadlineNotReached")
        .withArgs(entries[2].expiresAt, entries[1].expiresAt + 1n);
      // An operator that stops is still caught: the next entry's expiry passes, exodus starts.
      await time.setNextBlockTimestamp(entries[2].expiresAt + 1n);
      await expect(rollup.activateExodus(6)).to.emit(rollup, "ExodusActivated");
    });

    it("a forced exit starts exodus at its own expiry, even behind an entry that expires later (no shield)", async function () {
      // The second independent attack on issue 20: a burst's last entry expires late; the
      // operator processes the rest and keeps that one as a shield in front of a forced exit
      // queued later, which expires sooner. Exodus used to look at the oldest entry only.
      const { rollup, alice, mallory, h } = await funded();
      const S = await rollup.queueSpacing();
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        for (let i = 0; i < 7; i++)
          await rollup.connect(mallory).depositETH(0, bobKey.ax, bobKey.ay, { value: 0 });
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const shield = await rollup.queuedDeposit(10);
      expect(shield.expiresAt).to.equal(shield.queuedAt + BigInt(DEADLINE) + 6n * S);
      for (let i = 0; i < 3; i++) await h.submit([]);
      expect(await rollup.depositsProcessed()).to.equal(9n);
      await rollup.connect(alice).forceExit(1);
      const mine = await rollup.queuedDeposit(11);
      expect(mine.expiresAt).to.equal(mine.queuedAt + BigInt(DEADLINE) + S);
      expect(mine.expiresAt).to.be.lessThan(shield.expiresAt);
      await time.setNextBlockTimestamp(mine.expiresAt);
      await expect(rollup.activateExodus(11))
        .to.be.revertedWithCustomError(rollup, "ZkRollupDeadlineNotReached")
        .withArgs(mine.expiresAt, mine.expiresAt);
      await time.setNextBlockTimestamp(mine.expiresAt + 1n);
      await expect(rollup.activateExodus(10))
        .to.be.revertedWithCustomError(rollup, "ZkRollupDeadlineNotReached")
        .withArgs(shield.expiresAt, mine.expiresAt + 1n);
      await expect(rollup.activateExodus(11))
        .to.emit(rollup, "ExodusActivated")
        .withArgs(11n, mine.queuedAt, h.state.root);
    });

    it("exits only existing accounts, with a proof of the tree's depth", async function () {
      const { rollup, bob, h } = await funded();
      await rollup.connect(bob).depositETH(2, 0, 0, { value: 1n });
      await rollup.activateExodus(await pastExpiry(rollup));
      const a = h.state.account(1n)!;
      const siblings = h.state.tree.proof(1n).siblings as [bigint, bigint, bigint, bigint][];
      await expect(rollup.exodusWithdraw(0, 0, 0, 0, 0, siblings))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownAccount")
        .withArgs(0n);
      await expect(rollup.exodusWithdraw(9, 0, 0, 0, 0, siblings))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownAccount")
        .withArgs(9n);
      await expect(rollup.exodusWithdraw(1, a.nonce, a.balance, a.ax, a.ay, siblings.slice(1)))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadExodusProof")
        .withArgs(1n);
      // Leaf fields the circuit could never have written: a balance over 128 bits, a nonce
      // over 40 bits.
      await expect(rollup.exodusWithdraw(1, a.nonce, 2n ** 128n, a.ax, a.ay, siblings))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadExodusProof")
        .withArgs(1n);
      await expect(rollup.exodusWithdraw(1, 2n ** 40n, a.balance, a.ax, a.ay, siblings))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadExodusProof")
        .withArgs(1n);
      await expect(rollup.activateExodus(1)).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupExodus",
      );
    });

    it("refunds an unprocessed ERC-20 deposit in its token, and only deposits that exist", async function () {
      const { rollup, token, alice } = await loadFixture(fixture);
      await token.mint(alice.address, 500n);
      await token.connect(alice).approve(await rollup.getAddress(), 500n);
      await rollup.connect(alice).depositERC20(1, 500n, 0, aliceKey.ax, aliceKey.ay);
      await rollup.activateExodus(await pastExpiry(rollup));
      await expect(rollup.refundDeposit(2))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotRefundable")
        .withArgs(2n);
      await expect(rollup.refundDeposit(1))
        .to.emit(rollup, "DepositRefunded")
        .withArgs(1n, alice.address, 1n, 500n);
      expect(await rollup.pendingWithdrawals(alice.address, ETH)).to.equal(0n);
      await expect(rollup.connect(alice).withdraw(1)).to.changeTokenBalances(
        token,
        [alice, rollup],
        [500n, -500n],
      );
      await expect(rollup.connect(alice).withdraw(1))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNothingToWithdraw")
        .withArgs(alice.address, 1n);
    });

    it("exits and refunds only in exodus mode", async function () {
      const { rollup } = await loadFixture(fixture);
      await expect(rollup.exodusWithdraw(1, 0, 0, 0, 0, [])).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupNotExodus",
      );
      await expect(rollup.refundDeposit(1)).to.be.revertedWithCustomError(
        rollup,
        "ZkRollupNotExodus",
      );
    });
  });

  describe("payouts and governance", function () {
    it("a reentrant receiver cannot withdraw twice", async function () {
      const { rollup, h } = await funded();
      const attacker = await (
        await ethers.getContractFactory("ReentrantWithdrawer")
      ).deploy(await rollup.getAddress());
      const key = ZkKey.fromSeed("the attacker's rollup key....");
      await attacker.open(key.ax, key.ay, { value: E18 });
      await h.submit([]);
      const out = key.sign(h.domain, {
        from: 4n,
        to: 0n,
        token: ETH,
        nonce: 0n,
        amount: E18 / 2n,
        fee: 0n,
      });
      await h.submit([out]);
      expect(await rollup.pendingWithdrawals(await attacker.getAddress(), ETH)).to.equal(E18 / 2n);
      // The payout's reentrant withdraw fails, so the whole payout reverts and nothing is lost.
      await expect(attacker.pull())
        .to.be.revertedWithCustomError(rollup, "ZkRollupEthTransferFailed")
        .withArgs(await attacker.getAddress(), E18 / 2n);
      expect(await rollup.pendingWithdrawals(await attacker.getAddress(), ETH)).to.equal(E18 / 2n);
    });

    it("refuses nonsensical construction parameters", async function () {
      const { rollup } = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("ZkRollup");
      const [owner] = await ethers.getSigners();
      const p4 = ethers.ZeroAddress;
      for (const levels of [0, 17]) {
        await expect(factory.deploy(owner.address, levels, 60, 1, p4, p4, p4))
          .to.be.revertedWithCustomError(rollup, "ZkRollupBadParameter")
          .withArgs("levels", BigInt(levels));
      }
      await expect(factory.deploy(owner.address, 2, 0, 0, p4, p4, p4))
        .to.be.revertedWithCustomError(rollup, "ZkRollupBadParameter")
        .withArgs("depositDeadline", 0n);
      for (const spacing of [0, 61]) {
        await expect(factory.deploy(owner.address, 2, 60, spacing, p4, p4, p4))
          .to.be.revertedWithCustomError(rollup, "ZkRollupBadParameter")
          .withArgs("queueSpacing", BigInt(spacing));
      }
    });

    it("only the owner registers shapes and operators; tokens are registered once", async function () {
      const { rollup, token, mallory } = await loadFixture(fixture);
      await expect(rollup.connect(mallory).setOperator(mallory.address, true))
        .to.be.revertedWithCustomError(rollup, "OwnableUnauthorizedAccount")
        .withArgs(mallory.address);
      const shape = {
        txSlots: 1,
        withdrawSlots: 1,
        depositSlots: 1,
        feeSlots: 1,
        verifier: mallory.address,
      };
      await expect(rollup.connect(mallory).registerShape(1, shape))
        .to.be.revertedWithCustomError(rollup, "OwnableUnauthorizedAccount")
        .withArgs(mallory.address);
      for (const bad of [
        { txSlots: 0 },
        { withdrawSlots: 0 },
        { depositSlots: 0 },
        { feeSlots: 0 },
        { verifier: ethers.ZeroAddress },
      ]) {
        await expect(
          rollup.registerShape(1, { ...shape, ...bad }),
          JSON.stringify(bad),
        ).to.be.revertedWithCustomError(rollup, "ZkRollupBadShape");
      }
      await expect(rollup.registerShape(1, shape))
        .to.emit(rollup, "ShapeRegistered")
        .withArgs(1n, 1n, 1n, 1n, 1n, mallory.address);
      await expect(rollup.setOperator(mallory.address, true))
        .to.emit(rollup, "OperatorSet")
        .withArgs(mallory.address, true);
      await expect(rollup.registerToken(await token.getAddress()))
        .to.be.revertedWithCustomError(rollup, "ZkRollupTokenRegistered")
        .withArgs(await token.getAddress(), 1n);
      await expect(rollup.registerToken(mallory.address))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotAToken")
        .withArgs(mallory.address);
      expect(await rollup.tokenIdOf(await token.getAddress())).to.equal(1n);
      expect(await rollup.tokenIdOf(ethers.ZeroAddress)).to.equal(0n);
      await expect(rollup.tokenIdOf(mallory.address))
        .to.be.revertedWithCustomError(rollup, "ZkRollupNotAToken")
        .withArgs(mallory.address);
      expect(await rollup.tokenCount()).to.equal(2n);
      await expect(rollup.tokenAddress(5))
        .to.be.revertedWithCustomError(rollup, "ZkRollupUnknownToken")
        .withArgs(5n);
    });
  });
});
