import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { PasswordHasher } from "./auth/password.js";
import { createRedis } from "./cache/redis.js";
import { metrics } from "./observability/metrics.js";
import type { Config } from "./config.js";
import { createDatabase } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { describeSeedResult, isCatalogueEmpty, seed, seedAdminFromConfig } from "./db/seed.js";

export interface RunningServer {
  app: FastifyInstance;
  /** Drains and closes everything; resolves to the process exit code. */
  shutdown(): Promise<number>;
}

/**
 * Stops accepting connections and waits for in-flight requests; after `timeoutMs` the remaining connections
 * are cut. A handler whose client already went away keeps no connection open, so `busy` (database work in
 * progress) is waited for too before the caller closes the pools. Resolves to true when all drained in time.
 */
export async function closeGracefully(
  app: FastifyInstance,
  timeoutMs: number,
  logger: FastifyBaseLogger,
  busy: () => boolean = () => false,
): Promise<boolean> {
  const deadlineAt = Date.now() + timeoutMs;
  let drained = true;
  const deadline = setTimeout(() => {
    drained = false;
    logger.warn({ timeoutMs }, "drain timed out; closing the remaining connections");
    app.server.closeAllConnections();
  }, timeoutMs);
  try {
    await app.close();
    while (busy() && Date.now() < deadlineAt) await new Promise((r) => setTimeout(r, 20));
  } finally {
    clearTimeout(deadline);
  }
  return drained && !busy();
}

/** The addresses a developer (or operator) wants first, logged when the server is ready. */
function whereToGo(config: Config, app: FastifyInstance): Record<string, string> {
  const { port } = app.server.address() as { port: number };
  const host = ["0.0.0.0", "::"].includes(config.host) ? "localhost" : config.host;
  const base = `http://${host}:${port}`;
  return {
    graphql: `${base}/graphql`,
    ...(config.environment === "production" ? {} : { ide: `${base}/altair/` }),
    restDocs: `${base}/docs`,
    health: `${base}/health`,
    metrics: `${base}/metrics`,
  };
}

export async function startServer(config: Config, logger: FastifyBaseLogger): Promise<RunningServer> {
  if (config.migrateOnStart) {
    const result = await migrate(config.db, { log: (m) => logger.info(m) });
    logger.info(
      { applied: result.applied.length, alreadyApplied: result.alreadyApplied.length },
      "migrations up to date",
    );
  }
  const db = createDatabase(config.db, { replicas: config.replicas, logger });
  if (config.seedOnStart) {
    if (await isCatalogueEmpty(db.prisma)) logger.info(describeSeedResult(await seed(db)));
    const admin = await seedAdminFromConfig(db.prisma, config.admin, new PasswordHasher(config.argon2));
    if (admin) logger.info(admin);
  }
  const redis = createRedis(config.redis, "commands", metrics.redisCommands);
  const app = await buildApp({ config, db, redis, logger });
  await app.listen({ host: config.host, port: config.port });
  logger.info(whereToGo(config, app), "ready");

  return {
    app,
    async shutdown() {
      logger.info("shutting down: draining in-flight requests");
      let code = 0;
      try {
        const busy = () => db.pool.activeConnections() > 0;
        if (!(await closeGracefully(app, config.shutdownTimeoutMs, logger, busy))) code = 1;
      } catch (err) {
        logger.error({ err }, "error while closing the server");
        code = 1;
      }
      await Promise.allSettled([db.close(), redis.quit()]);
      logger.info({ code }, "stopped");
      return code;
    },
  };
}
