import type { RedisClient } from "../cache/redis.js";
import { whenReady } from "../cache/redis.js";
import type { Database } from "../db/database.js";
import { appliedMigrationNames, readMigrations } from "../db/migrate.js";

export interface HealthReport {
  healthy: boolean;
  database: "connected" | "disconnected";
  redis: "connected" | "disconnected";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkHealth(
  db: Database,
  redis: RedisClient,
  timeoutMs = 2_000,
): Promise<HealthReport> {
  const [database, cache] = await Promise.allSettled([
    withTimeout(db.pool.query("SELECT 1"), timeoutMs),
    withTimeout(
      whenReady(redis, timeoutMs).then(() => redis.ping()),
      timeoutMs,
    ),
  ]);
  const report: HealthReport = {
    healthy: database.status === "fulfilled" && cache.status === "fulfilled",
    database: database.status === "fulfilled" ? "connected" : "disconnected",
    redis: cache.status === "fulfilled" ? "connected" : "disconnected",
  };
  return report;
}

/** `fn` run at most once at a time: calls while it runs share its result. */
export function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= fn().finally(() => (running = undefined)));
}

export interface ReadinessReport extends HealthReport {
  ready: boolean;
  migrations: "applied" | "pending" | "unknown";
}

/**
 * Whether this replica should get traffic: the database answers and every migration on disk is applied.
 * Redis is reported but not required: without it the replica serves from MySQL. The check reads the
 * migration files once, on its first run, and keeps their names for its later runs.
 */
export function readinessCheck(
  db: Database,
  redis: RedisClient,
  timeoutMs = 2_000,
): () => Promise<ReadinessReport> {
  let migrationNames: Promise<string[]> | undefined;
  return async () => {
    migrationNames ??= readMigrations().then((files) => files.map((f) => f.name));
    return checkReadiness(db, redis, timeoutMs, await migrationNames);
  };
}

async function checkReadiness(
  db: Database,
  redis: RedisClient,
  timeoutMs: number,
  migrationNames: string[],
): Promise<ReadinessReport> {
  const health = await checkHealth(db, redis, timeoutMs);
  let migrations: ReadinessReport["migrations"] = "unknown";
  if (health.database === "connected") {
    try {
      const applied = new Set(
        await withTimeout(
          db.pool.getConnection().then(async (conn) => {
            try {
              return await appliedMigrationNames(conn);
            } finally {
              await conn.release();
            }
          }),
          timeoutMs,
        ),
      );
      migrations = migrationNames.every((name) => applied.has(name)) ? "applied" : "pending";
    } catch {
      migrations = "unknown";
    }
  }
  return { ...health, migrations, ready: health.database === "connected" && migrations === "applied" };
}
