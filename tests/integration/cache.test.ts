import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBreaker } from "../../src/cache/breaker.js";
import { TaggedCache } from "../../src/cache/cache.js";
import { decode, encode } from "../../src/cache/codec.js";
import { createRedis, type RedisClient, whenReady } from "../../src/cache/redis.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { testConfig } from "../helpers/env.js";
import { deleteMatching } from "../helpers/redis-keys.js";

const silent = pino({ level: "silent" });
const config = testConfig();
const keyPrefix = `${config.redis.keyPrefix}cache-test:`;
const clients: RedisClient[] = [];

/** A cache as one replica has it: its own connection, breaker and in-process single-flight map. */
async function replica(lockMs?: number): Promise<TaggedCache> {
  const redis = createRedis({ ...config.redis, keyPrefix });
  clients.push(redis);
  await whenReady(redis, 2_000);
  return new TaggedCache({
    redis,
    breaker: new RedisBreaker(redis, silent),
    keyPrefix,
    ttlSeconds: 60,
    lockMs,
  });
}

let cache: TaggedCache;
beforeAll(async () => {
  cache = await replica();
});
afterAll(() => Promise.all(clients.map((c) => c.quit())));

let keyCounter = 0;
const freshKey = () => `k${++keyCounter}`;

function countingLoader<T>(value: T, delayMs = 0) {
  const loader = {
    calls: 0,
    load: async () => {
      loader.calls++;
      await new Promise((r) => setTimeout(r, delayMs));
      return value;
    },
  };
  return loader;
}

describe("codec", () => {
  it("round-trips dates, decimals, nulls and nested rows", () => {
    const value = {
      at: new Date("2024-11-18T07:22:51.123Z"),
      price: new Prisma.Decimal("28.50"),
      none: null,
      list: [1, "x"],
    };
    const back = decode<typeof value>(encode(value));
    expect(back.at).toEqual(value.at);
    expect(back.price).toBeInstanceOf(Prisma.Decimal);
    expect(back.price.toFixed(2)).toBe("28.50");
    expect(back).toMatchObject({ none: null, list: [1, "x"] });
    expect(decode(encode(null))).toBeNull();
  });
});

describe("TaggedCache", () => {
  it("loads once, then answers from Redis until a tag of the entry is invalidated", async () => {
    const key = freshKey();
    const loader = countingLoader({ price: "28.00" });
    const tags = () => ["product:1", "products"];
    expect(await cache.getOrLoad("t", key, loader.load, tags)).toEqual({ price: "28.00" });
    expect(await cache.getOrLoad("t", key, loader.load, tags)).toEqual({ price: "28.00" });
    expect(loader.calls).toBe(1);

    expect(await cache.invalidate(["unrelated"])).toBe(1);
    await cache.getOrLoad("t", key, loader.load, tags);
    expect(loader.calls).toBe(1);

    expect(await cache.invalidate(["products"])).toBe(1);
    await cache.getOrLoad("t", key, loader.load, tags);
    expect(loader.calls).toBe(2);
  });

  it("caches empty results and invalidates them by tag", async () => {
    const key = freshKey();
    const loader = countingLoader(null);
    await cache.getOrLoad("t", key, loader.load, () => ["categories"]);
    await cache.getOrLoad("t", key, loader.load, () => ["categories"]);
    expect(loader.calls).toBe(1);
    await cache.invalidate(["categories"]);
    await cache.getOrLoad("t", key, loader.load, () => ["categories"]);
    expect(loader.calls).toBe(2);
  });

  it("single-flight: 100 concurrent reads of one cold key cause one load", async () => {
    const key = freshKey();
    const loader = countingLoader("menu", 50);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => cache.getOrLoad("t", key, loader.load, () => ["x"])),
    );
    expect(new Set(results)).toEqual(new Set(["menu"]));
    expect(loader.calls).toBe(1);
  });

  it("single-flight across replicas: three caches on their own connections load a cold key once", async () => {
    const replicas = [cache, await replica(), await replica()];
    const key = freshKey();
    const loader = countingLoader("shared", 100);
    const results = await Promise.all(
      Array.from({ length: 90 }, (_, i) => replicas[i % 3].getOrLoad("t", key, loader.load, () => ["x"])),
    );
    expect(new Set(results)).toEqual(new Set(["shared"]));
    expect(loader.calls).toBe(1);
  });

  it("waits for another replica's load, but loads by itself when that replica died holding the lock", async () => {
    const b = await replica(200);
    const key = freshKey();
    // A replica took the load lock and died before writing the value.
    await clients.at(-1)!.set(`cache:v3:{catalog}:t:${key}:lock`, "dead-replica", "PX", 200);
    const loader = countingLoader("recovered");
    expect(await b.getOrLoad("t", key, loader.load, () => [])).toBe("recovered");
    expect(loader.calls).toBe(1);
  });

  it("does not store a value whose load started before an invalidation of its tags", async () => {
    const key = freshKey();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stale = cache.getOrLoad(
      "t",
      key,
      async () => {
        await gate;
        return "old price";
      },
      () => ["product:7"],
    );
    await new Promise((r) => setTimeout(r, 50));
    await cache.invalidate(["product:7"]); // the price changed while the old value was being read
    release();
    expect(await stale).toBe("old price");

    const loader = countingLoader("new price");
    expect(await cache.getOrLoad("t", key, loader.load, () => ["product:7"])).toBe("new price");
    expect(loader.calls).toBe(1);
  });

  it("batch reads: one MGET, one load for the misses, each entry under its own tags", async () => {
    const ids = [101, 102, 103];
    const loads: number[][] = [];
    const load = async (missing: number[]) => {
      loads.push(missing);
      return missing.map((id) => `value-${id}`);
    };
    expect(await cache.getOrLoadMany("batch", ids, String, load, (_v, id) => [`item:${id}`])).toEqual([
      "value-101",
      "value-102",
      "value-103",
    ]);
    await cache.invalidate(["item:102"]);
    expect(
      await cache.getOrLoadMany("batch", [103, 102, 101], String, load, (_v, id) => [`item:${id}`]),
    ).toEqual(["value-103", "value-102", "value-101"]);
    expect(loads).toEqual([[101, 102, 103], [102]]);
  });
});

describe("TaggedCache batch reads", () => {
  it("single-flight: concurrent batch reads of the same cold keys load each key once", async () => {
    const ids = [201, 202, 203];
    let loads = 0;
    const load = async (missing: number[]) => {
      loads += missing.length;
      await new Promise((r) => setTimeout(r, 50));
      return missing.map((id) => `value-${id}`);
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        cache.getOrLoadMany("batch-sf", ids, String, load, (_v, id) => [`item:${id}`]),
      ),
    );
    expect(new Set(results.map((r) => r.join()))).toEqual(new Set(["value-201,value-202,value-203"]));
    expect(loads).toBe(3);
  });

  it("keeps an invalidation that failed while Redis was down and applies it when Redis returns", async () => {
    const redis = createRedis({ ...config.redis, keyPrefix });
    clients.push(redis);
    await whenReady(redis, 2_000);
    const own = new TaggedCache({
      redis,
      breaker: new RedisBreaker(redis, silent),
      keyPrefix,
      ttlSeconds: 60,
    });
    const key = freshKey();
    const loader = countingLoader("v1");
    await own.getOrLoad("t", key, loader.load, () => ["product:99"]);

    redis.disconnect(true); // drops the connection; ioredis reconnects by itself
    expect(await own.invalidate(["product:99"])).toBeNull();
    await whenReady(redis, 5_000).catch(() => undefined);
    // Another replica reads the key until the retried invalidation has removed it.
    const deadline = Date.now() + 5_000;
    while (loader.calls < 2 && Date.now() < deadline) {
      await cache.getOrLoad("t", key, loader.load, () => ["product:99"]);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(loader.calls).toBe(2);
  });
});

/** Empties this file's keys, as a Redis restarted empty would be (the server is shared: no FLUSHALL). */
function flushPrefix(redis: RedisClient): Promise<void> {
  return deleteMatching(redis, keyPrefix, `${keyPrefix}*`);
}

describe("decoded values kept in process memory", () => {
  it("serves a remembered value until any invalidation, on this replica or another, and never across a flush", async () => {
    const [here, there] = [await replica(), await replica()];
    const key = freshKey();
    const tag = `Mem:${key}`;
    let version = 1;
    const load = async () => ({ version, price: new Prisma.Decimal(`${version}.50`) });
    const read = (c: TaggedCache) => c.getOrLoad("mem", key, load, () => [tag]);

    expect((await read(here)).version).toBe(1); // loaded and stored
    const remembered = await read(here); // decoded from Redis and remembered
    expect(await read(here)).toBe(remembered); // the same object: no Redis read of the value, no decode
    expect(Object.isFrozen(remembered)).toBe(true);

    version = 2;
    await there.invalidate([tag]);
    expect((await read(here)).version).toBe(2);

    version = 3;
    await read(here);
    await flushPrefix(clients[0]);
    // The invalidation counter starts again at a random value: nothing remembered before can match it.
    expect((await read(here)).version).toBe(3);
    version = 4;
    await there.invalidate([tag]);
    expect((await read(here)).version).toBe(4);
    expect(
      (
        await here.getOrLoadMany(
          "mem",
          [key],
          (k) => k,
          async () => [null],
          () => [],
        )
      )[0],
    ).toMatchObject({ version: 4 });
  });
});
