import type { FastifyPluginAsync } from "fastify";
import { readinessCheck, singleFlight } from "./health.js";

/** GET /ready for load balancers and orchestrators: 200 when this replica should get traffic, else 503. */
export const readyRoutes: FastifyPluginAsync = async (app) => {
  const check = singleFlight(readinessCheck(app.deps.db, app.deps.redis));
  app.get("/ready", async (_req, reply) => {
    const report = await check();
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? "ready" : "not ready",
      database: report.database,
      redis: report.redis,
      migrations: report.migrations,
      // Live order updates reach other replicas through Redis; without it only this replica's subscribers
      // get this replica's events. Reported, not required (like Redis itself).
      fanout: app.services.orderEvents.degraded() ? "degraded" : "ok",
    });
  });
};
