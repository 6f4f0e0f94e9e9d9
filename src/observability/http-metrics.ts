import type { FastifyInstance } from "fastify";
import { metrics, registry } from "./metrics.js";

/**
 * Request count, duration and in-flight gauge for every route, labelled by the route template (never the raw
 * URL), and GET /metrics for Prometheus. Call on the root instance before the routes are added.
 */
export function registerHttpMetrics(app: FastifyInstance): void {
  // A request leaves the in-flight gauge once: when answered, or when the client gave up first.
  const inFlight = new WeakSet<object>();
  const done = (req: object) => {
    if (inFlight.delete(req)) metrics.httpInFlight.dec();
  };
  app.addHook("onRequest", async (req) => {
    inFlight.add(req);
    metrics.httpInFlight.inc();
  });
  app.addHook("onRequestAbort", async (req) => done(req));
  app.addHook("onResponse", async (req, reply) => {
    done(req);
    const route = req.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  app.get("/metrics", async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
