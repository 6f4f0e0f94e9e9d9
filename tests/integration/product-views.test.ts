/**
 * product_views_total counts one view per product page shown, whichever adapter shows it and whether the
 * answer was computed or came from a response cache: the count is the catalogue service's
 * (CatalogService.viewProduct), and a GraphQL response-cache hit, which skips the resolvers, runs the same
 * service call. The app runs on a Redis prefix of its own, so the first request of each kind is cold.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ProductDocument } from "../generated/graphql.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { gql, rawGql } from "../helpers/graphql.js";
import { get } from "../helpers/legacy.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    REDIS_KEY_PREFIX: `${inject("redisPrefix")}views-${randomBytes(3).toString("hex")}:`,
  });
});
afterAll(() => t?.close());

/** The exported product_views_total of one category, or of all of them (0 before a first view). */
async function views(category = '[^"]*'): Promise<number> {
  const text = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
  const samples = text.matchAll(new RegExp(`^product_views_total\\{category="${category}"\\} (\\d+)$`, "gm"));
  return [...samples].reduce((sum, [, value]) => sum + Number(value), 0);
}

async function graphqlProduct(pid: string) {
  const response = await t.app.inject({
    method: "POST",
    url: "/graphql",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({
      query: "query ViewOne($pid: String!) { product(pid: $pid) { pid name } }",
      variables: { pid },
    }),
  });
  return { cache: response.headers["x-cache"], pid: response.json().data.product?.pid as string | undefined };
}

describe("product views", () => {
  it("the legacy detail route counts each view once, cold and from the response cache", async () => {
    const before = await views("coffee");
    const cold = await get(t.app, "/products/productDetail/coffee001");
    expect(cold.status).toBe(200);
    expect(cold.headers["x-cache"]).toBe("MISS");
    expect(await views("coffee")).toBe(before + 1);

    const warm = await get(t.app, "/products/productDetail/coffee001");
    expect(warm.headers["x-cache"]).toBe("HIT");
    expect(warm.body).toBe(cold.body);
    expect(await views("coffee")).toBe(before + 2);
  });

  it("GraphQL product(pid) counts each view once, cold and from the whole-response cache", async () => {
    const before = await views("latte");
    expect(await graphqlProduct("latte003")).toEqual({ cache: "MISS", pid: "latte003" });
    expect(await views("latte")).toBe(before + 1);

    expect(await graphqlProduct("latte003")).toEqual({ cache: "HIT", pid: "latte003" });
    expect(await graphqlProduct("latte003")).toEqual({ cache: "HIT", pid: "latte003" });
    expect(await views("latte")).toBe(before + 3);
  });

  it("a hit counts the product fields the resolvers would have run: aliases, fragments, @skip", async () => {
    const query = `query Pair($skip: Boolean!) {
      a: product(pid: "latte009") { pid }
      ... on Query { b: product(pid: "latte009") { pid } }
      ...Third
    }
    fragment Third on Query { c: product(pid: "latte009") @skip(if: $skip) { pid } }`;
    const before = await views("latte");
    const cold = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ query, variables: { skip: true } }),
    });
    expect(cold.headers["x-cache"]).toBe("MISS");
    expect(cold.json().data).toEqual({ a: { pid: "latte009" }, b: { pid: "latte009" } });
    expect(await views("latte")).toBe(before + 2);

    const warm = await rawGql(t.app, { query, variables: { skip: true } });
    expect(warm.data).toEqual({ a: { pid: "latte009" }, b: { pid: "latte009" } });
    expect(await views("latte")).toBe(before + 4);
  });

  it("a product that does not exist is no view, cold or cached", async () => {
    const before = await views();
    for (let i = 0; i < 2; i++) {
      const { data } = await gql(t.app, ProductDocument, { pid: "nosuch001" });
      expect(data?.product).toBeNull();
    }
    expect(await views()).toBe(before);
  });
});
