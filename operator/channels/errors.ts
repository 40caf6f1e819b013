import { L2kitError } from "../core/errors";

/** A channel operation refused, or an exchange with a peer that broke; `code` says which. */
export class ChannelError extends L2kitError {
  constructor(code: string, message: string, fields: Record<string, unknown> = {}, status = 409) {
    super(code, message, fields, status);
  }
}
