import type { Redis } from "ioredis";
import type { RedisBreaker } from "../cache/breaker.js";
import { RateLimitedError } from "../errors.js";

// KEYS[1] counter; ARGV[1] window in ms. Returns { count in this window, ms until it ends }.
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }`;

export interface RateLimitLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Fixed-window counters in Redis, so that a limit holds across all replicas. Without Redis the limits fail
 * open (the request goes through) and a warning is logged at most once a minute: availability over
 * throttling, as the cache does.
 */
export class RateLimiter {
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly breaker: RedisBreaker,
    private readonly log: RateLimitLogger,
  ) {}

  /** Counts one hit on `bucket`; throws RateLimitedError when it is over `limit` in the current window. */
  async hit(bucket: string, limit: number, windowSeconds: number, message: string): Promise<void> {
    if (!this.breaker.available()) return this.failOpen(bucket);
    let result: [number, number];
    try {
      result = (await this.redis.eval(HIT, 1, `rl:${bucket}`, windowSeconds * 1000)) as [number, number];
      this.breaker.success();
    } catch (err) {
      this.breaker.failure(err);
      return this.failOpen(bucket);
    }
    const [count, ttlMs] = result;
    if (count > limit) throw new RateLimitedError(message, Math.max(1, Math.ceil(ttlMs / 1000)));
  }

  private failOpen(bucket: string): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.log.warn({ bucket }, "rate limits not enforced: redis unavailable");
  }
}
