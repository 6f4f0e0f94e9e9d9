/**
 * graphql-http's GraphQL-over-HTTP server audit against the real listening server, with the whole-response
 * cache cold (emptied before every audit) and warm (every cacheable request answered from it): no errors in
 * either, and the warm results equal the cold ones, so a cache hit answers as Apollo does.
 */
import type { AddressInfo } from "node:net";
import { type AuditResult, serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { testConfig } from "../helpers/env.js";

/**
 * The audits that do not pass, cold and warm alike, and why. None is an error (a MUST).
 * - 5A70, D6D5, 6A70 (MAY): GETs without a JSON content type or `apollo-require-preflight` are refused by
 *   Apollo's CSRF prevention (400): a browser could send them cross-site without a preflight.
 * - 572B, FDE2, 7B9B (SHOULD, for application/json): Apollo answers parse, validation and variable-coercion
 *   failures with 400 whatever the Accept header; the spec prefers 200 for application/json.
 */
const EXPECTED_NOT_OK: Record<string, AuditResult["status"]> = {
  "5A70": "notice",
  D6D5: "notice",
  "6A70": "notice",
  "572B": "warn",
  FDE2: "warn",
  "7B9B": "warn",
};

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ REDIS_KEY_PREFIX: `${testConfig().redis.keyPrefix}audit:` });
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => t.close());

async function emptyResponseCache() {
  const pattern = `${t.config.redis.keyPrefix}cache:*graphql-response*`;
  let cursor = "0";
  do {
    const [next, keys] = await t.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    // The client adds its key prefix to DEL's arguments; SCAN returns keys with it.
    if (keys.length > 0) await t.redis.del(...keys.map((k) => k.slice(t.config.redis.keyPrefix.length)));
    cursor = next;
  } while (cursor !== "0");
}

async function audit(before?: () => Promise<void>) {
  const results: Record<string, string> = {};
  for (const { id, fn } of serverAudits({ url })) {
    await before?.();
    const result = await fn();
    results[id] = result.status === "ok" ? "ok" : `${result.status}: ${result.reason}`;
  }
  return results;
}

const notOk = (results: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(results)
      .filter(([, r]) => r !== "ok")
      .map(([id, r]) => [id, r.split(":")[0]]),
  );

describe("graphql-http server audit", () => {
  it("passes cold and warm alike", async () => {
    const cold = await audit(emptyResponseCache);
    expect(notOk(cold)).toEqual(EXPECTED_NOT_OK);

    await audit(); // fills the cache
    const hits = Number(
      /^cache_hits_total\{cache="graphql-response"\} (\d+)/m.exec(
        (await t.app.inject({ method: "GET", url: "/metrics" })).body,
      )?.[1] ?? 0,
    );
    const warm = await audit();
    const hitsAfter = Number(
      /^cache_hits_total\{cache="graphql-response"\} (\d+)/m.exec(
        (await t.app.inject({ method: "GET", url: "/metrics" })).body,
      )?.[1] ?? 0,
    );
    expect(hitsAfter - hits).toBeGreaterThan(10);
    expect(warm).toEqual(cold);
  });
});
