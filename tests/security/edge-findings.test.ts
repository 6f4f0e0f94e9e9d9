/**
 * Regression tests for the edge findings of issue 15, each with the input that was seen to misbehave.
 * The numbers are the issue's.
 */
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";
import { codes, rawGql } from "../helpers/graphql.js";
import { postJson } from "../helpers/legacy.js";

const PRODUCTION = { ENVIRONMENT: "production", SECRET_KEY: "a-production-secret-of-at-least-32-bytes!" };

let t: TestApp;
let prod: TestApp;
beforeAll(async () => {
  [t, prod] = await Promise.all([createTestApp(), createTestApp(PRODUCTION)]);
});
afterAll(async () => {
  await Promise.all([t.close(), prod.close()]);
});

describe("1: refusals are cheap: the limits run before the standard validation rules", () => {
  it("the 7 KB cost bomb is refused by the limits alone (no standard rule reports)", async () => {
    const query = `{categories{${"products{name} ".repeat(480)}}}`;
    expect(Buffer.byteLength(JSON.stringify({ query }))).toBeGreaterThan(7_000);
    const refused = await rawGql(t.app, { query });
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(refused.errors![0].message).toMatch(/above the limit/);
    // The same with a typo in every field: only the limit speaks, so no other rule visited a field.
    const typos = await rawGql(t.app, { query: query.replaceAll("name", "nam") });
    expect(typos.errors!.map((e) => e.message)).toEqual([refused.errors![0].message]);
  });

  it("many fields in one selection set, and fragments that multiply, are refused", async () => {
    const wide = await rawGql(t.app, { query: `{ categories { ${"id ".repeat(1500)} } }` });
    expect(wide.errors!.map((e) => e.message)).toEqual([
      "the number of selections in one selection set is 1500, above the limit of 50",
    ]);
    // Each fragment spreads the next twice: 2^40 fields once expanded; measured once per fragment.
    const fragments = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Category { ...F${i + 1} ...F${i + 1} }`,
    ).join(" ");
    const bomb = await rawGql(t.app, {
      query: `{ categories { ...F0 } } ${fragments} fragment F40 on Category { id }`,
    });
    expect(bomb.status).toBe(400);
    expect(bomb.errors![0].message).toMatch(/selections in one selection set is \d+, above the limit/);
  });

  it("a valid document within the limits still runs", async () => {
    const ok = await rawGql(t.app, { query: "{ categories { type products { pid } } }" });
    expect(ok.errors).toBeUndefined();
  });
});

describe("2: root fields are counted through inline fragments and fragments", () => {
  const fields = Array.from({ length: 15 }, (_, i) => `a${i}: product(pid: "latte001") { pid }`).join(" ");

  it("15 root fields in an inline fragment, in a named fragment, or written directly", async () => {
    for (const query of [
      `{ ... on Query { ${fields} } }`,
      `{ ...Roots } fragment Roots on Query { ${fields} }`,
      `{ ... { ...Roots } } fragment Roots on Query { ${fields} }`,
      `{ ${fields} }`,
    ]) {
      const result = await rawGql(t.app, { query });
      expect(
        result.errors!.map((e) => e.message),
        query,
      ).toEqual(["the number of root fields is 15, above the limit of 10"]);
      expect(result.data).toBeUndefined();
    }
  });
});

describe("3: no schema hints in production, variable coercion included", () => {
  it("a misspelt input field and a misspelt enum value", async () => {
    const register = await rawGql(prod.app, {
      query: "mutation($input: RegisterInput!) { register(input: $input) { token } }",
      variables: { input: { usernam: "x", username: "someone", password: "coffee123" } },
    });
    expect(codes(register)).toEqual(["BAD_USER_INPUT"]);
    expect(register.errors![0].message).toMatch(/"usernam" is not defined/);
    expect(register.errors![0].message).not.toMatch(/Did you mean/);

    const status = await rawGql(prod.app, {
      query: 'mutation($s: OrderStatus!) { advanceOrder(status: $s, orderNo: "x") { orderNo } }',
      variables: { s: "PREPARNG" },
    });
    expect(codes(status)).toEqual(["BAD_USER_INPUT"]);
    expect(JSON.stringify(status.errors)).not.toMatch(/Did you mean|PREPARING/);

    const literal = await rawGql(prod.app, {
      query: '{ products(filter: { categoryTyp: "latte" }) { totalCount } }',
    });
    expect(JSON.stringify(literal.errors)).not.toMatch(/Did you mean/);
  });

  it("development keeps the hints", async () => {
    const status = await rawGql(t.app, {
      query: 'mutation($s: OrderStatus!) { advanceOrder(status: $s, orderNo: "x") { orderNo } }',
      variables: { s: "PREPARNG" },
    });
    expect(status.errors![0].message).toMatch(/Did you mean the enum value "PREPARING"/);
  });
});

describe("4: deeply nested JSON is a clear 400, never a 500", () => {
  const arrays = (n: number) => `${"[".repeat(n)}"x"${"]".repeat(n)}`;
  const objects = (n: number) => `${'{"a":'.repeat(n)}"x"${"}".repeat(n)}`;
  const json = (url: string, payload: string) =>
    t.app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload });

  it("REST bodies: a login username 3000 deep, a register body 5000 deep", async () => {
    for (const res of [
      await json("/auth/login", `{"username":${arrays(3000)},"password":"x"}`),
      await json("/auth/register", `{"username":${arrays(5000)},"password":"coffee123"}`),
      await json("/auth/register", objects(5000)),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.body).toBe('{"detail":"JSON nested deeper than 64 levels"}');
    }
    // Brackets inside strings do not count.
    const inString = await json("/auth/register", JSON.stringify({ username: "[".repeat(5000) }));
    expect(inString.statusCode).toBe(422);
  });

  it("GraphQL variables and extensions 5000 deep, over POST and GET", async () => {
    const query = "query($t: String!) { category(type: $t) { id } }";
    const results = [
      await json("/graphql", `{"query":${JSON.stringify(query)},"variables":{"t":${arrays(5000)}}}`),
      await json("/graphql", `{"query":${JSON.stringify(query)},"variables":${objects(5000)}}`),
      await json("/graphql", `{"query":"{ categories { id } }","extensions":${objects(5000)}}`),
      await t.app.inject({
        method: "GET",
        url: `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(`{"t":${arrays(5000)}}`)}`,
        headers: { "apollo-require-preflight": "1" },
      }),
    ];
    for (const res of results) {
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0]).toEqual({
        message: "JSON nested deeper than 64 levels",
        extensions: { code: "BAD_REQUEST" },
      });
    }
  });
});

describe("5: multipart bodies honour the body limit; rate-limit keys stay small", () => {
  const multipart = (fields: Record<string, string>) => {
    const boundary = "----edge15";
    const parts = Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
    return {
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      payload: `${parts.join("")}--${boundary}--\r\n`,
    };
  };

  it("a 10 MB multipart login is refused with 413; a small one still works", async () => {
    const big = await t.app.inject({
      method: "POST",
      url: "/auth/login",
      ...multipart({ username: "u".repeat(10 * 1024 * 1024), password: "coffee123" }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.body).toBe('{"detail":"Request body is too large"}');
    const small = await t.app.inject({
      method: "POST",
      url: "/auth/login",
      ...multipart({ username: "nobody_here", password: "coffee123" }),
    });
    expect(small.statusCode).toBe(401);
  });

  it("a username as large as the body limit does not become a Redis key", async () => {
    const username = "U".repeat(200 * 1024);
    const res = await t.app.inject({
      method: "POST",
      url: "/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ username, password: "coffee123" }).toString(),
    });
    expect(res.statusCode).toBe(401);
    const prefix = t.config.redis.keyPrefix;
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await t.redis.scan(cursor, "MATCH", `${prefix}rl:login-fail:*`, "COUNT", 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== "0");
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.length - prefix.length).toBeLessThan(64);
  });
});

describe("6: phone numbers fit the varchar(20) column", () => {
  const tooLong = `+${"1".repeat(20)}`;

  it("register and updateMe refuse + and 20 digits with BAD_USER_INPUT", async () => {
    const register = await rawGql(t.app, {
      query: "mutation($input: RegisterInput!) { register(input: $input) { token } }",
      variables: { input: { username: `phone_${process.pid}`, password: "coffee123", phone: tooLong } },
    });
    expect(codes(register)).toEqual(["BAD_USER_INPUT"]);
    const token = await userToken(t);
    const update = await rawGql(
      t.app,
      {
        query: "mutation($p: String) { updateMe(input: { phone: $p }) { phone } }",
        variables: { p: tooLong },
      },
      token,
    );
    expect(codes(update)).toEqual(["BAD_USER_INPUT"]);
    const fits = await rawGql<{ updateMe: { phone: string } }>(
      t.app,
      {
        query: "mutation($p: String) { updateMe(input: { phone: $p }) { phone } }",
        variables: { p: `+${"1".repeat(19)}` },
      },
      token,
    );
    expect(fits.data?.updateMe.phone).toBe(`+${"1".repeat(19)}`);
  });

  it("the legacy register answers 422 for 21 digits", async () => {
    const res = await postJson(t.app, "/auth/register", {
      username: `legacy_phone_${process.pid}`,
      password: "coffee123",
      phoneNum: "1".repeat(21),
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatch(/"loc":\["body","phoneNum"\]/);
  });
});

describe("7: client aborts neither leak in-flight requests nor go uncounted", () => {
  it("10 logins abandoned mid-request on a real server", async () => {
    const server = await createTestApp();
    try {
      await server.app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = server.app.server.address() as AddressInfo;
      const scrape = async () => (await server.app.inject({ method: "GET", url: "/metrics" })).body;
      const value = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
      const inFlight = /^http_requests_in_flight (\d+)/m;
      const aborted = /^http_requests_total\{method="POST",route="\/auth\/login",status="499"\} (\d+)/m;
      const before = await scrape();

      const body = new URLSearchParams({ username: "nobody_at_all", password: "coffee123" }).toString();
      await Promise.all(
        Array.from(
          { length: 10 },
          () =>
            new Promise<void>((resolve) => {
              const socket = connect(port, "127.0.0.1", () => {
                socket.write(
                  `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
                    `Content-Length: ${body.length}\r\n\r\n${body}`,
                );
                // The request is complete and being handled (argon2 takes a while): the client gives up.
                setTimeout(() => {
                  socket.destroy();
                  resolve();
                }, 5);
              });
            }),
        ),
      );
      await vi.waitFor(
        async () => {
          const after = await scrape();
          expect(value(after, aborted) - value(before, aborted)).toBe(10);
          expect(value(after, inFlight)).toBe(value(before, inFlight));
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await server.close();
    }
  });
});

describe("8: no cache key grows with the number of distinct requests", () => {
  it("300 anonymous misses for distinct pids leave no tag set, and invalidation writes one stamp per tag", async () => {
    const fresh = await createTestApp({ REDIS_KEY_PREFIX: `${t.config.redis.keyPrefix}tags8:` });
    try {
      for (let i = 0; i < 300; i++) {
        const res = await rawGql(fresh.app, { query: `{ product(pid: "zz${i}") { pid } }` });
        expect(res.data).toEqual({ product: null });
      }
      const prefix = fresh.config.redis.keyPrefix;
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, found] = await fresh.redis.scan(cursor, "MATCH", `${prefix}cache:*`, "COUNT", 1000);
        keys.push(...found);
        cursor = next;
      } while (cursor !== "0");
      const unprefixed = keys.map((k) => k.slice(prefix.length));
      const types = await Promise.all(unprefixed.map((k) => fresh.redis.type(k)));
      expect(types.filter((type) => type !== "string")).toEqual([]);
      // One stamp per tag: "products" and nothing per request.
      expect(unprefixed.filter((k) => k.includes("tagseq:"))).toEqual(["cache:v3:{catalog}:tagseq:products"]);
      expect(await fresh.app.services.cache.invalidate(["products"])).toBe(1);
      // The misses are gone with the tag: the next read is a miss again.
      const again = await fresh.app.inject({
        method: "POST",
        url: "/graphql",
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ query: '{ product(pid: "zz1") { pid } }' }),
      });
      expect(again.headers["x-cache"]).toBe("MISS");
    } finally {
      await fresh.close();
    }
  });
});

describe("9: probes and scrapes are exempt from the per-IP limit", () => {
  it("/health, /ready and /metrics answer while other paths get 429", async () => {
    const limited = await createTestApp({ RATE_LIMIT_REQUESTS_PER_IP: "3" });
    try {
      for (let i = 0; i < 4; i++) await limited.app.inject({ method: "GET", url: "/" });
      expect((await limited.app.inject({ method: "GET", url: "/" })).statusCode).toBe(429);
      for (const url of ["/health", "/ready", "/metrics"]) {
        for (let i = 0; i < 5; i++) {
          const res = await limited.app.inject({ method: "GET", url });
          expect(res.statusCode, url).toBe(200);
        }
      }
    } finally {
      await limited.close();
    }
  });
});

describe("10: a response-cache hit answers as Apollo does", () => {
  it("honours Accept with Vary: Accept, and validates the request like a miss", async () => {
    const query = `{ product(pid: "latte001") { pid name } } # accept ${process.pid}`;
    const post = (body: unknown, accept?: string) =>
      t.app.inject({
        method: "POST",
        url: "/graphql",
        headers: { "content-type": "application/json", ...(accept ? { accept } : {}) },
        payload: JSON.stringify(body),
      });
    expect((await post({ query })).headers["x-cache"]).toBe("MISS");
    const hit = await post({ query }, "application/graphql-response+json");
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.headers["content-type"]).toBe("application/graphql-response+json; charset=utf-8");
    expect(hit.headers.vary).toMatch(/Accept/);
    expect((await post({ query }, "application/json")).headers["content-type"]).toBe(
      "application/json; charset=utf-8",
    );
    expect((await post({ query }, "text/html-nope")).statusCode).toBe(406);
    for (const body of [
      { query, operationName: 42 },
      { query, operationName: { a: 1 } },
      { query, extensions: "x" },
      { query, extensions: [1] },
      { query, variables: "{}" },
    ]) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers["x-cache"]).toBeUndefined();
    }
  });
});

describe("11: HTML pages carry a Content-Security-Policy", () => {
  it("the development landing page and /altair/", async () => {
    const page = await t.app.inject({ method: "GET", url: "/graphql", headers: { accept: "text/html" } });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toMatch(/script-src 'self' 'nonce-[0-9a-f]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.body).toContain(/'nonce-([0-9a-f]+)'/.exec(csp)![1]);

    const altair = await t.app.inject({ method: "GET", url: "/altair/" });
    const altairCsp = String(altair.headers["content-security-policy"]);
    const nonce = /'nonce-([^']+)'/.exec(altairCsp)![1];
    expect(altairCsp).toMatch(/^default-src 'self'/);
    expect(altair.body).toContain(`<script type="module" nonce="${nonce}">`);
    const again = await t.app.inject({ method: "GET", url: "/altair/" });
    expect(again.headers["content-security-policy"]).not.toBe(altairCsp);
  });
});

describe("12: legacy parity", () => {
  it("path parameters over 100 characters answer like the old service", async () => {
    for (const length of [101, 1000, 8000]) {
      const name = "x".repeat(length);
      const list = await t.app.inject({ method: "GET", url: `/products/typeProducts/${name}` });
      expect([list.statusCode, list.body]).toEqual([200, '{"result":[],"code":500}']);
      const detail = await t.app.inject({ method: "GET", url: `/products/productDetail/${name}` });
      expect([detail.statusCode, detail.body]).toEqual([404, '{"detail":"商品不存在"}']);
    }
  });

  it("a 422 lists every invalid field at once, in field order", async () => {
    const res = await postJson(t.app, "/auth/register", {
      username: "x",
      password: "short",
      nickName: "a\u0000b",
      phoneNum: "12",
    });
    expect(res.status).toBe(422);
    const detail = JSON.parse(res.body).detail as { type: string; loc: string[] }[];
    expect(detail.map((d) => [d.type, d.loc[1]])).toEqual([
      ["value_error", "username"],
      ["value_error", "password"],
      ["value_error", "nickName"],
      ["value_error", "phoneNum"],
    ]);
    const mixed = await postJson(t.app, "/auth/register", { username: "x", password: 5 });
    expect(JSON.parse(mixed.body).detail.map((d: { type: string }) => d.type)).toEqual([
      "value_error",
      "string_type",
    ]);
  });
});
