/**
 * `npx l2kit channels status|peer|open|pay|invoice|lock|close|dispute|settle|backup|game`: the user's
 * commands, each one call to a channel node's user API (`npx l2kit channels node`, found at
 * --node / CHANNELS_NODE_URL). Amounts are wei; every command prints one JSON object.
 */
import { Command } from "commander";
import { loadConfig, parse } from "../../operator/core/config";
import { JsonApi } from "../../operator/core/http-client";
import { channelUserSettings } from "../../operator/channels/settings";
import type { Io } from "../cli";
import { addConfigOptions, flagValue, json } from "../options";

const wei = (flag: string, raw: unknown): string =>
  flagValue(flag, raw, parse.bigint(0n, (1n << 256n) - 1n)).toString();
const seconds = (flag: string, raw: unknown): bigint =>
  flagValue(flag, raw, parse.bigint(0n, (1n << 48n) - 1n));
const bytes32 = (flag: string, raw: unknown): string =>
  flagValue(flag, raw, (s) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(s)) throw new Error("must be 32 bytes of hex (0x + 64 digits)");
    return s.toLowerCase();
  });

/** `to:amount:expiry,...` as route hops. */
function routeOf(raw: unknown): { to: string; amount: string; expiry: string }[] {
  return flagValue("--route", raw, (s) =>
    s.split(",").map((hop) => {
      const [to, amount, expiry, ...rest] = hop.split(":");
      if (rest.length > 0 || expiry === undefined) {
        throw new Error("each hop is <address>:<amount>:<expiry>");
      }
      return {
        to: parse.address(to),
        amount: parse
          .bigint(
            0n,
            (1n << 256n) - 1n,
          )(amount)
          .toString(),
        expiry: parse
          .bigint(
            0n,
            (1n << 64n) - 1n,
          )(expiry)
          .toString(),
      };
    }),
  );
}

export function channelUserCommands(io: Io): Command[] {
  const user = (name: string, description: string): Command =>
    addConfigOptions(new Command(name).description(description), channelUserSettings);
  const nodeOf = (opts: Record<string, unknown>): JsonApi => {
    const cfg = loadConfig(channelUserSettings, { flags: opts });
    return new JsonApi("channel node", () => cfg.node);
  };
  const onChannel = (name: string, description: string, path: string): Command => {
    const c = user(name, description).requiredOption("--channel <id>", "the channel id");
    c.action(async (opts: Record<string, unknown>) => {
      const id = bytes32("--channel", opts.channel);
      io.out(json(await nodeOf(opts).post(`/v1/channels/${id}/${path}`, {})));
    });
    return c;
  };

  const status = user(
    "status",
    "The node's account and channels, or one channel (balances, locks, payments) with --channel.",
  ).option("--channel <id>", "one channel");
  status.action(async (opts: Record<string, unknown>) => {
    const api = nodeOf(opts);
    if (opts.channel !== undefined) {
      io.out(json(await api.get(`/v1/channels/${bytes32("--channel", opts.channel)}`)));
      return;
    }
    io.out(json({ node: await api.get("/v1/status"), channels: await api.get("/v1/channels") }));
  });

  const peer = user("peer", "Record where a peer's node serves its peer API.")
    .requiredOption("--address <address>", "the peer's account")
    .requiredOption("--url <url>", "its peer API (CHANNELS_NODE_PUBLIC_URL on its side)");
  peer.action(async (opts: Record<string, unknown>) => {
    const body = {
      address: flagValue("--address", opts.address, parse.address),
      url: flagValue("--url", opts.url, parse.url(["http:", "https:"])),
    };
    io.out(json(await nodeOf(opts).post("/v1/peers", body)));
  });

  const open = user(
    "open",
    "Open a payment channel with a peer and fund it: you deposit --deposit, the peer --peer-deposit (if its policy allows).",
  )
    .requiredOption("--peer <address>", "the peer's account")
    .requiredOption("--deposit <wei>", "your deposit")
    .option("--peer-deposit <wei>", "the peer's deposit", "0")
    .option("--challenge-seconds <seconds>", "the channel's challenge period", "86400")
    .option("--peer-url <url>", "the peer's peer API (else the one recorded with `peer`)");
  open.action(async (opts: Record<string, unknown>) => {
    const body = {
      peer: flagValue("--peer", opts.peer, parse.address),
      deposit: wei("--deposit", opts.deposit),
      peerDeposit: wei("--peer-deposit", opts.peerDeposit),
      challengeDuration: seconds("--challenge-seconds", opts.challengeSeconds).toString(),
      ...(opts.peerUrl === undefined
        ? {}
        : { url: flagValue("--peer-url", opts.peerUrl, parse.url(["http:", "https:"])) }),
    };
    io.out(json(await nodeOf(opts).post("/v1/channels", body)));
  });

  const pay = user("pay", "Pay the peer of a channel (done once both stored the new state).")
    .requiredOption("--channel <id>", "the channel id")
    .requiredOption("--amount <wei>", "the amount");
  pay.action(async (opts: Record<string, unknown>) => {
    const id = bytes32("--channel", opts.channel);
    const amount = wei("--amount", opts.amount);
    io.out(json(await nodeOf(opts).post(`/v1/channels/${id}/pay`, { amount })));
  });

  const invoice = user(
    "invoice",
    "A new invoice: the node keeps its secret; payers lock to the printed hashlock.",
  );
  invoice.action(async (opts: Record<string, unknown>) => {
    io.out(json(await nodeOf(opts).post("/v1/invoices", {})));
  });

  const lock = user(
    "lock",
    "Pay an invoice through the channel's peer: lock --amount to it under --hashlock, forwarded along --route.",
  )
    .requiredOption("--channel <id>", "the channel id")
    .requiredOption(
      "--amount <wei>",
      "the amount locked to the peer (the route's amounts plus fees)",
    )
    .requiredOption("--hashlock <hash>", "the invoice's hashlock")
    .requiredOption("--expiry <unix-seconds>", "when the lock expires (chain time)")
    .option("--route <hops>", "the rest of the route: <address>:<amount>:<expiry>,...")
    .option("--wait-ms <ms>", "wait up to this long for the payee to claim it", "0");
  lock.action(async (opts: Record<string, unknown>) => {
    const id = bytes32("--channel", opts.channel);
    const body = {
      amount: wei("--amount", opts.amount),
      hashlock: bytes32("--hashlock", opts.hashlock),
      expiry: flagValue("--expiry", opts.expiry, parse.bigint(0n, (1n << 64n) - 1n)).toString(),
      ...(opts.route === undefined ? {} : { route: routeOf(opts.route) }),
      waitMs: flagValue("--wait-ms", opts.waitMs, parse.integer(0, 600_000)),
    };
    io.out(json(await nodeOf(opts).post(`/v1/channels/${id}/lock`, body)));
  });

  const game = new Command("game").description(
    "Tic-tac-toe for a stake over a state channel: open a game, move, challenge a staller, see the board.",
  );
  const gameOpen = user(
    "open",
    "Open a game with a peer for --stake each (the peer plays X and moves first).",
  )
    .requiredOption("--peer <address>", "the other player's account")
    .requiredOption("--stake <wei>", "each player's stake (the winner takes both)")
    .option(
      "--challenge-seconds <seconds>",
      "how long a stalled player has to move on-chain",
      "86400",
    )
    .option("--peer-url <url>", "the peer's peer API (else the one recorded with `peer`)");
  gameOpen.action(async (opts: Record<string, unknown>) => {
    const body = {
      peer: flagValue("--peer", opts.peer, parse.address),
      stake: wei("--stake", opts.stake),
      challengeDuration: seconds("--challenge-seconds", opts.challengeSeconds).toString(),
      ...(opts.peerUrl === undefined
        ? {}
        : { url: flagValue("--peer-url", opts.peerUrl, parse.url(["http:", "https:"])) }),
    };
    io.out(json(await nodeOf(opts).post("/v1/games", body)));
  });
  const gameMove = user(
    "move",
    "Play a cell (0-8, row by row); on-chain when the game has been registered there.",
  )
    .requiredOption("--game <id>", "the game's channel id")
    .requiredOption("--cell <n>", "0 to 8");
  gameMove.action(async (opts: Record<string, unknown>) => {
    const id = bytes32("--game", opts.game);
    const cell = flagValue("--cell", opts.cell, parse.integer(0, 8));
    io.out(json(await nodeOf(opts).post(`/v1/games/${id}/move`, { cell })));
  });
  const gameChallenge = user(
    "challenge",
    "The other player stalls: register the position on L1; it must move there within the challenge period or forfeit the pot.",
  ).requiredOption("--game <id>", "the game's channel id");
  gameChallenge.action(async (opts: Record<string, unknown>) => {
    const id = bytes32("--game", opts.game);
    io.out(json(await nodeOf(opts).post(`/v1/games/${id}/challenge`, {})));
  });
  const gameStatus = user("status", "Every game, or one with --game (board, whose turn).").option(
    "--game <id>",
    "one game",
  );
  gameStatus.action(async (opts: Record<string, unknown>) => {
    const api = nodeOf(opts);
    io.out(
      json(
        opts.game === undefined
          ? await api.get("/v1/games")
          : await api.get(`/v1/games/${bytes32("--game", opts.game)}`),
      ),
    );
  });
  for (const c of [gameOpen, gameMove, gameChallenge, gameStatus]) game.addCommand(c);

  return [
    status,
    peer,
    open,
    pay,
    invoice,
    lock,
    onChannel(
      "close",
      "Close a channel cooperatively (both sign a final state; paid at once).",
      "close",
    ),
    onChannel(
      "dispute",
      "Close a channel unilaterally with its latest state (the peer has gone); settle after the challenge period.",
      "dispute",
    ),
    onChannel(
      "settle",
      "After a dispute's challenge period: pay out the registered state and resolve its locks.",
      "settle",
    ),
    onChannel("backup", "Hand the channel's latest state to the node's watchtower now.", "backup"),
    game,
  ];
}
