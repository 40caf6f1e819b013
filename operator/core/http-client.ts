/**
 * The client side of operator APIs: JSON over HTTP, with every non-2xx answer turned into an
 * `ApiError` that carries the operator's error code, its fields and the HTTP status; and L1
 * contract calls whose reverts come back with the contract's custom error decoded.
 */
import type { Interface } from "ethers";
import { L2kitError } from "./errors";
import { extractRevertData } from "./publisher";

/** A non-2xx answer of an operator API. */
export class ApiError extends L2kitError {
  constructor(
    readonly httpStatus: number,
    readonly body: Record<string, unknown>,
    url: string,
    fallbackCode = "API_ERROR",
  ) {
    super(
      typeof body.error === "string" ? body.error : fallbackCode,
      `${url}: ${httpStatus} ${typeof body.message === "string" ? body.message : typeof body.reason === "string" ? `${String(body.field)}: ${body.reason}` : JSON.stringify(body)}`,
      { httpStatus, ...body },
      httpStatus,
    );
  }
}

/** GET and POST JSON against `baseUrl()`; `service` names it in errors. */
export class JsonApi {
  constructor(
    private readonly service: string,
    private readonly baseUrl: () => string | undefined,
    private readonly makeError: (
      status: number,
      body: Record<string, unknown>,
      url: string,
    ) => Error = (status, body, url) => new ApiError(status, body, url),
  ) {}

  get(path: string): Promise<unknown> {
    return this.request(path, { method: "GET" });
  }

  post(path: string, body: unknown): Promise<unknown> {
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  private async request(path: string, init: RequestInit): Promise<unknown> {
    const base = this.baseUrl();
    if (base === undefined)
      throw new L2kitError("NO_API_URL", `no ${this.service} URL configured`, {});
    const url = `${base.replace(/\/$/, "")}${path}`;
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (error) {
      throw new L2kitError(
        "API_UNREACHABLE",
        `cannot reach the ${this.service} at ${url}: ${(error as Error).message}`,
        { url },
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      body = { error: "BAD_RESPONSE", message: text.slice(0, 200) };
    }
    if (!res.ok) throw this.makeError(res.status, body as Record<string, unknown>, url);
    return body;
  }
}

/** A contract call that reverted, with the contract's custom error decoded. */
export class ContractRevertError extends L2kitError {
  constructor(
    code: string,
    readonly call: string,
    readonly errorName: string,
    readonly args: readonly unknown[],
  ) {
    super(code, `${call} reverted: ${errorName}(${args.map(String).join(", ")})`, {
      call,
      errorName,
      args: args.map(String),
    });
  }
}

/**
 * Runs an L1 call; a revert whose data `iface` decodes comes back as a `ContractRevertError`
 * with `code` (ethers leaves custom errors of estimated calls undecoded).
 */
export async function callContract<T>(
  code: string,
  iface: Interface,
  call: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const data = extractRevertData(error);
    if (data !== undefined) {
      let parsed = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        parsed = null;
      }
      if (parsed !== null) throw new ContractRevertError(code, call, parsed.name, [...parsed.args]);
    }
    throw error;
  }
}
