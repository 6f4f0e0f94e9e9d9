import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";

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
