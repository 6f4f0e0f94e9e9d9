import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { documentScope } from "../../src/graphql/cache-policy.js";
import { buildGraphQLSchema } from "../../src/graphql/schema.js";

describe("response-cache scope of a document", () => {
  const scope = async (query: string) => documentScope(await buildGraphQLSchema(), parse(query));

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
