/**
 * The workload on layer 1 alone: every transfer is an ERC-20 `transfer` by its sender. Nothing is
 * deposited or withdrawn; the balances are checked on the tokens themselves.
 */
import { prepareWorld } from "../accounts";
import {
  expectBalance,
  GasMeter,
  L1_FINALITY_SECONDS,
  L1_SLOT_SECONDS,
  SCALING_SIZES,
  type SystemRunner,
} from "../types";

export const l1Runner: SystemRunner = {
  system: "l1",
  description: "L1: each transfer an ERC-20 transfer",
  async run(ctx) {
    const { workload } = ctx;
    const world = await prepareWorld(ctx.hre, workload);
    const meter = new GasMeter();
    ctx.progress(`  ${workload.transfers.length} ERC-20 transfers`);
    const started = Date.now();
    for (const t of workload.transfers) {
      const token = world.tokens[t.token].connect(world.users[t.from]);
      await meter.track("transfers", token.transfer(world.users[t.to].address, t.amount));
    }
    const transferSeconds = (Date.now() - started) / 1000;
    let withdrawn = 0n;
    let heldOnL2 = 0n;
    for (const [i, u] of world.users.entries()) {
      for (const [t, token] of world.tokens.entries()) {
        const have = await token.balanceOf(u.address);
        expectBalance(`user ${i} token ${t}`, have, workload.balances[i][t]);
        if (workload.withdrawers.includes(i)) withdrawn += have;
        else heldOnL2 += have;
      }
    }
    const perTransfer = meter.totals.transfers.gas / workload.transfers.length;
    return {
      system: "l1",
      sizeMeaning: "no batching: every transfer is its own transaction",
      totals: meter.totals,
      transferSeconds,
      finality: {
        measuredSeconds: transferSeconds / workload.transfers.length,
        configuredSeconds: 0,
        productionSeconds: L1_SLOT_SECONDS + L1_FINALITY_SECONDS,
        note: "included in the next slot, final two epochs later",
      },
      withdrawal: {
        measuredSeconds: 0,
        configuredSeconds: 0,
        productionSeconds: 0,
        note: "nothing to withdraw: the funds never left L1",
      },
      scaling: SCALING_SIZES.map((size) => ({
        size,
        gasPerTransfer: Math.round(perTransfer),
        method: "measured: one transaction per transfer at every size",
      })),
      withdrawn,
      heldOnL2,
      params: { tokens: world.tokens.length, token: "OpenZeppelin ERC20 5.x" },
      notes: ["every user already holds every token on L1"],
    };
  },
};
