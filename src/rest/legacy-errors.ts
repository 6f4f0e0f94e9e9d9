import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { DomainError, RateLimitedError } from "../errors.js";
import { legacyJson } from "./legacy-json.js";

/** One entry of a FastAPI/pydantic v2 validation error list. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** An answer of the legacy contract: `{"detail": ...}` with a status and optional headers. */
export class LegacyHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string | ValidationIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === "string" ? detail : "Request validation failed");
  }
}

export const BEARER_CHALLENGE = { "www-authenticate": "Bearer" };

/** Sends `body` as the legacy service did; a Buffer keeps Fastify from adding "; charset=utf-8". */
export function sendLegacy(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return sendLegacyBytes(reply, status, Buffer.from(legacyJson(body)));
}

export function sendLegacyBytes(reply: FastifyReply, status: number, bytes: Buffer): FastifyReply {
  return reply.code(status).type("application/json").send(bytes);
}

export const validationFailed = (issues: ValidationIssue[]) => new LegacyHttpError(422, issues);

/**
 * Error handler of the legacy routes: contract errors as they are, domain errors mapped to their HTTP
 * status, request-level failures (body too large, bad content) with their status, anything else a fixed
 * 500 whose details only reach the log.
 */
export function legacyErrorHandler(error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof LegacyHttpError) {
    return sendLegacy(reply.headers(error.headers), error.statusCode, { detail: error.detail });
  }
  if (error instanceof RateLimitedError) {
    reply.header("retry-after", String(error.retryAfterSeconds));
    return sendLegacy(reply, 429, { detail: "请求过于频繁，请稍后再试" });
  }
  if (error instanceof DomainError) {
    const status = {
      NOT_FOUND: 404,
      CONFLICT: 409,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      BAD_USER_INPUT: 400,
    }[error.code];
    if (status) return sendLegacy(reply, status, { detail: error.message });
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return sendLegacy(reply, status, { detail: error.message });
  req.log.error({ err: error }, "legacy route failed");
  return sendLegacy(reply, 500, { detail: "Internal Server Error" });
}
