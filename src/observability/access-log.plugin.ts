import type { FastifyBaseLogger } from "fastify";
import fp from "fastify-plugin";
import { levels } from "pino";

/** The fields of one access-log line. */
export interface AccessLine {
  requestId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  userId?: number;
}

/**
 * The writer of access-log lines, or undefined when info lines are off. Shared by the Fastify hook below and
 * the hot path (src/http/hot-path.ts), so a request logs the same line whichever path answered it.
 */
export function accessLogger(log: FastifyBaseLogger): ((line: AccessLine) => void) | undefined {
  if (!levelEnabled(log, "info")) return undefined;
  // The line's fields are fixed and never secret, so it skips the logger's redaction: with its wildcard paths
  // that cost more than the rest of the line (about 6 KB of garbage per request, measured).
  const accessLog = log.child({}, { redact: [] });
  return (line) => accessLog.info(line, "request");
}

export const levelEnabled = (log: FastifyBaseLogger, level: string) =>
  levels.values[level] >= (levels.values[log.level] ?? Infinity);

/** A duration in milliseconds as the access line gives it: one decimal. */
export const roundedMs = (ms: number) => Math.round(ms * 10) / 10;

/**
 * One line per answered request at info level: method, route template (never the raw URL, which may carry
 * tokens or personal data), status, duration, the request id and the user id when
 * the request was signed in. Fastify's own two lines per request are off (see app.ts); errors are logged in
 * full by the error handlers. At debug level each request's arrival is logged too.
 */
export const accessLogPlugin = fp(
  async (app) => {
    if (levelEnabled(app.log, "debug")) {
      app.addHook("onRequest", async (req) => {
        req.log.debug({ method: req.method, url: req.url }, "incoming request");
      });
    }
    const logAccess = accessLogger(app.log);
    if (!logAccess) return;
    app.addHook("onResponse", (req, reply, done) => {
      logAccess({
        requestId: req.id,
        method: req.method,
        route: req.routeOptions.url ?? "unmatched",
        status: reply.statusCode,
        ms: roundedMs(reply.elapsedTime),
        userId: req.userId,
      });
      done();
    });
  },
  { name: "access-log" },
);
