import type { Redis } from "ioredis";
import { whenReady } from "../cache/redis.js";
import type { Database } from "../db/database.js";

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

export async function checkHealth(db: Database, redis: Redis, timeoutMs = 2_000): Promise<HealthReport> {
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
