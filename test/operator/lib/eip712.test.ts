import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { keccak256, toUtf8Bytes, TypedDataEncoder, Wallet } from "ethers";
import { eip712Domain, parseStrictSignature, TypedMessage } from "../../../operator/lib/eip712";

type Note = { to: string; amount: bigint; nonce: bigint; data: string };
const NOTE = new TypedMessage<Note>("Note", [
  { name: "to", type: "address" },
  { name: "amount", type: "uint256" },
  { name: "nonce", type: "uint64" },
  { name: "data", type: "bytes" },
]);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function fixture() {
  const mock = await (await ethers.getContractFactory("Eip712Mock")).deploy("l2kit-test", "1");
  const { chainId } = await ethers.provider.getNetwork();
  const domain = eip712Domain("l2kit-test", "1", chainId, await mock.getAddress());
  const signer = Wallet.createRandom();
  const note: Note = {
    to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    amount: 10n ** 30n,
    nonce: 7n,
    data: "0xc0ffee",
  };
  return { mock, domain, signer, note };
}

describe("operator/lib/eip712 against OpenZeppelin EIP712 + ECDSA", function () {
  it("hashes the type, the domain and the message as the contract does", async function () {
    const { mock, domain, note } = await loadFixture(fixture);
    expect(keccak256(toUtf8Bytes(NOTE.typeString))).to.equal(await mock.NOTE_TYPEHASH());
    expect(TypedDataEncoder.hashDomain(domain)).to.equal(await mock.domainSeparator());
    expect(NOTE.digest(domain, note)).to.equal(await mock.hashNote(note));
  });

  it("signs messages the contract attributes to the signer", async function () {
    const { mock, domain, signer, note } = await loadFixture(fixture);
    const sig = await NOTE.sign(signer, domain, note);
    expect(await mock.recover(note, sig)).to.equal(signer.address);
    expect(NOTE.recover(domain, note, sig)).to.equal(signer.address);
    expect(NOTE.verify(domain, note, sig, signer.address)).to.equal(true);
    expect(
      NOTE.verify(domain, { ...note, amount: note.amount + 1n }, sig, signer.address),
    ).to.equal(false);
  });

  it("binds signatures to the chain and the contract", async function () {
    const { mock, domain, signer, note } = await loadFixture(fixture);
    const otherChain = await NOTE.sign(signer, { ...domain, chainId: domain.chainId + 1n }, note);
    const otherContract = await NOTE.sign(
      signer,
      eip712Domain("l2kit-test", "1", domain.chainId, signer.address),
      note,
    );
    for (const sig of [otherChain, otherContract]) {
      expect(await mock.recover(note, sig)).to.not.equal(signer.address);
      expect(NOTE.verify(domain, note, sig, signer.address)).to.equal(false);
    }
  });

  it("rejects a high-s (malleable) signature, as OpenZeppelin does", async function () {
    const { mock, domain, signer, note } = await loadFixture(fixture);
    const sig = ethers.Signature.from(await NOTE.sign(signer, domain, note));
    const highS = ethers.toBeHex(N - BigInt(sig.s), 32);
    const malleable = ethers.concat([sig.r, highS, sig.v === 27 ? "0x1c" : "0x1b"]);
    await expect(mock.recover(note, malleable))
      .to.be.revertedWithCustomError(mock, "ECDSAInvalidSignatureS")
      .withArgs(highS);
    expect(() => NOTE.recover(domain, note, malleable)).to.throw(/lower half/);
    expect(NOTE.verify(domain, note, malleable, signer.address)).to.equal(false);
  });

  it("rejects malformed signatures with the reason", function () {
    const good = `0x${"11".repeat(32)}${"22".repeat(32)}1b`;
    expect(parseStrictSignature(good).v).to.equal(27);
    expect(() => parseStrictSignature("0x1234")).to.throw(/65 bytes/);
    expect(() => parseStrictSignature(`${good}00`)).to.throw(/65 bytes/);
    expect(() => parseStrictSignature(`${good.slice(0, -2)}1d`)).to.throw(/v must be 27 or 28/);
    expect(() => parseStrictSignature(`0x${"00".repeat(32)}${"22".repeat(32)}1b`)).to.throw(
      /r is out of range/,
    );
    expect(() => parseStrictSignature(`0x${"11".repeat(32)}${"00".repeat(32)}1b`)).to.throw(
      /lower half/,
    );
  });

  it("refuses a domain without a valid chain id or contract", function () {
    expect(() => eip712Domain("x", "1", 0n, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).to.throw(
      /chainId: must be positive/,
    );
    expect(() => eip712Domain("x", "1", 1n, "0x1234")).to.throw(/verifyingContract/);
  });
});

describe("operator/lib/eip712 word-by-word encoding of static messages", function () {
  type Static = {
    to: string;
    token: number;
    amount: bigint;
    ok: boolean;
    tag: string;
    nonce: bigint;
  };
  const STATIC = new TypedMessage<Static>("Static", [
    { name: "to", type: "address" },
    { name: "token", type: "uint16" },
    { name: "amount", type: "uint256" },
    { name: "ok", type: "bool" },
    { name: "tag", type: "bytes32" },
    { name: "nonce", type: "uint64" },
  ]);
  const domain = eip712Domain("l2kit-test", "1", 31337n, `0x${"42".repeat(20)}`);

  it("equals ethers' digest for any in-range message", function () {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        fc.boolean(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (to, token, amount, ok, tag, nonce) => {
          const value = {
            to: `0x${Buffer.from(to).toString("hex")}`,
            token,
            amount,
            ok,
            tag: `0x${Buffer.from(tag).toString("hex")}`,
            nonce,
          };
          expect(STATIC.digest(domain, value)).to.equal(
            TypedDataEncoder.hash(domain, STATIC.types, value),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("leaves out-of-range values to ethers, which refuses them", function () {
    const value = {
      to: `0x${"11".repeat(20)}`,
      token: 1 << 16,
      amount: 1n,
      ok: true,
      tag: `0x${"00".repeat(32)}`,
      nonce: 0n,
    };
    expect(() => STATIC.digest(domain, value)).to.throw();
    expect(() => STATIC.digest(domain, { ...value, token: 1, nonce: 1n << 64n })).to.throw();
    expect(() => STATIC.digest(domain, { ...value, token: 1, to: "0x1234" })).to.throw();
  });

  it("still encodes dynamic fields through ethers", function () {
    const note = { to: `0x${"11".repeat(20)}`, amount: 5n, nonce: 1n, data: "0x0102" };
    expect(NOTE.digest(domain, note)).to.equal(TypedDataEncoder.hash(domain, NOTE.types, note));
  });
});
