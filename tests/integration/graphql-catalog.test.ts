import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CategoryDocument,
  MenuDocument,
  ProductDocument,
  ProductsDocument,
  type ProductsQuery,
  PromotionsDocument,
} from "../generated/graphql.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { codes, gql, type GraphQLResult } from "../helpers/graphql.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("GraphQL catalogue", () => {
  it("returns the whole menu: categories in order, products by id, options by kind", async () => {
    const { data, errors } = await gql(t.app, MenuDocument);
    expect(errors).toBeUndefined();
    expect(data!.categories.map((c) => [c.type, c.name, c.products.length])).toEqual([
      ["latte", "拿铁", 7],
      ["rena_ice", "瑞纳冰", 3],
      ["coffee", "咖啡", 9],
      ["fruit_tea", "水果茶", 3],
    ]);
    const latte001 = data!.categories[0].products[0];
    expect(latte001).toMatchObject({ pid: "latte001", name: "黑糖拿铁", price: "28.00" });
    expect(
      latte001.options.map((o) => `${o.kind}:${o.label}:${o.choices.map((c) => c.value).join("/")}`),
    ).toEqual(["TEMPERATURE:温度:冷/热", "SUGAR:糖:全糖/半糖", "CREAM:奶油:默认奶油/无奶油"]);
    expect(latte001.options[0].choices[0]).toMatchObject({
      value: "冷",
      priceDelta: "0.00",
      isDefault: true,
    });
    const coffee005 = data!.categories[2].products.find((p) => p.pid === "coffee005")!;
    expect(coffee005.options.find((o) => o.kind === "MILK")!.choices.map((c) => c.priceDelta)).toEqual([
      "0.00",
      "2.00",
      "4.00",
    ]);
  });

  it("finds a category by type in any letter case, and null for an unknown one", async () => {
    const { data } = await gql(t.app, CategoryDocument, { type: "LaTTe" });
    expect(data!.category).toMatchObject({ type: "latte", name: "拿铁" });
    expect(data!.category!.products.map((p) => p.pid)).toContain("latte009");
    expect(
      (await gql(t.app, CategoryDocument, { type: "tea'; DROP TABLE products; --" })).data!.category,
    ).toBeNull();
  });

  it("pages through every product with cursors", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: GraphQLResult<ProductsQuery> = await gql(t.app, ProductsDocument, { first: 5, after });
      expect(result.errors).toBeUndefined();
      const page: ProductsQuery["products"] = result.data!.products;
      expect(page.totalCount).toBe(22);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((e) => e.node.pid));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(22);
  });

  it("filters by category, hot flag and a case-insensitive search on both names", async () => {
    const count = async (filter: object) =>
      (await gql(t.app, ProductsDocument, { filter, first: 100 })).data!.products;
    expect((await count({ categoryType: "COFFEE" })).totalCount).toBe(9);
    expect((await count({ hot: true })).edges.map((e) => e.node.pid)).toEqual([
      "latte006",
      "latte004",
      "latte005",
      "fruit_tea001",
      "fruit_tea005",
      "coffee006",
    ]);
    expect((await count({ search: "LATTE" })).totalCount).toBe(9);
    expect((await count({ search: "拿铁" })).totalCount).toBe(9);
    expect((await count({ search: "latte", categoryType: "coffee", hot: true })).totalCount).toBe(2);
    expect((await count({ search: "%" })).totalCount).toBe(0);
    expect((await count({ search: "_" })).totalCount).toBe(0);
    expect((await count({ categoryType: "nope" })).edges).toEqual([]);
  });

  it("refuses page sizes outside 1..100 and unreadable cursors, naming the argument", async () => {
    for (const [variables, field] of [
      [{ first: 0 }, "first"],
      [{ first: 101 }, "first"],
      [{ after: "not-a-cursor" }, "after"],
    ] as const) {
      const result = await gql(t.app, ProductsDocument, variables);
      expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors![0].extensions.field).toBe(field);
    }
    const tooLong = await gql(t.app, ProductsDocument, { filter: { search: "x".repeat(65) } });
    expect(tooLong.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.search" });
  });

  it("returns one product with absolute image URLs, its category and options", async () => {
    const { data } = await gql(t.app, ProductDocument, { pid: "latte001" });
    expect(data!.product).toMatchObject({
      pid: "latte001",
      name: "黑糖拿铁",
      enName: "Brown Sugar Latte",
      price: "28.00",
      isHot: false,
      isAvailable: true,
      smallImage: `${t.config.publicBaseUrl}static/images/products/latte001-small.png`,
      largeImage: `${t.config.publicBaseUrl}static/images/products/latte001-large.png`,
      category: { type: "latte", name: "拿铁" },
    });
    expect((await gql(t.app, ProductDocument, { pid: "nope" })).data!.product).toBeNull();
  });

  it("lists the active promotions in order", async () => {
    const { data } = await gql(t.app, PromotionsDocument);
    expect(data!.promotions.map((p) => p.sortOrder)).toEqual([1, 2, 3, 4]);
    expect(data!.promotions[0].imageUrl).toBe(
      `${t.config.publicBaseUrl}static/images/promotions/banner-1.png`,
    );
  });
});
