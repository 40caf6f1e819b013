/**
 * The ZK operator's HTTP API. Amounts, nonces, roots and keys are decimal strings (JSON numbers
 * cannot hold them); account indices and batch numbers too, for uniformity, except `token`.
 *
 * | route | what |
 * | --- | --- |
 * | `POST /v1/transactions` | submit a signed transfer or withdrawal (202, or a 4xx naming the problem) |
 * | `GET /v1/transactions/:hash` | status: pending, sealed/proven/submitted/final in batch N |
 * | `GET /v1/accounts/:index` | balance, nonce and key after the last sealed batch, and with pending transactions |
 * | `GET /v1/accounts/:index/exodus-proof` | leaf and Merkle siblings against the last final root |
 * | `GET /v1/batches/:number` | a batch: roots, transactions, proof time, L1 transaction |
 * | `GET /v1/status` | the rollup, circuit, head and final batches, mempool size |
 * | `GET /openapi.json` | this API as OpenAPI 3.1 |
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { createApi, schemas, toJson, uint256, type Api } from "../../core/api";
import { InputError, NotFoundError } from "../../core/errors";
import type { Logger } from "../../core/log";
import { registerRoutes, withOpenApiRoute, type RouteSpec } from "../../core/openapi";
import type { SignedTx } from "../batch";
import { FIELD, MAX_BALANCE, MAX_NONCE, MAX_TOKEN } from "../protocol";
import type { ZkOperator } from "./operator";

const decimal = (description: string): Record<string, unknown> => ({
  ...schemas.uint256,
  description,
});
const accountIndex = {
  type: "string",
  pattern: "^[1-9][0-9]{0,9}$",
  description: "Account index (decimal).",
};

const TX_BODY = {
  type: "object",
  additionalProperties: false,
  required: ["type", "from", "token", "nonce", "amount", "fee", "signature"],
  properties: {
    type: { type: "string", enum: ["transfer", "withdraw"] },
    from: accountIndex,
    to: { ...accountIndex, description: "Receiving account (transfers only)." },
    token: { type: "integer", minimum: 0, maximum: MAX_TOKEN, description: "Token id." },
    nonce: decimal("The sender's next nonce."),
    amount: decimal("Amount in base units; must be exactly representable as a float40."),
    fee: decimal("Fee in base units; exactly representable as a float8."),
    signature: {
      type: "object",
      additionalProperties: false,
      required: ["r8x", "r8y", "s"],
      properties: {
        r8x: decimal("EdDSA-Poseidon R8.x"),
        r8y: decimal("EdDSA-Poseidon R8.y"),
        s: decimal("EdDSA-Poseidon S"),
      },
    },
  },
} as const;

interface TxBody {
  type: "transfer" | "withdraw";
  from: string;
  to?: string;
  token: number;
  nonce: string;
  amount: string;
  fee: string;
  signature: { r8x: string; r8y: string; s: string };
}

/** The body's transaction, with every range checked (a 400 names the field). */
export function parseTxBody(body: TxBody, levels: number): SignedTx {
  const capacity = 1n << BigInt(2 * levels);
  const index = (v: string, field: string): bigint => {
    const n = uint256(v, field);
    if (n >= capacity) throw new InputError(field, `must be below ${capacity}`);
    return n;
  };
  const from = index(body.from, "body.from");
  let to = 0n;
  if (body.type === "transfer") {
    if (body.to === undefined) throw new InputError("body.to", "is required for a transfer");
    to = index(body.to, "body.to");
  } else if (body.to !== undefined) {
    throw new InputError("body.to", "must be absent for a withdrawal");
  }
  const nonce = uint256(body.nonce, "body.nonce");
  if (nonce >= MAX_NONCE) throw new InputError("body.nonce", `must be below ${MAX_NONCE}`);
  const amount = uint256(body.amount, "body.amount");
  if (amount > MAX_BALANCE) throw new InputError("body.amount", "must be below 2^128");
  const fee = uint256(body.fee, "body.fee");
  if (fee > MAX_BALANCE) throw new InputError("body.fee", "must be below 2^128");
  const field = (v: string, name: string): bigint => {
    const n = uint256(v, name);
    if (n >= FIELD) throw new InputError(name, "must be below the BN254 scalar field");
    return n;
  };
  return {
    from,
    to,
    token: body.token,
    nonce,
    amount,
    fee,
    signature: {
      R8: [
        field(body.signature.r8x, "body.signature.r8x"),
        field(body.signature.r8y, "body.signature.r8y"),
      ],
      S: field(body.signature.s, "body.signature.s"),
    },
  };
}

function txView(t: NonNullable<ReturnType<ZkOperator["txStatus"]>>): Record<string, unknown> {
  return {
    hash: t.hash,
    type: t.to === 0n ? "withdraw" : "transfer",
    from: t.from,
    ...(t.to === 0n ? {} : { to: t.to }),
    token: t.token,
    nonce: t.nonce,
    amount: t.amount,
    fee: t.fee,
    acceptedAt: new Date(t.acceptedAt).toISOString(),
    status: t.status,
    ...("batch" in t ? { batch: t.batch } : {}),
    ...("l1Tx" in t && t.l1Tx !== undefined ? { l1Tx: t.l1Tx } : {}),
  };
}

export function zkRoutes(op: ZkOperator, levels: number): RouteSpec[] {
  const indexParam = {
    type: "object",
    required: ["index"],
    additionalProperties: false,
    properties: { index: accountIndex },
  };
  const routes: RouteSpec[] = [
    {
      method: "POST",
      url: "/v1/transactions",
      summary: "Submit a signed transfer or withdrawal",
      description:
        "Accepted transactions are persisted before the answer. 400: malformed (names the field); 409: nonce already used or skipped; 422: insufficient balance, bad signature, unknown account, token mismatch, fee refused; 503: mempool full or shutting down.",
      body: TX_BODY,
      responses: {
        202: { description: "Accepted: { hash, status: pending }" },
        400: { description: "Malformed request" },
        409: { description: "Nonce already used (NONCE_USED) or skipped (NONCE_GAP)" },
        422: { description: "Valid request the rollup's rules refuse" },
        503: { description: "Mempool full or operator shutting down" },
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const tx = parseTxBody(req.body as TxBody, levels);
        const { hash } = await op.submit(tx);
        return reply.status(202).send({ hash, status: "pending" });
      },
    },
    {
      method: "GET",
      url: "/v1/transactions/:hash",
      summary: "A transaction's status",
      params: {
        type: "object",
        required: ["hash"],
        additionalProperties: false,
        properties: {
          hash: { ...schemas.bytes32, description: "Transaction hash (its signed message)." },
        },
      },
      responses: { 200: { description: "The transaction" }, 404: { description: "Unknown hash" } },
      handler: async (req: FastifyRequest) => {
        const { hash } = req.params as { hash: string };
        const t = op.txStatus(hash.toLowerCase());
        if (t === undefined) throw new NotFoundError("transaction", hash);
        return toJson(txView(t));
      },
    },
    {
      method: "GET",
      url: "/v1/accounts/:index",
      summary:
        "An account: token, balance, nonce and key after the last sealed batch, and with its pending transactions",
      params: indexParam,
      responses: { 200: { description: "The account" }, 404: { description: "No such account" } },
      handler: async (req: FastifyRequest) => {
        const index = BigInt((req.params as { index: string }).index);
        const a = op.account(index);
        if (a === undefined) throw new NotFoundError("account", index.toString());
        return toJson(a);
      },
    },
    {
      method: "GET",
      url: "/v1/accounts/:index/exodus-proof",
      summary:
        "The leaf and Merkle siblings an account needs for exodusWithdraw, against the last final root",
      params: indexParam,
      responses: {
        200: { description: "{ root, batch, account, siblings }" },
        404: { description: "No such account in the final state" },
      },
      handler: async (req: FastifyRequest) => {
        const index = BigInt((req.params as { index: string }).index);
        const p = op.exodusProof(index);
        if (p === undefined) throw new NotFoundError("account", index.toString());
        return toJson({ index, ...p });
      },
    },
    {
      method: "GET",
      url: "/v1/batches/:number",
      summary: "A batch: status, roots, transactions, proving time, L1 transaction",
      params: {
        type: "object",
        required: ["number"],
        additionalProperties: false,
        properties: { number: { type: "string", pattern: "^[1-9][0-9]{0,9}$" } },
      },
      responses: { 200: { description: "The batch" }, 404: { description: "No such batch" } },
      handler: async (req: FastifyRequest) => {
        const number = Number((req.params as { number: string }).number);
        const b = op.batchInfo(number);
        if (b === undefined) throw new NotFoundError("batch", String(number));
        return toJson({
          number: b.number,
          status: b.status,
          oldRoot: b.oldRoot,
          newRoot: b.newRoot,
          depositsFrom: b.depositsFrom,
          depositsTaken: b.depositsTaken,
          feeAccounts: b.feeAccounts,
          txs: b.txs,
          sealedAt: new Date(b.sealedAt).toISOString(),
          proveSeconds: b.proveSeconds ?? undefined,
          l1Tx: b.l1Tx ?? undefined,
          l1Block: b.l1Block ?? undefined,
          gasUsed: b.gasUsed ?? undefined,
        });
      },
    },
    {
      method: "GET",
      url: "/v1/status",
      summary: "The operator: rollup, circuit, head and final batches, mempool",
      responses: { 200: { description: "Status" } },
      handler: async () => toJson(op.status()),
    },
  ];
  return withOpenApiRoute(
    {
      title: "l2kit ZK rollup operator",
      version: "1",
      description:
        "Submit signed L2 transactions to the ZK rollup operator and follow them to L1 finality. See docs/zk-rollup.md.",
    },
    routes,
  );
}

/** The operator's fastify app with every route and the health check registered. */
export function createZkApi(op: ZkOperator, options: { log?: Logger; bodyLimit?: number }): Api {
  const app = createApi({
    service: "zk-operator",
    log: options.log,
    bodyLimit: options.bodyLimit,
    healthChecks: { pipeline: async () => op.health() },
  });
  registerRoutes(app, zkRoutes(op, op.config.shape.levels));
  return app;
}
