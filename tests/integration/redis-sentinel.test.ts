/**
 * The app on a real Redis Sentinel group (issue 19): one primary, one replica, three sentinels (quorum 2,
 * down-after 1 s), started by the test on free ports. Under a steady load of API requests the primary is killed
 * (SIGKILL); Sentinel promotes the replica, the API keeps answering meanwhile (the circuit breaker sends reads
 * to MySQL), and once the app is on the new primary its caches, revocations and rate limits work again. The
 * failover window and the failed requests are printed (docs/scaling.md quotes them), never asserted as times.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";
import { testConfig } from "../helpers/env.js";
import { rawGql } from "../helpers/graphql.js";
import { SentinelGroup } from "../helpers/redis-topology.js";
import { PRODUCT, readRequests, steadyLoad, xCache } from "../helpers/steady-load.js";

let group: SentinelGroup;
let t: TestApp;

beforeAll(async () => {
  group = await SentinelGroup.start();
  t = await createTestApp({
    REDIS_SENTINELS: group.sentinelList,
    REDIS_SENTINEL_NAME: group.name,
    REDIS_KEY_PREFIX: `${testConfig().redis.keyPrefix}sentinel:`,
    RATE_LIMIT_LOGIN_PER_USERNAME: "3",
  });
  await vi.waitFor(() => expect(t.app.services.breaker.available()).toBe(true), { timeout: 10_000 });
});

afterAll(async () => {
  await t?.close();
  await group?.stop();
});

describe("Redis Sentinel", () => {
  it("serves from the primary that Sentinel names: cached reads hit", async () => {
    expect(await group.primaryPort()).toBe(group.primary.port);
    await xCache(t, PRODUCT);
    expect(await xCache(t, PRODUCT)).toBe("HIT");
  });

  it("keeps answering while Sentinel promotes the replica after the primary is killed, then caches again", async () => {
    const token = await userToken(t);
    const load = steadyLoad(readRequests(t, token));

    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    await group.primary.kill();

    // Failed over: the sentinels name the replica and the app uses Redis again.
    await vi.waitFor(
      async () => {
        expect(await group.primaryPort()).toBe(group.replica.port);
        expect(t.app.services.breaker.available()).toBe(true);
      },
      { timeout: 60_000, interval: 20 },
    );
    const promotedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    await load.stop();

    const { failed, during, text } = load.summary(killedAt, promotedAt);
    console.info(
      `sentinel failover: Redis usable again ${promotedAt - killedAt} ms after SIGKILL of the primary; ${text}`,
    );
    expect(failed).toEqual([]);
    expect(during).toBeGreaterThan(0);

    // Client-side tracking starts again on the new primary, and the caches work: a fresh entry is stored and hit.
    await vi.waitFor(() => expect(t.app.services.tracked?.live()).toBe(true), {
      timeout: 10_000,
      interval: 50,
    });
    await t.app.services.cache.invalidate(["products"]);
    await vi.waitFor(async () => expect(await xCache(t, PRODUCT)).toBe("HIT"), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it("enforces revocations and login limits after the failover", async () => {
    const token = await userToken(t);
    expect((await rawGql(t.app, { query: "{ me { id } }" }, token)).errors).toBeUndefined();
    expect((await rawGql(t.app, { query: "mutation { logout }" }, token)).errors).toBeUndefined();
    expect((await rawGql(t.app, { query: "{ me { id } }" }, token)).errors?.[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );

    const other = await userToken(t);
    const { data } = await rawGql<{ me: { username: string } }>(
      t.app,
      { query: "{ me { username } }" },
      other,
    );
    const login = (password: string) =>
      rawGql(t.app, {
        query: `mutation { login(input: { username: "${data!.me.username}", password: "${password}" }) { token } }`,
      });
    for (let i = 0; i < 3; i++)
      expect((await login("wrong")).errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect((await login("coffee123")).errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
    expect(t.app.services.breaker.available()).toBe(true);
  });
});
