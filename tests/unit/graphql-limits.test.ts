import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { checkLimits, type GraphQLLimits } from "../../src/graphql/limits.js";
import { buildGraphQLSchema } from "../../src/graphql/schema.js";
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from "../../src/security/json-depth.js";

const limits: GraphQLLimits = {
  maxDepth: 4,
  maxAliases: 2,
  maxRootFields: 3,
  maxSelections: 5,
  maxCost: 500,
};

async function refusal(query: string, bounds = limits): Promise<string | undefined> {
  return checkLimits(await buildGraphQLSchema(), parse(query), bounds)?.message;
}

describe("GraphQL operation limits", () => {
  it("passes an ordinary menu query", async () => {
    expect(await refusal("{ categories { type products { pid } } }")).toBeUndefined();
  });

  it("refuses each limit by name", async () => {
    expect(await refusal("{ categories { products { options { choices { value } } } } }")).toMatch(/depth/);
    expect(await refusal("{ a: promotions { id } b: promotions { id } c: promotions { id } }")).toMatch(
      /aliases/,
    );
    expect(
      await refusal("{ promotions { id } categories { id } me { id } products { totalCount } }"),
    ).toMatch(/root fields/);
    expect(await refusal('{ product(pid: "x") { id pid name enName price description } }')).toMatch(
      /selections in one selection set/,
    );
    const costly = "{ products(first: 100) { edges { node { options { label } } } } }";
    expect(await refusal(costly, { ...limits, maxDepth: 10 })).toMatch(/cost/);
  });

  it("counts fragments where they are spread", async () => {
    const query = `{ ...A ...A }
      fragment A on Query { categories { ...B } }
      fragment B on Category { products { options { choices { value } } } }`;
    expect(await refusal(query)).toMatch(/depth/);
  });

  it("assumes the largest page for a variable page size", async () => {
    const query = "query($n: Int) { products(first: $n) { edges { node { options { label } } } } }";
    expect(await refusal(query, { ...limits, maxDepth: 10, maxCost: 300 })).toMatch(/cost/);
    expect(
      await refusal(query.replace("first: $n", "first: 2"), { ...limits, maxDepth: 10, maxCost: 300 }),
    ).toBeUndefined();
  });
});

describe("JSON nesting bound", () => {
  it("counts arrays and objects, not brackets inside strings", () => {
    expect(jsonNestsDeeperThan("[[[]]]", 3)).toBe(false);
    expect(jsonNestsDeeperThan("[[[[]]]]", 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[[[","b":"\\"[[[["}', 1)).toBe(false);
    expect(jsonNestsDeeperThan("[".repeat(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonNestsDeeperThan("[".repeat(MAX_JSON_DEPTH))).toBe(false);
  });
});
