import type { RedisClient } from "../cache/redis.js";
import type { RedisBreaker } from "../cache/breaker.js";
import { defineScript } from "../cache/redis.js";
import { RateLimitedError } from "../errors.js";

// KEYS[1] counter; ARGV[1] window in ms, ARGV[2] hits to add. Returns { count in this window, ms until it ends }.
const HIT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }`;

/** How often a replica adds its locally counted hits to the shared counters (see `count`). */
const SYNC_INTERVAL_MS = 100;

export interface RateLimitLogger {
  warn(obj: object, msg: string): void;
}

interface LocalBucket {
  windowMs: number;
  /** Hits counted here and not yet added in Redis. */
  unsynced: number;
  /** Hits on their way to Redis: counted until its answer (which includes them) arrives. */
  syncing: number;
  /** The shared count as Redis last answered, and when that window ends. */
  shared: number;
  endsAt: number;
}

/**
 * Fixed-window counters in Redis, so that a limit holds across all replicas. Without Redis the limits fail
 * open (the request goes through; the per-replica local count of `count` still applies) and a warning is
 * logged at most once a minute: availability over throttling, as the cache does.
 */
export class RateLimiter {
  private lastWarning = 0;
  private readonly add: ReturnType<typeof defineScript>;
  private readonly local = new Map<string, LocalBucket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisClient,
    private readonly breaker: RedisBreaker,
    private readonly log: RateLimitLogger,
  ) {
    this.add = defineScript(redis, 1, HIT);
    this.timer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS).unref();
  }

  /**
   * Counts one hit on `bucket` in Redis at once; throws RateLimitedError when it is over `limit` in the current
   * window. For low-volume, must-hold limits (logins, registrations).
   */
  async hit(bucket: string, limit: number, windowSeconds: number, message: string): Promise<void> {
    if (!this.breaker.available()) return this.failOpen(bucket);
    let result: [number, number];
    try {
      result = (await this.add(`rl:${bucket}`, windowSeconds * 1000, 1)) as [number, number];
      this.breaker.success();
    } catch (err) {
      this.breaker.failure(err);
      return this.failOpen(bucket);
    }
    const [count, ttlMs] = result;
    if (count > limit) throw new RateLimitedError(message, Math.max(1, Math.ceil(ttlMs / 1000)));
  }

  /**
   * The current counts of `buckets` (0 for none), or null when Redis is unusable. One MGET: on a Redis Cluster
   * the buckets must share a hash tag (`name:{tag}...`).
   */
  async counts(buckets: string[]): Promise<number[] | null> {
    if (!this.breaker.available()) return null;
    try {
      const values = await this.redis.mget(...buckets.map((b) => `rl:${b}`));
      this.breaker.success();
      return values.map((v) => Number(v ?? 0));
    } catch (err) {
      this.breaker.failure(err);
      return null;
    }
  }

  /** Adds one to `bucket` in its current window (best effort: without Redis nothing is counted). */
  async increment(bucket: string, windowSeconds: number): Promise<void> {
    if (!this.breaker.available()) return this.failOpen(bucket);
    await this.add(`rl:${bucket}`, windowSeconds * 1000, 1).catch((err) => this.breaker.failure(err));
  }

  /**
   * Waits (at most `maxWaitMs`) for a turn on `bucket`, which grants one turn per `everyMs` across all
   * replicas; false when none came in time. Without Redis every caller gets a turn.
   */
  async takeTurn(bucket: string, everyMs: number, maxWaitMs: number): Promise<boolean> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      if (!this.breaker.available()) return true;
      let granted: string | null;
      try {
        granted = await this.redis.set(`rl:${bucket}`, "1", "PX", everyMs, "NX");
      } catch (err) {
        this.breaker.failure(err);
        return true;
      }
      if (granted === "OK") return true;
      if (Date.now() + everyMs / 4 > deadline) return false;
      await new Promise((r) => setTimeout(r, everyMs / 4));
    }
  }

  /**
   * Counts one hit without a Redis round trip: hits are counted locally and added to the shared counter every
   * SYNC_INTERVAL_MS, and the decision uses the shared count last seen plus the local hits. Across replicas a
   * limit can be exceeded by what the others counted within one interval. For the per-request limit, which a
   * round trip on every request would make the largest cost of a cached answer.
   */
  count(bucket: string, limit: number, windowSeconds: number, message: string): void {
    const now = Date.now();
    let state = this.local.get(bucket);
    if (!state || now >= state.endsAt) {
      state = {
        windowMs: windowSeconds * 1000,
        unsynced: 0,
        syncing: 0,
        shared: 0,
        endsAt: now + windowSeconds * 1000,
      };
      this.local.set(bucket, state);
    }
    if (state.shared + state.syncing + state.unsynced >= limit) {
      throw new RateLimitedError(message, Math.max(1, Math.ceil((state.endsAt - now) / 1000)));
    }
    state.unsynced++;
  }

  /** Adds the local hits to the shared counters and learns the totals (and window ends) of the others. */
  private async sync(): Promise<void> {
    const now = Date.now();
    for (const [bucket, state] of this.local) {
      if (now >= state.endsAt && state.unsynced === 0 && state.syncing === 0) this.local.delete(bucket);
    }
    if (!this.breaker.available()) return;
    await Promise.all(
      [...this.local].map(async ([bucket, state]) => {
        const hits = state.unsynced;
        if (hits === 0) return;
        state.unsynced = 0;
        state.syncing += hits;
        try {
          const [count, ttlMs] = (await this.add(`rl:${bucket}`, state.windowMs, hits)) as [number, number];
          state.shared = count;
          state.endsAt = Date.now() + ttlMs;
        } catch (err) {
          state.unsynced += hits;
          this.breaker.failure(err);
        } finally {
          state.syncing -= hits;
        }
      }),
    );
  }

  /** Stops the background sync (for tests and shutdown). */
  close(): void {
    clearInterval(this.timer);
  }

  private failOpen(bucket: string): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.log.warn({ bucket }, "rate limits not enforced: redis unavailable");
  }
}
