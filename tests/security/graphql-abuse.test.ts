import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { codes, rawGql } from "../helpers/graphql.js";
import { expectHealthyAndUnchanged, snapshotCounts } from "./helpers.js";

let t: TestApp;
let before: Awaited<ReturnType<typeof snapshotCounts>>;
beforeAll(async () => {
  t = await createTestApp();
  before = await snapshotCounts(t);
});
afterAll(async () => {
  await expectHealthyAndUnchanged(t, before);
  await t.close();
});

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: "POST",
    url: "/graphql",
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify(payload),
  });

describe("GraphQL abuse is refused before any resolver runs", () => {
  it("a depth bomb", async () => {
    let selection = "pid";
    for (let i = 0; i < 15; i++) selection = `category { products { ${selection} } }`;
    const result = await rawGql(t.app, {
      query: `{ products(first: 1) { edges { node { ${selection} } } } }`,
    });
    expect(codes(result)).toContain("GRAPHQL_VALIDATION_FAILED");
    expect(result.errors!.map((e) => e.message).join(" ")).toMatch(
      /the query depth is \d+, above the limit of 10/,
    );
    expect(result.data).toBeUndefined();
  });

  it("a cost bomb within the depth limit", async () => {
    const query = "{ categories { products { category { products { category { products { pid } } } } } } }";
    const result = await rawGql(t.app, { query });
    expect(result.errors![0].message).toMatch(/the query cost is \d+, above the limit of 25000/);
  });

  it("nodes costs as many objects as ids: as written, or the most allowed (100) for a variable", async () => {
    const id = Buffer.from("Category:1").toString("base64url");
    const selection = "{ id ... on Category { products { options { choices { value } } } } }";
    const viaVariable = await rawGql(t.app, {
      query: `query ($ids: [ID!]!) { nodes(ids: $ids) ${selection} }`,
      variables: { ids: [id] },
    });
    expect(viaVariable.errors![0].message).toMatch(/the query cost is \d+, above the limit of 25000/);
    const written = await rawGql(t.app, { query: `{ nodes(ids: ["${id}", "${id}"]) ${selection} }` });
    expect(written.errors).toBeUndefined();
  });

  it("1000 aliases", async () => {
    const fields = Array.from({ length: 1000 }, (_, i) => `a${i}: id`).join(" ");
    const result = await rawGql(t.app, { query: `{ categories { ${fields} } }` });
    expect(codes(result)).toEqual(
      expect.arrayContaining([expect.stringMatching(/GRAPHQL_(PARSE|VALIDATION)_FAILED/)]),
    );
    expect(result.errors![0].message).toMatch(/aliases|tokens/);
  });

  it("too many aliases below the token limit, and too many root fields", async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(" ");
    expect((await rawGql(t.app, { query: `{ categories { ${aliases} } }` })).errors![0].message).toMatch(
      /the number of aliases is 20, above the limit of 15/,
    );
    const roots = Array.from({ length: 12 }, (_, i) => `r${i}: promotions { id }`).join(" ");
    const result = await rawGql(t.app, { query: `{ ${roots} }` });
    expect(result.errors!.map((e) => e.message)).toContain(
      "the number of root fields is 12, above the limit of 10",
    );
  });

  it("a 1 MB document, and one just above the document limit", async () => {
    const huge = await post({ query: `{ categories { id } } #${"x".repeat(1024 * 1024)}` });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");

    const large = await post({ query: `{ categories { id } } #${"x".repeat(25_000)}` });
    expect(large.statusCode).toBe(413);
    expect(large.json().errors[0].message).toMatch(/above the limit of 20000/);
  });

  it("a batched array request", async () => {
    const res = await post([{ query: "{ categories { id } }" }, { query: "{ promotions { id } }" }]);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/batch/i);
  });

  it("malformed JSON and wrong content types get clean 4xx answers", async () => {
    const broken = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json" },
      payload: '{"query": "{',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[0].extensions.code).toBe("BAD_REQUEST");
    const text = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "text/plain" },
      payload: "{ categories { id } }",
    });
    expect(text.statusCode).toBeGreaterThanOrEqual(400);
    expect(text.statusCode).toBeLessThan(500);
    const xml = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/xml" },
      payload: "<q/>",
    });
    expect([400, 415]).toContain(xml.statusCode);
  });

  it("automatic persisted queries: unknown hash, then registered, then by hash only", async () => {
    const query = "{ promotions { id sortOrder } }";
    const sha256Hash = createHash("sha256").update(query).digest("hex");
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    expect(codes(await rawGql(t.app, { extensions }))).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    expect((await rawGql(t.app, { query, extensions })).errors).toBeUndefined();
    const byHash = await rawGql<{ promotions: unknown[] }>(t.app, { extensions });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data!.promotions).toHaveLength(4);
    const wrongHash = await rawGql(t.app, { query: "{ categories { id } }", extensions });
    expect(codes(wrongHash)).toEqual(["BAD_REQUEST"]);
  });

  it("SQL-injection and control-character strings in every string argument", async () => {
    const nasty = [
      "' OR '1'='1",
      "1; DROP TABLE products; --",
      '"; DELETE FROM users; --',
      "\u0000\u0007\u001b[31m",
      "%_%",
      "\\",
      "latte001' --",
    ];
    for (const value of nasty) {
      const v = { value };
      const results = [
        await rawGql(t.app, {
          query: "query($value: String!) { category(type: $value) { id } }",
          variables: v,
        }),
        await rawGql(t.app, {
          query: "query($value: String!) { product(pid: $value) { id } }",
          variables: v,
        }),
        await rawGql(t.app, {
          query:
            "query($value: String!) { products(filter: { search: $value, categoryType: $value }) { totalCount } }",
          variables: v,
        }),
        await rawGql(t.app, {
          query:
            "mutation($value: String!) { login(input: { username: $value, password: $value }) { token } }",
          variables: v,
        }),
        await rawGql(t.app, {
          query:
            "mutation($value: String!) { register(input: { username: $value, password: $value, nickName: $value, phone: $value }) { token } }",
          variables: v,
        }),
      ];
      expect(results[0].data).toEqual({ category: null });
      expect(results[1].data).toEqual({ product: null });
      expect(results[2].errors ?? []).toEqual([]);
      expect((results[2].data as { products: { totalCount: number } }).products.totalCount).toBe(0);
      expect(codes(results[3])).toEqual(["UNAUTHENTICATED"]);
      expect(codes(results[4])).toEqual(["BAD_USER_INPUT"]);
    }
  });
});

describe("query cost with fragments", () => {
  it("counts a fragment at every place it is spread", async () => {
    const fragment = "fragment C on Category { products { category { products { pid } } } }";
    const once = await rawGql(t.app, { query: `{ categories { ...C } } ${fragment}` });
    const twice = await rawGql(t.app, {
      query: `{ categories { ...C products { category { ...C } } } } ${fragment}`,
    });
    const cost = (r: typeof once) =>
      Number(/the query cost is (\d+)/.exec(r.errors?.map((e) => e.message).join(" ") ?? "")?.[1] ?? 0);
    expect(cost(twice)).toBeGreaterThan(cost(once));
    expect(codes(twice)).toContain("GRAPHQL_VALIDATION_FAILED");
  });
});
