import fastifyCors from "@fastify/cors";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.js";
import type { RateLimiter } from "./rate-limiter.js";

const EXEMPT_ROUTES = new Set(["/health", "/ready", "/metrics"]);

/** Headers every response carries; HTML pages (IDEs, docs) add their own Content-Security-Policy. */
function securityHeaders(
  _req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (e: null, p: unknown) => void,
) {
  reply.header("x-content-type-options", "nosniff");
  reply.header("x-frame-options", "DENY");
  reply.header("referrer-policy", "no-referrer");
  reply.header("cross-origin-resource-policy", "same-site");
  done(null, payload);
}

/**
 * Counts one request from `ip` against the per-IP limit; throws RateLimitedError (429) when it is over, and then
 * counts nothing. Shared by the hook below and the hot path (src/http/hot-path.ts).
 */
export function perIpLimit(config: Config, limiter: RateLimiter): (ip: string | undefined) => void {
  const { requestsPerIp, windowSeconds } = config.rateLimits;
  return (ip) => limiter.count(`ip:${ip}`, requestsPerIp, windowSeconds, "too many requests; slow down");
}

/**
 * CORS from the configured allow-list, security headers, and the per-IP request limit (429 with
 * Retry-After; the body in the shape of the route's API).
 */
export const httpHygienePlugin = fp<{ config: Config; limiter: RateLimiter }>(
  async (app, { config, limiter }) => {
    app.addHook("onSend", securityHeaders);
    if (config.http.corsOrigins.length > 0) {
      await app.register(fastifyCors, {
        origin: config.http.corsOrigins,
        methods: ["GET", "POST"],
        allowedHeaders: [
          "authorization",
          "content-type",
          "apollo-require-preflight",
          "x-apollo-operation-name",
          "apollographql-client-name",
          "apollographql-client-version",
          "x-request-id",
        ],
        exposedHeaders: ["x-request-id", "x-cache", "retry-after"],
        maxAge: 600,
      });
      // Chrome asks before a public page (the hosted Sandbox) calls a private address (localhost): say yes for
      // the allowed origins (Private Network Access preflight).
      app.addHook("onSend", async (req, reply) => {
        if (
          req.method === "OPTIONS" &&
          req.headers["access-control-request-private-network"] === "true" &&
          reply.getHeader("access-control-allow-origin")
        ) {
          reply.header("access-control-allow-private-network", "true");
        }
      });
    }
    const countRequest = perIpLimit(config, limiter);
    // Probes and scrapes are exempt: a load balancer or Prometheus behind the same address as real clients (one
    // NAT, one proxy) must not see 429 and pull a healthy replica. Concurrent /health and /ready share one
    // dependency check (singleFlight in src/health/health.ts): a flood of them costs one query at a time.
    app.addHook("onRequest", (req, _reply, done) => {
      if (EXEMPT_ROUTES.has(req.routeOptions.url ?? "")) return done();
      try {
        countRequest(req.ip);
      } catch (err) {
        return done(err as Error);
      }
      done();
    });
    app.addHook("onClose", async () => limiter.close());
  },
  { name: "http-hygiene" },
);
