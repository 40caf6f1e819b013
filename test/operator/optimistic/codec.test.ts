import { expect } from "chai";
import { InputError } from "../../../operator/core/errors";
import { BLOB_SLOT, encodeBlobs, recordFromBlobs } from "../../../operator/optimistic/blob";
import {
  concatRecords,
  decodeRecord,
  encodeRecord,
  splitRecords,
} from "../../../operator/optimistic/codec";
import { RECORD_LENGTH, RecordKind, type L2Record } from "../../../operator/optimistic/protocol";

const signature = { r: `0x${"ab".repeat(32)}`, yParityAndS: `0x${"cd".repeat(32)}` } as const;
const common = { from: 7n, token: 3, amountPacked: 12345n, feePacked: 9n, signature };
const RECORDS: L2Record[] = [
  { kind: RecordKind.Transfer, to: 8n, ...common },
  {
    kind: RecordKind.TransferToAddress,
    to: "0x000000000000000000000000000000000000bEEF",
    ...common,
  },
  { kind: RecordKind.Withdraw, ...common },
];

describe("operator/optimistic/codec and blob", function () {
  it("encodes each record kind at its fixed length and decodes it back", function () {
    for (const record of RECORDS) {
      const bytes = encodeRecord(record);
      expect(bytes.length).to.equal(RECORD_LENGTH[record.kind]);
      expect(decodeRecord(bytes)).to.deep.equal(record);
    }
  });

  it("splits posted records back, refusing what the contract refuses at the same offsets", function () {
    const encoded = RECORDS.map(encodeRecord);
    const data = concatRecords(encoded);
    expect(splitRecords(data).map((r) => Buffer.from(r).toString("hex"))).to.deep.equal(
      encoded.map((r) => Buffer.from(r).toString("hex")),
    );
    const unknown = Uint8Array.from([...encoded[0], 9]);
    expect(() => splitRecords(unknown)).to.throw(InputError, /unknown record kind 9 at byte 81/);
    const truncated = data.subarray(0, data.length - 1);
    expect(() => splitRecords(truncated)).to.throw(InputError, /record at byte 178 is truncated/);
  });

  it("reads every record back out of its blob slot, and a malformed slot whole", function () {
    const encoded = [...RECORDS.map(encodeRecord), Uint8Array.from([9, 1, 2, 3])];
    const blobs = encodeBlobs(encoded);
    expect(blobs).to.have.length(1);
    encoded.slice(0, 3).forEach((record, i) => {
      expect(Buffer.from(recordFromBlobs(blobs, i)).equals(Buffer.from(record))).to.equal(true);
    });
    const slot = recordFromBlobs(blobs, 3);
    expect(slot.length).to.equal(BLOB_SLOT);
    expect([...slot.subarray(0, 4)]).to.deep.equal([9, 1, 2, 3]);
    // Byte 0 of every field element stays 0, so each is below the BLS12-381 modulus.
    for (let e = 0; e < 4096; e++) expect(blobs[0][e * 32]).to.equal(0);
  });
});
