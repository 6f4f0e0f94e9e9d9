import argon2 from "argon2";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PasswordHasher } from "../../src/auth/password.js";
import { TokenService } from "../../src/auth/tokens.js";
import { RateLimitedError } from "../../src/errors.js";
import { gql, codes, rawGql } from "../helpers/graphql.js";
import { LoginDocument, MeDocument, RegisterDocument } from "../generated/graphql.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { get, postJson, raw } from "../helpers/legacy.js";

let n = 0;
const uniqueName = (label: string) => `${label}_${process.pid}_${++n}`.slice(0, 32);

describe("registration abuse", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it("refuses unicode look-alike usernames", async () => {
    for (const username of ["аdmin", "ａｄｍｉｎ", "admin\u200b", "adm\u0131n", "admin\u0301", "ad min"]) {
      const result = await gql(t.app, RegisterDocument, { input: { username, password: "coffee123" } });
      expect(result.errors?.[0].extensions, JSON.stringify(username)).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "username",
      });
    }
  });

  it("100 concurrent registrations of one username: exactly one succeeds, the rest get a clean conflict", async () => {
    const username = uniqueName("race");
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2
          ? gql(t.app, RegisterDocument, { input: { username, password: "coffee123" } }).then((r) =>
              r.data?.register ? "ok" : codes(r)[0],
            )
          : postJson(t.app, "/auth/register", { username, password: "coffee123" }).then((r) =>
              r.status === 200 ? "ok" : r.body === '{"detail":"用户名已存在"}' ? "CONFLICT" : r.body,
            ),
      ),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "CONFLICT")).toHaveLength(99);
    expect(await t.db.prisma.user.count({ where: { username } })).toBe(1);
    expect((await get(t.app, "/health")).status).toBe(200);
  });
});

describe("rate limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      REDIS_KEY_PREFIX: `${process.pid}-${Date.now()}-rl:`,
      RATE_LIMIT_LOGIN_PER_USERNAME: "5",
      RATE_LIMIT_LOGIN_PER_IP: "12",
      RATE_LIMIT_REQUESTS_PER_IP: "60",
      TRUST_PROXY: "127.0.0.1",
    });
  });
  afterAll(() => t.close());

  const from = (ip: string) => ({ "x-forwarded-for": ip });

  const login = (ip: string, username: string, password: string) =>
    raw(t.app, {
      method: "POST",
      url: "/auth/login",
      headers: { ...from(ip), "content-type": "application/x-www-form-urlencoded" },
      payload: `username=${username}&password=${password}`,
    });

  it("a brute-force run from one address gets 429 / RATE_LIMITED after the per-username limit", async () => {
    const username = uniqueName("victim");
    await t.app.services.accounts.register({ username, password: "coffee123" }, "10.0.0.1");
    const attempts = [];
    for (let i = 0; i < 5; i++) attempts.push(await login("10.0.1.1", username, `guess${i}`));
    expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    const blocked = await login("10.0.1.1", username, "coffee123");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect(blocked.body).toBe('{"detail":"请求过于频繁，请稍后再试"}');

    const viaGraphql = await t.app.inject({
      method: "POST",
      url: "/graphql",
      headers: { "content-type": "application/json", ...from("10.0.1.1") },
      payload: {
        query: 'mutation($u: String!) { login(input: { username: $u, password: "coffee123" }) { token } }',
        variables: { u: username },
      },
    });
    expect(viaGraphql.json().errors[0].extensions).toMatchObject({
      code: "RATE_LIMITED",
      retryAfterSeconds: expect.any(Number),
    });
  });

  it("wrong passwords from many addresses cannot lock the owner out, and guessing stays bounded", async () => {
    const username = uniqueName("owner");
    await t.app.services.accounts.register({ username, password: "coffee123" }, "10.0.0.1");
    for (let i = 0; i < 10; i++) expect((await login(`10.0.4.${i}`, username, "wrong")).status).toBe(401);
    // The owner, from an address that has not failed: signed in (a 429 would mean no turn within 2 s).
    expect((await login("10.0.5.1", username, "coffee123")).status).toBe(200);
    // Across addresses, a username past its limit is checked one attempt per turn: a burst from 12 fresh
    // addresses gets only a few checks, the rest 429.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(`10.0.6.${i}`, username, `guess${i}`)),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(7);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it("the per-IP login limit holds across usernames; other clients are not affected", async () => {
    const ip = "10.0.2.1";
    const statuses = [];
    for (let i = 0; i < 13; i++) {
      const res = await raw(t.app, {
        method: "POST",
        url: "/auth/login",
        headers: { ...from(ip), "content-type": "application/x-www-form-urlencoded" },
        payload: `username=${uniqueName("spray")}&password=x`,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 12).every((s) => s === 401)).toBe(true);
    expect(statuses[12]).toBe(429);
  });

  it("the per-IP request limit answers 429 on REST, GraphQL and the probes alike", async () => {
    const ip = "10.0.3.1";
    for (let i = 0; i < 60; i++) {
      expect((await raw(t.app, { method: "GET", url: "/products/type", headers: from(ip) })).status).toBe(
        200,
      );
    }
    const rest = await raw(t.app, { method: "GET", url: "/products/type", headers: from(ip) });
    expect(rest.status).toBe(429);
    expect(rest.headers["retry-after"]).toBeDefined();
    expect(rest.body).toBe('{"detail":"请求过于频繁，请稍后再试"}');
    const graphql = await raw(t.app, {
      method: "POST",
      url: "/graphql",
      headers: { ...from(ip), "content-type": "application/json" },
      payload: '{"query":"{ categories { id } }"}',
    });
    expect(graphql.status).toBe(429);
    expect(JSON.parse(graphql.body).errors[0].extensions.code).toBe("RATE_LIMITED");
    // Probes are exempt (a load balancer behind the same address must not pull a healthy replica).
    expect((await raw(t.app, { method: "GET", url: "/health", headers: from(ip) })).status).toBe(200);
    expect(
      (await raw(t.app, { method: "GET", url: "/products/type", headers: from("10.0.3.2") })).status,
    ).toBe(200);
  });

  it("takes the client IP from X-Forwarded-For only behind a trusted proxy", async () => {
    const untrusting = await createTestApp({
      REDIS_KEY_PREFIX: `${process.pid}-${Date.now()}-rl2:`,
      RATE_LIMIT_REQUESTS_PER_IP: "3",
    });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await raw(untrusting.app, { method: "GET", url: "/", headers: from(`10.9.9.${i}`) })).status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await untrusting.close();
    }
  });
});

describe("token lifecycle on GraphQL and REST alike", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function session() {
    const username = uniqueName("tok");
    await gql(t.app, RegisterDocument, { input: { username, password: "coffee123" } });
    const login = async () =>
      (await gql(t.app, LoginDocument, { input: { username, password: "coffee123" } })).data!.login.token;
    return { username, a: await login(), b: await login() };
  }
  const works = async (token: string) => {
    const graphql = (await gql(t.app, MeDocument, {}, token)).data?.me != null;
    const rest = (await get(t.app, "/users/findMy", token)).status === 200;
    expect(graphql).toBe(rest);
    return graphql;
  };

  it("logout revokes only the current token", async () => {
    const { a, b } = await session();
    expect((await rawGql(t.app, { query: "mutation { logout }" }, a)).data).toEqual({ logout: true });
    expect(await works(a)).toBe(false);
    expect(await works(b)).toBe(true);
    expect(codes(await rawGql(t.app, { query: "mutation { logout }" }, a))).toEqual(["UNAUTHENTICATED"]);
  });

  it("logoutAll revokes every token of the user", async () => {
    const { a, b } = await session();
    expect((await rawGql(t.app, { query: "mutation { logoutAll }" }, a)).data).toEqual({ logoutAll: true });
    expect([await works(a), await works(b)]).toEqual([false, false]);
  });

  it("refuses expired, tampered, alg:none, wrong iss/aud and unknown-user tokens", async () => {
    const { a } = await session();
    const me = (await gql(t.app, MeDocument, {}, a)).data!.me!;
    const claims = JSON.parse(Buffer.from(a.split(".")[1], "base64url").toString());
    const key = new TextEncoder().encode(t.config.auth.secretKey);
    const sign = (overrides: Record<string, unknown>, alg = "HS256") =>
      new SignJWT({ ...claims, ...overrides }).setProtectedHeader({ alg }).sign(key);
    const bad = [
      (await new TokenService(t.config.auth).issue(me.databaseId, 0, new Date(Date.now() - 31 * 86_400_000)))
        .token,
      `${a.slice(0, -3)}abc`,
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${a.split(".")[1]}.`,
      await sign({ iss: "someone-else" }),
      await sign({ aud: "someone-else" }),
      await sign({ sub: "999999999" }),
      await sign({}, "HS384"),
    ];
    for (const token of bad) expect(await works(token)).toBe(false);
  });
});

describe("password hashing under load", () => {
  it("bounds concurrent hashes and refuses beyond the queue", async () => {
    const hasher = new PasswordHasher({
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
      maxConcurrency: 2,
      maxQueue: 3,
    });
    const hash = await hasher.hash("coffee123");
    let running = 0;
    let peak = 0;
    const verify = vi.spyOn(argon2, "verify").mockImplementation(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return true;
    });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => hasher.verify(hash, "coffee123")),
      );
      expect(peak).toBe(2);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused).toHaveLength(5);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(RateLimitedError);
    } finally {
      verify.mockRestore();
    }
  });

  it("answers unknown users like known ones even after the hasher was busy", async () => {
    const hasher = new PasswordHasher({
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
      maxConcurrency: 1,
      maxQueue: 0,
    });
    const hash = await hasher.hash("coffee123");
    const busy = await Promise.allSettled([
      hasher.verify(hash, "x"),
      hasher.verify(undefined, "x"),
      hasher.verify(undefined, "x"),
    ]);
    expect(busy.some((r) => r.status === "rejected")).toBe(true);
    // Idle again: both kinds of wrong login get the same answer.
    expect(await hasher.verify(undefined, "coffee123")).toBe(false);
    expect(await hasher.verify(hash, "wrong-123")).toBe(false);
  });

  it("does the same hashing work for an unknown user as for a wrong password", async () => {
    const t = await createTestApp();
    try {
      const username = uniqueName("timing");
      await gql(t.app, RegisterDocument, { input: { username, password: "coffee123" } });
      const verify = vi.spyOn(argon2, "verify");
      await gql(t.app, LoginDocument, { input: { username, password: "wrong-pass-1" } });
      const forWrongPassword = verify.mock.calls.length;
      verify.mockClear();
      await gql(t.app, LoginDocument, { input: { username: uniqueName("ghost"), password: "wrong-pass-1" } });
      await gql(t.app, LoginDocument, { input: { username: "not a valid name!", password: "wrong-pass-1" } });
      expect(forWrongPassword).toBe(1);
      expect(verify.mock.calls.length).toBe(2);
      verify.mockRestore();
    } finally {
      await t.close();
    }
  });

  it("re-hashes on login when the parameters changed", async () => {
    const weak = await createTestApp({ ARGON2_MEMORY_KIB: "8192", ARGON2_TIME_COST: "1" });
    const username = uniqueName("rehash");
    try {
      await gql(weak.app, RegisterDocument, { input: { username, password: "coffee123" } });
    } finally {
      await weak.close();
    }
    const t = await createTestApp();
    try {
      const hashOf = async () =>
        (await t.db.prisma.user.findUniqueOrThrow({ where: { username } })).passwordHash;
      expect(await hashOf()).toMatch(/m=8192,t=1,p=1/);
      expect(
        (await gql(t.app, LoginDocument, { input: { username, password: "coffee123" } })).errors,
      ).toBeUndefined();
      expect(await hashOf()).toMatch(/m=19456,t=2,p=1/);
      expect(
        (await gql(t.app, LoginDocument, { input: { username, password: "coffee123" } })).errors,
      ).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
