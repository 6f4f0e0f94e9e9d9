/**
 * One database and one Redis key prefix for this test run, migrated and seeded once, dropped at the end.
 * Test files reach them through `inject("dbName")` / `inject("redisPrefix")` (see tests/helpers/env.ts).
 *
 * With TEST_REDIS_MODE=cluster (the "redis-cluster" project of vitest.config.ts sets it, or the shell) the run
 * also starts a private three-primary Redis Cluster, and every app and connection of the tests uses it instead
 * of the shared Redis, except where a test points at a redis-server of its own.
 */
import { randomBytes } from "node:crypto";
import * as mariadb from "mariadb";
import type { TestProject } from "vitest/node";
import { loadConfig } from "../src/config.js";
import { connectionOptions, createDatabase } from "../src/db/database.js";
import { migrate } from "../src/db/migrate.js";
import { seed } from "../src/db/seed.js";
import { createRedis, whenReady } from "../src/cache/redis.js";
import { deleteMatching } from "./helpers/redis-keys.js";
import { RedisClusterGroup } from "./helpers/redis-topology.js";
// @ts-expect-error plain ESM helper without types
import { ensureBuild } from "../scripts/ensure-build.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    dbName: string;
    redisPrefix: string;
    /** REDIS_CLUSTER_NODES of the run's private cluster, empty unless TEST_REDIS_MODE=cluster. */
    redisClusterNodes: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const dbName = `coffee_test_${runId}`;
  const redisPrefix = `coffee-test:${runId}:`;
  const config = loadConfig({ ...process.env, DB_NAME: dbName, DATABASE_URL: "", ENVIRONMENT: "test" });

  // Tests that run the real process start dist/main.js; build it once here.
  ensureBuild();
  await migrate(config.db);
  const db = createDatabase(config.db);
  await seed(db);
  await db.close();

  const mode = project.config.env?.TEST_REDIS_MODE ?? process.env.TEST_REDIS_MODE ?? "standalone";
  if (mode !== "standalone" && mode !== "cluster")
    throw new Error(`TEST_REDIS_MODE=${mode}: standalone or cluster`);
  const cluster = mode === "cluster" ? await RedisClusterGroup.start() : undefined;

  project.provide("dbName", dbName);
  project.provide("redisPrefix", redisPrefix);
  project.provide("redisClusterNodes", cluster?.nodeList ?? "");

  return async () => {
    const conn = await mariadb.createConnection(connectionOptions(config.db));
    // Scratch databases of this run (migration tests) share the run id.
    const rows: { name: string }[] = await conn.query(
      "SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?",
      [`coffee_test_${runId}%`],
    );
    for (const { name } of rows) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.end();

    if (cluster) {
      await cluster.stop();
      return;
    }
    const redis = createRedis({ ...config.redis, keyPrefix: "" });
    await whenReady(redis, 5_000);
    await deleteMatching(redis, "", `${redisPrefix}*`);
    await redis.quit();
  };
}
