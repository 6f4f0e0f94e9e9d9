import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe("GET / and GET /health", () => {
  it("answers the legacy welcome and a healthy report", async () => {
    current = await createTestApp();
    const root = await current.app.inject({ method: "GET", url: "/" });
    expect(root.statusCode).toBe(200);
    expect(root.body).toBe('{"message":"欢迎使用咖啡店API服务"}');

    const health = await current.app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(200);
    expect(health.headers["content-type"]).toBe("application/json");
    expect(health.body).toBe('{"status":"healthy","database":"connected","redis":"connected"}');
  });

  it("answers 503 naming Redis when Redis is unreachable", async () => {
    current = await createTestApp({ REDIS_PORT: "1" });
    const health = await current.app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(503);
    expect(health.body).toBe('{"status":"unhealthy","database":"connected","redis":"disconnected"}');
  });

  it("answers 503 naming the database when MariaDB is unreachable", async () => {
    current = await createTestApp({ DB_PORT: "1" });
    const health = await current.app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(503);
    expect(health.body).toBe('{"status":"unhealthy","database":"disconnected","redis":"connected"}');
  });

  it("returns an incoming X-Request-Id, or a new one", async () => {
    current = await createTestApp();
    const echoed = await current.app.inject({
      method: "GET",
      url: "/",
      headers: { "x-request-id": "abc-123" },
    });
    expect(echoed.headers["x-request-id"]).toBe("abc-123");
    const fresh = await current.app.inject({
      method: "GET",
      url: "/",
      headers: { "x-request-id": "bad id\u0000" },
    });
    expect(fresh.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("serves the seed images and answers the legacy 404 body elsewhere", async () => {
    current = await createTestApp();
    const image = await current.app.inject({
      method: "GET",
      url: "/static/images/products/latte001-small.png",
    });
    expect(image.statusCode).toBe(200);
    expect(image.headers["content-type"]).toBe("image/png");
    const missing = await current.app.inject({ method: "GET", url: "/no/such/path" });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('{"detail":"Not Found"}');
  });
});
