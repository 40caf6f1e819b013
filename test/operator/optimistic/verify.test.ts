import { expect } from "chai";
import { Wallet } from "ethers";
import { signL2Tx } from "../../../operator/optimistic/client";
import { rollupDomain } from "../../../operator/optimistic/protocol";
import { EcdsaPool, signatureVerifier } from "../../../operator/optimistic/sequencer/verify";

describe("operator/optimistic/sequencer signature verifiers", function () {
  this.timeout(60_000);
  const domain = rollupDomain(31337n, `0x${"12".repeat(20)}`);
  const alice = Wallet.createRandom();
  const bob = Wallet.createRandom();

  for (const [name, make] of [
    [
      "the worker pool (JavaScript, where native libsecp256k1 is missing)",
      () => new EcdsaPool(domain, 2),
    ],
    ["this machine's verifier", () => signatureVerifier(domain, 2)],
  ] as const) {
    it(`${name} accepts the sender's signatures and refuses others, concurrently`, async function () {
      const verifier = make();
      await verifier.ready();
      try {
        const txs = await Promise.all(
          [0n, 1n, 2n, 3n].map((nonce) =>
            signL2Tx(alice, domain, { type: "transfer", to: bob.address, amount: 5n, nonce }),
          ),
        );
        const forged = { ...txs[0], sender: bob.address };
        const otherDomain = await signL2Tx(alice, rollupDomain(1n, `0x${"12".repeat(20)}`), {
          type: "withdraw",
          amount: 5n,
          nonce: 0n,
        });
        const results = await Promise.all(
          [...txs, forged, otherDomain].map((t) => verifier.check(t)),
        );
        expect(results.map((r) => r.valid)).to.deep.equal([true, true, true, true, false, false]);
        expect(new Set(results.slice(0, 4).map((r) => r.digest)).size).to.equal(4);
      } finally {
        await verifier.close();
      }
    });
  }
});
