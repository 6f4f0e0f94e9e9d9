/**
 * The CDC worker as a real process (dist/cdc/main.js) against the real MariaDB binlog and Redis: rows changed
 * over a plain SQL connection remove the cached entries carrying their tags. The worker follows a scratch
 * database of its own, so these writes never reach the other test files.
 */
import { randomInt } from "node:crypto";
import { print } from "graphql";
import type { RedisClient } from "../../src/cache/redis.js";
import type * as mariadb from "mariadb";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBreaker } from "../../src/cache/breaker.js";
import { TaggedCache } from "../../src/cache/cache.js";
import { whenReady } from "../../src/cache/redis.js";
import { Tags } from "../../src/catalog/catalog.tags.js";
import type { Config } from "../../src/config.js";
import { MenuDocument, ProductDocument } from "../generated/graphql.js";
import { createScratchApp, type TestApp, userToken } from "../helpers/app.js";
import { CdcWorkerProcess, cdcEnv } from "../helpers/cdc-worker.js";
import { BINLOG_OFF, binlogRequirement, sqlConnection, testConfig } from "../helpers/env.js";
import { gql, rawGql } from "../helpers/graphql.js";
import { get } from "../helpers/legacy.js";
import { record, wsClient } from "../helpers/subscriptions.js";

/** The worker's contract: a committed change leaves the cache within this long. */
const INVALIDATION_MS = 2_000;
/** Bound on the worker starting, stopping or reconnecting (generous: the machine is shared by test files). */
const PROCESS_MS = 15_000;
const CACHE = "cdc-test";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something, failing after PROCESS_MS. */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PROCESS_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${PROCESS_MS} ms`);
    await sleep(25);
  }
}

let t: TestApp;
let config: Config;
let redis: RedisClient;
let cache: TaggedCache;
let sql: mariadb.Connection;
let worker: CdcWorkerProcess;
const serverId = 1_000_000 + randomInt(1_000_000);

function startWorker(): Promise<CdcWorkerProcess> {
  // The server id is unique per run: two listeners with one server id make the server drop the older one.
  const started = new CdcWorkerProcess(cdcEnv(config, serverId));
  worker = started;
  return started.ready("active").then(() => started);
}

// Invalidation moves the tags' stamps: an entry is gone when a read no longer finds it fresh.
const isCached = async (key: string) => (await cache.peekBytes(CACHE, key))?.hit === true;

let entries = 0;
/** Caches a value under `tags` the way the catalogue services do; returns its key. */
async function cacheUnder(...tags: string[]): Promise<string> {
  const key = `${tags.join("+")}#${++entries}`;
  await cache.getOrLoad(
    CACHE,
    key,
    async () => key,
    () => tags,
  );
  expect(await isCached(key), `${key} cached`).toBe(true);
  return key;
}

async function expectInvalidated(keys: string[], withinMs = INVALIDATION_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = (await Promise.all(keys.map(async (k) => ((await isCached(k)) ? [k] : [])))).flat();
    if (left.length === 0) return;
    if (Date.now() > deadline) expect(left, `still cached ${withinMs} ms after the change`).toEqual([]);
    await sleep(20);
  }
}

const one = async <T>(query: string, values: unknown[] = []): Promise<T> =>
  ((await sql.query(query, values)) as T[])[0];

let latte: { id: number; categoryId: number; type: string };
let other: { id: number; categoryId: number };
let optionId: number;

const { on: binlogOn, skip: skipWithoutBinlog } = await binlogRequirement();

beforeAll(async () => {
  if (skipWithoutBinlog) return;
  if (!binlogOn) throw new Error(BINLOG_OFF);

  // The app (for the GraphQL and REST checks) on a seeded scratch database, sharing the worker's Redis prefix.
  t = await createScratchApp("cdc", { REDIS_KEY_PREFIX: `${testConfig().redis.keyPrefix}cdc:` });
  ({ config, redis } = t);
  await whenReady(redis, 5_000);
  cache = new TaggedCache({
    redis,
    breaker: new RedisBreaker(redis, pino({ level: "silent" })),
    keyPrefix: config.redis.keyPrefix,
    ttlSeconds: 600,
  });
  sql = await sqlConnection(config.db.database);
  latte = await one(
    "SELECT p.id, p.category_id AS categoryId, c.type FROM products p JOIN categories c ON c.id = p.category_id WHERE p.pid = 'latte001'",
  );
  other = await one("SELECT id, category_id AS categoryId FROM products WHERE category_id <> ? LIMIT 1", [
    latte.categoryId,
  ]);
  ({ id: optionId } = await one<{ id: number }>(
    "SELECT id FROM product_options WHERE product_id = ? LIMIT 1",
    [latte.id],
  ));
  await startWorker();
});

afterAll(async () => {
  worker?.kill();
  await sql?.end();
  await t?.close();
});

describe.skipIf(skipWithoutBinlog)("CDC worker (needs the row binlog: scripts/enable-binlog.sh)", () => {
  it("a price UPDATE removes the product's, its category's and the product lists' entries", async () => {
    const keys = [
      await cacheUnder(Tags.product(latte.id)),
      await cacheUnder(Tags.category(latte.categoryId)),
      await cacheUnder(Tags.products),
    ];
    const unrelated = await cacheUnder(Tags.product(other.id), Tags.category(other.categoryId));

    await sql.query("UPDATE products SET price = price + 1 WHERE pid = 'latte001'");

    await expectInvalidated(keys);
    expect(await isCached(unrelated)).toBe(true);
    const metrics = await (await worker.get("/metrics")).text();
    expect(metrics).toContain("cdc_connected 1");
    expect(metrics).toMatch(/^cdc_events_total\{table="products"\} [1-9]/m);
    expect(metrics).toMatch(/^cache_invalidations_total\{source="cdc"\} [1-9]/m);
  });

  it("a price changed in MySQL shows through GraphQL (response cache included) and REST within 2 s", async () => {
    const menu = () =>
      t.app.inject({ method: "POST", url: "/graphql", payload: { query: print(MenuDocument) } });
    const prices = async () => {
      const categories = (await menu()).json().data.categories as {
        products: { pid: string; price: string }[];
      }[];
      const list = JSON.parse((await get(t.app, `/products/typeProducts/${latte.type}`)).body).result as {
        pid: string;
        price: number;
      }[];
      return [
        categories.flatMap((c) => c.products).find((p) => p.pid === "latte001")?.price,
        (await gql(t.app, ProductDocument, { pid: "latte001" })).data?.product?.price,
        list.find((p) => p.pid === "latte001")?.price,
        JSON.parse((await get(t.app, "/products/productDetail/latte001")).body).result[0].price,
      ].map(Number);
    };
    const [before] = await prices();
    expect((await menu()).headers["x-cache"]).toBe("HIT");

    const after = Number((before + 0.25).toFixed(2));
    await sql.query("UPDATE products SET price = ? WHERE id = ?", [after, latte.id]);

    const deadline = Date.now() + INVALIDATION_MS;
    let seen = await prices();
    while (seen.some((price) => price !== after) && Date.now() < deadline) {
      await sleep(20);
      seen = await prices();
    }
    expect(seen, "menu, product, REST list, REST detail").toEqual([after, after, after, after]);
  });

  it("a user's row or cart changed in MySQL shows on their next signed-in read within 2 s", async () => {
    const token = await userToken(t);
    const read = async () =>
      (await rawGql(t.app, { query: "{ me { databaseId role cart { total } } }" }, token)).data as {
        me: { databaseId: number; role: string; cart: { total: string } };
      };
    const first = await read();
    expect(first.me).toMatchObject({ role: "CUSTOMER", cart: { total: "0.00" } });
    await read(); // now answered from the per-user caches

    const eventually = async (check: (seen: Awaited<ReturnType<typeof read>>) => boolean) => {
      const deadline = Date.now() + INVALIDATION_MS;
      let seen = await read();
      while (!check(seen) && Date.now() < deadline) {
        await sleep(20);
        seen = await read();
      }
      return seen;
    };
    await sql.query("UPDATE users SET role = 'ADMIN' WHERE id = ?", [first.me.databaseId]);
    expect((await eventually((s) => s.me.role === "ADMIN")).me.role).toBe("ADMIN");
    await sql.query(
      "INSERT INTO cart_items (user_id, product_id, options, quantity, unit_price) VALUES (?, ?, '[]', 1, 28)",
      [first.me.databaseId, latte.id],
    );
    expect((await eventually((s) => s.me.cart.total !== "0.00")).me.cart.total).not.toBe("0.00");
  });

  it("an order changed straight in MySQL reaches its live subscribers (orderUpdated, shopOrders)", async () => {
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const url = `ws://127.0.0.1:${(t.app.server.address() as { port: number }).port}/graphql`;
    const customer = await t.app.services.accounts.register(
      { username: `cdc_ws_${process.pid}`, password: "coffee123" },
      "127.0.0.1",
    );
    const admin = await t.app.services.accounts.register(
      { username: `cdc_ws_admin_${process.pid}`, password: "coffee123" },
      "127.0.0.1",
    );
    await sql.query("UPDATE users SET role = 'ADMIN' WHERE id = ?", [admin.user.id]);
    await t.app.services.carts.add(customer.user.id, { pid: "latte001", quantity: 1 });
    const {
      order: { orderNo },
    } = await t.app.services.orders.place(customer.user.id, { idempotencyKey: "cdc-ws-order" });
    const mine = wsClient(url, customer.token);
    const sub = record(
      mine.client,
      `subscription { orderUpdated(orderNo: "${orderNo}") { status } }`,
      "orderUpdated",
    );
    // The admin's role reached the per-user cache through the worker before the socket signs in.
    await until(async () =>
      (await t.app.services.accounts.authenticate(admin.token)).user.role === "ADMIN" ? true : undefined,
    );
    const shop = wsClient(url, admin.token);
    const all = record(shop.client, "subscription { shopOrders { orderNo status } }", "shopOrders");
    try {
      await until(() =>
        sub.events.length === 1 && all.events.some((e) => e.orderNo === orderNo) ? true : undefined,
      );
      await sql.query("UPDATE orders SET status = 'PREPARING', updated_at = NOW(3) WHERE order_no = ?", [
        orderNo,
      ]);
      // An event carries the order as it is when loaded: changes closer together than that arrive as one.
      await until(() => (sub.events.length === 2 ? true : undefined));
      await sql.query("UPDATE orders SET status = 'READY', updated_at = NOW(3) WHERE order_no = ?", [
        orderNo,
      ]);
      await until(() => (sub.events.length === 3 ? true : undefined));
      expect(sub.events.map((e) => e.status)).toEqual(["PLACED", "PREPARING", "READY"]);
      await until(() =>
        all.events.filter((e) => e.orderNo === orderNo).at(-1)?.status === "READY" ? true : undefined,
      );
    } finally {
      await Promise.all([mine.client.dispose(), shop.client.dispose()]);
    }
  });

  it("a product moved to another category leaves both categories", async () => {
    const keys = [
      await cacheUnder(Tags.category(latte.categoryId)),
      await cacheUnder(Tags.category(other.categoryId)),
    ];
    await sql.query("UPDATE products SET category_id = ? WHERE id = ?", [other.categoryId, latte.id]);
    await expectInvalidated(keys);
    await sql.query("UPDATE products SET category_id = ? WHERE id = ?", [latte.categoryId, latte.id]);
  });

  it("an INSERT and a DELETE of a promotion each remove the promotions entries", async () => {
    const beforeInsert = await cacheUnder(Tags.promotions);
    const { insertId } = (await sql.query(
      "INSERT INTO promotions (image_url, description, updated_at) VALUES ('static/x.png', 'CDC test', NOW(3))",
    )) as { insertId: bigint };
    await expectInvalidated([beforeInsert]);

    const beforeDelete = await cacheUnder(Tags.promotions);
    await sql.query("DELETE FROM promotions WHERE id = ?", [insertId]);
    await expectInvalidated([beforeDelete]);
  });

  it("a change to an option row removes its product's entries", async () => {
    const key = await cacheUnder(Tags.product(latte.id));
    await sql.query("UPDATE product_options SET price_delta = price_delta + 1 WHERE id = ?", [optionId]);
    await expectInvalidated([key]);
  });

  it("a rolled-back transaction invalidates nothing", async () => {
    const kept = [await cacheUnder(Tags.product(latte.id)), await cacheUnder(Tags.products)];
    await sql.beginTransaction();
    await sql.query("UPDATE products SET price = price + 1 WHERE id = ?", [latte.id]);
    await sql.query("DELETE FROM product_options WHERE id = ?", [optionId]);
    await sql.rollback();

    // A later committed change, once applied, proves the worker has read past the rollback.
    const barrier = await cacheUnder(Tags.promotions);
    await sql.query("UPDATE promotions SET sort_order = sort_order + 1 ORDER BY id LIMIT 1");
    await expectInvalidated([barrier]);
    for (const key of kept) expect(await isCached(key), key).toBe(true);
  });

  it("picks up a change made while it was stopped, from its saved position", async () => {
    expect(await worker.stop()).toBe(0);
    expect(worker.logs.map((l) => l.msg)).toContain("stopped");
    const saved = JSON.parse((await redis.get(`cdc:position:${config.db.database}`)) ?? "null");
    expect(saved).toEqual({ file: expect.stringMatching(/^mysql-bin\.\d+$/), position: expect.any(Number) });

    const keys = [await cacheUnder(Tags.product(latte.id)), await cacheUnder(Tags.products)];
    await sql.query("UPDATE products SET price = price + 1 WHERE id = ?", [latte.id]);
    for (const key of keys) expect(await isCached(key), `${key} while stopped`).toBe(true);

    await startWorker();
    expect(worker.logs.find((l) => l.msg === "connecting to the binlog")?.from).toEqual(saved);
    await expectInvalidated(keys);
  });

  it("reconnects after its binlog connection is killed, without losing changes", async () => {
    const { threadId } = await worker.healthWhere((h) => h.healthy);
    const [dump] = (await sql.query("SELECT id, command FROM information_schema.processlist WHERE id = ?", [
      threadId,
    ])) as { id: number; command: string }[];
    expect(dump?.command).toBe("Binlog Dump");

    const duringOutage = await cacheUnder(Tags.product(latte.id));
    await sql.query(`KILL ${Number(threadId)}`);
    await sql.query("UPDATE products SET price = price + 1 WHERE id = ?", [latte.id]);
    const reconnected = await worker.healthWhere((h) => h.healthy && h.threadId !== threadId);
    expect(reconnected.binlog).toBe("following");
    await expectInvalidated([duringOutage]);

    const afterReconnect = await cacheUnder(Tags.product(latte.id), Tags.products);
    await sql.query("UPDATE products SET is_hot = NOT is_hot WHERE id = ?", [latte.id]);
    await expectInvalidated([afterReconnect]);
    expect(worker.logs.map((l) => l.msg)).toContain(
      "binlog stream failed; reconnecting from the saved position",
    );
  });

  it("when the server no longer has its saved position, invalidates everything and starts at the end", async () => {
    expect(await worker.stop()).toBe(0);
    const positionKey = `cdc:position:${config.db.database}`;
    await redis.set(positionKey, JSON.stringify({ file: "mysql-bin.999999", position: 4 }));
    const keys = [
      await cacheUnder(Tags.categories),
      await cacheUnder(Tags.category(other.categoryId)),
      await cacheUnder(Tags.product(other.id)),
      await cacheUnder(Tags.products),
      await cacheUnder(Tags.promotions),
    ];

    await startWorker();
    await expectInvalidated(keys);
    expect(worker.logs.map((l) => l.msg)).toContain(
      "binlog position lost: invalidated every catalogue table",
    );
    expect(JSON.parse((await redis.get(positionKey))!).file).not.toBe("mysql-bin.999999");
  });

  // Destructive (empties tables of the scratch database): keep last.
  it("TRUNCATE and DDL remove every cached entry of the table, id tags included", async () => {
    const option = await cacheUnder(Tags.product(latte.id));
    const promotions = await cacheUnder(Tags.promotions);
    await sql.query("TRUNCATE TABLE product_options");
    await sql.query("TRUNCATE TABLE promotions");
    await expectInvalidated([option, promotions]);

    const keys = [
      await cacheUnder(Tags.product(latte.id)),
      await cacheUnder(Tags.category(other.categoryId)),
      await cacheUnder(Tags.products),
    ];
    const promotionsAgain = await cacheUnder(Tags.promotions);
    await sql.query("ALTER TABLE products COMMENT = 'changed by the CDC test'");
    await expectInvalidated(keys);
    expect(await isCached(promotionsAgain)).toBe(true);
  });
});
