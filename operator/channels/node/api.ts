/**
 * A channel node's two HTTP APIs. The peer API (`peerRoutes`: proposals, countersignatures,
 * claims) is what other nodes call; the user API below moves the node's money and belongs on a
 * private address. Amounts are wei and versions and times decimal strings.
 *
 * | route | what |
 * | --- | --- |
 * | `GET /v1/status` | the node's account, contracts and channels by status |
 * | `POST /v1/peers` | record where a peer's peer API is |
 * | `GET /v1/peers` | the peers it knows |
 * | `POST /v1/channels` | open and fund a payment channel with a peer |
 * | `GET /v1/channels` | every channel, closed ones included |
 * | `GET /v1/channels/:id` | one channel: balances, locks, payments, status |
 * | `GET /v1/channels/:id/latest` | its latest fully signed state |
 * | `POST /v1/channels/:id/pay` | pay the peer |
 * | `POST /v1/channels/:id/lock` | a hash-time-locked payment, optionally routed on |
 * | `POST /v1/channels/:id/close` | close cooperatively (paid at once) |
 * | `POST /v1/channels/:id/dispute` | close unilaterally with the latest state |
 * | `POST /v1/channels/:id/settle` | after the challenge period: pay out |
 * | `POST /v1/channels/:id/backup` | hand the latest state to the watchtower now |
 * | `POST /v1/invoices` | a new secret kept by the node: pay to its hashlock |
 * | `POST /v1/games` | open a tic-tac-toe game with a peer for a stake each |
 * | `GET /v1/games`, `GET /v1/games/:id` | games: board, whose turn, on-chain position |
 * | `POST /v1/games/:id/move` | play a cell (on-chain when the game is registered there) |
 * | `POST /v1/games/:id/challenge` | the other player stalls: register the position on L1 |
 */
import type { FastifyRequest } from "fastify";
import { createApi, schemas, toJson, uint256, type Api } from "../../core/api";
import type { Logger } from "../../core/log";
import {
  registerRoutes,
  withOpenApiRoute,
  type JsonSchema,
  type RouteSpec,
} from "../../core/openapi";
import { MAX_UINT48, MAX_UINT64, MAX_UINT256 } from "../state";
import { parseChannel, uint } from "../wire";
import { gamePeerRoutes, PEER_BODY_LIMIT, peerRoutes } from "../peer-api";
import type { ChannelNode } from "./node";

const ID_PARAMS = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: { id: schemas.bytes32 },
} as const;

const ERRORS = {
  400: { description: "Malformed request (names the field)" },
  404: { description: "Unknown channel" },
  409: { description: "Busy, or not possible in the channel's status" },
  422: { description: "Refused by the peer or the rules (names why)" },
  503: { description: "No link to the peer" },
} as const;

function body(required: string[], properties: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", additionalProperties: false, required, properties };
}

export function channelNodeRoutes(node: ChannelNode): RouteSpec[] {
  const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id.toLowerCase();
  const action = (
    url: string,
    summary: string,
    run: (id: string, req: FastifyRequest) => Promise<unknown>,
    extra: Partial<RouteSpec> = {},
  ): RouteSpec => ({
    method: "POST",
    url,
    summary,
    params: ID_PARAMS,
    body: extra.body ?? body([], {}),
    responses: { 200: { description: "Done" }, ...ERRORS },
    ...extra,
    handler: async (req: FastifyRequest) => toJson(await run(idOf(req), req)),
  });
  const routes: RouteSpec[] = [
    {
      method: "GET",
      url: "/v1/status",
      summary: "The node's account, contracts and channels by status",
      responses: { 200: { description: "Status" } },
      handler: async () => {
        const byStatus: Record<string, number> = {};
        for (const c of node.client.channels()) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
        return toJson({
          account: node.address,
          chainId: node.config.chainId,
          adjudicator: node.config.adjudicator,
          paymentApp: node.config.paymentApp,
          watchtower: node.config.watchtowerUrl ?? null,
          peerUrl: node.client.advertisedUrl ?? null,
          channels: byStatus,
        });
      },
    },
    {
      method: "POST",
      url: "/v1/peers",
      summary: "Record where a peer's peer API is",
      body: body(["address", "url"], { address: schemas.address, url: { type: "string" } }),
      responses: { 200: { description: "Recorded" }, 400: ERRORS[400] },
      handler: async (req: FastifyRequest) => {
        const b = req.body as { address: string; url: string };
        return node.addPeer(b.address, b.url);
      },
    },
    {
      method: "GET",
      url: "/v1/peers",
      summary: "The peers the node knows",
      responses: { 200: { description: "Peers" } },
      handler: async () => node.peers(),
    },
    {
      method: "POST",
      url: "/v1/channels",
      summary: "Open and fund a payment channel with a peer",
      description:
        "Both sign the opening state (stored by both) before any money moves; then this node deposits `deposit` and asks the peer to deposit `peerDeposit` (its policy may refuse). 200 once the adjudicator holds both.",
      body: body(["peer", "deposit", "challengeDuration"], {
        peer: schemas.address,
        url: { type: "string", description: "The peer's peer API (else the recorded one)" },
        deposit: schemas.uint256,
        peerDeposit: schemas.uint256,
        challengeDuration: schemas.uint256,
      }),
      responses: { 200: { description: "The open channel" }, ...ERRORS },
      handler: async (req: FastifyRequest) => {
        const b = req.body as {
          peer: string;
          url?: string;
          deposit: string;
          peerDeposit?: string;
          challengeDuration: string;
        };
        return toJson(
          await node.open({
            peer: b.peer,
            url: b.url,
            deposit: uint256(b.deposit, "deposit"),
            peerDeposit: uint256(b.peerDeposit ?? "0", "peerDeposit"),
            challengeDuration: uint(b.challengeDuration, "challengeDuration", MAX_UINT48),
          }),
        );
      },
    },
    {
      method: "GET",
      url: "/v1/channels",
      summary: "Every channel, closed ones included",
      responses: { 200: { description: "Channels" } },
      handler: async () => toJson(node.channels()),
    },
    {
      method: "GET",
      url: "/v1/channels/:id",
      summary: "One channel: balances, locks, payments, status",
      params: ID_PARAMS,
      responses: { 200: { description: "The channel" }, 404: ERRORS[404] },
      handler: async (req: FastifyRequest) => toJson(node.view(idOf(req))),
    },
    {
      method: "GET",
      url: "/v1/channels/:id/latest",
      summary: "The channel's latest fully signed state",
      params: ID_PARAMS,
      responses: { 200: { description: "The state and its signatures" }, 404: ERRORS[404] },
      handler: async (req: FastifyRequest) => node.latest(idOf(req)),
    },
    action(
      "/v1/channels/:id/pay",
      "Pay the peer (200 once both stored the countersigned state)",
      async (id, req) => node.pay(id, uint256((req.body as { amount: string }).amount, "amount")),
      { body: body(["amount"], { amount: schemas.uint256 }) },
    ),
    action(
      "/v1/channels/:id/lock",
      "Lock a payment to the peer under a hashlock, optionally routed on",
      async (id, req) => {
        const b = req.body as {
          amount: string;
          hashlock: string;
          expiry: string;
          route?: { to: string; amount: string; expiry: string }[];
          waitMs?: number;
        };
        return node.lock(id, {
          amount: uint256(b.amount, "amount"),
          hashlock: b.hashlock,
          expiry: uint(b.expiry, "expiry", MAX_UINT64),
          route: b.route,
          waitMs: b.waitMs,
        });
      },
      {
        description:
          "The peer forwards the lock along `route` (each hop: to, amount, expiry; amounts not above the one before, expiries earlier by the margin), and the last hop claims it with the invoice's secret. `waitMs`: wait up to that long for the lock to be paid.",
        body: body(["amount", "hashlock", "expiry"], {
          amount: schemas.uint256,
          hashlock: schemas.bytes32,
          expiry: schemas.uint256,
          route: {
            type: "array",
            maxItems: 16,
            items: body(["to", "amount", "expiry"], {
              to: schemas.address,
              amount: schemas.uint256,
              expiry: schemas.uint256,
            }),
          },
          waitMs: { type: "integer", minimum: 0, maximum: 600_000 },
        }),
      },
    ),
    action("/v1/channels/:id/close", "Close cooperatively: paid at once", (id) => node.close(id)),
    action(
      "/v1/channels/:id/dispute",
      "Close unilaterally with the latest state (the challenge period starts)",
      (id) => node.dispute(id),
    ),
    action(
      "/v1/channels/:id/settle",
      "After the challenge period: pay out the registered state and resolve its locks",
      (id) => node.settle(id),
    ),
    action("/v1/channels/:id/backup", "Hand the latest state to the watchtower now", (id) =>
      node.backup(id),
    ),
    {
      method: "POST",
      url: "/v1/games",
      summary:
        "Open a tic-tac-toe game with a peer for a stake each (the peer is X and moves first)",
      body: body(["peer", "stake", "challengeDuration"], {
        peer: schemas.address,
        url: { type: "string", description: "The peer's peer API (else the recorded one)" },
        stake: schemas.uint256,
        challengeDuration: schemas.uint256,
      }),
      responses: { 200: { description: "The game, both stakes deposited" }, ...ERRORS },
      handler: async (req: FastifyRequest) => {
        const b = req.body as {
          peer: string;
          url?: string;
          stake: string;
          challengeDuration: string;
        };
        return toJson(
          await node.openGame({
            peer: b.peer,
            url: b.url,
            stake: uint(b.stake, "stake", MAX_UINT256),
            challengeDuration: uint(b.challengeDuration, "challengeDuration", MAX_UINT48),
          }),
        );
      },
    },
    {
      method: "GET",
      url: "/v1/games",
      summary: "Every game, finished ones included",
      responses: { 200: { description: "Games" } },
      handler: async () => toJson(node.games?.games() ?? []),
    },
    {
      method: "GET",
      url: "/v1/games/:id",
      summary: "One game: board, whose turn, what L1 registered",
      params: ID_PARAMS,
      responses: { 200: { description: "The game" }, 404: { description: "Unknown game" } },
      handler: async (req: FastifyRequest) => toJson(node.requireGames().view(idOf(req))),
    },
    action(
      "/v1/games/:id/move",
      "Play a cell (0-8, row by row): off-chain, or on-chain when the game is registered there",
      (id, req) => node.requireGames().move(id, String((req.body as { cell: number }).cell)),
      { body: body(["cell"], { cell: { type: "integer", minimum: 0, maximum: 8 } }) },
    ),
    action(
      "/v1/games/:id/challenge",
      "The other player stalls: register the position on L1 (it must move there or forfeit)",
      (id) => node.requireGames().challenge(id),
    ),
    {
      method: "POST",
      url: "/v1/invoices",
      summary: "A new secret kept by the node: pay to its hashlock",
      body: body([], {}),
      responses: { 200: { description: "The hashlock" } },
      handler: async () => node.client.invoice(),
    },
  ];
  return withOpenApiRoute(
    {
      title: "l2kit channel node (user API)",
      version: "1",
      description:
        "Opens, pays, routes and closes payment channels for the node's account. Private: it moves the node's money.",
    },
    routes,
  );
}

/** The user API of `node`. */
export function createChannelNodeApi(node: ChannelNode, log?: Logger): Api {
  const app = createApi({
    service: "channels-node",
    log,
    bodyLimit: 64 * 1024,
    healthChecks: { node: async () => node.health() },
  });
  registerRoutes(app, channelNodeRoutes(node));
  return app;
}

/** The peer API of `node`: the proposer's URL of each accepted proposal is recorded. */
export function createChannelPeerApi(node: ChannelNode, log?: Logger): Api {
  const app = createApi({ service: "channels-node-peer", log, bodyLimit: PEER_BODY_LIMIT });
  // A proposal's URL (checked before it was accepted) is where its proposer answers.
  const proposed = (msg: { channel: unknown; url?: string }): void => {
    if (msg.url === undefined) return;
    node.addPeer(parseChannel(msg.channel).participants[0], msg.url);
  };
  registerRoutes(app, peerRoutes(node.client, { proposed }));
  if (node.games !== undefined) registerRoutes(app, gamePeerRoutes(node.games, { proposed }));
  return app;
}
