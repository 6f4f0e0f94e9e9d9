import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema };
type Operation = { responses: Record<string, { content?: Record<string, { schema: Schema }> }> };

// OpenAPI 3.0 schemas carry `example` and `description`, which JSON Schema validators need not know.
const ajv = new Ajv({ strict: false, allErrors: true });

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("OpenAPI docs of the legacy routes", () => {
  it("documents exactly the legacy routes at /openapi.json", async () => {
    const res = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/",
        "/auth/login",
        "/auth/register",
        "/health",
        "/products/productDetail/{pid}",
        "/products/type",
        "/products/typeProducts/{type_name}",
        "/promotions/searchguess",
        "/users/findMy",
      ].sort(),
    );
    expect(Object.keys(doc.paths["/auth/register"])).toEqual(["post"]);
    expect(doc.paths["/users/findMy"].get.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths["/auth/login"].post.requestBody.content)).toContain(
      "application/x-www-form-urlencoded",
    );
  });

  it("lists what every answer always holds as required, has an example for each, and documents 429", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const objects = (schema: Schema, at: string): [string, Schema][] => [
      ...(schema.properties ? [[at, schema] as [string, Schema]] : []),
      ...Object.entries(schema.properties ?? {}).flatMap(([k, s]) => objects(s, `${at}.${k}`)),
      ...(schema.items ? objects(schema.items, `${at}[]`) : []),
    ];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (path !== "/health") expect(Object.keys(operation.responses), where).toContain("429");
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = response.content!["application/json"].schema;
          for (const [at, object] of objects(schema, `${where} ${status}`)) {
            const required = (object.required ?? []) as string[];
            expect(required.length, `${at}: no required list`).toBeGreaterThan(0);
            expect(Object.keys(object.properties!), at).toEqual(expect.arrayContaining(required));
          }
          expect(schema.example, `${where} ${status}: example`).toBeDefined();
          const validate = ajv.compile(schema);
          expect(validate(schema.example), `${where} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(
            true,
          );
        }
      }
    }
  });

  it("describes every live answer: each status and body matches the document", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const token = await userToken(t);
    const requests: [string, string, string, Record<string, string>?, string?][] = [
      ["GET", "/", "/"],
      ["GET", "/health", "/health"],
      ["GET", "/products/type", "/products/type"],
      ["GET", "/products/typeProducts/latte", "/products/typeProducts/{type_name}"],
      ["GET", "/products/typeProducts/nothing", "/products/typeProducts/{type_name}"],
      ["GET", "/products/productDetail/latte001", "/products/productDetail/{pid}"],
      ["GET", "/products/productDetail/nope", "/products/productDetail/{pid}"],
      ["GET", "/promotions/searchguess", "/promotions/searchguess"],
      ["GET", "/users/findMy", "/users/findMy", { authorization: `Bearer ${token}` }],
      ["GET", "/users/findMy", "/users/findMy"],
      ["GET", "/users/findMy", "/users/findMy", { authorization: "Bearer forged" }],
      ["POST", "/auth/register", "/auth/register", { "content-type": "application/json" }, "{}"],
      [
        "POST",
        "/auth/register",
        "/auth/register",
        { "content-type": "application/json" },
        JSON.stringify({ username: `doc_${process.pid}`, password: "latte4ever" }),
      ],
      [
        "POST",
        "/auth/register",
        "/auth/register",
        { "content-type": "application/json" },
        JSON.stringify({ username: `doc_${process.pid}`, password: "latte4ever" }),
      ],
      ["POST", "/auth/login", "/auth/login", { "content-type": "application/x-www-form-urlencoded" }, ""],
      [
        "POST",
        "/auth/login",
        "/auth/login",
        { "content-type": "application/x-www-form-urlencoded" },
        `username=doc_${process.pid}&password=latte4ever`,
      ],
      [
        "POST",
        "/auth/login",
        "/auth/login",
        { "content-type": "application/x-www-form-urlencoded" },
        `username=doc_${process.pid}&password=wrong-one-1`,
      ],
    ];
    const seen = new Set<string>();
    for (const [method, url, path, headers = {}, payload] of requests) {
      const res = await t.app.inject({ method: method as "GET", url, headers, payload });
      const where = `${method} ${url} -> ${res.statusCode}`;
      const response = doc.paths[path][method.toLowerCase()].responses[String(res.statusCode)];
      expect(response, `${where} is not documented`).toBeDefined();
      const validate = ajv.compile(response.content["application/json"].schema);
      expect(validate(res.json()), `${where}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      seen.add(`${path} ${res.statusCode}`);
    }
    // Every documented success and failure answer above was met at least once.
    expect(seen.size).toBeGreaterThanOrEqual(15);
  });

  it("serves Swagger UI at /docs and ReDoc at /redoc from local assets", async () => {
    const docs = await t.app.inject({ method: "GET", url: "/docs" });
    const page =
      docs.statusCode === 302 ? await t.app.inject({ method: "GET", url: docs.headers.location! }) : docs;
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("swagger-ui");
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)/);

    const redoc = await t.app.inject({ method: "GET", url: "/redoc" });
    expect(redoc.statusCode).toBe(200);
    expect(redoc.body).toContain('spec-url="/openapi.json"');
    expect(redoc.body).not.toMatch(/https?:\/\//);
    const bundle = await t.app.inject({ method: "GET", url: "/redoc/assets/redoc.standalone.js" });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    expect((await t.app.inject({ method: "GET", url: "/redoc/assets/package.json" })).statusCode).toBe(404);
  });
});
