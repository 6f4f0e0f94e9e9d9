/**
 * One database and one Redis key prefix for this test run, migrated and seeded once, dropped at the end.
 * Test files reach them through `inject("dbName")` / `inject("redisPrefix")` (see tests/helpers/env.ts).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import * as mariadb from "mariadb";
import type { TestProject } from "vitest/node";
import { loadConfig } from "../src/config.js";
import { connectionOptions, createDatabase } from "../src/db/database.js";
import { migrate } from "../src/db/migrate.js";
import { seed } from "../src/db/seed.js";
// @ts-expect-error plain ESM helper without types
import { ensureBuild } from "../scripts/ensure-build.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    dbName: string;
    redisPrefix: string;
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

  project.provide("dbName", dbName);
  project.provide("redisPrefix", redisPrefix);

  return async () => {
    const conn = await mariadb.createConnection(connectionOptions(config.db));
    // Scratch databases of this run (migration tests) share the run id.
    const rows: { name: string }[] = await conn.query(
      "SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?",
      [`coffee_test_${runId}%`],
    );
    for (const { name } of rows) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.end();

    const redis = new Redis({ host: config.redis.host, port: config.redis.port, lazyConnect: true });
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${redisPrefix}*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await redis.quit();
  };
}
