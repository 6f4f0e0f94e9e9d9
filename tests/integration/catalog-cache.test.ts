import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { metrics } from "../../src/observability/metrics.js";
import {
  CategoryDocument,
  CreateCategoryDocument,
  CreateProductDocument,
  CreatePromotionDocument,
  DeleteCategoryDocument,
  DeleteProductDocument,
  DeletePromotionDocument,
  MenuDocument,
  ProductDocument,
  PromotionsDocument,
  RemoveProductOptionDocument,
  SetProductOptionDocument,
  UpdateCategoryDocument,
  UpdateProductDocument,
  UpdatePromotionDocument,
} from "../generated/graphql.js";
import { createScratchApp, type TestApp, userToken } from "../helpers/app.js";
import { codes, gql } from "../helpers/graphql.js";
import { get } from "../helpers/legacy.js";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

// The catalogue changes here: a database and Redis prefix of its own.
let t: TestApp;
let admin: string;
const statements: string[] = [];
beforeAll(async () => {
  t = await createScratchApp("cache", {}, { onQuery: (sql) => statements.push(sql) });
  admin = await userToken(t, "ADMIN");
});
afterAll(() => t.close());

async function sqlCount(run: () => Promise<unknown>): Promise<number> {
  statements.length = 0;
  await run();
  return statements.length;
}

/** Redis commands `run` sent (the counter is the process's: the app's background limit sync is stopped). */
async function redisCount(run: () => Promise<unknown>): Promise<number> {
  const count = async () => (await metrics.redisCommands.get()).values.reduce((n, v) => n + v.value, 0);
  const before = await count();
  await run();
  return (await count()) - before;
}

const menuRequest = (headers: Record<string, string> = {}) =>
  t.app.inject({
    method: "POST",
    url: "/graphql",
    headers: { "content-type": "application/json", ...headers },
    payload: { query: print(MenuDocument) },
  });

/** The price of a product as every public path shows it. */
async function pricesEverywhere(pid: string, type: string) {
  const menu = (await menuRequest()).json().data.categories as {
    products: { pid: string; price: string }[];
  }[];
  const fromMenu = menu.flatMap((c) => c.products).find((p) => p.pid === pid)?.price;
  const fromProduct = (await gql(t.app, ProductDocument, { pid })).data!.product?.price;
  const list = JSON.parse((await get(t.app, `/products/typeProducts/${type}`)).body).result;
  const fromList = list.find((p: { pid: string }) => p.pid === pid)?.price;
  const detail = await get(t.app, `/products/productDetail/${pid}`);
  const fromDetail = detail.status === 200 ? JSON.parse(detail.body).result[0].price : undefined;
  return { fromMenu, fromProduct, fromList: fromList?.toFixed(2), fromDetail };
}

describe("catalogue reads through the cache", () => {
  it("serves a repeated menu from the response cache and other shapes from the data cache, without SQL", async () => {
    await t.app.services.cache.invalidate(["categories", "products", "promotions"]);
    const first = await menuRequest();
    expect(first.headers["x-cache"]).toBe("MISS");
    const second = await menuRequest();
    expect(second.headers["x-cache"]).toBe("HIT");
    expect(second.body).toBe(first.body);

    expect(await sqlCount(() => menuRequest())).toBe(0);
    // Another shape of the same data: a response-cache miss, but every read comes from the data cache.
    const otherShape = { query: "{ categories { type products { pid enName options { kind } } } }" };
    expect(await sqlCount(() => t.app.inject({ method: "POST", url: "/graphql", payload: otherShape }))).toBe(
      0,
    );
    for (const url of [
      "/products/type",
      "/products/typeProducts/latte",
      "/products/productDetail/latte001",
      "/promotions/searchguess",
    ]) {
      await get(t.app, url);
      expect(await sqlCount(() => get(t.app, url)), url).toBe(0);
    }
    // The legacy reads are whole-response cached too (promotions not: their window applies at read time).
    for (const url of [
      "/products/type",
      "/products/typeProducts/latte",
      "/products/productDetail/latte001",
    ]) {
      expect((await get(t.app, url)).headers["x-cache"], url).toBe("HIT");
    }
    expect((await get(t.app, "/promotions/searchguess")).headers["x-cache"]).toBeUndefined();
  });

  it("answers warm public reads from memory: no SQL and no Redis command while Redis tracks the counter", async () => {
    t.app.services.limiter.close();
    // On a Redis Cluster (the redis-cluster test project) tracking is off (docs/scaling.md): a warm read then
    // reads the invalidation counter once per cached value it uses (a product page also counts its view, which
    // reads the product and its category), and still no SQL.
    const onCluster = t.config.redis.mode.kind === "cluster";
    if (onCluster) expect(t.app.services.tracked).toBeNull();
    else await vi.waitFor(() => expect(t.app.services.tracked?.live()).toBe(true), { timeout: 5_000 });
    const untracked: Record<string, number> = { menu: 1, product: 3, list: 1, detail: 3 };
    const reads: [string, () => Promise<unknown>][] = [
      ["menu", () => menuRequest()],
      ["product", () => gql(t.app, ProductDocument, { pid: "latte001" })],
      ["list", () => get(t.app, "/products/typeProducts/latte")],
      ["detail", () => get(t.app, "/products/productDetail/latte001")],
    ];
    for (const [name, read] of reads) {
      await read();
      await read();
      statements.length = 0;
      expect(await redisCount(read), name).toBe(onCluster ? untracked[name] : 0);
      expect(statements, name).toEqual([]);
    }
  });

  it("answers a public document from the shared cache with or without a token, never private fields or mutations", async () => {
    const token = await userToken(t);
    const anonymous = await menuRequest();
    const withToken = await menuRequest({ authorization: `Bearer ${token}` });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.headers["x-cache"]).toBe("HIT");
    expect(withToken.body).toBe(anonymous.body);
    // A token changes nothing in a public answer, not even a bad one (the document never asks who calls).
    const badToken = await menuRequest({ authorization: "Bearer not-a-token" });
    expect(badToken.body).toBe(anonymous.body);

    // Without a token, a document that reads `me` is not cached at all.
    const withMe = { query: "{ me { id } categories { type } }" };
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: "POST", url: "/graphql", payload: withMe });
      expect(res.headers["x-cache"]).toBeUndefined();
    }
    const introspection = await t.app.inject({
      method: "POST",
      url: "/graphql",
      payload: { query: "{ __schema { queryType { name } } }" },
    });
    expect(introspection.headers["x-cache"]).toBeUndefined();
  });

  it("keys responses by variables", async () => {
    const latte = await gql(t.app, CategoryDocument, { type: "latte" });
    const coffee = await gql(t.app, CategoryDocument, { type: "coffee" });
    expect(latte.data!.category!.type).toBe("latte");
    expect(coffee.data!.category!.type).toBe("coffee");
    expect((await gql(t.app, CategoryDocument, { type: "latte" })).data!.category!.type).toBe("latte");
  });
});

describe("admin writes invalidate exactly what they change", () => {
  it("a price change shows on the very next request through GraphQL and both REST routes", async () => {
    expect(await pricesEverywhere("latte002", "latte")).toEqual({
      fromMenu: "28.00",
      fromProduct: "28.00",
      fromList: "28.00",
      fromDetail: "28.00",
    });
    const updated = await gql(
      t.app,
      UpdateProductDocument,
      { pid: "latte002", input: { price: "31.50" } },
      admin,
    );
    expect(updated.errors).toBeUndefined();
    expect(await pricesEverywhere("latte002", "latte")).toEqual({
      fromMenu: "31.50",
      fromProduct: "31.50",
      fromList: "31.50",
      fromDetail: "31.50",
    });
  });

  it("a new product appears in its category everywhere, even where its pid was looked up before", async () => {
    expect((await get(t.app, "/products/productDetail/latte010")).status).toBe(404);
    expect((await gql(t.app, ProductDocument, { pid: "latte010" })).data!.product).toBeNull();
    await pricesEverywhere("latte001", "latte");

    const created = await gql(
      t.app,
      CreateProductDocument,
      {
        input: {
          pid: "latte010",
          categoryType: "latte",
          name: "燕麦拿铁",
          enName: "Oat Latte",
          price: "26.00",
        },
      },
      admin,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createProduct.smallImage).toMatch(/static\/images\/products\/default-small\.png$/);
    expect(await pricesEverywhere("latte010", "latte")).toEqual({
      fromMenu: "26.00",
      fromProduct: "26.00",
      fromList: "26.00",
      fromDetail: "26.00",
    });

    expect((await gql(t.app, DeleteProductDocument, { pid: "latte010" }, admin)).data!.deleteProduct).toBe(
      true,
    );
    expect(await pricesEverywhere("latte010", "latte")).toEqual({
      fromMenu: undefined,
      fromProduct: undefined,
      fromList: undefined,
      fromDetail: undefined,
    });
  });

  it("moving a product refreshes both categories", async () => {
    await pricesEverywhere("coffee004", "coffee");
    await gql(t.app, UpdateProductDocument, { pid: "coffee004", input: { categoryType: "latte" } }, admin);
    const inLatte = JSON.parse((await get(t.app, "/products/typeProducts/latte")).body).result;
    const inCoffee = JSON.parse((await get(t.app, "/products/typeProducts/coffee")).body).result;
    expect(inLatte.map((p: { pid: string }) => p.pid)).toContain("coffee004");
    expect(inCoffee.map((p: { pid: string }) => p.pid)).not.toContain("coffee004");
    await gql(t.app, UpdateProductDocument, { pid: "coffee004", input: { categoryType: "coffee" } }, admin);
  });

  it("option changes show in the detail and the menu", async () => {
    await get(t.app, "/products/productDetail/coffee001");
    const set = await gql(
      t.app,
      SetProductOptionDocument,
      {
        input: {
          pid: "coffee001",
          kind: "MILK",
          label: "奶",
          choices: [{ value: "无奶" }, { value: "燕麦奶", priceDelta: "3.00", isDefault: false }],
        },
      },
      admin,
    );
    expect(set.errors).toBeUndefined();
    const milk = set.data!.setProductOption.options.find((o) => o.kind === "MILK")!;
    expect(milk.choices.map(({ id: _id, ...choice }) => choice)).toEqual([
      { value: "无奶", priceDelta: "0.00", isDefault: true },
      { value: "燕麦奶", priceDelta: "3.00", isDefault: false },
    ]);
    expect(JSON.parse((await get(t.app, "/products/productDetail/coffee001")).body).result[0].milk).toBe(
      "无奶/燕麦奶",
    );

    await gql(t.app, RemoveProductOptionDocument, { pid: "coffee001", kind: "MILK" }, admin);
    expect(JSON.parse((await get(t.app, "/products/productDetail/coffee001")).body).result[0].milk).toBe("");
    const again = await gql(t.app, RemoveProductOptionDocument, { pid: "coffee001", kind: "MILK" }, admin);
    expect(codes(again)).toEqual(["NOT_FOUND"]);
  });

  it("promotions: create, edit and delete show at once", async () => {
    const searchguess = async () =>
      JSON.parse((await get(t.app, "/promotions/searchguess")).body).data as { desc: string }[];
    expect(await searchguess()).toHaveLength(4);
    const created = await gql(
      t.app,
      CreatePromotionDocument,
      {
        input: {
          imageUrl: "static/images/promotions/banner-1.png",
          description: "周末买一送一",
          sortOrder: 0,
        },
      },
      admin,
    );
    const id = created.data!.createPromotion.id;
    expect((await searchguess())[0].desc).toBe("周末买一送一");
    expect((await gql(t.app, PromotionsDocument)).data!.promotions[0].description).toBe("周末买一送一");

    await gql(t.app, UpdatePromotionDocument, { id, input: { description: "周末第二杯半价" } }, admin);
    expect((await searchguess())[0].desc).toBe("周末第二杯半价");

    const future = new Date(Date.now() + 86_400_000).toISOString();
    await gql(t.app, UpdatePromotionDocument, { id, input: { startsAt: future } }, admin);
    expect(await searchguess()).toHaveLength(4);

    await gql(t.app, DeletePromotionDocument, { id }, admin);
    expect((await gql(t.app, PromotionsDocument)).data!.promotions).toHaveLength(4);
  });

  it("categories: create, rename, refuse to delete one with products, delete an empty one", async () => {
    const types = async () =>
      JSON.parse((await get(t.app, "/products/type")).body).result.map((c: { type: string }) => c.type);
    await types();
    const created = await gql(
      t.app,
      CreateCategoryDocument,
      { input: { type: "seasonal", name: "季节限定" } },
      admin,
    );
    const id = created.data!.createCategory.id;
    expect(await types()).toContain("seasonal");
    expect((await gql(t.app, CategoryDocument, { type: "SEASONAL" })).data!.category!.name).toBe("季节限定");

    await gql(t.app, UpdateCategoryDocument, { id, input: { name: "冬季限定" } }, admin);
    expect((await gql(t.app, CategoryDocument, { type: "seasonal" })).data!.category!.name).toBe("冬季限定");

    const latteId = (await t.db.prisma.category.findUniqueOrThrow({ where: { type: "latte" } })).id;
    expect(codes(await gql(t.app, DeleteCategoryDocument, { id: latteId }, admin))).toEqual(["CONFLICT"]);
    expect((await gql(t.app, DeleteCategoryDocument, { id }, admin)).data!.deleteCategory).toBe(true);
    expect(await types()).not.toContain("seasonal");
    expect(codes(await gql(t.app, DeleteCategoryDocument, { id }, admin))).toEqual(["NOT_FOUND"]);
  });

  it("refuses customers and anonymous callers, and changes nothing", async () => {
    const customer = await userToken(t);
    const input = { pid: "latte001", input: { price: "0.01" } };
    expect(codes(await gql(t.app, UpdateProductDocument, input, customer))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(t.app, UpdateProductDocument, input))).toEqual(["UNAUTHENTICATED"]);
    expect(
      (await t.db.prisma.product.findUniqueOrThrow({ where: { pid: "latte001" } })).price.toFixed(2),
    ).toBe("28.00");
  });

  it("validates admin input and names the field", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of different operations
    const cases: [TypedDocumentNode<any, any>, object, string][] = [
      [
        CreateProductDocument,
        { input: { pid: "Bad Pid", categoryType: "latte", name: "x", price: "1.00" } },
        "pid",
      ],
      [
        CreateProductDocument,
        { input: { pid: "ok_pid", categoryType: "nope", name: "x", price: "1.00" } },
        "categoryType",
      ],
      [
        CreateProductDocument,
        { input: { pid: "ok_pid", categoryType: "latte", name: " ", price: "1.00" } },
        "name",
      ],
      [
        CreateProductDocument,
        { input: { pid: "ok_pid", categoryType: "latte", name: "x", price: "-1.00" } },
        "price",
      ],
      [
        CreateProductDocument,
        {
          input: {
            pid: "ok_pid",
            categoryType: "latte",
            name: "x",
            price: "1.00",
            smallImage: "javascript:alert(1)",
          },
        },
        "smallImage",
      ],
      [
        CreateProductDocument,
        { input: { pid: "latte001", categoryType: "latte", name: "dup", price: "1.00" } },
        "",
      ],
      [CreateCategoryDocument, { input: { type: "UPPER", name: "x" } }, "type"],
      [
        SetProductOptionDocument,
        { input: { pid: "latte001", kind: "SUGAR", label: "糖", choices: [] } },
        "choices",
      ],
      [
        SetProductOptionDocument,
        { input: { pid: "latte001", kind: "SUGAR", label: "糖", choices: [{ value: "a" }, { value: "a" }] } },
        "choices",
      ],
      [CreatePromotionDocument, { input: { imageUrl: "../../etc/passwd", description: "x" } }, "imageUrl"],
    ];
    for (const [document, variables, field] of cases) {
      const result = await gql(t.app, document, variables as never, admin);
      if (field === "") expect(codes(result)).toEqual(["CONFLICT"]);
      else
        expect(result.errors?.[0].extensions, JSON.stringify(variables)).toMatchObject({
          code: "BAD_USER_INPUT",
          field,
        });
    }
    expect(await t.db.prisma.product.count({ where: { pid: "ok_pid" } })).toBe(0);
  });
});
