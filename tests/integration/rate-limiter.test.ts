import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { RedisBreaker } from "../../src/cache/breaker.js";
import { createRedis, type RedisClient, whenReady } from "../../src/cache/redis.js";
import { RateLimitedError } from "../../src/errors.js";
import { RateLimiter } from "../../src/security/rate-limiter.js";
import { testConfig } from "../helpers/env.js";
import { freePort, PrivateRedis } from "../helpers/redis-server.js";

const silent = pino({ level: "silent" });
const config = testConfig();
const keyPrefix = `${config.redis.keyPrefix}rl-test:`;
const opened: { redis: RedisClient; limiter: RateLimiter }[] = [];
afterAll(async () => {
  for (const { redis, limiter } of opened) {
    limiter.close();
    // A connection to a server the test killed cannot say QUIT: drop it.
    await redis.quit().catch(() => redis.disconnect());
  }
});

/** A limiter as one replica has it: its own connection and local counts. */
async function replica(server?: PrivateRedis): Promise<RateLimiter> {
  const redis = createRedis(
    server
      ? { ...config.redis, host: "127.0.0.1", port: server.port, mode: { kind: "standalone" }, keyPrefix }
      : { ...config.redis, keyPrefix },
  );
  await whenReady(redis, 2_000);
  const limiter = new RateLimiter(redis, new RedisBreaker(redis, silent), silent);
  opened.push({ redis, limiter });
  return limiter;
}

function allowed(limiter: RateLimiter, bucket: string, times: number): number {
  let passed = 0;
  for (let i = 0; i < times; i++) {
    try {
      limiter.count(bucket, 50, 60, "slow down");
      passed++;
    } catch (err) {
      expect(err).toBeInstanceOf(RateLimitedError);
    }
  }
  return passed;
}

describe("RateLimiter.count (the per-request limit)", () => {
  it("refuses past the limit within one replica at once, without waiting for Redis", async () => {
    const limiter = await replica();
    expect(allowed(limiter, `one-${Date.now()}`, 80)).toBe(50);
  });

  it("shares the count across replicas through Redis", async () => {
    const [a, b] = [await replica(), await replica()];
    const bucket = `shared-${Date.now()}`;
    expect(allowed(a, bucket, 40)).toBe(40);
    await new Promise((r) => setTimeout(r, 250)); // a adds its hits to Redis
    expect(allowed(b, bucket, 5)).toBe(5);
    await new Promise((r) => setTimeout(r, 250)); // b adds its hits and learns a's
    expect(allowed(b, bucket, 20)).toBe(5);
  });

  it("keeps counting the hits on their way to Redis while Redis has not answered", async () => {
    // Seen under load: the hits being added were dropped from the local count until Redis answered, so a
    // slow answer let a client through past its limit.
    const server = new PrivateRedis(await freePort());
    await server.start();
    try {
      const limiter = await replica(server);
      const bucket = `in-flight-${Date.now()}`;
      expect(allowed(limiter, bucket, 40)).toBe(40);
      server.freeze();
      await new Promise((r) => setTimeout(r, 300)); // a sync is sent and waits for the frozen server
      expect(allowed(limiter, bucket, 20)).toBe(10);
      server.thaw();
      await new Promise((r) => setTimeout(r, 300));
      expect(allowed(limiter, bucket, 5)).toBe(0);
    } finally {
      server.thaw();
      await server.kill();
    }
  });
});
