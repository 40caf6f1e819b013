/**
 * The watchtower's HTTP API. Versions, amounts and times are decimal strings.
 *
 * | route | what |
 * | --- | --- |
 * | `POST /v1/channels` | register a channel's latest fully signed state (200, or a 4xx naming the problem) |
 * | `GET /v1/channels/:id` | what the tower holds for a channel, what L1 registered, its answer |
 * | `GET /v1/status` | channels by status |
 * | `GET /health` | liveness (503 after a failed round) |
 * | `GET /openapi.json` | this API as OpenAPI 3.1 |
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { createApi, schemas, toJson, type Api } from "../../core/api";
import { NotFoundError } from "../../core/errors";
import type { Logger } from "../../core/log";
import { registerRoutes, withOpenApiRoute, type RouteSpec } from "../../core/openapi";
import { parseChannel, parseSignedState } from "../wire";
import type { Watchtower } from "./tower";

const SUBMIT_BODY = {
  type: "object",
  additionalProperties: false,
  required: ["channel", "signed"],
  properties: {
    channel: {
      type: "object",
      description:
        "The channel: { participants: address[], nonce, app: address, challengeDuration } (decimal strings).",
    },
    signed: {
      type: "object",
      description:
        "{ state: { version, isFinal, appData, outcome: [{ asset, amounts, locks }] }, sigs: one 65-byte signature per participant, in order }",
    },
  },
} as const;

export function watchtowerRoutes(tower: Watchtower): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: "POST",
      url: "/v1/channels",
      summary: "Register a channel's latest fully signed state",
      description:
        "Stored before the answer. 400: malformed (names the field); 409: the tower holds this version or a newer one (STALE_STATE), or the channel is final (CHANNEL_FINAL); 422: a signature is missing or not the participant's, or the challenge period is shorter than the tower needs.",
      body: SUBMIT_BODY,
      responses: {
        200: { description: "Registered: what the tower now holds for the channel" },
        400: { description: "Malformed request" },
        409: { description: "Stale state or final channel" },
        422: { description: "Signatures or challenge period refused" },
      },
      handler: async (req: FastifyRequest) => {
        const body = req.body as { channel: unknown; signed: unknown };
        const channel = parseChannel(body.channel, "body.channel");
        const signed = parseSignedState(body.signed, "body.signed");
        return toJson(await tower.submit(channel, signed));
      },
    },
    {
      method: "GET",
      url: "/v1/channels/:id",
      summary: "What the tower holds for a channel and what it did",
      params: {
        type: "object",
        required: ["id"],
        additionalProperties: false,
        properties: { id: schemas.bytes32 },
      },
      responses: { 200: { description: "The channel" }, 404: { description: "Unknown channel" } },
      handler: async (req: FastifyRequest) => {
        const { id } = req.params as { id: string };
        const view = tower.view(id.toLowerCase());
        if (view === undefined) throw new NotFoundError("channel", id);
        return toJson(view);
      },
    },
    {
      method: "GET",
      url: "/v1/status",
      summary: "Channels by status",
      responses: { 200: { description: "Counts" } },
      handler: async (_req: FastifyRequest, _reply: FastifyReply) => ({
        account: tower.address,
        adjudicator: tower.config.adjudicator,
        channels: tower.db.counts(),
      }),
    },
  ];
  return withOpenApiRoute(
    {
      title: "l2kit channels watchtower",
      version: "1",
      description:
        "Keeps clients' latest channel states and answers stale closes on their behalf while they are offline.",
    },
    routes,
  );
}

export function createWatchtowerApi(tower: Watchtower, log?: Logger): Api {
  const app = createApi({
    service: "channels-watchtower",
    log,
    bodyLimit: 256 * 1024,
    healthChecks: { watchtower: async () => tower.health() },
  });
  registerRoutes(app, watchtowerRoutes(tower));
  return app;
}
