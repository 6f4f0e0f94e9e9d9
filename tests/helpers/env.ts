import { randomBytes } from "node:crypto";
import * as mariadb from "mariadb";
import { inject } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { connectionOptions } from "../../src/db/database.js";

/**
 * Config for this test run: its own database and Redis prefix, quiet logs. Another database (a scratch one)
 * gets a Redis prefix of its own too, so caches of different databases never mix.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const dbName = overrides.DB_NAME ?? inject("dbName");
  const redisPrefix =
    dbName === inject("dbName") ? inject("redisPrefix") : `${inject("redisPrefix")}${dbName}:`;
  // The run's Redis Cluster (TEST_REDIS_MODE=cluster), unless the test points at a Redis of its own.
  const ownRedis = ["REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"].some(
    (name) => overrides[name] !== undefined,
  );
  const clusterNodes = ownRedis ? "" : inject("redisClusterNodes");
  if (process.env.TEST_REDIS_MODE === "cluster" && !inject("redisClusterNodes")) {
    throw new Error("TEST_REDIS_MODE=cluster but the global setup started no Redis Cluster");
  }
  return loadConfig({
    ...process.env,
    DATABASE_URL: "",
    REDIS_URL: "",
    ENVIRONMENT: "test",
    LOG_LEVEL: "silent",
    // Every request of the suite comes from 127.0.0.1: only tests/security/ exercises the limits.
    RATE_LIMIT_REQUESTS_PER_IP: "1000000",
    RATE_LIMIT_LOGIN_PER_IP: "1000000",
    RATE_LIMIT_LOGIN_PER_USERNAME: "1000000",
    RATE_LIMIT_REGISTER_PER_IP: "1000000",
    DB_NAME: dbName,
    REDIS_KEY_PREFIX: redisPrefix,
    ...(clusterNodes ? { REDIS_CLUSTER_NODES: clusterNodes } : {}),
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

export const BINLOG_OFF =
  "MariaDB's binlog is off (@@log_bin = 0): run scripts/enable-binlog.sh (CI runs it)";

/**
 * Whether MariaDB's row binlog is on, for the files that need it (CDC, replicas). .ci/run turns it on
 * (scripts/enable-binlog.sh): under CI a binlog that is off is a failure (throw BINLOG_OFF), on a developer
 * machine that has not run the script those files are skipped.
 */
export async function binlogRequirement(): Promise<{ on: boolean; skip: boolean }> {
  const probe = await sqlConnection();
  try {
    const [{ logBin }] = (await probe.query("SELECT @@log_bin AS logBin")) as { logBin: number }[];
    const on = Number(logBin) === 1;
    return { on, skip: !on && process.env.CI !== "true" };
  } finally {
    await probe.end();
  }
}
