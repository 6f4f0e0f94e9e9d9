/**
 * Stamps kept in memory under Redis client-side tracking (src/cache/tracked-keys.ts), against a private
 * redis-server that the tests write to behind the process's back, flush, freeze, kill and restart: a
 * remembered value is never used once Redis holds another one, beyond the time the invalidation message takes.
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTrackingConnection } from "../../src/cache/redis.js";
import { TrackedKeys } from "../../src/cache/tracked-keys.js";
import { loadConfig } from "../../src/config.js";
import { createTestApp, userToken } from "../helpers/app.js";
import { rawGql } from "../helpers/graphql.js";
import { freePort, PrivateRedis } from "../helpers/redis-server.js";

const PREFIX = `tracked-${process.pid}:`;
const HEARTBEAT_MS = 50;

function trackedKeys(port: number): TrackedKeys {
  const config = { ...loadConfig().redis, port, keyPrefix: "" };
  return new TrackedKeys({
    connect: () => createTrackingConnection(config),
    keyPrefix: PREFIX,
    prefixes: ["seq", "uv:"],
    heartbeatMs: HEARTBEAT_MS,
    log: { warn: () => {} },
  });
}

const until = (check: () => void) => vi.waitFor(check, { timeout: 5_000, interval: 10 });

describe("tracked keys", () => {
  let redis: PrivateRedis;
  let writer: Redis;
  let tracked: TrackedKeys;

  /** Sets the counter as the app does: its own write is forgotten at once, not when the message arrives. */
  async function setSeq(value: string): Promise<void> {
    await writer.set(`${PREFIX}seq`, value);
    tracked.forget("seq");
  }

  /** Reads `key` through the tracked layer as a caller does: remembered value, or Redis then remember. */
  async function read(key: string): Promise<string | null> {
    const known = tracked.get<string | null>(key);
    if (known !== undefined) return known;
    const ticket = tracked.ticket(key);
    const value = await writer.get(PREFIX + key);
    tracked.remember(ticket, value);
    return value;
  }

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    writer = new Redis({ port: redis.port, maxRetriesPerRequest: 0 });
    writer.on("error", () => {});
    tracked = trackedKeys(redis.port);
    await until(() => expect(tracked.live()).toBe(true));
  });
  afterEach(() => redis.thaw());
  afterAll(async () => {
    await tracked.close();
    writer.disconnect();
    await redis.kill();
  });

  it("remembers a value, and drops it when another connection changes, expires or deletes the key", async () => {
    await writer.set(`${PREFIX}seq`, "1");
    expect(await read("seq")).toBe("1");
    expect(tracked.get("seq")).toBe("1");

    await writer.incr(`${PREFIX}seq`);
    await until(() => expect(tracked.get("seq")).toBeUndefined());
    expect(await read("seq")).toBe("2");

    // A hash, as users' stamps are (remembered once the invalidation of its creation has passed); an expiry
    // is a change too.
    await writer.hset(`${PREFIX}uv:{7}`, "s", "a");
    await until(async () => {
      tracked.remember(tracked.ticket("uv:{7}"), await writer.hmget(`${PREFIX}uv:{7}`, "s"));
      expect(tracked.get("uv:{7}")).toEqual(["a"]);
    });
    await writer.pexpire(`${PREFIX}uv:{7}`, 1);
    await until(() => expect(tracked.get("uv:{7}")).toBeUndefined());

    expect(await read("seq")).toBe("2");
    await writer.del(`${PREFIX}seq`);
    await until(() => expect(tracked.get("seq")).toBeUndefined());
    expect(await read("seq")).toBeNull();
    expect(tracked.get("seq")).toBeNull();
  });

  it("does not remember a read that was answered before a write whose invalidation came first", async () => {
    // The key of the same writes as the counter: its invalidation shows when their message has arrived.
    const marker = "uv:{marker}";
    tracked.remember(tracked.ticket(marker), "before");
    await writer.mset(`${PREFIX}seq`, "10", `${PREFIX}${marker}`, "x");
    await until(() => expect(tracked.get(marker)).toBeUndefined());

    expect(await read(marker)).toBe("x");
    const ticket = tracked.ticket("seq");
    const stale = await writer.get(`${PREFIX}seq`);
    await writer.mset(`${PREFIX}seq`, "11", `${PREFIX}${marker}`, "y");
    await until(() => expect(tracked.get(marker)).toBeUndefined());
    tracked.remember(ticket, stale);
    expect(tracked.get("seq")).toBeUndefined();
    expect(await read("seq")).toBe("11");
  });

  it("forgets everything on a flush", async () => {
    await setSeq("20");
    expect(await read("seq")).toBe("20");
    await writer.flushall();
    await until(() => expect(tracked.get("seq")).toBeUndefined());
  });

  it("stops trusting memory within three heartbeats of Redis freezing, and starts over after it thaws", async () => {
    await setSeq("30");
    expect(await read("seq")).toBe("30");
    redis.freeze();
    const frozenAt = Date.now();
    await until(() => expect(tracked.live()).toBe(false));
    const untrustedAfter = Date.now() - frozenAt;
    console.info(`memory untrusted ${untrustedAfter} ms after Redis froze (heartbeat ${HEARTBEAT_MS} ms)`);
    expect(tracked.get("seq")).toBeUndefined();
    redis.thaw();
    await until(() => expect(tracked.live()).toBe(true));
    // What was remembered before the freeze is gone: it is read again.
    expect(tracked.get("seq")).toBeUndefined();
    expect(await read("seq")).toBe("30");
  });

  it("drops everything when Redis restarts, and tracks again on new connections", async () => {
    await setSeq("40");
    expect(await read("seq")).toBe("40");
    await redis.kill();
    await until(() => expect(tracked.live()).toBe(false));
    await redis.start();
    await until(() => expect(tracked.live()).toBe(true));
    await until(() => expect(writer.status).toBe("ready"));
    expect(tracked.get("seq")).toBeUndefined();
    expect(await read("seq")).toBeNull();
    await writer.set(`${PREFIX}seq`, "41");
    await until(() => expect(tracked.get("seq")).toBeUndefined());
    expect(await read("seq")).toBe("41");
  });
});

describe("a Redis that refuses CLIENT TRACKING", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = new PrivateRedis(await freePort(), ["--rename-command", "CLIENT", ""]);
    await redis.start();
  });
  afterAll(() => redis.kill());

  it("leaves memory unused and the API answering through Redis", async () => {
    const t = await createTestApp({ REDIS_PORT: String(redis.port), REDIS_KEY_PREFIX: PREFIX });
    try {
      await until(() => expect(t.app.services.tracked?.unsupported).toBe(true));
      const token = await userToken(t);
      for (let i = 0; i < 3; i++) {
        const answer = await rawGql(t.app, { query: "{ categories { type } me { id } }" }, token);
        expect(answer.errors).toBeUndefined();
        expect(answer.data).toMatchObject({ me: { id: expect.anything() } });
      }
      expect(t.app.services.tracked?.live()).toBe(false);
    } finally {
      await t.close();
    }
  });
});
