import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MenuDocument, ProductsDocument } from "../generated/graphql.js";
import { createScratchApp, type TestApp } from "../helpers/app.js";
import { gql } from "../helpers/graphql.js";

// A database of its own: this test grows the menu.
let t: TestApp;
const statements: string[] = [];
beforeAll(async () => {
  // The data cache is off here: this measures what a cold menu costs MySQL.
  t = await createScratchApp("menu", { CACHE_ENABLED: "false" }, { onQuery: (sql) => statements.push(sql) });
});
afterAll(() => t.close());

async function countStatements<T>(
  run: () => Promise<T>,
): Promise<{ result: T; count: number; sql: string[] }> {
  statements.length = 0;
  const result = await run();
  return { result, count: statements.length, sql: [...statements] };
}

async function growMenu(categories: number, productsEach: number) {
  for (let c = 0; c < categories; c++) {
    const category = await t.db.prisma.category.create({
      data: { type: `extra_${c}`, name: `加 ${c}`, sortOrder: 10 + c },
    });
    for (let p = 0; p < productsEach; p++) {
      await t.db.prisma.product.create({
        data: {
          pid: `extra_${c}_${p}`,
          categoryId: category.id,
          name: `饮品 ${c}-${p}`,
          enName: `Drink ${c}-${p}`,
          price: "20.00",
          smallImage: "static/images/default-avatar.png",
          largeImage: "static/images/default-avatar.png",
          options: {
            create: [
              { kind: "TEMPERATURE", label: "温度", value: "冰", isDefault: true },
              { kind: "SUGAR", label: "糖", value: "半糖", sortOrder: 1 },
            ],
          },
        },
      });
    }
  }
}

describe("DataLoader batching", () => {
  it("answers a cold menu query in the same few statements at two menu sizes", async () => {
    const small = await countStatements(() => gql(t.app, MenuDocument));
    expect(small.result.errors).toBeUndefined();
    expect(small.result.data!.categories).toHaveLength(4);

    await growMenu(5, 12);
    const large = await countStatements(() => gql(t.app, MenuDocument));
    expect(large.result.data!.categories).toHaveLength(9);
    expect(large.result.data!.categories.reduce((n, c) => n + c.products.length, 0)).toBe(22 + 60);

    // categories, their products, the products' options
    expect(small.count).toBe(3);
    expect(large.count, large.sql.join("\n")).toBe(small.count);
  });

  it("loads the categories of a product page in one statement", async () => {
    const { result, count } = await countStatements(() => gql(t.app, ProductsDocument, { first: 50 }));
    expect(result.data!.products.edges).toHaveLength(50);
    // count + page + one batched category lookup
    expect(count).toBe(3);
  });
});
