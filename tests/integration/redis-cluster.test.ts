/**
 * The app on a real three-primary Redis Cluster (issue 19): two app instances ("replicas") with
 * REDIS_CLUSTER_NODES. Tagged cache set/invalidate (Lua scripts with every key in KEYS, one hash slot), SCAN on
 * every primary, per-user stamps, rate limits (MGET of one username's counters), revocation, and subscription
 * fan-out through pub/sub reaching subscribers connected to other nodes.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SEQ_KEY } from "../../src/cache/cache.js";
import { scanKeys } from "../../src/cache/redis.js";
import { orderEventsChannel } from "../../src/subscriptions/order-events.js";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";
import { testConfig } from "../helpers/env.js";
import { rawGql } from "../helpers/graphql.js";
import { RedisClusterGroup } from "../helpers/redis-topology.js";
import { ORDER_FIELDS, record, wsClient } from "../helpers/subscriptions.js";

const eventually = (assertion: () => void | Promise<void>) =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 25 });

let cluster: RedisClusterGroup;
let a: TestApp;
let b: TestApp;
let prefix: string;

beforeAll(async () => {
  cluster = await RedisClusterGroup.start();
  prefix = `${testConfig().redis.keyPrefix}cluster:`;
  const env = {
    REDIS_CLUSTER_NODES: cluster.nodeList,
    REDIS_KEY_PREFIX: prefix,
    RATE_LIMIT_LOGIN_PER_USERNAME: "3",
  };
  a = await createTestApp(env);
  b = await createTestApp(env);
  await eventually(() => {
    expect(a.redis.status).toBe("ready");
    expect(b.redis.status).toBe("ready");
  });
});

afterAll(async () => {
  await Promise.allSettled([a?.close(), b?.close()]);
  await cluster?.stop();
});

/** The node (port) serving a key's slot. */
const nodeOf = (key: string) => cluster.primaryOf(key);

describe("Redis Cluster", () => {
  it("caches tagged values, invalidates them from another replica, and finds cached tags on every primary", async () => {
    let loads = 0;
    const load = async () => ({ loaded: ++loads });
    const read = (t: TestApp) => t.app.services.cache.getOrLoad("cluster", "k1", load, () => ["product:901"]);
    expect(await read(a)).toEqual({ loaded: 1 });
    expect(await read(b)).toEqual({ loaded: 1 }); // from Redis, stored by a
    expect(await b.app.services.cache.invalidate(["product:901", "category:77"])).toBe(2);
    expect(await read(a)).toEqual({ loaded: 2 });
    expect(loads).toBe(2);
    expect(b.app.services.breaker.available()).toBe(true);

    // The catalogue keys share one slot (the store script checks and writes them together).
    expect(
      new Set([await nodeOf(`${prefix}${SEQ_KEY}`), await nodeOf(`${prefix}cache:v3:{catalog}:cluster:k1`)])
        .size,
    ).toBe(1);
    expect((await a.app.services.cache.cachedTags(["product:"])).sort()).toEqual(["product:901"]);
  });

  it("answers the menu from the cache and sees an admin change made through the other replica", async () => {
    const query = '{ product(pid: "latte001") { pid price } }';
    const first = await a.app.inject({ method: "POST", url: "/graphql", payload: { query } });
    expect(first.statusCode).toBe(200);
    await eventually(async () => {
      const again = await a.app.inject({ method: "POST", url: "/graphql", payload: { query } });
      expect(again.headers["x-cache"]).toBe("HIT");
    });
    const hits = await a.app.inject({ method: "POST", url: "/graphql", payload: { query } });
    expect(hits.json()).toEqual(first.json());
    // An invalidation written by b drops a's cached answer.
    await b.app.services.cache.invalidate(["products"]);
    const after = await a.app.inject({ method: "POST", url: "/graphql", payload: { query } });
    expect(after.headers["x-cache"]).toBe("MISS");
  });

  it("keeps per-user stamps coherent across replicas, with users spread over the primaries", async () => {
    const sessions = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        a.app.services.accounts.register(
          { username: `cluster_uv_${process.pid}_${i}`, password: "coffee123" },
          "127.0.0.1",
        ),
      ),
    );
    const nickName = async (t: TestApp, token: string) =>
      (await rawGql<{ me: { nickName: string } }>(t.app, { query: "{ me { nickName } }" }, token)).data!.me
        .nickName;
    const ids = sessions.map((s) => s.user.id);
    for (const { token, user } of sessions) {
      expect(await nickName(b, token)).toBe(""); // cached on b
      const changed = await rawGql(
        a.app,
        { query: `mutation { updateMe(input: { nickName: "n${user.id}" }) { nickName } }` },
        token,
      );
      expect(changed.errors).toBeUndefined();
      expect(await nickName(b, token)).toBe(`n${user.id}`); // b sees a's write at once
    }
    const nodes = new Set(await Promise.all(ids.map((id) => nodeOf(`${prefix}uv:{${id}}`))));
    expect(nodes.size).toBeGreaterThan(1);
    // SCAN runs on every primary: it finds the stamps of every user, wherever they live.
    const found: string[] = [];
    for await (const keys of scanKeys(a.redis, `${prefix}uv:*`)) found.push(...keys);
    expect(found).toEqual(expect.arrayContaining(ids.map((id) => `${prefix}uv:{${id}}`)));
  });

  it("enforces login limits (one username's counters in one slot) and revocations across replicas", async () => {
    const token = await userToken(a);
    const { data } = await rawGql<{ me: { username: string } }>(
      a.app,
      { query: "{ me { username } }" },
      token,
    );
    const username = data!.me.username;
    const login = (t: TestApp, password: string) =>
      rawGql(t.app, {
        query: `mutation { login(input: { username: "${username}", password: "${password}" }) { token } }`,
      });
    for (let i = 0; i < 3; i++) {
      expect((await login(i % 2 ? a : b, "wrong-password")).errors?.[0]?.extensions.code).toBe(
        "UNAUTHENTICATED",
      );
    }
    // The fourth attempt from this address is refused, even with the right password: the limit held.
    expect((await login(a, "coffee123")).errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
    expect(a.app.services.breaker.available()).toBe(true);

    expect((await rawGql(b.app, { query: "{ me { id } }" }, token)).errors).toBeUndefined();
    expect((await rawGql(a.app, { query: "mutation { logout }" }, token)).errors).toBeUndefined();
    expect((await rawGql(b.app, { query: "{ me { id } }" }, token)).errors?.[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("fans order events out to subscribers of the other replica, and a publish reaches every node", async () => {
    // Plain subscribers on each node: Redis Cluster forwards a PUBLISH to every node.
    const perNode = await Promise.all(
      cluster.nodes.map(async ({ port }) => {
        const sub = new Redis({ port, host: "127.0.0.1" });
        const messages: string[] = [];
        sub.on("message", (_c, m: string) => messages.push(m));
        await sub.subscribe(orderEventsChannel(prefix));
        return { sub, messages };
      }),
    );
    await b.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = b.app.server.address() as { port: number };
    const session = await a.app.services.accounts.register(
      { username: `cluster_ws_${process.pid}`, password: "coffee123" },
      "127.0.0.1",
    );
    const { client } = wsClient(`ws://127.0.0.1:${port}/graphql`, session.token);
    const sub = record(client, `subscription { myOrderUpdates { ${ORDER_FIELDS} } }`, "myOrderUpdates");
    try {
      await eventually(() => expect(b.app.services.orderEvents.degraded()).toBe(false));
      await new Promise((r) => setTimeout(r, 200)); // the subscription is registered
      await a.app.services.carts.add(session.user.id, { pid: "latte001", quantity: 1 });
      const placed = await a.app.services.orders.place(session.user.id, {
        idempotencyKey: `cluster-${Date.now()}`,
      });
      await a.app.services.orders.advance(placed.order.orderNo, "PREPARING");
      await eventually(() =>
        expect(sub.events.filter((e) => e.orderNo === placed.order.orderNo).map((e) => e.status)).toEqual([
          "PLACED",
          "PREPARING",
        ]),
      );
      await eventually(() => {
        for (const { messages } of perNode) expect(messages.length).toBeGreaterThanOrEqual(2);
      });
    } finally {
      sub.stop();
      await client.dispose();
      await Promise.all(perNode.map(({ sub: s }) => s.quit()));
    }
  });
});
