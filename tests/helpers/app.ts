import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { RedisClient } from "../../src/cache/redis.js";
import { buildApp } from "../../src/app.js";
import { createRedis } from "../../src/cache/redis.js";
import { metrics } from "../../src/observability/metrics.js";
import type { Config } from "../../src/config.js";
import { createDatabase, type Database, type DatabaseOptions } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { seed } from "../../src/db/seed.js";
import { scratchDatabaseName, testConfig } from "./env.js";

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  redis: RedisClient;
  config: Config;
  close(): Promise<void>;
}

/** Every replica polls for revocations in the background (src/auth/revocations.ts): no request's SQL. */
const REVOCATION_POLL = /FROM session_revocations\s+WHERE (created_at|expires_at)/;

/**
 * The real app on the run's database and Redis prefix; `overrides` are environment variables. `onQuery` in
 * `dbOptions` sees the statements of requests (not the background revocation poll, nor its pruning). Without
 * `logger` the app logs as LOG_LEVEL says (silent in tests).
 */
export async function createTestApp(
  overrides: Record<string, string> = {},
  { onQuery, ...dbOptions }: DatabaseOptions = {},
  logger?: FastifyBaseLogger,
): Promise<TestApp> {
  const config = testConfig(overrides);
  const db = createDatabase(config.db, {
    replicas: config.replicas,
    ...dbOptions,
    ...(onQuery
      ? { onQuery: (sql: string, ms: number) => REVOCATION_POLL.test(sql) || onQuery(sql, ms) }
      : {}),
  });
  const redis = createRedis(config.redis, "commands", metrics.redisCommands);
  const app = await buildApp({ config, db, redis, logger });
  return {
    app,
    db,
    redis,
    config,
    async close() {
      await app.close();
      await Promise.allSettled([db.close(), redis.quit()]);
    },
  };
}

/**
 * The app on a database of its own (migrated and seeded) with a Redis prefix of its own: for tests that
 * change the catalogue, which the shared run database must not see.
 */
export async function createScratchApp(
  label: string,
  overrides: Record<string, string> = {},
  dbOptions: DatabaseOptions = {},
  logger?: FastifyBaseLogger,
): Promise<TestApp> {
  const database = scratchDatabaseName(label);
  await migrate({ ...testConfig().db, database });
  const t = await createTestApp({ DB_NAME: database, ...overrides }, dbOptions, logger);
  await seed(t.db);
  return t;
}

let userCounter = 0;

/** Registers a fresh user (an admin when asked) and returns a token for it. */
export async function userToken(t: TestApp, role: "CUSTOMER" | "ADMIN" = "CUSTOMER"): Promise<string> {
  const username = `${role.toLowerCase()}_${process.pid}_${++userCounter}`;
  const session = await t.app.services.accounts.register({ username, password: "coffee123" }, "127.0.0.1");
  if (role === "ADMIN") await t.db.prisma.user.update({ where: { id: session.user.id }, data: { role } });
  return session.token;
}
