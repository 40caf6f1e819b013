/**
 * Channel clients talking over HTTP: the routes a client serves to its peers, and the link that
 * calls them. Each route hands the message to the client's handler, which checks it fully (a 4xx
 * names the problem) and stores what it accepts before it answers.
 *
 * | route | handler |
 * | --- | --- |
 * | `POST /v1/peer/propose` | `handlePropose`: the signature on an opening state |
 * | `POST /v1/peer/funded` | `handleFunded`: the peer deposits its share |
 * | `POST /v1/peer/update` | `handleUpdate`: countersignatures of consecutive states |
 * | `POST /v1/peer/latest` | `handleLatest`: the latest fully signed state |
 * | `POST /v1/peer/claim` | `handleClaim`: pays the lock whose secret is shown |
 */
import type { FastifyRequest } from "fastify";
import { JsonApi } from "../core/http-client";
import type { RouteSpec } from "../core/openapi";
import type { ChannelClient, PeerLink, ProposeMessage, UpdateMessage } from "./client";
import type { GamePeerLink, GameProposeMessage, GameTable } from "./games";
import type { MoveMessage } from "./tictactoe";
import type { SignedStateJson } from "./wire";

const OBJECT = { type: "object" } as const;

/** The body limit a server of `peerRoutes` needs: a full batch (512 states) with room to spare. */
export const PEER_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * The peer routes of `client`. `proposed` is told of each proposal the client accepted (a node
 * records the proposer's URL from it).
 */
function route(
  url: string,
  summary: string,
  handler: (body: never) => Promise<unknown>,
): RouteSpec {
  return {
    method: "POST",
    url,
    summary,
    body: OBJECT,
    responses: {
      200: { description: "Accepted and stored" },
      400: { description: "Malformed message (names the field)" },
      404: { description: "Unknown channel or lock" },
      409: { description: "Out of order, busy or stale" },
      422: { description: "A valid message this client refuses (names why)" },
    },
    handler: async (req: FastifyRequest) => handler(req.body as never),
  };
}

export function peerRoutes(
  client: ChannelClient,
  hooks: { proposed?: (msg: ProposeMessage) => void } = {},
): RouteSpec[] {
  return [
    route(
      "/v1/peer/propose",
      "Sign the opening state of a channel a peer opens",
      async (m: ProposeMessage) => {
        const sig = client.handlePropose(m);
        hooks.proposed?.(m);
        return { sig };
      },
    ),
    route(
      "/v1/peer/funded",
      "Deposit this client's share of a channel",
      async (m: { channelId: string }) => {
        await client.handleFunded(m);
        return { ok: true };
      },
    ),
    route("/v1/peer/update", "Countersign consecutive states", async (m: UpdateMessage) => ({
      sigs: await client.handleUpdate(m),
    })),
    route(
      "/v1/peer/latest",
      "The latest fully signed state of a channel",
      async (m: { channelId: string }) => client.handleLatest(m),
    ),
    route(
      "/v1/peer/claim",
      "Pay the lock whose secret is shown",
      async (m: { channelId: string; secret: string }) => {
        await client.handleClaim(m);
        return { ok: true };
      },
    ),
  ];
}

/**
 * The peer routes of a node's games: `POST /v1/peer/game/propose` (sign a game's opening),
 * `/v1/peer/game/funded` (deposit the stake) and `/v1/peer/game/move` (a move, stored before the
 * answer). `proposed` is told of each accepted proposal.
 */
export function gamePeerRoutes(
  games: GameTable,
  hooks: { proposed?: (msg: GameProposeMessage) => void } = {},
): RouteSpec[] {
  return [
    route(
      "/v1/peer/game/propose",
      "Sign the opening of a game a peer proposes",
      async (m: GameProposeMessage) => {
        const sig = games.handlePropose(m);
        hooks.proposed?.(m);
        return { sig };
      },
    ),
    route(
      "/v1/peer/game/funded",
      "Deposit this node's stake in a game",
      async (m: { channelId: string }) => {
        await games.handleFunded(m);
        return { ok: true };
      },
    ),
    route("/v1/peer/game/move", "The other player's move", async (m: MoveMessage) => {
      await games.handleMove(m);
      return { ok: true };
    }),
  ];
}

/** A `GamePeerLink` to a node serving `gamePeerRoutes` at `url`. */
export class HttpGamePeerLink implements GamePeerLink {
  private readonly api: JsonApi;

  constructor(readonly url: string) {
    this.api = new JsonApi("game peer", () => url);
  }

  async propose(msg: GameProposeMessage): Promise<string> {
    return ((await this.api.post("/v1/peer/game/propose", msg)) as { sig: string }).sig;
  }

  async funded(msg: { channelId: string }): Promise<void> {
    await this.api.post("/v1/peer/game/funded", msg);
  }

  async move(msg: MoveMessage): Promise<void> {
    await this.api.post("/v1/peer/game/move", msg);
  }
}

/** A `PeerLink` to a client serving `peerRoutes` at `url`. */
export class HttpPeerLink implements PeerLink {
  private readonly api: JsonApi;

  constructor(readonly url: string) {
    this.api = new JsonApi("channel peer", () => url);
  }

  async propose(msg: ProposeMessage): Promise<string> {
    return ((await this.api.post("/v1/peer/propose", msg)) as { sig: string }).sig;
  }

  async funded(msg: { channelId: string }): Promise<void> {
    await this.api.post("/v1/peer/funded", msg);
  }

  async update(msg: UpdateMessage): Promise<string[]> {
    return ((await this.api.post("/v1/peer/update", msg)) as { sigs: string[] }).sigs;
  }

  async latest(msg: { channelId: string }): Promise<SignedStateJson> {
    return (await this.api.post("/v1/peer/latest", msg)) as SignedStateJson;
  }

  async claim(msg: { channelId: string; secret: string }): Promise<void> {
    await this.api.post("/v1/peer/claim", msg);
  }
}
