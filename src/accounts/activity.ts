import type { RedisClient } from "../cache/redis.js";
import type { RedisBreaker } from "../cache/breaker.js";

const KEY = "active-users";
const WINDOW_MS = 5 * 60_000;

/**
 * Distinct signed-in users over the last five minutes, shared by all replicas: a Redis sorted set of user ids
 * scored by last-seen time. Best effort: without Redis nothing is recorded and the gauge keeps its last value.
 */
export class ActivityTracker {
  constructor(
    private readonly redis: RedisClient,
    private readonly breaker: RedisBreaker,
  ) {}

  seen(userId: number): void {
    if (!this.breaker.available()) return;
    this.redis.zadd(KEY, Date.now(), String(userId)).catch(() => undefined);
  }

  async count(now = Date.now()): Promise<number> {
    if (!this.breaker.available()) throw new Error("redis unavailable");
    const results = await this.redis
      .multi()
      .zremrangebyscore(KEY, "-inf", now - WINDOW_MS)
      .pexpire(KEY, WINDOW_MS)
      .zcard(KEY)
      .exec();
    return Number(results?.[2]?.[1] ?? 0);
  }
}
