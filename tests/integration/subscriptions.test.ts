/**
 * Live order updates (issue 18): graphql-ws at /graphql on two app instances ("replicas") sharing the run's
 * database and Redis, real sockets. Events raised on one instance reach subscribers on the other; a revoked
 * token's socket is closed; the limits hold; Redis down degrades the fan-out but not same-replica delivery.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { rawGql } from "../helpers/graphql.js";
import { freePort, PrivateRedis } from "../helpers/redis-server.js";
import { ORDER_FIELDS, rawSocket, record, upgradeStatus, wsClient } from "../helpers/subscriptions.js";

/** Generous bound for an event to arrive: a bounded wait, not a latency assertion. */
const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5_000, interval: 20 });

let users = 0;

async function signUp(t: TestApp, role: "CUSTOMER" | "ADMIN" = "CUSTOMER") {
  const username = `ws_${role.toLowerCase()}_${process.pid}_${++users}`;
  const session = await t.app.services.accounts.register({ username, password: "coffee123" }, "127.0.0.1");
  if (role === "ADMIN") {
    await t.db.prisma.user.update({ where: { id: session.user.id }, data: { role } });
  }
  return { token: session.token, userId: session.user.id };
}

async function placeOrder(t: TestApp, userId: number): Promise<string> {
  await t.app.services.carts.add(userId, { pid: "latte001", quantity: 1 });
  const order = await t.app.services.orders.place(userId, {
    idempotencyKey: `ws-${userId}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  });
  return order.order.orderNo;
}

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = t.app.server.address() as { port: number };
  return `ws://127.0.0.1:${port}/graphql`;
}

const statuses = (events: { status: string }[]) => events.map((e) => e.status);

describe("subscriptions across two replicas", () => {
  let a: TestApp;
  let b: TestApp;
  let c: TestApp;
  let urlA: string;
  let urlB: string;
  let urlC: string;

  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp();
    c = await createTestApp({ WS_MAX_QUEUED_EVENTS: "5" });
    urlA = await listen(a);
    urlB = await listen(b);
    urlC = await listen(c);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("sends the current state first, then admin changes made on the other replica, in order", async () => {
    const customer = await signUp(a);
    const orderNo = await placeOrder(a, customer.userId);
    const { client } = wsClient(urlB, customer.token);
    const sub = record(
      client,
      `subscription { orderUpdated(orderNo: "${orderNo}") { ${ORDER_FIELDS} } }`,
      "orderUpdated",
    );
    try {
      await eventually(() => expect(statuses(sub.events)).toEqual(["PLACED"]));
      await a.app.services.orders.advance(orderNo, "PREPARING");
      await eventually(() => expect(statuses(sub.events)).toEqual(["PLACED", "PREPARING"]));
      // The admin mutation over HTTP on replica A.
      const admin = await signUp(a, "ADMIN");
      const advanced = await rawGql(
        a.app,
        { query: `mutation { advanceOrder(orderNo: "${orderNo}", status: READY) { status } }` },
        admin.token,
      );
      expect(advanced.errors).toBeUndefined();
      await eventually(() => expect(statuses(sub.events)).toEqual(["PLACED", "PREPARING", "READY"]));
      expect(sub.events.every((e) => e.orderNo === orderNo && typeof e.total === "string")).toBe(true);
      // The same ids as over HTTP, after the trip through Redis from replica A to B.
      const overHttp = await rawGql<{ order: { id: string; items: { id: string }[] } }>(
        a.app,
        { query: `{ order(orderNo: "${orderNo}") { id items { id } } }` },
        customer.token,
      );
      for (const event of sub.events) {
        expect({ id: event.id, items: event.items }).toEqual(overHttp.data!.order);
      }
    } finally {
      await client.dispose();
    }
  });

  it("myOrderUpdates: the customer's new orders and changes, never another customer's", async () => {
    const customer = await signUp(a);
    const other = await signUp(a);
    const { client } = wsClient(urlB, customer.token);
    const sub = record(client, `subscription { myOrderUpdates { ${ORDER_FIELDS} } }`, "myOrderUpdates");
    try {
      // The subscription is running once the (empty) current state was loaded: place after a moment.
      await eventually(() => expect(b.app.services.orderEvents.streamCount).toBeGreaterThan(0));
      const mine = await placeOrder(a, customer.userId);
      await placeOrder(a, other.userId);
      await eventually(() => expect(sub.events.map((e) => e.orderNo)).toContain(mine));
      await a.app.services.orders.cancel(mine, customer.userId);
      await eventually(() => expect(statuses(sub.events)).toEqual(["PLACED", "CANCELLED"]));
      expect(new Set(sub.events.map((e) => e.orderNo))).toEqual(new Set([mine]));
    } finally {
      await client.dispose();
    }
  });

  it("shopOrders: admins see every new order and change; customers are refused", async () => {
    const admin = await signUp(a, "ADMIN");
    const customer = await signUp(a);
    const adminClient = wsClient(urlA, admin.token).client;
    const customerClient = wsClient(urlA, customer.token).client;
    const shop = record(adminClient, `subscription { shopOrders { ${ORDER_FIELDS} } }`, "shopOrders");
    const refused = record(customerClient, `subscription { shopOrders { ${ORDER_FIELDS} } }`, "shopOrders");
    try {
      await eventually(() => expect(refused.errors.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]));
      await eventually(() => expect(a.app.services.orderEvents.streamCount).toBeGreaterThan(0));
      const orderNo = await placeOrder(b, customer.userId);
      await b.app.services.orders.advance(orderNo, "PREPARING");
      await eventually(() =>
        expect(statuses(shop.events.filter((e) => e.orderNo === orderNo))).toEqual(["PLACED", "PREPARING"]),
      );
    } finally {
      await Promise.all([adminClient.dispose(), customerClient.dispose()]);
    }
  });

  it("another customer's order is not found; queries are refused over WebSocket", async () => {
    const owner = await signUp(a);
    const stranger = await signUp(a);
    const orderNo = await placeOrder(a, owner.userId);
    const { client } = wsClient(urlA, stranger.token);
    try {
      const sub = record(
        client,
        `subscription { orderUpdated(orderNo: "${orderNo}") { status } }`,
        "orderUpdated",
      );
      const query = record(client, "{ categories { type } }", "categories");
      await eventually(() => expect(sub.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]));
      await eventually(() => expect(query.errors.map((e) => e.extensions?.code)).toEqual(["BAD_REQUEST"]));
      expect(sub.events).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it("refuses a subscription sent over HTTP with 400, pointing at WebSocket", async () => {
    const { token } = await signUp(a);
    const response = await a.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { authorization: `Bearer ${token}` },
      payload: { query: "subscription { myOrderUpdates { status } }" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      errors: [{ message: expect.stringContaining("WebSocket"), extensions: { code: "BAD_REQUEST" } }],
    });
  });

  it("closes a socket with 4401 when its token is logged out on the other replica", async () => {
    const customer = await signUp(a);
    const orderNo = await placeOrder(a, customer.userId);
    const { client, closes } = wsClient(urlB, customer.token);
    const sub = record(
      client,
      `subscription { orderUpdated(orderNo: "${orderNo}") { status } }`,
      "orderUpdated",
    );
    await eventually(() => expect(sub.events).toHaveLength(1));
    const logout = await rawGql(a.app, { query: "mutation { logout }" }, customer.token);
    expect(logout.errors).toBeUndefined();
    await eventually(() => expect(closes.map((c) => c.code)).toContain(4401));
    await client.dispose();
  });

  it("closes a socket with 4402 when the user's role changes on the other replica", async () => {
    const customer = await signUp(a);
    const { client, closes } = wsClient(urlB, customer.token);
    record(client, "subscription { myOrderUpdates { status } }", "myOrderUpdates");
    try {
      await eventually(() => expect(b.app.services.orderEvents.streamCount).toBeGreaterThan(0));
      // As the admin seed promotes: the role and a revocation row in one transaction, then the stamp.
      await a.db.prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: customer.userId }, data: { role: "ADMIN" } });
        await a.app.services.revocations.sessionsChanged(tx, customer.userId, "ROLE_CHANGE");
      });
      await a.app.services.userCache.touch(customer.userId, ["session"]);
      await eventually(() => expect(closes.map((c) => c.code)).toEqual([4402]));
    } finally {
      await client.dispose();
    }
  });

  it("closes a socket with 4401 when its token expires", async () => {
    const customer = await signUp(a);
    const user = await a.app.services.accounts.authenticate(customer.token);
    // A token issued so long ago that it has three to four seconds left.
    const lifetimeMs = a.config.auth.accessTokenExpireMinutes * 60_000;
    const { token } = await a.app.services.tokens.issue(
      customer.userId,
      user.user.tokenVersion,
      new Date(Date.now() - lifetimeMs + 4_000),
    );
    const { client, closes } = wsClient(urlA, token);
    record(client, "subscription { myOrderUpdates { status } }", "myOrderUpdates");
    try {
      // Signed in and subscribed first; closed once the token runs out.
      await eventually(() => expect(a.app.services.orderEvents.streamCount).toBeGreaterThan(0));
      await vi.waitFor(() => expect(closes).toEqual([{ code: 4401, reason: "token expired" }]), {
        timeout: 15_000,
        interval: 50,
      });
    } finally {
      await client.dispose();
    }
  });

  it("disconnects a slow consumer (4430) when events pile up beyond its queue", async () => {
    const customer = await signUp(c);
    const orderNo = await placeOrder(c, customer.userId);
    const { client, closes } = wsClient(urlC, customer.token);
    const sub = record(
      client,
      `subscription { orderUpdated(orderNo: "${orderNo}") { status updatedAt } }`,
      "orderUpdated",
    );
    try {
      await eventually(() => expect(sub.events).toHaveLength(1));
      // A burst of 50 versions in one tick: more than WS_MAX_QUEUED_EVENTS (5) wait before the socket can
      // take any of them.
      const order = (await c.app.services.orders.find(orderNo, customer.userId))!;
      for (let i = 1; i <= 50; i++) {
        c.app.services.orderEvents.publish({ ...order, updatedAt: new Date(order.updatedAt.getTime() + i) });
      }
      await eventually(() => expect(closes.map((x) => x.code)).toEqual([4430]));
      const metrics = (await c.app.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(/^graphql_ws_consumers_dropped_total\{reason="slow_consumer"\} [1-9]/m);
    } finally {
      await client.dispose();
    }
  });

  it("closes open sockets with 1001 when the replica shuts down", async () => {
    const d = await createTestApp();
    const customer = await signUp(d);
    const { client, closes } = wsClient(await listen(d), customer.token);
    record(client, "subscription { myOrderUpdates { status } }", "myOrderUpdates");
    await eventually(() => expect(d.app.services.orderEvents.streamCount).toBe(1));
    await d.close();
    await eventually(() => expect(closes.map((x) => x.code)).toEqual([1001]));
    await client.dispose();
  });

  it("refuses a socket without a token or with a bad one (4401)", async () => {
    for (const token of [undefined, "not-a-jwt"]) {
      const { client, closes } = wsClient(urlA, token);
      await eventually(() => expect(closes.map((c) => c.code)).toEqual([4401]));
      await client.dispose();
    }
  });
});

describe("subscription limits", () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await createTestApp({
      WS_MAX_SOCKETS_PER_IP: "4",
      WS_MAX_SOCKETS_PER_USER: "2",
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: "2",
      WS_MAX_MESSAGE_BYTES: "2048",
    });
    url = await listen(t);
  });
  afterAll(() => t.close());

  it("per user: a third socket is closed with 4420", async () => {
    const { token } = await signUp(t);
    const clients = [1, 2, 3].map(() => wsClient(url, token));
    try {
      await eventually(() => expect(clients.flatMap((c) => c.closes.map((x) => x.code))).toEqual([4420]));
    } finally {
      await Promise.all(clients.map((c) => c.client.dispose()));
    }
  });

  it("per socket: a third subscription is refused, the first two run", async () => {
    const { token } = await signUp(t);
    const { client, closes } = wsClient(url, token);
    try {
      const subs = [1, 2, 3].map(() =>
        record(client, "subscription { myOrderUpdates { status } }", "myOrderUpdates"),
      );
      await eventually(() =>
        expect(subs.map((s) => s.errors.map((e) => e.extensions?.code))).toEqual([
          [],
          [],
          ["TOO_MANY_SUBSCRIPTIONS"],
        ]),
      );
      expect(closes).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it("per address: the upgrade past the limit is answered 429", async () => {
    const sockets = await Promise.all([1, 2, 3, 4].map(() => rawSocket(url)));
    try {
      expect(await upgradeStatus(url)).toBe(429);
    } finally {
      for (const { socket } of sockets) socket.terminate();
    }
    await eventually(async () => expect(await upgradeStatus(url)).toBe(101));
  });

  it("message size: a message above the limit closes the socket (1009)", async () => {
    const { socket, closed } = await rawSocket(url);
    socket.send(JSON.stringify({ type: "connection_init", payload: { padding: "x".repeat(4096) } }));
    expect(await closed).toBe(1009);
  });

  it("answers only /graphql upgrades", async () => {
    expect(await upgradeStatus(url.replace("/graphql", "/other"))).toBe(404);
  });
});

describe("fan-out with Redis down", () => {
  let redis: PrivateRedis;
  let a: TestApp;
  let b: TestApp;
  let urlA: string;
  let urlB: string;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    const env = { REDIS_PORT: String(redis.port), REDIS_KEY_PREFIX: `ws-${process.pid}:` };
    a = await createTestApp(env);
    b = await createTestApp(env);
    urlA = await listen(a);
    urlB = await listen(b);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.kill();
  });

  const ready = async (t: TestApp) =>
    (await t.app.inject({ method: "GET", url: "/ready" })).json<{ fanout: string }>();

  it("delivers on the same replica, reports degraded, and catches the other replica up when Redis returns", async () => {
    await eventually(async () => expect((await ready(a)).fanout).toBe("ok"));
    await eventually(async () => expect((await ready(b)).fanout).toBe("ok"));
    // Sign-up and the first order need Redis only for caches: placed before the outage for simplicity.
    const customer = await signUp(a);
    const orderNo = await placeOrder(a, customer.userId);
    const same = wsClient(urlA, customer.token).client;
    const other = wsClient(urlB, customer.token).client;
    const q = `subscription { orderUpdated(orderNo: "${orderNo}") { ${ORDER_FIELDS} } }`;
    const onA = record(same, q, "orderUpdated");
    const onB = record(other, q, "orderUpdated");
    try {
      await eventually(() => expect(statuses(onA.events)).toEqual(["PLACED"]));
      await eventually(() => expect(statuses(onB.events)).toEqual(["PLACED"]));

      await redis.kill();
      await a.app.services.orders.advance(orderNo, "PREPARING");
      await eventually(() => expect(statuses(onA.events)).toEqual(["PLACED", "PREPARING"]));
      await eventually(async () => expect((await ready(a)).fanout).toBe("degraded"));
      const metrics = await a.app.inject({ method: "GET", url: "/metrics" });
      expect(metrics.body).toMatch(/^order_events_fanout_degraded 1$/m);
      expect(statuses(onB.events)).toEqual(["PLACED"]);

      await redis.start();
      // B's subscriber reconnects and reloads what its subscriptions show: the missed change arrives.
      await eventually(() => expect(statuses(onB.events)).toEqual(["PLACED", "PREPARING"]));
      await eventually(async () => expect((await ready(b)).fanout).toBe("ok"));
    } finally {
      await Promise.all([same.dispose(), other.dispose()]);
    }
  });
});
