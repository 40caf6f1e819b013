import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  BLOB_BYTES,
  BYTES_PER_ELEMENT,
  FIELD_ELEMENTS,
  PAYLOAD_PER_BLOB,
  chunksFor,
  commitments,
  evaluationPoint,
  readPayload,
  versionedHash,
} from "../../../operator/optimistic/blob";

/** Two blobs of pseudo-random payload (byte 0 of every field element stays 0), with their KZG data. */
async function fixture() {
  const reader = await (await ethers.getContractFactory("BlobReaderMock")).deploy();
  const blobs = [0, 1].map((b) => {
    const blob = new Uint8Array(BLOB_BYTES);
    for (let e = 0; e < FIELD_ELEMENTS; e++) {
      for (let k = 1; k < 32; k++) blob[e * 32 + k] = (e * 7 + k * 13 + b * 101) & 0xff;
    }
    return blob;
  });
  const blobCommitments = commitments(blobs);
  const hashes = blobCommitments.map(versionedHash);
  return { reader, blobs, blobCommitments, hashes };
}

type F = Awaited<ReturnType<typeof fixture>>;

/** Reads [offset, offset + length) on chain with the chunks the operator's code proves it with. */
async function read(f: F, offset: number, length: number) {
  return f.reader.read(
    f.hashes,
    offset,
    length,
    chunksFor(f.blobs, f.blobCommitments, offset, length),
  );
}

describe("BlobReader (Solidity) and operator/optimistic/blob (TypeScript)", function () {
  this.timeout(300_000);

  it("evaluate field element i at the same point (EIP-4844's bit-reversed order)", async function () {
    const { reader } = await loadFixture(fixture);
    for (const i of [0, 1, 2, 3, 1000, 2048, 4095])
      expect(await reader.evaluationPoint(i)).to.equal(evaluationPoint(i));
  });

  it("read payload bytes within one element, across elements and across blobs, as written", async function () {
    const f = await loadFixture(fixture);
    const cases: [number, number][] = [
      [0, 31], // exactly element 0
      [5, 3], // inside element 0
      [29, 40], // elements 0..2
      [PAYLOAD_PER_BLOB - 10, 20], // the last element of blob 0 and the first of blob 1
      [2 * PAYLOAD_PER_BLOB - 1, 1], // the very last payload byte
    ];
    for (const [offset, length] of cases) {
      expect(await read(f, offset, length), `${offset}+${length}`).to.equal(
        ethers.hexlify(readPayload(f.blobs, offset, length)),
      );
    }
  });

  it("read nothing for a zero length, without chunks", async function () {
    const f = await loadFixture(fixture);
    expect(await f.reader.read(f.hashes, 12345, 0, [])).to.equal("0x");
    expect(await f.reader.read([], 0, 0, [])).to.equal("0x");
  });

  it("refuse a range past the last blob, with the range and the blob count", async function () {
    const f = await loadFixture(fixture);
    await expect(f.reader.read(f.hashes.slice(0, 1), PAYLOAD_PER_BLOB - 1, 2, []))
      .to.be.revertedWithCustomError(f.reader, "BlobReaderOutOfRange")
      .withArgs(BigInt(PAYLOAD_PER_BLOB - 1), 2n, 1n);
    await expect(f.reader.read([], 0, 1, []))
      .to.be.revertedWithCustomError(f.reader, "BlobReaderOutOfRange")
      .withArgs(0n, 1n, 0n);
  });

  it("refuse a wrong number of chunks", async function () {
    const f = await loadFixture(fixture);
    const chunks = chunksFor(f.blobs, f.blobCommitments, 29, 40);
    expect(chunks.length).to.equal(3);
    await expect(f.reader.read(f.hashes, 29, 40, chunks.slice(0, 2)))
      .to.be.revertedWithCustomError(f.reader, "BlobReaderChunkCount")
      .withArgs(2n, 3n);
    await expect(f.reader.read(f.hashes, 29, 40, [...chunks, chunks[0]]))
      .to.be.revertedWithCustomError(f.reader, "BlobReaderChunkCount")
      .withArgs(4n, 3n);
  });

  it("refuse a chunk with another value, another blob's commitment, or a commitment or proof not of 48 bytes, naming it", async function () {
    const f = await loadFixture(fixture);
    const offset = BYTES_PER_ELEMENT - 2;
    const chunks = chunksFor(f.blobs, f.blobCommitments, offset, 4);
    const forged = [
      { ...chunks[1], value: ethers.toBeHex(1n, 32) },
      { ...chunks[1], commitment: f.blobCommitments[1] },
      { ...chunks[1], proof: chunks[0].proof },
      { ...chunks[1], commitment: ethers.dataSlice(chunks[1].commitment, 1) },
      { ...chunks[1], proof: ethers.concat([chunks[1].proof, "0x00"]) },
    ];
    for (const bad of forged) {
      await expect(f.reader.read(f.hashes, offset, 4, [chunks[0], bad]), JSON.stringify(bad))
        .to.be.revertedWithCustomError(f.reader, "BlobReaderBadChunk")
        .withArgs(1n);
    }
    // The same chunks read at the same offset of the other blob: proven against another hash.
    await expect(f.reader.read([f.hashes[1], f.hashes[0]], offset, 4, chunks))
      .to.be.revertedWithCustomError(f.reader, "BlobReaderBadChunk")
      .withArgs(0n);
  });
});
