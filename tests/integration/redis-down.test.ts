import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metrics } from "../../src/observability/metrics.js";
import { LoginDocument, MenuDocument, RegisterDocument } from "../generated/graphql.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { gql } from "../helpers/graphql.js";
import { get } from "../helpers/legacy.js";
import { freePort, PrivateRedis } from "../helpers/redis-server.js";

const counter = async (c: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await c.get()).values.reduce((n, v) => n + v.value, 0);

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every public read, checked for a correct answer (not just a 200). */
async function readEverything(t: TestApp) {
  const menu = await gql(t.app, MenuDocument);
  expect(menu.errors).toBeUndefined();
  expect(menu.data!.categories).toHaveLength(4);
  for (const [url, marker] of [
    ["/products/type", '"code":400'],
    ["/products/typeProducts/latte", '"pid":"latte001"'],
    ["/products/productDetail/latte001", '"price":"28.00"'],
    ["/promotions/searchguess", '"data":[{'],
  ]) {
    const res = await get(t.app, url);
    expect(res.status, url).toBe(200);
    expect(res.body).toContain(marker);
  }
}

let n = 0;
async function registerAndLogin(t: TestApp) {
  const username = `rd_${process.pid}_${++n}`;
  const reg = await gql(t.app, RegisterDocument, { input: { username, password: "coffee123" } });
  expect(reg.errors).toBeUndefined();
  const login = await gql(t.app, LoginDocument, { input: { username, password: "coffee123" } });
  expect(login.errors).toBeUndefined();
}

describe("Redis down means slower, never failed", () => {
  let redis: PrivateRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    t = await createTestApp({ REDIS_PORT: String(redis.port), REDIS_KEY_PREFIX: "down-test:" });
    await until(() => t.app.services.breaker.available());
  });
  afterAll(async () => {
    redis.thaw();
    await t.close();
    await redis.kill();
  });

  it("serves every read from MySQL when Redis dies, and uses the cache again when it returns", async () => {
    await readEverything(t);
    const hitsWarm = await counter(metrics.cacheHits);
    await readEverything(t);
    expect(await counter(metrics.cacheHits)).toBeGreaterThan(hitsWarm);

    await redis.kill();
    await until(() => !t.app.services.breaker.available());
    const bypassBefore = await counter(metrics.cacheBypasses);
    for (let i = 0; i < 5; i++) await readEverything(t);
    await registerAndLogin(t);
    expect(await counter(metrics.cacheBypasses)).toBeGreaterThan(bypassBefore);
    expect(await counter(metrics.redisUp)).toBe(0);
    const health = await get(t.app, "/health");
    expect(health.status).toBe(503);
    expect(health.body).toContain('"redis":"disconnected"');

    await redis.start();
    await until(() => t.app.services.breaker.available());
    expect(await counter(metrics.redisUp)).toBe(1);
    const hitsBefore = await counter(metrics.cacheHits);
    await readEverything(t);
    await readEverything(t);
    expect(await counter(metrics.cacheHits)).toBeGreaterThan(hitsBefore);
    expect((await get(t.app, "/health")).status).toBe(200);
  });

  it("a hung Redis costs one timeout, not one per request: the breaker skips it", async () => {
    await readEverything(t);
    redis.freeze();
    // Stamps kept in memory under Redis's tracking stay trusted for three heartbeats of a silent Redis.
    await until(() => t.app.services.tracked?.live() === false);
    const errorsBefore = await counter(metrics.redisCommandErrors);
    for (let i = 0; i < 10; i++) await readEverything(t);
    const errors = (await counter(metrics.redisCommandErrors)) - errorsBefore;
    // 10 rounds of 5 reads: without the breaker each of the ~50 reads would wait for its own timeout.
    expect(errors).toBeGreaterThanOrEqual(1);
    expect(errors).toBeLessThanOrEqual(5);
    redis.thaw();
    await new Promise((r) => setTimeout(r, 1_200));
    await readEverything(t);
    await until(() => t.app.services.breaker.available());
  });
});

describe("Redis never reachable", () => {
  it("answers every read and lets users register and log in", async () => {
    const t = await createTestApp({ REDIS_PORT: "1" });
    try {
      await readEverything(t);
      await registerAndLogin(t);
      expect(t.app.services.breaker.available()).toBe(false);
    } finally {
      await t.close();
    }
  });
});
