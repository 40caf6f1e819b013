/**
 * Operator routes declared once, as data: each route's JSON schemas validate requests in fastify
 * and describe them in the OpenAPI 3.1 document the operator serves at `/openapi.json`, so the
 * published API can never drift from what the server accepts.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Api } from "./api";

export type JsonSchema = Record<string, unknown>;

export interface RouteSpec {
  method: "GET" | "POST";
  /** fastify path, e.g. `/v1/accounts/:index`. */
  url: string;
  summary: string;
  description?: string;
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  /** Status code to description (and optionally a response schema). */
  responses: Record<number, { description: string; schema?: JsonSchema }>;
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** The error body every 4xx/5xx answer has (see `operator/core/api.ts`). */
export const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: { type: "string", description: "Stable machine-readable code, e.g. NONCE_USED." },
    message: { type: "string" },
    field: { type: "string", description: "The request field at fault, when there is one." },
    reason: { type: "string" },
  },
};

/** Registers `routes` on `app`. */
export function registerRoutes(app: Api, routes: readonly RouteSpec[]): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      schema: {
        ...(r.params === undefined ? {} : { params: r.params }),
        ...(r.querystring === undefined ? {} : { querystring: r.querystring }),
        ...(r.body === undefined ? {} : { body: r.body }),
      },
      handler: r.handler,
    });
  }
}

/** The OpenAPI 3.1 document of `routes`. */
export function openApiDocument(
  info: { title: string; version: string; description: string },
  routes: readonly RouteSpec[],
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", r.params],
      ["query", r.querystring],
    ] as const) {
      const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema?.required ?? []) as string[];
      for (const [name, s] of Object.entries(props)) {
        parameters.push({
          name,
          in: where,
          required: where === "path" || required.includes(name),
          schema: s,
          ...(typeof s.description === "string" ? { description: s.description } : {}),
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      const schema = resp.schema ?? (Number(status) >= 400 ? ERROR_SCHEMA : undefined);
      responses[status] = {
        description: resp.description,
        ...(schema === undefined ? {} : { content: { "application/json": { schema } } }),
      };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.description === undefined ? {} : { description: r.description }),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(r.body === undefined
        ? {}
        : { requestBody: { required: true, content: { "application/json": { schema: r.body } } } }),
      responses,
    };
  }
  return { openapi: "3.1.0", info, paths };
}

/** `routes` plus `GET /openapi.json`, which serves their OpenAPI document. */
export function withOpenApiRoute(
  info: { title: string; version: string; description: string },
  routes: RouteSpec[],
): RouteSpec[] {
  const doc = openApiDocument(info, routes);
  return [
    ...routes,
    {
      method: "GET",
      url: "/openapi.json",
      summary: "This API as OpenAPI 3.1",
      responses: { 200: { description: "The OpenAPI document" } },
      handler: async () => doc,
    },
  ];
}
