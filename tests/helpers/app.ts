import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { buildApp } from "../../src/app.js";
import { createRedis } from "../../src/cache/redis.js";
import type { Config } from "../../src/config.js";
import { createDatabase, type Database, type DatabaseOptions } from "../../src/db/database.js";
import { testConfig } from "./env.js";

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  redis: Redis;
  config: Config;
  close(): Promise<void>;
}

/** The real app on the run's database and Redis prefix; `overrides` are environment variables. */
export async function createTestApp(
  overrides: Record<string, string> = {},
  dbOptions: DatabaseOptions = {},
): Promise<TestApp> {
  const config = testConfig(overrides);
  const db = createDatabase(config.db, dbOptions);
  const redis = createRedis(config.redis);
  const app = await buildApp({ config, db, redis });
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
