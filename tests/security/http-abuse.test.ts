import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { get, postJson, raw } from "../helpers/legacy.js";
import { expectHealthyAndUnchanged, snapshotCounts } from "./helpers.js";

let t: TestApp;
let before: Awaited<ReturnType<typeof snapshotCounts>>;
beforeAll(async () => {
  t = await createTestApp({ CORS_ORIGINS: "https://shop.example.com,https://admin.example.com" });
  before = await snapshotCounts(t);
});
afterAll(async () => {
  await expectHealthyAndUnchanged(t, before);
  await t.close();
});

const NASTY = [
  "' OR '1'='1",
  "1; DROP TABLE products; --",
  "%00",
  "%0d%0aSet-Cookie:x=1",
  "..%2f..%2fetc%2fpasswd",
  "%e2%80%ae",
  "latte001'%20--",
];

describe("REST abuse gets the contract's clean answers", () => {
  it("SQL injection and control characters in path parameters", async () => {
    for (const value of NASTY) {
      const list = await get(t.app, `/products/typeProducts/${value}`);
      expect(list.status, value).toBe(200);
      expect(list.body).toBe('{"result":[],"code":500}');
      const detail = await get(t.app, `/products/productDetail/${value}`);
      expect(detail.status, value).toBe(404);
      expect(detail.body).toBe('{"detail":"商品不存在"}');
      expect(JSON.stringify(detail.headers)).not.toMatch(/Set-Cookie/i);
    }
    // Percent-encoding that is not UTF-8 cannot name any route parameter.
    const undecodable = await get(t.app, "/products/productDetail/%ff%fe");
    expect([undecodable.status, undecodable.body]).toEqual([400, '{"detail":"Bad Request"}']);
  });

  it("SQL injection and control characters in every body field", async () => {
    for (const value of ["' OR 1=1 --", "admin'--", "\u0000\u0001\u001f", "a\r\nb"]) {
      const register = await postJson(t.app, "/auth/register", {
        username: value,
        password: value,
        nickName: value,
        phoneNum: value,
      });
      expect(register.status).toBe(422);
      const login = await raw(t.app, {
        method: "POST",
        url: "/auth/login",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ username: value, password: value }).toString(),
      });
      expect(login.status).toBe(401);
      expect(login.body).toBe('{"detail":"用户名或密码错误"}');
    }
  });

  it("malformed JSON, wrong content types and oversized bodies", async () => {
    const broken = await postJson(t.app, "/auth/register", '{"username": "a",');
    expect(broken.status).toBe(422);
    expect(broken.body).toMatch(/"type":"json_invalid"/);

    const xml = await raw(t.app, {
      method: "POST",
      url: "/auth/login",
      headers: { "content-type": "application/xml" },
      payload: "<u/>",
    });
    expect(xml.status).toBe(422);
    expect(xml.body).toMatch(/^\{"detail":\[/);

    const big = await postJson(t.app, "/auth/register", {
      username: "big",
      password: "x".repeat(2 * 1024 * 1024),
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({ detail: expect.stringMatching(/too large/i) });
  });

  it("security headers on every answer, no X-Powered-By, no internals in errors", async () => {
    for (const url of ["/", "/products/type", "/nope", "/graphql?query=%7Bcategories%7Bid%7D%7D"]) {
      const res = await raw(t.app, { method: "GET", url, headers: { "apollo-require-preflight": "1" } });
      expect(res.headers["x-content-type-options"], url).toBe("nosniff");
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["x-powered-by"]).toBeUndefined();
      expect(res.body).not.toMatch(/at \S+\.(js|ts):\d+|SELECT |PrismaClient/);
    }
  });

  it("CORS only for the configured origins", async () => {
    const allowed = await raw(t.app, {
      method: "OPTIONS",
      url: "/graphql",
      headers: { origin: "https://shop.example.com", "access-control-request-method": "POST" },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://shop.example.com");

    const other = await raw(t.app, {
      method: "GET",
      url: "/products/type",
      headers: { origin: "https://evil.example.com" },
    });
    expect(other.status).toBe(200);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("the hosted Apollo Sandbox on a developer's machine", () => {
  const SANDBOX = "https://studio.apollographql.com";
  const fromSandbox = async (app: TestApp) => {
    // What the browser sends first: a preflight (also asking to reach a private address), then the query.
    const preflight = await raw(app.app, {
      method: "OPTIONS",
      url: "/graphql",
      headers: {
        origin: SANDBOX,
        "access-control-request-method": "POST",
        "access-control-request-headers":
          "content-type,apollographql-client-name,apollographql-client-version",
        "access-control-request-private-network": "true",
      },
    });
    const query = await raw(app.app, {
      method: "POST",
      url: "/graphql",
      headers: { origin: SANDBOX, "content-type": "application/json" },
      payload: JSON.stringify({ query: "{ __typename }" }),
    });
    return { preflight, query };
  };

  it("can call a development server with no configuration", async () => {
    const dev = await createTestApp({ ENVIRONMENT: "development", CORS_ORIGINS: "" });
    try {
      const { preflight, query } = await fromSandbox(dev);
      expect(preflight.status).toBe(204);
      expect(preflight.headers).toMatchObject({
        "access-control-allow-origin": SANDBOX,
        "access-control-allow-private-network": "true",
      });
      expect(String(preflight.headers["access-control-allow-headers"])).toContain(
        "apollographql-client-name",
      );
      expect(query.status).toBe(200);
      expect(query.headers["access-control-allow-origin"]).toBe(SANDBOX);
      expect(JSON.parse(query.body)).toEqual({ data: { __typename: "Query" } });
    } finally {
      await dev.close();
    }
  });

  it("gets no CORS answer from production unless configured", async () => {
    const production = await createTestApp({
      ENVIRONMENT: "production",
      SECRET_KEY: "a-production-secret-key-of-enough-length",
      CORS_ORIGINS: "",
    });
    try {
      const { preflight, query } = await fromSandbox(production);
      expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
      expect(query.headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      await production.close();
    }
  });
});
