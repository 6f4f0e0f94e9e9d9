/**
 * The signed-in path (issue: revocations that survive Redis, per-user reads with no SQL when warm, no lockout
 * by strangers, login payloads): two app instances ("replicas") on one database, sharing either the run's
 * Redis or a private redis-server that the tests kill, restart empty, flush and freeze.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { metrics } from "../../src/observability/metrics.js";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";
import { rawGql } from "../helpers/graphql.js";
import { get } from "../helpers/legacy.js";
import { freePort, PrivateRedis } from "../helpers/redis-server.js";

const ME = "{ me { id username nickName } }";
const CART = "{ me { cart { total items { quantity product { pid } } } } }";
const ORDERS = "{ myOrders(first: 10) { edges { node { orderNo status total } } } }";
const ADD = 'mutation { addToCart(input: { pid: "latte001", quantity: 1 }) { total } }';

/** "ok", or the first error code of a GraphQL answer. */
async function gqlOutcome(t: TestApp, query: string, token: string): Promise<string> {
  const result = await rawGql(t.app, { query }, token);
  return result.errors?.[0]?.extensions.code ?? "ok";
}

/** Whether a token is accepted, asked of both adapters (GraphQL `me` and the legacy profile route). */
async function accepted(t: TestApp, token: string): Promise<boolean> {
  const [graphql, rest] = [await gqlOutcome(t, ME, token), (await get(t.app, "/users/findMy", token)).status];
  expect([graphql === "ok", rest === 200], "both adapters agree").toSatisfy(([g, r]) => g === r);
  return rest === 200;
}

/**
 * Waits until `check` passes, at most 1 s (the coherence bound across replicas: another replica learns of a
 * change when Redis's invalidation message reaches it) and reports how long it took.
 */
async function withinOneSecond(what: string, check: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await vi.waitFor(check, { timeout: 1_000, interval: 10 });
  console.info(`${what}: ${Date.now() - started} ms`);
}

/**
 * Until the replica keeps stamps in memory under Redis's client-side tracking. On a Redis Cluster (the
 * redis-cluster test project) tracking is off (docs/scaling.md): a warm read then costs the untracked commands.
 */
const tracking = async (t: TestApp) => {
  if (onCluster(t)) expect(t.app.services.tracked).toBeNull();
  else
    await vi.waitFor(() => expect(t.app.services.tracked?.live()).toBe(true), {
      timeout: 5_000,
      interval: 20,
    });
};
const onCluster = (t: TestApp) => t.config.redis.mode.kind === "cluster";

const counter = async (c: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await c.get()).values.reduce((n, v) => n + v.value, 0);

describe("login and register payloads resolve as the user just signed in", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it("answers user { cart } of a new registration and of a login, with or without another token", async () => {
    const other = await userToken(t);
    const username = `payload_${process.pid}`;
    const registered = await rawGql(t.app, {
      query: `mutation { register(input: { username: "${username}", password: "coffee123" }) {
        token user { username cart { total } } } }`,
    });
    expect(registered.errors).toBeUndefined();
    expect(registered.data).toMatchObject({ register: { user: { username, cart: { total: "0.00" } } } });

    const token = (registered.data as { register: { token: string } }).register.token;
    expect(await gqlOutcome(t, ADD, token)).toBe("ok");
    const login = await rawGql(
      t.app,
      {
        query: `mutation { login(input: { username: "${username}", password: "coffee123" }) {
          user { username cart { total items { quantity } } myOrdersCount: id } } }`,
      },
      other,
    );
    expect(login.errors).toBeUndefined();
    expect(login.data).toMatchObject({
      login: { user: { username, cart: { total: "28.00", items: [{ quantity: 1 }] } } },
    });
  });
});

describe("per-user reads: no SQL and no Redis round trip when warm, coherent across replicas", () => {
  const statements: string[] = [];
  let a: TestApp;
  let b: TestApp;
  let bWithoutResponseCache: TestApp;
  let bWithoutTracking: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
    const onQuery = (sql: string) => void statements.push(sql);
    b = await createTestApp({}, { onQuery });
    bWithoutResponseCache = await createTestApp({ RESPONSE_CACHE_TTL_SECONDS: "0" }, { onQuery });
    bWithoutTracking = await createTestApp({ REDIS_CLIENT_TRACKING: "false" }, { onQuery });
    // The per-request limit syncs its counts in the background (the counter is the process's, shared by the
    // apps): stopped here, so that only the requests' own Redis commands are counted.
    for (const replica of [a, b, bWithoutResponseCache, bWithoutTracking])
      replica.app.services.limiter.close();
    for (const replica of [a, b, bWithoutResponseCache]) await tracking(replica);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), bWithoutResponseCache.close(), bWithoutTracking.close()]);
  });

  it("serves me, /users/findMy, cart and myOrders with no SQL and no Redis command (two in one write untracked)", async () => {
    const token = await userToken(a);
    expect(await gqlOutcome(a, ADD, token)).toBe("ok");
    const placed = await rawGql(
      a.app,
      {
        query:
          'mutation { placeOrder(input: { idempotencyKey: "signed-in-bench-1" }) { order { orderNo } } }',
      },
      token,
    );
    expect(placed.errors).toBeUndefined();
    expect(await gqlOutcome(a, ADD, token)).toBe("ok");

    for (const [replica, commands] of [
      [b, onCluster(b) ? 2 : 0],
      [bWithoutResponseCache, onCluster(b) ? 2 : 0],
      // Without tracking: the user's stamps and the catalogue's invalidation counter, sent together.
      [bWithoutTracking, 2],
    ] as const) {
      const reads: [string, () => Promise<unknown>][] = [
        ["me", () => rawGql(replica.app, { query: ME }, token)],
        ["findMy", () => get(replica.app, "/users/findMy", token)],
        ["cart", () => rawGql(replica.app, { query: CART }, token)],
        ["myOrders", () => rawGql(replica.app, { query: ORDERS }, token)],
      ];
      for (const [name, read] of reads) {
        await read();
        await read();
        statements.length = 0;
        const commandsBefore = await counter(metrics.redisCommands);
        await read();
        expect(statements, `${name}: ${statements.join("; ")}`).toEqual([]);
        expect((await counter(metrics.redisCommands)) - commandsBefore, name).toBe(commands);
      }
    }
  });

  it("shows a profile or cart change made on one replica on the other within a second", async () => {
    const token = await userToken(a);
    const nickOn = async (t: TestApp) =>
      ((await rawGql(t.app, { query: ME }, token)).data as { me: { nickName: string } }).me.nickName;
    const totalOn = async (t: TestApp) =>
      ((await rawGql(t.app, { query: CART }, token)).data as { me: { cart: { total: string } } }).me.cart
        .total;
    const replicas = [b, bWithoutResponseCache, bWithoutTracking];
    for (const t of replicas) {
      expect(await nickOn(t)).toBe("");
      expect(await totalOn(t)).toBe("0.00");
    }
    const update = 'mutation { updateMe(input: { nickName: "latte lover" }) { nickName } }';
    expect(await gqlOutcome(a, update, token)).toBe("ok");
    expect(await gqlOutcome(a, ADD, token)).toBe("ok");
    // The replica that wrote sees its own writes at once.
    expect(await nickOn(a)).toBe("latte lover");
    expect(await totalOn(a)).toBe("28.00");
    for (const t of replicas) {
      await withinOneSecond("profile and cart change seen by another replica", async () => {
        expect(await nickOn(t)).toBe("latte lover");
        expect(await totalOn(t)).toBe("28.00");
      });
    }
  });
});

describe("revocations hold through any Redis failure", () => {
  let redis: PrivateRedis;
  let a: TestApp;
  let b: TestApp;
  const bothUp = () =>
    vi.waitFor(
      () => {
        expect(a.app.services.breaker.available() && b.app.services.breaker.available()).toBe(true);
      },
      { timeout: 15_000, interval: 50 },
    );

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    const env = { REDIS_PORT: String(redis.port), REDIS_KEY_PREFIX: `revocations-${process.pid}:` };
    [a, b] = [await createTestApp(env), await createTestApp(env)];
    await bothUp();
  });
  afterAll(async () => {
    redis.thaw();
    await Promise.all([a.close(), b.close()]);
    await redis.kill();
  });

  /** A fresh token, warm (cached) on both replicas. */
  async function warmToken(): Promise<string> {
    const token = await userToken(a);
    for (const t of [a, b, a, b]) expect(await accepted(t, token)).toBe(true);
    return token;
  }
  const logout = (t: TestApp, token: string) => gqlOutcome(t, "mutation { logout }", token);

  it("a logout made with Redis up holds after Redis restarts empty and after a flush", async () => {
    const token = await warmToken();
    expect(await logout(a, token)).toBe("ok");
    expect(await accepted(a, token)).toBe(false);
    await withinOneSecond("logout seen by the other replica", async () => {
      expect(await accepted(b, token)).toBe(false);
    });

    await redis.kill();
    expect(await accepted(b, token)).toBe(false);
    await redis.start();
    await bothUp();
    expect(await accepted(a, token)).toBe(false);
    expect(await accepted(b, token)).toBe(false);

    const other = await warmToken();
    await a.redis.flushall();
    expect(await accepted(b, token)).toBe(false);
    expect(await accepted(b, other)).toBe(true);
  });

  it("a logout made while Redis is down is refused on the other replica at once, and after Redis returns", async () => {
    const token = await warmToken();
    await redis.kill();
    expect(await logout(a, token)).toBe("ok");
    expect(await accepted(b, token)).toBe(false);
    await redis.start();
    await bothUp();
    expect(await accepted(b, token)).toBe(false);
  });

  it("a logout made while Redis hangs is refused on an idle replica once Redis answers with its old data", async () => {
    const token = await warmToken();
    redis.freeze();
    try {
      // A cannot write the user's new stamp (the command times out); B makes no request meanwhile, so its
      // memory and Redis both still hold the old state when Redis thaws.
      expect(await logout(a, token)).toBe("ok");
    } finally {
      redis.thaw();
    }
    const revokedAt = Date.now();
    await vi.waitFor(async () => expect(await accepted(b, token)).toBe(false), {
      timeout: 5_000,
      interval: 50,
    });
    console.info(`revoked token refused by the idle replica ${Date.now() - revokedAt} ms after Redis thawed`);
    expect(await accepted(a, token)).toBe(false);
  });

  it("logoutAll and a password change hold on both replicas through a restart", async () => {
    const token = await warmToken();
    expect(await gqlOutcome(a, "mutation { logoutAll }", token)).toBe("ok");
    const second = await warmToken();
    const change =
      'mutation { changePassword(input: { currentPassword: "coffee123", newPassword: "espresso456" }) { token } }';
    expect(await gqlOutcome(b, change, second)).toBe("ok");
    await redis.kill();
    await redis.start();
    await bothUp();
    for (const t of [a, b]) {
      expect(await accepted(t, token)).toBe(false);
      expect(await accepted(t, second)).toBe(false);
    }
  });
});

describe("no lockout by strangers (two client addresses on real sockets)", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({
      REDIS_KEY_PREFIX: `lockout-${process.pid}-${Date.now()}:`,
      RATE_LIMIT_LOGIN_PER_USERNAME: "3",
      RATE_LIMIT_LOGIN_PER_IP: "1000",
    });
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(() => t.close());

  /** POST /auth/login from `localAddress` (127.0.0.x: the loopback network answers on all of them). */
  const loginFrom = (localAddress: string, username: string, password: string) =>
    new Promise<number>((resolve, reject) => {
      const body = `username=${username}&password=${password}`;
      const req = request(
        {
          host: "127.0.0.1",
          port,
          localAddress,
          method: "POST",
          path: "/auth/login",
          headers: { "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("wrong passwords from one address stop that address, not the owner at another", async () => {
    const username = `lockout_${process.pid}`;
    await t.app.services.accounts.register({ username, password: "coffee123" }, "127.0.0.1");
    const attacker = [];
    for (let i = 0; i < 10; i++) attacker.push(await loginFrom("127.0.0.2", username, `guess${i}`));
    expect(attacker.slice(0, 3)).toEqual([401, 401, 401]);
    expect(attacker.slice(3).every((s) => s === 429)).toBe(true);
    // Even the right password is refused from the address that failed...
    expect(await loginFrom("127.0.0.2", username, "coffee123")).toBe(429);
    // ...while the owner signs in from an address that has not.
    expect(await loginFrom("127.0.0.3", username, "coffee123")).toBe(200);
  });
});
