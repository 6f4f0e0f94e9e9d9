import fp from "fastify-plugin";
import { levels } from "pino";

/**
 * One line per answered request at info level: method, route template (never the raw URL, which may carry
 * tokens or personal data), status, duration, the request id (from the request's logger) and the user id when
 * the request was signed in. Fastify's own two lines per request are off (see app.ts); errors are logged in
 * full by the error handlers. At debug level each request's arrival is logged too.
 */
export const accessLogPlugin = fp(
  async (app) => {
    const enabled = (level: string) => levels.values[level] >= (levels.values[app.log.level] ?? Infinity);
    if (enabled("debug")) {
      app.addHook("onRequest", async (req) => {
        req.log.debug({ method: req.method, url: req.url }, "incoming request");
      });
    }
    if (!enabled("info")) return;
    app.addHook("onResponse", (req, reply, done) => {
      req.log.info(
        {
          method: req.method,
          route: req.routeOptions.url ?? "unmatched",
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          userId: req.userId,
        },
        "request",
      );
      done();
    });
  },
  { name: "access-log" },
);
