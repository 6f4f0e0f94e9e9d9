import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AddToCartDocument,
  CreateProductDocument,
  MyCartDocument,
  MyOrdersDocument,
  PlaceOrderDocument,
  SetProductOptionDocument,
  UpdateProductDocument,
} from "../generated/graphql.js";
import { createScratchApp, type TestApp, userToken } from "../helpers/app.js";
import { codes, gql } from "../helpers/graphql.js";
import { metrics } from "../../src/observability/metrics.js";

// The "Why" of issue 14, each reproduced: money that goes negative or overflows, an error after commit, and
// idempotency keys reused for a different request. Prices change here: a database of its own.
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createScratchApp("trust");
  admin = await userToken(t, "ADMIN");
});
afterAll(() => t.close());

let n = 0;
const key = () => `trust-${process.pid}-${++n}-${Date.now()}`;
const add = (token: string, pid: string, quantity: number, options?: object[]) =>
  gql(t.app, AddToCartDocument, { input: { pid, quantity, options: options as never } }, token);
const place = (token: string, idempotencyKey: string, note?: string) =>
  gql(t.app, PlaceOrderDocument, { input: { idempotencyKey, note } }, token);
const cartOf = async (token: string) => (await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart;

/** A fresh product (price as given) with a SUGAR option whose choices carry the given deltas. */
async function product(price: string, deltas: string[] = []): Promise<string> {
  const pid = `trust_${process.pid}_${++n}`;
  const created = await gql(
    t.app,
    CreateProductDocument,
    { input: { pid, categoryType: "latte", name: `Trust ${n}`, price } },
    admin,
  );
  expect(created.errors).toBeUndefined();
  if (deltas.length > 0) {
    const set = await gql(
      t.app,
      SetProductOptionDocument,
      {
        input: {
          pid,
          kind: "SUGAR",
          label: "糖",
          choices: deltas.map((priceDelta, i) => ({ value: `v${i}`, priceDelta })),
        },
      },
      admin,
    );
    expect(set.errors).toBeUndefined();
  }
  return pid;
}

/** Writes straight to MySQL, as a console session or an import would: the API's checks are bypassed. */
async function sqlUpdate(sql: string, ...params: unknown[]) {
  await t.db.pool.query(sql, params);
}

async function orderCount() {
  return t.db.prisma.order.count();
}

describe("money invariants", () => {
  it("refuses an option delta that would make an offered combination negative (admin write)", async () => {
    const pid = await product("28.00", ["0.00"]);
    const result = await gql(
      t.app,
      SetProductOptionDocument,
      {
        input: {
          pid,
          kind: "SUGAR",
          label: "糖",
          choices: [
            { value: "v0", priceDelta: "0.00" },
            { value: "v1", priceDelta: "-78.00" },
          ],
        },
      },
      admin,
    );
    expect(result.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "choices.1.priceDelta",
    });
  });

  it("refuses a price change that would make an offered combination negative (admin write)", async () => {
    const pid = await product("28.00", ["0.00", "-20.00"]);
    const result = await gql(t.app, UpdateProductDocument, { pid, input: { price: "10.00" } }, admin);
    expect(result.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "price" });
    // Exactly zero is a legal price: a free extra shot is still an offer.
    const ok = await gql(t.app, UpdateProductDocument, { pid, input: { price: "20.00" } }, admin);
    expect(ok.errors).toBeUndefined();
  });

  it("refuses prices and deltas outside their documented bounds (admin write)", async () => {
    const pid = await product("28.00");
    for (const price of ["1010101.02", "10000.01", "-1.00"]) {
      const result = await gql(t.app, UpdateProductDocument, { pid, input: { price } }, admin);
      expect(result.errors?.[0].extensions, price).toMatchObject({ code: "BAD_USER_INPUT", field: "price" });
    }
    // More than 2 decimals never gets past the Decimal scalar.
    expect(codes(await gql(t.app, UpdateProductDocument, { pid, input: { price: "1.234" } }, admin))).toEqual(
      ["BAD_USER_INPUT"],
    );
    const delta = await gql(
      t.app,
      SetProductOptionDocument,
      { input: { pid, kind: "MILK", label: "奶", choices: [{ value: "big", priceDelta: "9990.00" }] } },
      admin,
    );
    expect(delta.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "choices.0.priceDelta",
    });
  });

  it("a negative combination written straight to MySQL is refused at add and at checkout, never committed", async () => {
    const pid = await product("28.00", ["0.00", "-20.00"]);
    const token = await userToken(t);
    expect((await add(token, pid, 2, [{ kind: "SUGAR", value: "v1" }])).errors).toBeUndefined();
    await sqlUpdate(
      "UPDATE product_options o JOIN products p ON p.id = o.product_id SET o.price_delta = -78 WHERE p.pid = ? AND o.value = 'v1'",
      pid,
    );
    const refusedAdd = await add(token, pid, 1, [{ kind: "SUGAR", value: "v1" }]);
    expect(refusedAdd.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "options" });

    const cart = await cartOf(token);
    expect([cart.items[0].isAvailable, cart.total]).toEqual([false, "0.00"]);
    const before = await orderCount();
    const refused = await place(token, key());
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "cart.items.0" });
    expect(await orderCount()).toBe(before);
    expect((await cartOf(token)).items).toHaveLength(1);
  });

  it("a price times a quantity that would overflow DECIMAL(10,2) is BAD_USER_INPUT, not a 500", async () => {
    const pid = await product("28.00");
    const token = await userToken(t);
    expect((await add(token, pid, 99)).errors).toBeUndefined();
    await sqlUpdate("UPDATE products SET price = 1010101.02 WHERE pid = ?", pid);
    const refusedAdd = await add(token, pid, 1);
    expect(refusedAdd.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "pid" });
    const before = await orderCount();
    const refused = await place(token, key());
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "cart.items.0" });
    expect(await orderCount()).toBe(before);
  });
});

describe("after commit", () => {
  it("a failing metric after the commit does not turn a placed order into an error", async () => {
    const pid = await product("12.00");
    const token = await userToken(t);
    await add(token, pid, 1);
    const spy = vi.spyOn(metrics.orderValue, "inc").mockImplementation(() => {
      throw new Error("metrics broke");
    });
    try {
      const placed = await place(token, key());
      expect(codes(placed)).toEqual([]);
      expect(placed.data!.placeOrder.order.total).toBe("12.00");
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect((await gql(t.app, MyOrdersDocument, { first: 1 }, token)).data!.myOrders.edges).toHaveLength(1);
  });
});

describe("idempotency keys", () => {
  it("the same key with the same request replays the order and says so; nothing new is created", async () => {
    const pid = await product("15.00");
    const token = await userToken(t);
    await add(token, pid, 2);
    const idempotencyKey = key();
    const first = await place(token, idempotencyKey, "oat milk");
    expect(first.data!.placeOrder.replayed).toBe(false);
    const before = await orderCount();
    // A retry after a lost answer: the first attempt emptied the cart.
    const retry = await place(token, idempotencyKey, "oat milk");
    expect(retry.data!.placeOrder).toEqual({ ...first.data!.placeOrder, replayed: true });
    expect(await orderCount()).toBe(before);
  });

  it("the same key with a different note or cart is IDEMPOTENCY_KEY_REUSED and changes nothing", async () => {
    const pid = await product("15.00");
    const token = await userToken(t);
    await add(token, pid, 1);
    const idempotencyKey = key();
    expect(codes(await place(token, idempotencyKey, "first"))).toEqual([]);
    const before = await orderCount();

    expect(codes(await place(token, idempotencyKey, "second"))).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
    await add(token, pid, 3);
    for (const note of ["first", "second"]) {
      expect(codes(await place(token, idempotencyKey, note))).toEqual(["IDEMPOTENCY_KEY_REUSED"]);
    }
    expect(await orderCount()).toBe(before);
    const cart = await cartOf(token);
    expect(cart.items.map((i) => i.quantity)).toEqual([3]);
    // A new key places the new cart.
    const next = await place(token, key(), "second");
    expect([next.data!.placeOrder.replayed, next.data!.placeOrder.order.total]).toEqual([false, "45.00"]);
  });

  it("keys are per user: another user's key of the same text is a different key", async () => {
    const pid = await product("15.00");
    const [alice, bob] = [await userToken(t), await userToken(t)];
    const idempotencyKey = key();
    await add(alice, pid, 1);
    await add(bob, pid, 2);
    const a = await place(alice, idempotencyKey);
    const b = await place(bob, idempotencyKey);
    expect([a.data!.placeOrder.replayed, b.data!.placeOrder.replayed]).toEqual([false, false]);
    expect(a.data!.placeOrder.order.orderNo).not.toBe(b.data!.placeOrder.order.orderNo);
    // Keys are case-sensitive: a key differing only in case is another key.
    await add(alice, pid, 1);
    const upper = await place(alice, idempotencyKey.toUpperCase());
    expect(upper.data!.placeOrder.replayed).toBe(false);
  });

  it("a key expires after 24 hours: then it places a new order, and pruning deletes expired keys", async () => {
    const pid = await product("15.00");
    const token = await userToken(t);
    await add(token, pid, 1);
    const idempotencyKey = key();
    const first = (await place(token, idempotencyKey)).data!.placeOrder.order;
    const stored = await t.db.prisma.idempotencyKey.findFirstOrThrow({ where: { idempotencyKey } });
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(24 * 60 * 60 * 1000);
    expect(stored.requestHash).toMatch(/^[0-9a-f]{64}$/);

    await sqlUpdate(
      "UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?",
      stored.id,
    );
    await add(token, pid, 2);
    const second = (await place(token, idempotencyKey)).data!.placeOrder;
    expect([second.replayed, second.order.total]).toEqual([false, "30.00"]);
    expect(second.order.orderNo).not.toBe(first.orderNo);

    await sqlUpdate(
      "UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE idempotency_key = ?",
      idempotencyKey,
    );
    expect(await t.app.services.orders.pruneExpiredKeys()).toBeGreaterThanOrEqual(1);
    expect(await t.db.prisma.idempotencyKey.count({ where: { idempotencyKey } })).toBe(0);
    // The orders stay: only the key is forgotten.
    expect(await t.db.prisma.order.count({ where: { idempotencyKey } })).toBe(2);
  });

  it("concurrent retries with one key make one order; all but one answer replayed", async () => {
    const pid = await product("9.50");
    const token = await userToken(t);
    await add(token, pid, 1);
    const idempotencyKey = key();
    const results = await Promise.all(Array.from({ length: 10 }, () => place(token, idempotencyKey)));
    expect(results.flatMap((r) => codes(r))).toEqual([]);
    expect(results.filter((r) => !r.data!.placeOrder.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.data!.placeOrder.order.orderNo)).size).toBe(1);
  });
});

describe("cart limits in one statement", () => {
  it("holds 30 items under concurrent adds, and a full cart still adds to an item it has", async () => {
    const token = await userToken(t);
    const user = await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "desc" } });
    const filler = await t.db.prisma.product.findUniqueOrThrow({ where: { pid: "latte002" } });
    await t.db.prisma.cartItem.createMany({
      data: Array.from({ length: 27 }, (_, i) => ({
        userId: user.id,
        productId: filler.id,
        options: `[{"kind":"SUGAR","value":"f${i}"}]`,
        quantity: 1,
        unitPrice: "28.00",
      })),
    });
    const pids = await Promise.all(Array.from({ length: 6 }, () => product("3.00")));
    const results = await Promise.all(pids.map((pid) => add(token, pid, 1)));
    expect(results.filter((r) => !r.errors)).toHaveLength(3);
    expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions.field)).toEqual([
      "pid",
      "pid",
      "pid",
    ]);
    expect(await t.db.prisma.cartItem.count({ where: { userId: user.id } })).toBe(30);

    const inCart = pids.filter((_, i) => !results[i].errors);
    const more = await add(token, inCart[0], 5);
    expect(more.errors).toBeUndefined();
    expect(more.data!.addToCart.items.find((i) => i.product.pid === inCart[0])!.quantity).toBe(6);
    expect((await add(token, inCart[0], 94)).errors?.[0].extensions).toMatchObject({ field: "quantity" });
  });
});
