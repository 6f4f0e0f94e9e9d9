import fp from "fastify-plugin";
import type { Registry } from "prom-client";
import { metrics, registry } from "./metrics.js";

/** The status label of a request the client gave up on before the answer was written (nginx's convention). */
export const ABORTED_STATUS = "499";

/**
 * Request count, duration and in-flight gauge for every route, labelled by the route template (never the raw
 * URL), and GET /metrics for Prometheus (the process's metrics and the app's own gauges). Registered on the root instance before the routes, so it sees all of them.
 *
 * The response's `close` event ends every request exactly once, whether it was answered or the client went
 * away first: Fastify's onResponse runs only for a response that finished, and onRequestAbort only while the
 * request body is still arriving, so a client that closed while its request was being handled leaked one
 * in-flight request and was never counted.
 */
export const httpMetricsPlugin = fp<{ gauges: Registry }>(
  async (app, { gauges }) => {
    const counted = new WeakSet<object>();
    app.addHook("onRequest", async (req, reply) => {
      metrics.httpInFlight.inc();
      reply.raw.once("close", () => {
        metrics.httpInFlight.dec();
        if (counted.has(req)) return;
        const route = req.routeOptions.url ?? "unmatched";
        metrics.httpRequests.inc({ method: req.method, route, status: ABORTED_STATUS });
        metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
      });
    });
    app.addHook("onResponse", async (req, reply) => {
      counted.add(req);
      const route = req.routeOptions.url ?? "unmatched";
      metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    });

    app.get("/metrics", async (_req, reply) => {
      reply.type(registry.contentType);
      const [processMetrics, appMetrics] = await Promise.all([registry.metrics(), gauges.metrics()]);
      return `${processMetrics}\n${appMetrics}`;
    });
  },
  { name: "http-metrics" },
);
