import { randomBytes } from "node:crypto";
import * as mariadb from "mariadb";
import { inject } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { connectionOptions } from "../../src/db/database.js";

/** Config for this test run: its own database and Redis prefix, quiet logs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    DATABASE_URL: "",
    REDIS_URL: "",
    ENVIRONMENT: "test",
    LOG_LEVEL: "silent",
    DB_NAME: inject("dbName"),
    REDIS_KEY_PREFIX: inject("redisPrefix"),
    ...overrides,
  });
}

/** A database name of this run that does not exist yet; global teardown drops it. */
export function scratchDatabaseName(label: string): string {
  return `${inject("dbName")}_${label}_${randomBytes(2).toString("hex")}`;
}

/** A plain SQL connection to the run's MariaDB server (no database selected unless given). */
export function sqlConnection(database?: string): Promise<mariadb.Connection> {
  return mariadb.createConnection({ ...connectionOptions(testConfig().db), database });
}
