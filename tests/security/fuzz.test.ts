/**
 * Property-based fuzzing of the HTTP edge through the real app (app.inject): GraphQL variables, REST bodies,
 * forms, headers and path parameters. Whatever the input: never a 5xx, never an internal message, a stack
 * trace or SQL in a body. Bounded runs keep it fast; a failure prints the shrunk input that broke it.
 */
import fc from "fast-check";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";

// Cheap hashing: the properties are about the edge, and every login hashes once.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ ARGON2_MEMORY_KIB: "1024", ARGON2_TIME_COST: "1" });
});
afterAll(() => t.close());

const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 100), seed: Number(process.env.FUZZ_SEED ?? 15) };
const INTERNALS =
  /INTERNAL_SERVER_ERROR|Internal server error|Internal Server Error|注册失败|at \S+\.(js|ts):\d+|\bSELECT\b|\bINSERT\b|\bUPDATE `|Prisma|mariadb|\bER_[A-Z_]+|Maximum call stack|TypeError|ReferenceError|RangeError/;

async function expectClean(options: InjectOptions) {
  const res = await t.app.inject(options);
  const context = `${options.method} ${options.url} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, context).toBeLessThan(500);
  expect(res.body, context).not.toMatch(INTERNALS);
  return res;
}

/** JSON values of every shape, nested a little (deep nesting has its own test). */
const json = fc.jsonValue({ maxDepth: 4 });
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 }));

const OPERATIONS = [
  "mutation($input: RegisterInput!) { register(input: $input) { token } }",
  "mutation($input: LoginInput!) { login(input: $input) { token } }",
  "query($pid: String!) { product(pid: $pid) { pid name price } }",
  "query($type: String!) { category(type: $type) { type products { pid } } }",
  "query($filter: ProductFilter, $first: Int, $after: String) { products(filter: $filter, first: $first, after: $after) { totalCount edges { node { pid } } } }",
  "mutation($s: OrderStatus!, $n: String!) { advanceOrder(status: $s, orderNo: $n) { orderNo } }",
];

describe("fuzzing the edge never gives a 5xx or an internal detail", () => {
  it("GraphQL variables of any shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OPERATIONS),
        fc.dictionary(
          fc.constantFrom("input", "pid", "type", "filter", "first", "after", "s", "n", "x"),
          json,
        ),
        async (query, variables) => {
          await expectClean({
            method: "POST",
            url: "/graphql",
            headers: { "content-type": "application/json" },
            payload: JSON.stringify({ query, variables }),
          });
        },
      ),
      RUNS,
    );
  });

  it("GraphQL request bodies of any shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          json,
          fc.record(
            { query: fc.oneof(text, json), operationName: json, variables: json, extensions: json },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          await expectClean({
            method: "POST",
            url: "/graphql",
            headers: { "content-type": "application/json" },
            payload: JSON.stringify(body),
          });
        },
      ),
      RUNS,
    );
  });

  it("REST JSON bodies", async () => {
    const registerLike = fc.record(
      { username: json, password: json, nickName: json, phoneNum: json },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/auth/register", "/auth/login"),
        fc.oneof(
          registerLike.map((b) => JSON.stringify(b)),
          json.map((b) => JSON.stringify(b)),
          text,
        ),
        async (url, payload) => {
          await expectClean({
            method: "POST",
            url,
            headers: { "content-type": "application/json" },
            payload,
          });
        },
      ),
      RUNS,
    );
  });

  it("login forms, url-encoded and multipart", async () => {
    const fields = fc.dictionary(
      fc.oneof(fc.constantFrom("username", "password", "grant_type", "scope", "client_id"), text),
      text,
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fields, fc.boolean(), async (form, multipart) => {
        if (!multipart) {
          await expectClean({
            method: "POST",
            url: "/auth/login",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            payload: new URLSearchParams(form).toString(),
          });
          return;
        }
        const boundary = "----fuzz15";
        const parts = Object.entries(form).map(
          ([name, value]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, "_")}"\r\n\r\n${value}\r\n`,
        );
        await expectClean({
          method: "POST",
          url: "/auth/login",
          headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
          payload: `${parts.join("")}--${boundary}--\r\n`,
        });
      }),
      RUNS,
    );
  });

  it("headers", async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 80 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v)),
      fc.constantFrom(
        "Bearer ",
        "Bearer x.y.z",
        "bearer eyJhbGciOiJub25lIn0.e30.",
        "Basic Og==",
        "*/*",
        "text/html",
        "application/graphql-response+json;q=0",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/graphql", "/users/findMy", "/products/type", "/health"),
        fc.record(
          {
            authorization: value,
            accept: value,
            "content-type": value,
            "x-forwarded-for": value,
            "apollo-require-preflight": value,
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom("GET", "POST"),
        async (url, headers, method) => {
          await expectClean({
            method: method as "GET" | "POST",
            url: url === "/graphql" ? "/graphql?query=%7Bcategories%7Bid%7D%7D" : url,
            headers,
            ...(method === "POST" ? { payload: '{"query":"{ categories { id } }"}' } : {}),
          });
        },
      ),
      RUNS,
    );
  });

  it("path parameters", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/products/typeProducts/", "/products/productDetail/"),
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 50 }),
          fc.string({ unit: "binary", maxLength: 50 }),
        ),
        async (route, param) => {
          const res = await expectClean({ method: "GET", url: route + encodeURIComponent(param) });
          expect([200, 400, 404]).toContain(res.statusCode);
        },
      ),
      RUNS,
    );
  });
});
