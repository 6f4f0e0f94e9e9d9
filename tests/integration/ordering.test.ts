import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddToCartDocument,
  AdvanceOrderDocument,
  CancelOrderDocument,
  ClearCartDocument,
  MyCartDocument,
  MyOrdersDocument,
  OrderDocument,
  PlaceOrderDocument,
  RemoveCartItemDocument,
  UpdateCartItemDocument,
  UpdateProductDocument,
} from "../generated/graphql.js";
import { createScratchApp, type TestApp, userToken } from "../helpers/app.js";
import { codes, gql } from "../helpers/graphql.js";

// Prices and availability change here: a database of its own.
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createScratchApp("orders");
  admin = await userToken(t, "ADMIN");
});
afterAll(() => t.close());

let keys = 0;
const key = () => `key-${process.pid}-${++keys}-${Date.now()}`;
const add = (
  token: string,
  pid: string,
  quantity: number,
  options?: { kind: never; value: string }[] | object[],
) => gql(t.app, AddToCartDocument, { input: { pid, quantity, options: options as never } }, token);
const setProduct = (pid: string, input: object) =>
  gql(t.app, UpdateProductDocument, { pid, input: input as never }, admin);

describe("cart", () => {
  it("prices a product with its options, defaults filled in, on the server", async () => {
    const token = await userToken(t);
    const result = await add(token, "latte001", 2, [{ kind: "SUGAR", value: "半糖" }]);
    expect(result.errors).toBeUndefined();
    const [item] = result.data!.addToCart.items;
    expect(item.options.map((o) => `${o.kind}:${o.value}`)).toEqual([
      "TEMPERATURE:冷",
      "SUGAR:半糖",
      "CREAM:默认奶油",
    ]);
    expect([item.quantity, item.unitPrice, item.lineTotal, result.data!.addToCart.total]).toEqual([
      2,
      "28.00",
      "56.00",
      "56.00",
    ]);

    const withMilk = await add(token, "coffee005", 1, [{ kind: "MILK", value: "双份奶" }]);
    const milk = withMilk.data!.addToCart.items.find((i) => i.product.pid === "coffee005")!;
    expect([milk.unitPrice, milk.options.find((o) => o.kind === "MILK")!.priceDelta]).toEqual([
      "29.00",
      "4.00",
    ]);
    expect(withMilk.data!.addToCart.total).toBe("85.00");
  });

  it("adds up equal choices in one item and keeps different choices apart", async () => {
    const token = await userToken(t);
    await add(token, "latte003", 2);
    await add(token, "latte003", 3, [{ kind: "TEMPERATURE", value: "冷" }]);
    const other = await add(token, "latte003", 1, [{ kind: "TEMPERATURE", value: "热" }]);
    expect(other.data!.addToCart.items.map((i) => i.quantity)).toEqual([5, 1]);
  });

  it("refuses bad options, quantities and products, naming the field", async () => {
    const token = await userToken(t);
    const cases: [Parameters<typeof add>, string][] = [
      [
        [
          token,
          "latte001",
          1,
          [
            { kind: "SUGAR", value: "半糖" },
            { kind: "SUGAR", value: "全糖" },
          ],
        ],
        "options.1.kind",
      ],
      [[token, "latte001", 1, [{ kind: "MILK", value: "单份奶" }]], "options.0.kind"],
      [[token, "latte001", 1, [{ kind: "SUGAR", value: "三分糖" }]], "options.0.value"],
      [[token, "latte001", 0], "quantity"],
      [[token, "latte001", 100], "quantity"],
      [[token, "nope999", 1], "pid"],
    ];
    for (const [args, field] of cases) {
      const result = await add(...args);
      expect(result.errors?.[0].extensions, field).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    await add(token, "latte002", 60);
    expect((await add(token, "latte002", 40)).errors?.[0].extensions).toMatchObject({ field: "quantity" });
    expect((await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart.items.map((i) => i.quantity)).toEqual(
      [60],
    );
  });

  it("adds up concurrent adds of one item without losing any, and caps a cart at 30 items", async () => {
    const token = await userToken(t);
    const results = await Promise.all(Array.from({ length: 8 }, () => add(token, "latte001", 1)));
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect((await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart.items.map((i) => i.quantity)).toEqual(
      [8],
    );

    const full = await userToken(t);
    const user = await t.db.prisma.user.findFirstOrThrow({ orderBy: { id: "desc" } });
    const product = await t.db.prisma.product.findUniqueOrThrow({ where: { pid: "latte002" } });
    await t.db.prisma.cartItem.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        userId: user.id,
        productId: product.id,
        options: `[{"kind":"SUGAR","value":"v${i}"}]`,
        quantity: 1,
        unitPrice: "28.00",
      })),
    });
    expect((await add(full, "latte003", 1)).errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "pid",
    });
  });

  it("refuses unavailable products", async () => {
    const token = await userToken(t);
    await setProduct("fruit_tea002", { isAvailable: false });
    try {
      expect((await add(token, "fruit_tea002", 1)).errors?.[0].extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "pid",
      });
    } finally {
      await setProduct("fruit_tea002", { isAvailable: true });
    }
  });

  it("updates, merges, removes and clears items of your own cart only", async () => {
    const [alice, bob] = [await userToken(t), await userToken(t)];
    await add(alice, "coffee001", 1, [{ kind: "SUGAR", value: "半份糖" }]);
    const cart = await add(alice, "coffee001", 2, [{ kind: "SUGAR", value: "单份糖" }]);
    const [first, second] = cart.data!.addToCart.items;

    // A client written before global ids still sends the plain database id.
    const updated = await gql(
      t.app,
      UpdateCartItemDocument,
      { input: { itemId: first.databaseId, quantity: 4 } },
      alice,
    );
    expect(updated.data!.updateCartItem.items.map((i) => i.quantity)).toEqual([4, 2]);
    for (const itemId of [cart.data!.addToCart.id, "not-an-id", "0", "Q2FydEl0ZW06MQ=="]) {
      const refused = await gql(t.app, UpdateCartItemDocument, { input: { itemId, quantity: 1 } }, alice);
      expect(
        refused.errors?.map((e) => [e.extensions.code, e.extensions.field]),
        itemId,
      ).toEqual([["BAD_USER_INPUT", "itemId"]]);
    }
    const merged = await gql(
      t.app,
      UpdateCartItemDocument,
      { input: { itemId: first.id, options: [{ kind: "SUGAR", value: "单份糖" }] } },
      alice,
    );
    expect(merged.data!.updateCartItem.items.map((i) => [i.id, i.quantity])).toEqual([[second.id, 6]]);

    expect(
      codes(await gql(t.app, UpdateCartItemDocument, { input: { itemId: second.id, quantity: 1 } }, bob)),
    ).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(t.app, RemoveCartItemDocument, { itemId: second.id }, bob))).toEqual([
      "NOT_FOUND",
    ]);
    expect(
      (await gql(t.app, RemoveCartItemDocument, { itemId: second.id }, alice)).data!.removeCartItem.items,
    ).toEqual([]);

    await add(alice, "latte001", 1);
    await gql(t.app, ClearCartDocument, {}, bob);
    expect((await gql(t.app, MyCartDocument, {}, alice)).data!.me!.cart.items).toHaveLength(1);
    expect((await gql(t.app, ClearCartDocument, {}, alice)).data!.clearCart).toMatchObject({
      items: [],
      total: "0.00",
    });
  });

  it("needs a signed-in user and is cached only for that user, until it changes", async () => {
    expect(codes(await add("", "latte001", 1))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: key() } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    const [token, other] = [await userToken(t), await userToken(t)];
    const cartOf = (bearer: string) =>
      t.app.inject({
        method: "POST",
        url: "/graphql",
        headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
        payload: { query: "{ me { username cart { total } } }" },
      });
    expect((await cartOf(token)).headers["x-cache"]).toBe("MISS");
    const warm = await cartOf(token);
    expect(warm.headers["x-cache"]).toBe("HIT");
    expect(warm.json().data.me.cart.total).toBe("0.00");
    // Another user's identical document is theirs alone.
    const theirs = await cartOf(other);
    expect(theirs.headers["x-cache"]).toBe("MISS");
    expect(theirs.json().data.me.username).not.toBe(warm.json().data.me.username);
    // A change to the cart makes the cached answer stale at once.
    await add(token, "latte001", 1);
    const changed = await cartOf(token);
    expect(changed.headers["x-cache"]).toBe("MISS");
    expect(changed.json().data.me.cart.total).not.toBe("0.00");
  });
});

describe("checkout", () => {
  it("places an order from the cart in one go: snapshot, total, cart cleared", async () => {
    const token = await userToken(t);
    await add(token, "latte001", 2, [{ kind: "SUGAR", value: "半糖" }]);
    await add(token, "coffee005", 1, [{ kind: "MILK", value: "单份奶" }]);
    const placed = await gql(
      t.app,
      PlaceOrderDocument,
      { input: { idempotencyKey: key(), note: "少冰" } },
      token,
    );
    expect(placed.errors).toBeUndefined();
    const order = placed.data!.placeOrder.order;
    expect(order.orderNo).toMatch(/^C\d{6}-[0-9A-HJKMNP-TV-Z]{6}$/);
    expect([order.status, order.total, order.note, order.priceChanged]).toEqual([
      "PLACED",
      "83.00",
      "少冰",
      false,
    ]);
    expect(order.items.map((i) => [i.pid, i.basePrice, i.unitPrice, i.quantity, i.lineTotal])).toEqual([
      ["latte001", "28.00", "28.00", 2, "56.00"],
      ["coffee005", "25.00", "27.00", 1, "27.00"],
    ]);
    expect(order.items[1].options.find((o) => o.kind === "MILK")).toEqual({
      kind: "MILK",
      label: "奶",
      value: "单份奶",
      priceDelta: "2.00",
    });
    expect((await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart.items).toEqual([]);

    // Later catalogue edits never change a past order.
    await setProduct("coffee005", { price: "26.00", name: "焦糖美式" });
    try {
      const again = (await gql(t.app, OrderDocument, { orderNo: order.orderNo }, token)).data!.order!;
      expect(again.items[1]).toMatchObject({ name: "焦糖标准美式", basePrice: "25.00", unitPrice: "27.00" });
      expect(again.total).toBe("83.00");
    } finally {
      await setProduct("coffee005", { price: "25.00", name: "焦糖标准美式" });
    }
  });

  it("uses the current price when it changed after add-to-cart, and says so", async () => {
    const token = await userToken(t);
    await add(token, "latte009", 1);
    await setProduct("latte009", { price: "24.50" });
    try {
      const cart = (await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart;
      expect(cart.items[0].unitPrice).toBe("24.50");
      const order = (await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: key() } }, token)).data!
        .placeOrder.order;
      expect([
        order.total,
        order.priceChanged,
        order.items[0].priceChanged,
        order.items[0].unitPrice,
      ]).toEqual(["24.50", true, true, "24.50"]);
    } finally {
      await setProduct("latte009", { price: "22.00" });
    }
  });

  it("refuses an empty cart and a cart with an item no longer offered", async () => {
    const token = await userToken(t);
    const empty = await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: key() } }, token);
    expect(empty.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "cart" });

    await add(token, "rena_ice001", 1);
    await setProduct("rena_ice001", { isAvailable: false });
    try {
      const cart = (await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart;
      expect([cart.items[0].isAvailable, cart.total]).toEqual([false, "0.00"]);
      const refused = await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: key() } }, token);
      expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "cart.items.0" });
      expect((await gql(t.app, MyCartDocument, {}, token)).data!.me!.cart.items).toHaveLength(1);
    } finally {
      await setProduct("rena_ice001", { isAvailable: true });
    }
    const bad = await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: "short" } }, token);
    expect(bad.errors?.[0].extensions).toMatchObject({ field: "idempotencyKey" });
  });

  it("returns the same order for the same key, also for 20 identical requests at once", async () => {
    const token = await userToken(t);
    await add(token, "latte006", 1);
    const idempotencyKey = key();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => gql(t.app, PlaceOrderDocument, { input: { idempotencyKey } }, token)),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(new Set(results.map((r) => r.data!.placeOrder.order.orderNo)).size).toBe(1);
    const again = await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey } }, token);
    expect(again.data!.placeOrder.order.orderNo).toBe(results[0].data!.placeOrder.order.orderNo);
    expect(await t.db.prisma.order.count({ where: { idempotencyKey } })).toBe(1);
  });

  it("concurrent checkouts of one cart with different keys make one order", async () => {
    const token = await userToken(t);
    await add(token, "latte007", 2);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: key() } }, token),
      ),
    );
    expect(results.filter((r) => r.data?.placeOrder)).toHaveLength(1);
    expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions.field)).toEqual([
      "cart",
      "cart",
      "cart",
      "cart",
    ]);
  });
});

describe("orders", () => {
  async function placed(token: string) {
    await add(token, "latte003", 1);
    return (await gql(t.app, PlaceOrderDocument, { input: { idempotencyKey: key() } }, token)).data!
      .placeOrder.order.orderNo;
  }

  it("lists your orders newest first, page by page", async () => {
    const token = await userToken(t);
    const numbers = [await placed(token), await placed(token), await placed(token)];
    const page1 = (await gql(t.app, MyOrdersDocument, { first: 2 }, token)).data!.myOrders;
    expect(page1.edges.map((e) => e.node.orderNo)).toEqual([numbers[2], numbers[1]]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gql(t.app, MyOrdersDocument, { first: 2, after: page1.pageInfo.endCursor }, token))
      .data!.myOrders;
    expect(page2.edges.map((e) => e.node.orderNo)).toEqual([numbers[0]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect([page1.totalCount, page2.totalCount]).toEqual([3, 3]);
    // A cursor is checked strictly: one that merely decodes to a number is refused.
    const loose = Buffer.from("order:1e1").toString("base64url");
    const refused = await gql(t.app, MyOrdersDocument, { first: 2, after: loose }, token);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  it("hides other users' orders without revealing they exist", async () => {
    const [alice, bob] = [await userToken(t), await userToken(t)];
    const orderNo = await placed(alice);
    expect((await gql(t.app, OrderDocument, { orderNo }, bob)).data!.order).toBeNull();
    expect((await gql(t.app, OrderDocument, { orderNo: "C000000-AAAAAA" }, bob)).data!.order).toBeNull();
    expect(codes(await gql(t.app, CancelOrderDocument, { orderNo }, bob))).toEqual(["NOT_FOUND"]);
    expect((await gql(t.app, MyOrdersDocument, {}, bob)).data!.myOrders.edges).toEqual([]);
    expect((await gql(t.app, OrderDocument, { orderNo }, admin)).data!.order!.orderNo).toBe(orderNo);
  });

  it("lets you cancel while PLACED only", async () => {
    const token = await userToken(t);
    const orderNo = await placed(token);
    expect((await gql(t.app, CancelOrderDocument, { orderNo }, token)).data!.cancelOrder.status).toBe(
      "CANCELLED",
    );
    expect(codes(await gql(t.app, CancelOrderDocument, { orderNo }, token))).toEqual(["CONFLICT"]);

    const preparing = await placed(token);
    await gql(t.app, AdvanceOrderDocument, { orderNo: preparing, status: "PREPARING" }, admin);
    expect(codes(await gql(t.app, CancelOrderDocument, { orderNo: preparing }, token))).toEqual(["CONFLICT"]);
  });

  it("lets the shop advance orders along the workflow only", async () => {
    const token = await userToken(t);
    const orderNo = await placed(token);
    const advance = (status: string, as = admin) =>
      gql(t.app, AdvanceOrderDocument, { orderNo, status: status as never }, as);
    expect(codes(await advance("PREPARING", token))).toEqual(["FORBIDDEN"]);
    expect(codes(await advance("READY"))).toEqual(["CONFLICT"]);
    for (const status of ["PREPARING", "READY", "COMPLETED"]) {
      expect((await advance(status)).data!.advanceOrder.status).toBe(status);
    }
    expect(codes(await advance("CANCELLED"))).toEqual(["CONFLICT"]);
    expect(codes(await advance("PLACED"))).toEqual(["CONFLICT"]);
    expect(
      codes(await gql(t.app, AdvanceOrderDocument, { orderNo: "C000000-AAAAAA", status: "READY" }, admin)),
    ).toEqual(["NOT_FOUND"]);
  });
});
