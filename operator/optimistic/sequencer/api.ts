/**
 * The optimistic sequencer's HTTP API. Amounts and nonces are decimal strings (JSON numbers
 * cannot hold them); addresses are 0x-hex; `token` is an integer.
 *
 * | route | what |
 * | --- | --- |
 * | `POST /v1/transactions` | submit a signed transfer or withdrawal (202, or a 4xx naming the problem) |
 * | `GET /v1/transactions/:hash` | status: pending, rejected (why), sealed/posted/final in batch N |
 * | `GET /v1/accounts/:address` | index, nonce and balances after the last sealed batch, and with pending transactions |
 * | `GET /v1/accounts/:address/withdrawals` | the address's withdrawals and whether each is final |
 * | `GET /v1/withdrawals/:id/proof` | the arguments of `proveWithdrawal` for a final withdrawal |
 * | `GET /v1/batches/:position` | a batch in the chain: roots, inbox range, transactions, L1 transaction |
 * | `GET /v1/status` | head, inbox, mempool, batch counts |
 * | `GET /openapi.json` | this API as OpenAPI 3.1 |
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { getAddress } from "ethers";
import { createApi, schemas, toJson, uint256, type Api } from "../../core/api";
import { InputError, L2kitError, NotFoundError } from "../../core/errors";
import type { Logger } from "../../core/log";
import { registerRoutes, withOpenApiRoute, type RouteSpec } from "../../core/openapi";
import { parseStrictSignature } from "../../lib/eip712";
import { MAX_NONCE, MAX_TOKEN, MAX_UINT256 } from "../protocol";
import type { SignedL2Tx } from "./db";
import type { Sequencer, TxView } from "./sequencer";

const decimal = (description: string): Record<string, unknown> => ({
  ...schemas.uint256,
  description,
});

const TX_BODY = {
  type: "object",
  additionalProperties: false,
  required: ["type", "from", "token", "nonce", "amount", "fee", "signature"],
  properties: {
    type: { type: "string", enum: ["transfer", "withdraw"] },
    from: { ...schemas.address, description: "The sender's L1 address (its L2 account's owner)." },
    to: { ...schemas.address, description: "The recipient's address (transfers only)." },
    token: { type: "integer", minimum: 0, maximum: MAX_TOKEN, description: "Token id (0: ETH)." },
    nonce: decimal("The sender's next nonce."),
    amount: decimal("Amount in base units; exactly representable as a float40."),
    fee: decimal("Fee in base units; exactly representable as a float8."),
    signature: {
      ...schemas.signature,
      description:
        "65-byte EIP-712 signature (r, s, v) of Transfer(to, token, amount, fee, nonce) or Withdraw(token, amount, fee, nonce) in the rollup's domain.",
    },
  },
} as const;

/** The `POST /v1/transactions` body (amounts and nonces as decimal strings). */
export interface TxBody {
  type: "transfer" | "withdraw";
  from: string;
  to?: string;
  token: number;
  nonce: string;
  amount: string;
  fee: string;
  signature: string;
}

/** The body's transaction with every range checked (a 400 names the field). */
export function parseTxBody(body: TxBody): SignedL2Tx {
  const address = (v: string, field: string): string => {
    try {
      return getAddress(v.toLowerCase());
    } catch {
      throw new InputError(field, "must be a 20-byte hex address");
    }
  };
  const sender = address(body.from, "body.from");
  let recipient: string | undefined;
  if (body.type === "transfer") {
    if (body.to === undefined) throw new InputError("body.to", "is required for a transfer");
    recipient = address(body.to, "body.to");
  } else if (body.to !== undefined) {
    throw new InputError("body.to", "must be absent for a withdrawal");
  }
  const nonce = uint256(body.nonce, "body.nonce");
  if (nonce >= MAX_NONCE) throw new InputError("body.nonce", `must be below ${MAX_NONCE}`);
  const amount = uint256(body.amount, "body.amount");
  const fee = uint256(body.fee, "body.fee");
  if (amount + fee > MAX_UINT256)
    throw new InputError("body.amount", "amount + fee exceeds 2^256-1");
  try {
    parseStrictSignature(body.signature, "body.signature");
  } catch (error) {
    if (error instanceof L2kitError) throw error;
    throw new InputError("body.signature", "is not a valid signature");
  }
  return {
    type: body.type,
    sender,
    ...(recipient === undefined ? {} : { recipient }),
    token: body.token,
    nonce,
    amount,
    fee,
    signature: body.signature.toLowerCase(),
  };
}

function txJson(t: TxView): Record<string, unknown> {
  return {
    hash: t.hash,
    type: t.type,
    from: t.sender,
    ...(t.recipient === undefined ? {} : { to: t.recipient }),
    token: t.token,
    nonce: t.nonce,
    amount: t.amount,
    fee: t.fee,
    acceptedAt: new Date(t.acceptedAt).toISOString(),
    status: t.view,
    ...(t.reason === null ? {} : { reason: t.reason }),
    ...(t.position === undefined ? {} : { batch: t.position }),
    ...(t.batchId === undefined ? {} : { batchId: t.batchId }),
    ...(t.requeued > 0 ? { requeuedAfterDiscard: t.requeued } : {}),
  };
}

const balancesJson = (m: Map<number, bigint>): Record<string, string> =>
  Object.fromEntries([...m].map(([token, amount]) => [String(token), amount.toString()]));

export function sequencerRoutes(seq: Sequencer): RouteSpec[] {
  const addressParam = {
    type: "object",
    required: ["address"],
    additionalProperties: false,
    properties: { address: schemas.address },
  };
  const numberParam = (name: string): Record<string, unknown> => ({
    type: "object",
    required: [name],
    additionalProperties: false,
    properties: { [name]: { type: "string", pattern: "^(0|[1-9][0-9]{0,9})$" } },
  });
  const routes: RouteSpec[] = [
    {
      method: "POST",
      url: "/v1/transactions",
      summary: "Submit a signed transfer or withdrawal",
      description:
        "Accepted transactions are persisted before the answer. 400: malformed (names the field); 409: nonce already used or skipped; 422: unknown account, insufficient balance, bad signature, fee refused; 503: mempool full, halted or shutting down.",
      body: TX_BODY,
      responses: {
        202: { description: "Accepted: { hash, status: pending }" },
        400: { description: "Malformed request" },
        409: { description: "Nonce already used (NONCE_USED) or skipped (NONCE_GAP)" },
        422: { description: "A valid request the rollup's rules refuse" },
        503: { description: "Mempool full, sequencer halted or shutting down" },
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const { hash } = await seq.submit(parseTxBody(req.body as TxBody));
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
          hash: { ...schemas.bytes32, description: "keccak256(sender ‖ EIP-712 digest)" },
        },
      },
      responses: { 200: { description: "The transaction" }, 404: { description: "Unknown hash" } },
      handler: async (req: FastifyRequest) => {
        const { hash } = req.params as { hash: string };
        const t = seq.tx(hash);
        if (t === undefined) throw new NotFoundError("transaction", hash);
        return toJson(txJson(t));
      },
    },
    {
      method: "GET",
      url: "/v1/accounts/:address",
      summary:
        "An account: index, nonce and balances after the last sealed batch, and with its pending transactions",
      params: addressParam,
      responses: { 200: { description: "The account" }, 404: { description: "No L2 account" } },
      handler: async (req: FastifyRequest) => {
        const { address } = req.params as { address: string };
        const a = seq.account(address);
        if (a === undefined) throw new NotFoundError("account", address);
        return toJson({
          address: a.address,
          index: a.index,
          nonce: a.nonce,
          balances: balancesJson(a.balances),
          pending: { nonce: a.pending.nonce, balances: balancesJson(a.pending.balances) },
        });
      },
    },
    {
      method: "GET",
      url: "/v1/accounts/:address/withdrawals",
      summary:
        "The address's L2 withdrawals (after the last sealed batch) and whether each is final",
      params: addressParam,
      responses: { 200: { description: "{ withdrawals: [...] }" } },
      handler: async (req: FastifyRequest) => {
        const { address } = req.params as { address: string };
        return toJson({ withdrawals: seq.withdrawalsOf(address) });
      },
    },
    {
      method: "GET",
      url: "/v1/withdrawals/:id/proof",
      summary: "The arguments of proveWithdrawal for a withdrawal, against the last final batch",
      params: numberParam("id"),
      responses: {
        200: { description: "{ position, header, withdrawal, bitmap, siblings }" },
        404: { description: "No such withdrawal" },
        409: { description: "WITHDRAWAL_NOT_FINAL: its batch's challenge window is still open" },
      },
      handler: async (req: FastifyRequest) => {
        const id = BigInt((req.params as { id: string }).id);
        const p = seq.withdrawalProof(id);
        if (p === undefined) throw new NotFoundError("withdrawal", id.toString());
        if (!p.final) {
          throw new L2kitError(
            "WITHDRAWAL_NOT_FINAL",
            `withdrawal ${id} is not in a final batch yet; retry after its batch's challenge window`,
            { id },
            409,
          );
        }
        return toJson({ id, ...p });
      },
    },
    {
      method: "GET",
      url: "/v1/batches/:position",
      summary: "A batch in the chain: status, roots, inbox range, transactions, L1 transaction",
      params: numberParam("position"),
      responses: { 200: { description: "The batch" }, 404: { description: "No such batch" } },
      handler: async (req: FastifyRequest) => {
        const position = Number((req.params as { position: string }).position);
        const b = seq.batchAt(position);
        if (b === undefined) throw new NotFoundError("batch", String(position));
        return toJson({
          position: b.position,
          status: b.status,
          id: b.batchId ?? undefined,
          prevRoot: b.prevRoot,
          stateRoot: b.claimedRoot,
          inboxStart: b.inboxStart,
          inboxCount: b.inboxCount,
          feeAccount: b.feeAccount,
          txs: b.txs,
          sealedAt: new Date(b.sealedAt).toISOString(),
          l1Tx: b.l1Tx ?? undefined,
          l1Block: b.l1Block ?? undefined,
          gasUsed: b.gasUsed ?? undefined,
        });
      },
    },
    {
      method: "GET",
      url: "/v1/status",
      summary: "The sequencer: head, inbox, mempool, batches",
      responses: { 200: { description: "Status" } },
      handler: async () => toJson(seq.status()),
    },
  ];
  return withOpenApiRoute(
    {
      title: "l2kit optimistic rollup sequencer",
      version: "1",
      description:
        "Submit signed L2 transactions to the optimistic rollup's sequencer and follow them to L1 finality. See docs/optimistic-rollup.md.",
    },
    routes,
  );
}

export function createSequencerApi(
  seq: Sequencer,
  options: { log?: Logger; bodyLimit?: number },
): Api {
  const app = createApi({
    service: "optimistic-sequencer",
    log: options.log,
    bodyLimit: options.bodyLimit,
    healthChecks: { pipeline: async () => seq.health() },
  });
  registerRoutes(app, sequencerRoutes(seq));
  return app;
}
