import type { FastifyPluginAsync } from "fastify";
import { checkHealth } from "../observability/health.js";

/** `GET /` and `GET /health` of the legacy service. */
export const rootRoutes: FastifyPluginAsync = async (app) => {
  app.get("/", async () => ({ message: "欢迎使用咖啡店API服务" }));

  app.get("/health", async (_req, reply) => {
    const report = await checkHealth(app.deps.db, app.deps.redis);
    // The legacy service said 200 even when a dependency was down; load balancers need the 503.
    return reply.code(report.healthy ? 200 : 503).send({
      status: report.healthy ? "healthy" : "unhealthy",
      database: report.database,
      redis: report.redis,
    });
  });
};
