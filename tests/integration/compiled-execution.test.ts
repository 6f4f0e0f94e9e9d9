/**
 * Hot queries run compiled (src/graphql/compiled-execution.ts) from their third request on: their answers must
 * be exactly those of the standard executor, errors included. The response caches are off here, so that
 * every request executes.
 */
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MenuDocument, ProductDocument } from "../generated/graphql.js";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RESPONSE_CACHE_TTL_SECONDS: "0" });
});
afterAll(() => t.close());

async function sameAnswerEachTime(payload: object, headers: Record<string, string> = {}) {
  const bodies = [];
  for (let i = 0; i < 5; i++) {
    const res = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json", ...headers },
      payload,
    });
    bodies.push(`${res.statusCode} ${res.body}`);
  }
  expect(new Set(bodies).size, bodies.join("\n")).toBe(1);
  return JSON.parse(bodies[0].slice(4));
}

describe("compiled execution of hot queries", () => {
  it("answers the menu, a product with variables and per-user data exactly as the standard executor", async () => {
    const menu = await sameAnswerEachTime({ query: print(MenuDocument) });
    expect(menu.data.categories).toHaveLength(4);
    const product = await sameAnswerEachTime({
      query: print(ProductDocument),
      variables: { pid: "latte001" },
    });
    expect(product.data.product.pid).toBe("latte001");
    const other = await sameAnswerEachTime({
      query: print(ProductDocument),
      variables: { pid: "coffee005" },
    });
    expect(other.data.product.pid).toBe("coffee005");
    const token = await userToken(t);
    const me = await sameAnswerEachTime(
      { query: "{ me { username cart { total items { quantity } } } myOrders { totalCount } }" },
      { authorization: `Bearer ${token}` },
    );
    expect(me.data.me.cart.total).toBe("0.00");
  });

  it("leaves errors to the standard executor: the same codes and messages every time", async () => {
    const badToken = await sameAnswerEachTime({ query: "{ me { id } }" }, { authorization: "Bearer nope" });
    expect(badToken.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const badVariable = await sameAnswerEachTime({ query: print(ProductDocument), variables: { pid: 42 } });
    expect(badVariable.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    const partial = await sameAnswerEachTime(
      { query: "{ categories { type } me { cart { total } } }" },
      { authorization: "Bearer nope" },
    );
    expect(partial.data).toMatchObject({ categories: expect.any(Array), me: null });
    expect(partial.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});
