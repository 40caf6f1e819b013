import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";

async function fixture() {
  return { queue: await (await ethers.getContractFactory("ExitQueueMock")).deploy() };
}

/** Every parent is at most its children: the heap property the contract relies on. */
function isHeap(items: bigint[]): boolean {
  return items.every((v, i) => i === 0 || items[Math.floor((i - 1) / 2)] <= v);
}

describe("ExitQueue (Solidity min-heap)", function () {
  it("pops the smallest priority first, like a sorted list, through any mix of inserts and pops", async function () {
    const { queue } = await loadFixture(fixture);
    // Small values so that duplicates occur; `null` is a pop.
    const op = fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 24 }), async (ops) => {
        const q = await (await ethers.getContractFactory("ExitQueueMock")).deploy();
        const model: bigint[] = [];
        for (const value of ops) {
          if (value === null) {
            if (model.length === 0) continue;
            const expected = model.shift()!;
            await expect(q.pop()).to.emit(q, "Popped").withArgs(expected);
          } else {
            await (await q.insert(value)).wait();
            model.push(value);
            model.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          }
          expect(await q.size()).to.equal(BigInt(model.length));
          if (model.length > 0) expect(await q.top()).to.equal(model[0]);
          expect(isHeap([...(await q.items())])).to.equal(true);
        }
      }),
      { numRuns: 25 },
    );
    expect(await queue.size()).to.equal(0n);
  });

  it("orders priorities over the whole uint256 range, the Plasma (exitable-at << 128 | position) packing included", async function () {
    const { queue } = await loadFixture(fixture);
    const values = [
      ethers.MaxUint256,
      (5n << 128n) | 7n,
      (5n << 128n) | 3n,
      0n,
      (4n << 128n) | ((1n << 128n) - 1n),
    ];
    for (const v of values) await (await queue.insert(v)).wait();
    const popped: bigint[] = [];
    for (let i = 0; i < values.length; i++) {
      popped.push(await queue.pop.staticCall());
      await (await queue.pop()).wait();
    }
    expect(popped).to.deep.equal([...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it("refuses top and pop on an empty queue, also once emptied", async function () {
    const { queue } = await loadFixture(fixture);
    await expect(queue.top()).to.be.revertedWithCustomError(queue, "ExitQueueEmpty");
    await expect(queue.pop()).to.be.revertedWithCustomError(queue, "ExitQueueEmpty");
    await (await queue.insert(9n)).wait();
    await expect(queue.pop()).to.emit(queue, "Popped").withArgs(9n);
    await expect(queue.top()).to.be.revertedWithCustomError(queue, "ExitQueueEmpty");
    await expect(queue.pop()).to.be.revertedWithCustomError(queue, "ExitQueueEmpty");
  });
});
