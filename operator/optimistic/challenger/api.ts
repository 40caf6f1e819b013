/**
 * The challenger's HTTP API: read-only, for operators and monitoring. Nothing here changes what
 * the challenger does.
 *
 * | route | what |
 * | --- | --- |
 * | `GET /v1/status` | the chain as read, batches verified, invalid and unreadable ones, games, alarms |
 * | `GET /health` | 503 while an alarm is active or the last round failed |
 * | `GET /openapi.json` | this API as OpenAPI 3.1 |
 */
import { createApi, toJson, type Api } from "../../core/api";
import type { Logger } from "../../core/log";
import { registerRoutes, withOpenApiRoute, type RouteSpec } from "../../core/openapi";
import type { Challenger } from "./challenger";

export function challengerRoutes(challenger: Challenger): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: "GET",
      url: "/v1/status",
      summary: "What the challenger verified, disputes and plays, and its alarms",
      description:
        "batches: batches in the chain as read from L1; verifiedPosition: the last position re-executed and found valid; invalid / unreadable: batch ids; games: every game it plays (role, status, moves, gas); alarms: what it cannot do its job through (an unreadable batch, an invalid batch not under dispute, blob batches it cannot read), each with the batch and when its window closes.",
      responses: { 200: { description: "Status" } },
      handler: async () => toJson(challenger.status()),
    },
  ];
  return withOpenApiRoute(
    {
      title: "l2kit optimistic rollup challenger",
      version: "1",
      description:
        "The challenger's view of the optimistic rollup: every batch read from L1 and re-executed, its disputes and games, and its alarms. See docs/optimistic-rollup.md.",
    },
    routes,
  );
}

export function createChallengerApi(challenger: Challenger, log?: Logger): Api {
  const app = createApi({
    service: "optimistic-challenger",
    log,
    healthChecks: { challenger: async () => challenger.health() },
  });
  registerRoutes(app, challengerRoutes(challenger));
  return app;
}
