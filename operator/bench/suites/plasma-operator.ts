/**
 * The Plasma operator as a process on a `npx hardhat node`: transactions accepted per second
 * through its API. Independent outputs are made first by splitting one deposit in two, round
 * after round (each round a committed block), then every output is spent at once by concurrent
 * senders; every accepted transaction is checked (owner's signature, unspent inputs, balance)
 * and stored in SQLite before its 202.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther, Wallet } from "ethers";
import { deployPlasmaWithSigner } from "../../../deploy";
import { startHardhatNode } from "../../core/devnode";
import { JsonApi } from "../../core/http-client";
import { pollUntil } from "../../core/rpc";
import { DigestSigner } from "../../lib/secp256k1";
import { plasmaAt } from "../../plasma/abi";
import { txJson } from "../../plasma/ledger";
import { spawnPlasmaOperator } from "../../plasma/processes";
import { ETH, plasmaDomain, signTx, type Transaction } from "../../plasma/tx";
import { round, type BenchSuite } from "../harness";
import { jsonPoster, postConcurrently } from "../http";

export const plasmaOperatorSuite: BenchSuite = {
  system: "plasma",
  description: "Plasma operator: transactions accepted per second through its API",
  async run(ctx) {
    const outputs = ctx.quick ? 128 : 2048;
    const senders = ctx.quick ? 8 : 32;
    const node = await startHardhatNode();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "l2kit-bench-plasma-"));
    try {
      const d = await deployPlasmaWithSigner(ctx.hre, node.wallet(0), {
        minExitPeriod: 3600n,
      });
      const operator = await spawnPlasmaOperator(
        { nodeUrl: node.url, dataDir: dir, plasma: d.plasma },
        ["--block-interval-ms", "200"],
      );
      try {
        const url = operator.announced.url as string;
        const api = new JsonApi("plasma operator", () => url);
        const domain = plasmaDomain(31337n, d.plasma);
        const owner = node.wallet(1);
        const key = new DigestSigner(owner.privateKey);
        const sign = (tx: Transaction) =>
          JSON.stringify({ tx: txJson(tx), sigs: [signTx(key, domain, tx)] });
        await (
          await plasmaAt(d.plasma, owner).deposit(ETH, parseEther("1"), { value: parseEther("1") })
        ).wait();
        type Utxo = { pos: string; amount: string; status: string };
        const mine = async (): Promise<Utxo[]> =>
          (await api.get(`/v1/utxos/${owner.address}`)) as Utxo[];
        await pollUntil("the deposit", async () => (await mine()).length === 1, {
          timeoutMs: 60_000,
        });
        const poster = jsonPoster(`${url}/v1/transactions`, senders);
        try {
          // Split until there are `outputs` independent outputs, one committed block per round.
          for (let have = 1; have < outputs; have *= 2) {
            ctx.progress(`  splitting ${have} outputs into ${have * 2}`);
            const bodies = (await mine()).map((u) => {
              const amount = BigInt(u.amount);
              return sign({
                inputs: [BigInt(u.pos)],
                outputs: [
                  { owner: owner.address, token: ETH, amount: amount / 2n },
                  { owner: owner.address, token: ETH, amount: amount - amount / 2n },
                ],
              });
            });
            await postConcurrently(poster, chunk(bodies, senders));
            await pollUntil(
              `${have * 2} committed outputs`,
              async () => {
                const u = await mine();
                return u.length === have * 2 && u.every((o) => o.status === "unspent");
              },
              { timeoutMs: 120_000, intervalMs: 100 },
            );
          }
          // The measured load: every output spent at once to another address.
          const to = Wallet.createRandom().address;
          const bodies = (await mine()).map((u) =>
            sign({
              inputs: [BigInt(u.pos)],
              outputs: [{ owner: to, token: ETH, amount: BigInt(u.amount) }],
            }),
          );
          ctx.progress(`  ${bodies.length} transfers from ${senders} concurrent senders`);
          const r = await postConcurrently(poster, chunk(bodies, senders));
          return [
            {
              system: "plasma",
              metric: "operator-accepted-tx-per-second",
              value: round(r.perSecond, 1),
              unit: "tx/s",
              params: {
                network: "localhost (hardhat node)",
                transactions: r.accepted,
                senders,
                checks: "owner signature, unspent inputs, balance; stored in SQLite before the 202",
              },
            },
          ];
        } finally {
          poster.close();
        }
      } finally {
        await operator.stop();
      }
    } finally {
      await node.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

function chunk<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => out[i % n].push(item));
  return out.filter((c) => c.length > 0);
}
