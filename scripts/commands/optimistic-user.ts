/**
 * `npx l2kit optimistic deposit|transfer|withdraw|withdrawals|prove|claim|force-transfer|
 * force-withdraw|account|status`: the optimistic rollup's user client over
 * `operator/optimistic/client.ts`. Your L1 key owns your L2 account. Amounts are base units (wei
 * for ETH); every command prints one JSON object.
 */
import path from "node:path";
import { Command } from "commander";
import { loadConfig, parse } from "../../operator/core/config";
import { connectL1 } from "../../operator/core/l1";
import { coreSettings, networkSettings } from "../../operator/core/settings";
import { OptimisticClient } from "../../operator/optimistic/client";
import { MAX_UINT256 } from "../../operator/optimistic/protocol";
import { resolveRollup } from "../../operator/optimistic/sequencer/launch";
import { optimisticClientSettings, optimisticSettings } from "../../operator/optimistic/settings";
import type { Io } from "../cli";
import { addConfigOptions, flagValue, json } from "../options";

const clientSpec = {
  ...networkSettings,
  dataDir: coreSettings.dataDir,
  pollIntervalMs: coreSettings.pollIntervalMs,
  rpcRetries: coreSettings.rpcRetries,
  rpcRetryDelayMs: coreSettings.rpcRetryDelayMs,
  ...optimisticSettings,
  ...optimisticClientSettings,
};

const amountOf = (flag: string, raw: unknown): bigint =>
  flagValue(flag, raw, parse.bigint(0n, MAX_UINT256));
const tokenOf = (raw: unknown): number => flagValue("--token", raw, parse.integer(0, 0xffff));
const addressOf = (flag: string, raw: unknown): string => flagValue(flag, raw, parse.address);

const NONCE_FLAG = "--nonce <n>";
const NONCE_HELP =
  "sign at this L2 nonce (default: the sequencer's next nonce, checked against what this client signed before; the same nonce as a rejected transaction replaces it)";
const FORCE_AGAIN_HELP =
  "force it although this client holds signed transactions not seen to run (they may still run after it)";
const AGAIN_HELP =
  "this same payment was signed before (it may still run) and is meant to be paid once more";
const nonceOf = (opts: Record<string, unknown>): { nonce?: bigint; again?: boolean } => ({
  ...(opts.nonce === undefined
    ? {}
    : { nonce: flagValue("--nonce", opts.nonce, parse.bigint(0n, (1n << 64n) - 1n)) }),
  ...(opts.again === true ? { again: true } : {}),
});

async function openClient(opts: Record<string, unknown>): Promise<OptimisticClient> {
  const cfg = loadConfig(clientSpec, { flags: opts });
  const l1 = await connectL1(cfg, cfg);
  const rollup = await resolveRollup(l1, cfg.rollup);
  return new OptimisticClient({
    rollup,
    signer: l1.signer,
    sequencerUrl: cfg.sequencerUrl,
    // What this key signed on this rollup, so that no lying API gets two signatures that both run.
    nonceJournal: path.join(
      cfg.dataDir,
      `optimistic-client-${l1.chainId}-${rollup.toLowerCase()}-${l1.signer.address.toLowerCase()}.json`,
    ),
  });
}

export function optimisticUserCommands(io: Io): Command[] {
  const user = (name: string, description: string): Command =>
    addConfigOptions(new Command(name).description(description), clientSpec);

  const deposit = user(
    "deposit",
    "Deposit ETH or a registered ERC-20 on L1 into your L2 account (created by the deposit) or another address's.",
  )
    .requiredOption("--amount <units>", "amount in base units (wei for ETH)")
    .option("--token <id>", "token id (0 = ETH)", "0")
    .option("--to <address>", "L2 account to credit (default: yours)");
  deposit.action(async (opts: Record<string, unknown>) => {
    const request = {
      amount: amountOf("--amount", opts.amount),
      token: tokenOf(opts.token),
      to: opts.to === undefined ? undefined : addressOf("--to", opts.to),
    };
    const c = await openClient(opts);
    io.out(json({ l1Tx: await c.deposit(request), note: "credited on L2 by the next batch" }));
  });

  const transfer = user("transfer", "Sign a transfer and submit it to the sequencer.")
    .requiredOption("--to <address>", "recipient (its L2 account is created if it has none)")
    .requiredOption("--amount <units>", "amount in base units (exactly representable)")
    .option("--fee <units>", "fee in base units", "0")
    .option("--token <id>", "token id (0 = ETH)", "0")
    .option("--wait", "wait until the transaction is in a batch on L1", false)
    .option(NONCE_FLAG, NONCE_HELP)
    .option("--again", AGAIN_HELP, false);
  transfer.action(async (opts: Record<string, unknown>) => {
    const request = {
      to: addressOf("--to", opts.to),
      amount: amountOf("--amount", opts.amount),
      fee: amountOf("--fee", opts.fee),
      token: tokenOf(opts.token),
      ...nonceOf(opts),
    };
    const c = await openClient(opts);
    const { hash } = await c.transfer(request);
    io.out(json(opts.wait === true ? await c.waitFor(hash) : { hash, status: "pending" }));
  });

  const withdraw = user(
    "withdraw",
    "Sign a withdrawal to your L1 address and submit it; prove it once its batch is final, then claim.",
  )
    .requiredOption("--amount <units>", "amount in base units (exactly representable)")
    .option("--fee <units>", "fee in base units", "0")
    .option("--token <id>", "token id (0 = ETH)", "0")
    .option("--wait", "wait until the withdrawal is in a batch on L1", false)
    .option(NONCE_FLAG, NONCE_HELP)
    .option("--again", AGAIN_HELP, false);
  withdraw.action(async (opts: Record<string, unknown>) => {
    const request = {
      amount: amountOf("--amount", opts.amount),
      fee: amountOf("--fee", opts.fee),
      token: tokenOf(opts.token),
      ...nonceOf(opts),
    };
    const c = await openClient(opts);
    const { hash } = await c.withdraw(request);
    io.out(json(opts.wait === true ? await c.waitFor(hash) : { hash, status: "pending" }));
  });

  const withdrawals = user(
    "withdrawals",
    "List your L2 withdrawals and whether each is final (provable on L1).",
  ).option("--address <address>", "whose (default: yours)");
  withdrawals.action(async (opts: Record<string, unknown>) => {
    const c = await openClient(opts);
    const address = opts.address === undefined ? c.address : addressOf("--address", opts.address);
    io.out(json({ withdrawals: await c.withdrawals(address) }));
  });

  const prove = user(
    "prove",
    "Prove a final withdrawal on L1 (the sequencer serves the proof), crediting it for claim.",
  ).requiredOption("--id <n>", "withdrawal id (see withdrawals)");
  prove.action(async (opts: Record<string, unknown>) => {
    const id = flagValue("--id", opts.id, parse.bigint(0n, (1n << 32n) - 1n));
    const c = await openClient(opts);
    io.out(json({ l1Tx: await c.proveWithdrawal(id), id }));
  });

  const claim = user(
    "claim",
    "Pay out on L1 everything credited to you (proven withdrawals, rewards).",
  ).option("--token <id>", "token id (0 = ETH)", "0");
  claim.action(async (opts: Record<string, unknown>) => {
    const token = tokenOf(opts.token);
    const c = await openClient(opts);
    const amount = await c.claimable(token);
    io.out(json({ l1Tx: await c.claim(token), token, amount }));
  });

  const forceTransfer = user(
    "force-transfer",
    "Force a transfer of your L2 funds through the L1 inbox (the sequencer must include it within forceDelay, or anyone bonded may post it).",
  )
    .requiredOption("--to <address>", "recipient")
    .requiredOption("--amount <units>", "amount in base units")
    .option("--token <id>", "token id (0 = ETH)", "0")
    .option("--again", FORCE_AGAIN_HELP, false);
  forceTransfer.action(async (opts: Record<string, unknown>) => {
    const request = {
      to: addressOf("--to", opts.to),
      amount: amountOf("--amount", opts.amount),
      token: tokenOf(opts.token),
      again: opts.again === true,
    };
    const c = await openClient(opts);
    io.out(json({ l1Tx: await c.forceTransfer(request) }));
  });

  const forceWithdraw = user(
    "force-withdraw",
    "Force a withdrawal of your L2 funds through the L1 inbox, to be proven and claimed like any other.",
  )
    .requiredOption("--amount <units>", "amount in base units")
    .option("--token <id>", "token id (0 = ETH)", "0")
    .option("--recipient <address>", "L1 recipient (default: you)")
    .option("--again", FORCE_AGAIN_HELP, false);
  forceWithdraw.action(async (opts: Record<string, unknown>) => {
    const request = {
      again: opts.again === true,
      amount: amountOf("--amount", opts.amount),
      token: tokenOf(opts.token),
      recipient:
        opts.recipient === undefined ? undefined : addressOf("--recipient", opts.recipient),
    };
    const c = await openClient(opts);
    io.out(json({ l1Tx: await c.forceWithdraw(request) }));
  });

  const account = user(
    "account",
    "Your L2 account (or another address's), as the sequencer sees it.",
  ).option("--address <address>", "whose (default: yours)");
  account.action(async (opts: Record<string, unknown>) => {
    const c = await openClient(opts);
    io.out(
      json(
        await c.account(
          opts.address === undefined ? c.address : addressOf("--address", opts.address),
        ),
      ),
    );
  });

  const status = user("status", "A transaction's status.").requiredOption(
    "--hash <hash>",
    "the hash the sequencer answered",
  );
  status.action(async (opts: Record<string, unknown>) => {
    const hash = flagValue("--hash", opts.hash, (s) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(s)) throw new Error("must be 32 bytes of hex");
      return s;
    });
    const c = await openClient(opts);
    io.out(json(await c.status(hash)));
  });

  return [
    deposit,
    transfer,
    withdraw,
    withdrawals,
    prove,
    claim,
    forceTransfer,
    forceWithdraw,
    account,
    status,
  ];
}
