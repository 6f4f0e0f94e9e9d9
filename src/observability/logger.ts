import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { LoggerOptions } from "pino";
import type { Config } from "../config.js";

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Honour a sane incoming X-Request-Id (from nginx or the client), otherwise make one. */
export function requestId(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function loggerOptions(config: Config): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: "coffee-shop-api", pid: process.pid },
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.passwordHash"],
      censor: "[redacted]",
    },
  };
}
