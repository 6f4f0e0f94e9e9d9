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
 * away first (a response not finished by then counts as 499): Fastify's onResponse runs only for a response
 * that finished, and onRequestAbort only while the request body is still arriving, so a client that closed
 * while its request was being handled would leak one in-flight request and never be counted.
 */
export const httpMetricsPlugin = fp<{ gauges: Registry }>(
  async (app, { gauges }) => {
    app.addHook("onRequest", (req, reply, done) => {
      metrics.httpInFlight.inc();
      const res = reply.raw;
      res.once("close", () => {
        metrics.httpInFlight.dec();
        const method = req.method;
        const route = req.routeOptions.url ?? "unmatched";
        const status = res.writableEnded ? String(reply.statusCode) : ABORTED_STATUS;
        metrics.httpRequests.inc({ method, route, status });
        metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
      });
      done();
    });

    app.get("/metrics", async (_req, reply) => {
      reply.type(registry.contentType);
      const [processMetrics, appMetrics] = await Promise.all([registry.metrics(), gauges.metrics()]);
      return `${processMetrics}\n${appMetrics}`;
    });
  },
  { name: "http-metrics" },
);
