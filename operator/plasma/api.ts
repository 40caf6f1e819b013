/**
 * The Plasma operator's HTTP API. Amounts, positions and block numbers are decimal strings.
 *
 * | route | what |
 * | --- | --- |
 * | `POST /v1/transactions` | submit a signed transaction (202 once stored, or a 4xx naming why) |
 * | `GET /v1/utxos/:owner` | the owner's outputs (unspent, or pending in the mempool) |
 * | `GET /v1/outputs/:pos` | one output and its status |
 * | `GET /v1/blocks/:number` | a child block: root, status, transactions with their signatures |
 * | `GET /v1/exits/:pos` | what `startExit` needs for an output: its transaction and proof |
 * | `GET /v1/status` | the operator, its last block, the mempool |
 * | `GET /health`, `GET /openapi.json` | liveness; this API as OpenAPI 3.1 |
 */
import type { FastifyRequest } from "fastify";
import { createApi, schemas, toJson, uint256, type Api } from "../core/api";
import { InputError, NotFoundError } from "../core/errors";
import type { Logger } from "../core/log";
import { registerRoutes, withOpenApiRoute, type RouteSpec } from "../core/openapi";
import { txJson, type TxJson } from "./ledger";
import type { PlasmaOperator } from "./operator";
import type { PlasmaWatcher } from "./watcher";
import type { Transaction } from "./tx";

const TX_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["inputs", "outputs"],
  properties: {
    inputs: { type: "array", maxItems: 2, items: schemas.uint256 },
    outputs: {
      type: "array",
      maxItems: 2,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["owner", "token", "amount"],
        properties: { owner: schemas.address, token: schemas.address, amount: schemas.uint256 },
      },
    },
  },
} as const;

function txOf(j: TxJson): Transaction {
  return {
    inputs: j.inputs.map((p, i) => uint256(p, `tx.inputs[${i}]`)),
    outputs: j.outputs.map((o, i) => ({
      owner: o.owner,
      token: o.token,
      amount: uint256(o.amount, `tx.outputs[${i}].amount`),
    })),
  };
}

const posParam = (name: string) =>
  ({
    type: "object",
    required: [name],
    additionalProperties: false,
    properties: { [name]: schemas.uint256 },
  }) as const;

export function plasmaOperatorRoutes(operator: PlasmaOperator): RouteSpec[] {
  const ledger = operator.ledger;
  const routes: RouteSpec[] = [
    {
      method: "POST",
      url: "/v1/transactions",
      summary: "Submit a signed transaction",
      description:
        "Stored before the 202. 400: malformed (names the field); 404: an input that does not exist (UNKNOWN_INPUT); 409: an input spent or pending (DOUBLE_SPEND) or exiting (INPUT_EXITING); 422: a signature not by the input's owner (BAD_SIGNATURE), outputs that do not equal inputs per token (UNBALANCED), an output spent twice (DUPLICATE_INPUT).",
      body: {
        type: "object",
        additionalProperties: false,
        required: ["tx", "sigs"],
        properties: {
          tx: TX_SCHEMA,
          sigs: { type: "array", maxItems: 2, items: schemas.signature },
        },
      },
      responses: {
        202: { description: "Accepted: { hash }" },
        400: { description: "Malformed" },
        404: { description: "Unknown input" },
        409: { description: "Double spend or exiting input" },
        422: { description: "Refused (signature, balance)" },
      },
      handler: async (req, reply) => {
        const b = req.body as { tx: TxJson; sigs: string[] };
        const hash = operator.submit({ tx: txOf(b.tx), sigs: b.sigs });
        return reply.status(202).send({ hash });
      },
    },
    {
      method: "GET",
      url: "/v1/utxos/:owner",
      summary: "The owner's outputs: unspent, or pending in the mempool",
      params: {
        type: "object",
        required: ["owner"],
        additionalProperties: false,
        properties: { owner: schemas.address },
      },
      responses: { 200: { description: "Outputs" } },
      handler: async (req: FastifyRequest) =>
        toJson(ledger.utxosOf((req.params as { owner: string }).owner)),
    },
    {
      method: "GET",
      url: "/v1/outputs/:pos",
      summary: "One output and its status",
      params: posParam("pos"),
      responses: { 200: { description: "The output" }, 404: { description: "Unknown" } },
      handler: async (req: FastifyRequest) => {
        const pos = (req.params as { pos: string }).pos;
        const o = ledger.output(uint256(pos, "pos"));
        if (o === undefined) throw new NotFoundError("output", pos);
        return toJson(o);
      },
    },
    {
      method: "GET",
      url: "/v1/blocks/:number",
      summary: "A child block: root, status, transactions and signatures",
      params: posParam("number"),
      responses: { 200: { description: "The block" }, 404: { description: "Unknown" } },
      handler: async (req: FastifyRequest) => {
        const n = (req.params as { number: string }).number;
        const b = ledger.block(uint256(n, "number"));
        if (b === undefined) throw new NotFoundError("block", n);
        return {
          number: b.number.toString(),
          root: b.root,
          status: b.status,
          l1Tx: b.l1Tx,
          txs: b.txs.map((s) => ({ tx: txJson(s.tx), sigs: s.sigs })),
        };
      },
    },
    {
      method: "GET",
      url: "/v1/exits/:pos",
      summary: "What startExit needs for an output: its transaction and inclusion proof",
      params: posParam("pos"),
      responses: { 200: { description: "{ tx, proof }" }, 404: { description: "Unknown" } },
      handler: async (req: FastifyRequest) => {
        const pos = uint256((req.params as { pos: string }).pos, "pos");
        if (pos >= 1n << 128n) throw new InputError("pos", "not an output position");
        const { tx, proof } = ledger.exitData(pos);
        return { tx: txJson(tx), proof };
      },
    },
    {
      method: "GET",
      url: "/v1/status",
      summary: "The operator, its last block and the mempool",
      responses: { 200: { description: "Status" } },
      handler: async () => ({
        operator: operator.address,
        plasma: operator.config.plasma,
        chainId: operator.config.chainId.toString(),
        lastBlock: ledger.lastBlock()?.toString() ?? null,
        unsubmitted: ledger.unsubmitted().map(String),
        mempool: ledger.mempoolSize(),
      }),
    },
  ];
  return withOpenApiRoute(
    {
      title: "l2kit Plasma operator",
      version: "1",
      description:
        "Accepts signed UTXO transactions, builds child blocks and commits their roots; serves blocks, outputs and exit proofs.",
    },
    routes,
  );
}

export function createPlasmaOperatorApi(operator: PlasmaOperator, log?: Logger): Api {
  const app = createApi({
    service: "plasma-operator",
    log,
    bodyLimit: 16 * 1024,
    healthChecks: { operator: async () => operator.health() },
  });
  registerRoutes(app, plasmaOperatorRoutes(operator));
  return app;
}

/** The watcher's API: `GET /v1/status` (the alarm, blocks verified, exits challenged), `/health`. */
export function createPlasmaWatcherApi(watcher: PlasmaWatcher, log?: Logger): Api {
  const app = createApi({
    service: "plasma-watcher",
    log,
    healthChecks: { watcher: async () => watcher.health() },
  });
  registerRoutes(
    app,
    withOpenApiRoute(
      {
        title: "l2kit Plasma watcher",
        version: "1",
        description:
          "Replays the operator's blocks, challenges exits of spent outputs, and raises the alarm on invalid or withheld blocks.",
      },
      [
        {
          method: "GET",
          url: "/v1/status",
          summary: "The alarm (null while the chain is sound), blocks verified, exits challenged",
          responses: { 200: { description: "Status" } },
          handler: async () => watcher.status(),
        },
      ],
    ),
  );
  return app;
}
