import { getIntrospectionQuery } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { codes, rawGql } from "../helpers/graphql.js";

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const PRODUCTION = { ENVIRONMENT: "production", SECRET_KEY: "a-production-secret-of-at-least-32-bytes!" };

describe("GraphQL server", () => {
  it("answers GET and POST, and refuses GET without a CSRF-safe header", async () => {
    current = await createTestApp();
    const get = await current.app.inject({
      method: "GET",
      url: "/graphql?query=%7Bcategories%7Btype%7D%7D",
      headers: { "apollo-require-preflight": "true" },
    });
    expect(get.statusCode).toBe(200);
    expect(get.json().data.categories).toHaveLength(4);

    const simple = await current.app.inject({
      method: "GET",
      url: "/graphql?query=%7Bcategories%7Btype%7D%7D",
    });
    expect(simple.statusCode).toBe(400);
    expect(simple.body).toMatch(/CSRF/);
  });

  it("refuses batched requests", async () => {
    current = await createTestApp();
    const result = await current.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify([{ query: "{categories{type}}" }, { query: "{promotions{id}}" }]),
    });
    expect(result.statusCode).toBe(400);
    expect(result.body).toMatch(/batch/i);
  });

  it("allows the standard introspection query and serves the IDEs outside production", async () => {
    current = await createTestApp();
    const introspection = await rawGql<{ __schema: { types: unknown[] } }>(current.app, {
      query: getIntrospectionQuery(),
    });
    expect(introspection.errors).toBeUndefined();
    expect(introspection.data!.__schema.types.length).toBeGreaterThan(10);

    const sandbox = await current.app.inject({
      method: "GET",
      url: "/graphql",
      headers: { accept: "text/html" },
    });
    expect(sandbox.statusCode).toBe(200);
    expect(sandbox.body).toMatch(/embeddable-sandbox|Apollo/);
    // Offline, Sandbox cannot load: its notice points to the IDE and the docs this server has itself.
    expect(sandbox.body).toMatch(/cannot be loaded[^<]*<\/p><p>Working offline\?/);
    expect(sandbox.body).toContain('<a href="/altair/">/altair/</a>');
    expect(sandbox.body).toContain('<a href="/docs">/docs</a>');

    const altair = await current.app.inject({ method: "GET", url: "/altair/" });
    expect(altair.statusCode).toBe(200);
    expect(altair.body).toContain("/graphql");
    const script = altair.body.match(/src="([^"]+\.js)"/)![1];
    const asset = await current.app.inject({
      method: "GET",
      url: new URL(script, "http://x/altair/").pathname,
    });
    expect(asset.statusCode).toBe(200);
  });

  it("in production: no introspection, no landing page, no IDE, no suggestions, no stack traces", async () => {
    current = await createTestApp(PRODUCTION);
    const introspection = await rawGql(current.app, { query: getIntrospectionQuery() });
    expect(codes(introspection)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(introspection.errors![0].message).toMatch(/introspection/i);

    const typo = await rawGql(current.app, { query: "{ categorie { type } }" });
    expect(typo.errors![0].message).not.toMatch(/Did you mean/);
    expect(typo.errors![0].extensions.stacktrace).toBeUndefined();

    const page = await current.app.inject({
      method: "GET",
      url: "/graphql",
      headers: { accept: "text/html" },
    });
    expect(page.body).not.toMatch(/sandbox/i);
    expect((await current.app.inject({ method: "GET", url: "/altair/" })).statusCode).toBe(404);
  });

  it("keeps stack traces out of error responses outside development", async () => {
    current = await createTestApp({ ENVIRONMENT: "test" });
    const typo = await rawGql(current.app, { query: "{ categorie { type } }" });
    expect(typo.errors![0].extensions.stacktrace).toBeUndefined();
    expect(typo.errors![0].message).toMatch(/Did you mean "categories"/);
  });

  it("answers malformed requests with a GraphQL error, not a crash", async () => {
    current = await createTestApp();
    expect(codes(await rawGql(current.app, { query: "{ categories { " }))).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(
      codes(await rawGql(current.app, { query: "query($t: String!) { category(type: $t) { id } }" })),
    ).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await rawGql(current.app, { query: 42 }))).toEqual(["BAD_REQUEST"]);
    const notJson = await current.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.body).not.toMatch(/at .*\.js/);
  });
});
