import { GraphQLList, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { Tags } from "../../src/catalog/catalog.tags.js";
import { documentScope, tagsOfField } from "../../src/graphql/cache-policy.js";
import { buildGraphQLSchema } from "../../src/graphql/schema.js";

async function scope(query: string) {
  return documentScope(await buildGraphQLSchema(), parse(query));
}

describe("GraphQL cache policy", () => {
  it("public: catalogue reads the same for every caller", async () => {
    expect(await scope("{ categories { type products { pid options { label choices { value } } } } }")).toBe(
      "public",
    );
    expect(await scope('{ product(pid: "x") { pid __typename } }')).toBe("public");
    expect(
      await scope("{ products(first: 2) { totalCount pageInfo { hasNextPage } edges { node { pid } } } }"),
    ).toBe("public");
  });

  it("user: the caller's own data", async () => {
    expect(await scope("{ me { username cart { items { quantity } } } }")).toBe("user");
    expect(await scope("{ myOrders { edges { node { orderNo } } } categories { type } }")).toBe("user");
  });

  it("none: mutations, promotions (active windows), order(orderNo), introspection", async () => {
    expect(await scope("mutation { logout }")).toBe("none");
    expect(await scope("{ promotions { id } }")).toBe("none");
    expect(await scope('{ order(orderNo: "x") { orderNo } }')).toBe("none");
    expect(await scope("{ __schema { queryType { name } } }")).toBe("none");
  });

  it("tags a response by its root lists and the entities it returned", async () => {
    const schema = await buildGraphQLSchema();
    const product = schema.getType("Product")!;
    const category = schema.getType("Category")!;
    expect(tagsOfField(true, "product", product as never, { id: 7, categoryId: 2 })).toEqual([
      Tags.products,
      Tags.product(7),
      Tags.category(2),
    ]);
    expect(
      tagsOfField(true, "categories", new GraphQLList(category as never), [{ id: 1 }, null, { id: 3 }]),
    ).toEqual([Tags.categories, Tags.category(1), Tags.category(3)]);
    expect(tagsOfField(false, "name", schema.getType("String") as never, "Latte")).toEqual([]);
  });

  it("keeps node and nodes out of every response cache, alone or beside public fields", async () => {
    expect(await scope('{ node(id: "UHJvZHVjdDox") { id } }')).toBe("none");
    expect(await scope('{ nodes(ids: ["UHJvZHVjdDox"]) { id ... on Product { pid } } }')).toBe("none");
    expect(await scope('{ categories { id } node(id: "UHJvZHVjdDox") { id } }')).toBe("none");
    expect(await scope("{ me { id } nodes(ids: []) { id } }")).toBe("none");
  });

  it("still shares the catalogue with ids, and keeps the caller's own data per user", async () => {
    expect(
      await scope("{ categories { id databaseId products { id options { id choices { id } } } } }"),
    ).toBe("public");
    expect(await scope("{ me { id cart { id items { id } } } }")).toBe("user");
    expect(await scope("{ myOrders { edges { node { id items { id } } } } }")).toBe("user");
  });
});
