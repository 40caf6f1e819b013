/**
 * ZK rollup figures: constraints per transfer at 2^24 and 2^32 accounts (pubdata binding
 * included), pubdata bytes per transfer, L1 gas (fixed per batch, marginal and amortised per
 * transfer, as ratios to the L1 ERC-20 transfer), and proving time on this machine.
 */
import path from "node:path";
import { deployZkRollup } from "../../../deploy";
import { loadConfig } from "../../core/config";
import { buildBatch, ZkState, type BuiltBatch } from "../../zk/batch";
import { circuitShape, circuitShapes } from "../../zk/circuits";
import { proveBatch } from "../../zk/prover";
import { ZkKey } from "../../zk/keys";
import { transferPubdataBytes, withdrawPubdataBytes, type BatchShape } from "../../zk/protocol";
import { compileCircuit } from "../../zk/setup/compile";
import { setupCircuit } from "../../zk/setup/pipeline";
import { snarkjs } from "../../zk/setup/snarkjs";
import { zkSettings } from "../../zk/settings";
import { BatchSubmitter } from "../../zk/submitter";
import type { BenchSuite, SuiteRecord } from "../harness";

const SYSTEM = "zk-rollup";

/** Calldata gas of `bytes` (EIP-2028: 16 per non-zero byte, 4 per zero byte). */
export function calldataGas(bytes: Uint8Array): number {
  return bytes.reduce((g, b) => g + (b === 0 ? 4 : 16), 0);
}

async function constraints(
  buildDir: string,
  name: string,
  source: string,
  template: string,
  params: number[],
): Promise<number> {
  const build = await compileCircuit({ name, source, template, params }, buildDir);
  return (await snarkjs.r1cs.info(build.r1cs)).nConstraints;
}

export const zkRollupSuite: BenchSuite = {
  system: SYSTEM,
  description: "ZK rollup: constraints, pubdata, L1 gas per batch and per transfer, proving time",
  async run(ctx) {
    const cfg = loadConfig(zkSettings);
    const records: SuiteRecord[] = [];
    const benchBuild = path.join(cfg.zkBuildDir, "bench");

    // Constraints: one transfer slot, plus its share of the SHA-256 that binds pubdata.
    ctx.progress("  compiling SHA-256 (1 and 2 blocks) to price pubdata binding per byte");
    const sha1 = await constraints(
      benchBuild,
      "sha256-1-block",
      "sha256/sha256.circom",
      "Sha256",
      [448],
    );
    const sha2 = await constraints(
      benchBuild,
      "sha256-2-blocks",
      "sha256/sha256.circom",
      "Sha256",
      [960],
    );
    const shaPerByte = (sha2 - sha1) / 64;
    records.push({
      system: SYSTEM,
      metric: "sha256-constraints-per-pubdata-byte",
      value: Math.round(shaPerByte),
      unit: "constraints",
      params: {},
    });
    for (const levels of [12, 16]) {
      ctx.progress(
        `  compiling a transfer slot at ${levels} 4-ary levels (2^${2 * levels} accounts)`,
      );
      const slot = await constraints(
        benchBuild,
        `transfer-slot-${levels}`,
        "rollup.circom",
        "TransferSlot",
        [levels, 1],
      );
      const bytes = transferPubdataBytes(levels);
      const params = { levels, accounts: `2^${2 * levels}` };
      records.push({
        system: SYSTEM,
        metric: "constraints-per-transfer",
        value: Math.round(slot + bytes * shaPerByte),
        unit: "constraints",
        params: {
          ...params,
          includes: "signature, 4 Merkle paths, range checks, pubdata SHA-256 share",
        },
      });
      records.push({
        system: SYSTEM,
        metric: "pubdata-per-transfer",
        value: bytes,
        unit: "bytes",
        params,
      });
      records.push({
        system: SYSTEM,
        metric: "pubdata-per-withdrawal",
        value: withdrawPubdataBytes(levels),
        unit: "bytes",
        params,
      });
    }

    // L1 gas and proving, with the test circuit on this network.
    const setup = await setupCircuit("test", {
      buildDir: cfg.zkBuildDir,
      ptau: cfg.ptau,
      onStage: (_s, d) => ctx.progress(`  ${d}`),
    });
    const shape = circuitShape("test");
    const { rollup, shapeIds } = await deployZkRollup(ctx.hre, {
      circuits: ["test"],
      zkBuildDir: cfg.zkBuildDir,
    });
    const [operator, alice, bob] = await ctx.hre.ethers.getSigners();
    const keys = [
      ZkKey.fromSeed("bench: alice's rollup key"),
      ZkKey.fromSeed("bench: bob's rollup key.."),
      ZkKey.fromSeed("bench: the operator's key"),
    ];
    const submitter = await new BatchSubmitter(rollup, shape, shapeIds.test, {
      wasm: setup.build.wasm,
      zkey: setup.zkey,
    }).init();
    const e18 = 10n ** 18n;
    await (
      await rollup.connect(alice).depositETH(0, keys[0].ax, keys[0].ay, { value: e18 })
    ).wait();
    await (await rollup.connect(bob).depositETH(0, keys[1].ax, keys[1].ay, { value: e18 })).wait();
    ctx.progress("  proving the deposit batch");
    await submitter.submit([]);
    await (await rollup.connect(operator).depositETH(0, keys[2].ax, keys[2].ay)).wait();
    await submitter.submit([]);
    const d = submitter.domain;
    // A full batch: every transfer and withdrawal slot used.
    const txs = [
      keys[0].sign(d, {
        from: 1n,
        to: 2n,
        token: 0,
        nonce: 0n,
        amount: 123456789n * 10n ** 9n,
        fee: 10n ** 14n,
      }),
      keys[1].sign(d, {
        from: 2n,
        to: 1n,
        token: 0,
        nonce: 0n,
        amount: 987654321n * 10n ** 9n,
        fee: 10n ** 14n,
      }),
      keys[0].sign(d, {
        from: 1n,
        to: 0n,
        token: 0,
        nonce: 1n,
        amount: 10n ** 17n,
        fee: 10n ** 14n,
      }),
    ];
    ctx.progress("  proving a full batch (2 transfers, 1 withdrawal)");
    const full = await submitter.submit(txs, [3n], { onProgress: () => undefined });
    const gasUsed = Number(full.receipt.gasUsed);
    const pubdata = full.batch.pubdata;
    const ib = Math.ceil((2 * shape.levels) / 8);
    const transferRecord = pubdata.subarray(0, 2 * ib + 6);
    // Marginal cost of one more transfer: its calldata (EIP-2028: 16 gas per non-zero byte; a
    // batch's execution gas keeps it above EIP-7623's floor) and SHA-256 over its bytes, measured
    // on this EVM as the difference between hashing one and two more 32-byte words.
    const probe = await (await ctx.hre.ethers.getContractFactory("GasProbe")).deploy();
    const shaWord = Number(
      (await probe.sha256Gas(`0x${"ab".repeat(64)}`)) -
        (await probe.sha256Gas(`0x${"ab".repeat(32)}`)),
    );
    /** L1 gas of one more transfer of `bytes` pubdata bytes: calldata plus SHA-256 words. */
    const marginalGas = (bytes: number): number => bytes * 16 + (bytes / 32) * shaWord;
    const hardfork = String(
      (ctx.hre.network.config as { hardfork?: string }).hardfork ?? "default",
    );
    const transferCalldata = calldataGas(transferRecord);
    const sizes = [12, 16];
    for (const levels of sizes) {
      const bytes = transferPubdataBytes(levels);
      const marginal = Math.round(marginalGas(bytes) * 10) / 10;
      records.push({
        system: SYSTEM,
        metric: "marginal-gas-per-transfer",
        value: marginal,
        unit: "gas",
        params: {
          levels,
          pubdataBytes: bytes,
          shaGasPerWord: shaWord,
          hardfork,
          method: "16 gas per pubdata byte + measured SHA-256 gas per word",
        },
        compareTo: "erc20-transfer",
      });
    }
    const fixed = Math.round(gasUsed - calldataGas(pubdata) - (pubdata.length / 32) * shaWord);
    records.push({
      system: SYSTEM,
      metric: "batch-gas",
      value: gasUsed,
      unit: "gas",
      params: { circuit: "test", transfers: shape.txSlots, withdrawals: shape.withdrawSlots },
    });
    records.push({
      system: SYSTEM,
      metric: "fixed-gas-per-batch",
      value: fixed,
      unit: "gas",
      params: {
        includes:
          "21,000 intrinsic, Groth16 verify, Poseidon public input, storage, withdrawal payout credit",
      },
    });
    records.push({
      system: SYSTEM,
      metric: "transfer-calldata-gas",
      value: transferCalldata,
      unit: "gas",
      params: { levels: shape.levels, bytes: transferRecord.length },
    });
    for (const batch of [2, 8, 32, 64, 128, 256]) {
      const amortised = Math.round(fixed / batch + marginalGas(transferPubdataBytes(12)));
      records.push({
        system: SYSTEM,
        metric: "amortised-gas-per-transfer",
        value: amortised,
        unit: "gas",
        params: {
          batch,
          levels: 12,
          method:
            batch === shape.txSlots
              ? "fixed measured, marginal measured"
              : "fixed (measured) / batch + marginal (measured)",
        },
        compareTo: "erc20-transfer",
      });
    }
    const slots = shape.txSlots + shape.withdrawSlots;
    records.push({
      system: SYSTEM,
      metric: "proving-time-per-batch",
      value: Math.round(full.proof.seconds * 100) / 100,
      unit: "s",
      params: { circuit: "test", constraints: setup.constraints, slots },
    });
    records.push({
      system: SYSTEM,
      metric: "proving-time-per-slot",
      value: Math.round((full.proof.seconds / slots) * 100) / 100,
      unit: "s",
      params: {
        circuit: "test",
        slots,
        note: "includes the batch's SHA-256 and deposit and fee slots",
      },
    });
    records.push({
      system: SYSTEM,
      metric: "proving-time-per-constraint",
      value: Math.round((full.proof.seconds / setup.constraints) * 1e8) / 100,
      unit: "µs",
      params: { circuit: "test" },
    });
    if (ctx.large) records.push(...(await largeCircuits(ctx.progress, cfg.zkBuildDir, cfg.ptau)));
    records.push({
      system: SYSTEM,
      metric: "test-circuit-constraints",
      value: setup.constraints,
      unit: "constraints",
      params: {
        shape: `levels ${shape.levels}, ${shape.txSlots}T ${shape.withdrawSlots}W ${shape.depositSlots}D ${shape.feeSlots}F`,
      },
    });
    return records;
  },
};

/** A full batch of `shape` (every slot used) on a synthetic state, for timing the prover. */
function fullBatch(shape: BatchShape, domain: bigint): BuiltBatch {
  const key = ZkKey.fromSeed("bench: the large-batch key..");
  const state = new ZkState(shape.levels);
  const senders = shape.txSlots + shape.withdrawSlots;
  const e18 = 10n ** 18n;
  for (let i = 1n; i <= BigInt(senders + 2); i++)
    state.setAccount(i, { token: 0, nonce: 0n, balance: e18, ax: key.ax, ay: key.ay });
  const feeIdx = BigInt(senders + 2);
  const txs = [];
  for (let t = 0; t < shape.txSlots; t++) {
    txs.push(
      key.sign(domain, {
        from: BigInt(t + 1),
        to: BigInt(t + 2),
        token: 0,
        nonce: 0n,
        amount: 10n ** 15n,
        fee: 10n ** 12n,
      }),
    );
  }
  for (let w = 0; w < shape.withdrawSlots; w++) {
    txs.push(
      key.sign(domain, {
        from: BigInt(shape.txSlots + w + 1),
        to: 0n,
        token: 0,
        nonce: 0n,
        amount: 10n ** 15n,
        fee: 10n ** 12n,
      }),
    );
  }
  const deposits = Array.from({ length: shape.depositSlots }, () => ({
    kind: 0 as const,
    to: 1n,
    token: 0,
    amount: 1n,
    ax: 0n,
    ay: 0n,
  }));
  return buildBatch(state, shape, domain, { deposits, txs, feeAccounts: [feeIdx] });
}

/** Setup and proving time of the large circuits, smallest first; the largest proven in 10 minutes. */
async function largeCircuits(
  progress: (line: string) => void,
  buildDir: string,
  ptau: string | undefined,
): Promise<SuiteRecord[]> {
  const records: SuiteRecord[] = [];
  const large = Object.entries(circuitShapes())
    .filter(([, s]) => s.large === true)
    .sort(([, a], [, b]) => a.txSlots - b.txSlots);
  let largest = 0;
  for (const [name, shape] of large) {
    const started = Date.now();
    progress(`  ${name}: setting up (cached after the first run)`);
    let shown = -1;
    const setup = await setupCircuit(name, {
      buildDir,
      ptau,
      onStage: (_s, d) => {
        shown = -1;
        progress(`  ${name}: ${d}`);
      },
      // The development ptau of a large circuit takes up to an hour and a half: say how far.
      onProgress: (fraction) => {
        const pct = Math.floor(fraction * 20) * 5;
        if (pct > shown) {
          shown = pct;
          progress(`  ${name}: ${pct}%`);
        }
      },
    });
    const setupSeconds = (Date.now() - started) / 1000;
    const batch = fullBatch(shape, 1234567n);
    progress(
      `  ${name}: proving a full batch (${shape.txSlots} transfers, ${setup.constraints.toLocaleString("en-US")} constraints)`,
    );
    let lines = 0;
    const proof = await proveBatch(
      { wasm: setup.build.wasm, zkey: setup.zkey },
      batch.circuitInput,
      {
        onProgress: (line) => {
          if (++lines % 25 === 0) progress(`    ${line}`);
        },
      },
    );
    progress(
      `  ${name}: set up in ${setupSeconds.toFixed(0)} s, a full batch proven in ${proof.seconds.toFixed(1)} s`,
    );
    const params = {
      circuit: name,
      levels: shape.levels,
      transfers: shape.txSlots,
      constraints: setup.constraints,
    };
    records.push({
      system: SYSTEM,
      metric: "setup-time",
      value: Math.round(setupSeconds),
      unit: "s",
      params: { ...params, cached: setupSeconds < 30 },
    });
    records.push({
      system: SYSTEM,
      metric: "proving-time-per-batch",
      value: Math.round(proof.seconds * 10) / 10,
      unit: "s",
      params,
    });
    records.push({
      system: SYSTEM,
      metric: "proving-time-per-transfer",
      value: Math.round((proof.seconds / shape.txSlots) * 100) / 100,
      unit: "s",
      params,
    });
    if (proof.seconds <= 600) largest = Math.max(largest, shape.txSlots);
  }
  records.push({
    system: SYSTEM,
    metric: "largest-batch-proven-within-10-min",
    value: largest,
    unit: "transfers",
    params: { levels: 12, tried: large.map(([n]) => n).join(" ") },
  });
  return records;
}
