/**
 * Issue 15, finding 13: memory under a flood of distinct documents. Every per-document cache in the process
 * (Apollo's parsed-and-validated document store, the response cache's verdicts, persisted queries) is bounded by
 * an estimate of the heap it holds. The test floods distinct documents (and registers each as a persisted query)
 * with small budgets, then checks the used heap after a forced GC: it may grow by the budgets and a fixed
 * allowance, not with the number of documents.
 */
import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "graphql";
import { BoundedLru } from "../../src/cache/lru.js";
import { documentHeapBytes } from "../../src/graphql/document-memory.js";
import { createTestApp, type TestApp } from "../helpers/app.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MiB = 1024 * 1024;
const DOCUMENT_BUDGET = 1 * MiB;
const APQ_BUDGET = MiB / 2;
/** What else may stay after the flood: JIT code, metric children, pools, allocator slack. */
const ALLOWANCE = 4 * MiB;
const DOCUMENTS = 3_000;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    ENVIRONMENT: "production",
    SECRET_KEY: "a-production-secret-of-at-least-32-bytes!",
    LOG_LEVEL: "silent",
    GRAPHQL_DOCUMENT_CACHE_BYTES: String(DOCUMENT_BUDGET),
    GRAPHQL_APQ_CACHE_BYTES: String(APQ_BUDGET),
  });
});
afterAll(() => t.close());

const post = (body: unknown) =>
  t.app.inject({
    method: "POST",
    url: "/graphql",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
  });

function usedHeapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

describe("13: a flood of distinct documents", () => {
  it(`${DOCUMENTS} distinct documents grow the used heap by at most the caches' budgets`, async () => {
    const flood = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        // Distinct documents that all reach Apollo (the response cache misses each: a distinct alias).
        const query = `{ zz${i}: __typename }`;
        const sha256Hash = createHash("sha256").update(query).digest("hex");
        const res = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
        expect(res.statusCode).toBe(200);
      }
    };
    // Warm up every code path first, so that what stays afterwards is what the flood left.
    await flood(0, 500);
    const before = usedHeapAfterGc();
    await flood(500, DOCUMENTS);
    const after = usedHeapAfterGc();
    const grown = after - before;
    console.log(
      `used heap after GC: ${(before / MiB).toFixed(1)} MiB before, ${(after / MiB).toFixed(1)} MiB after ` +
        `${DOCUMENTS} distinct documents (+${(grown / MiB).toFixed(1)} MiB; budget ${((DOCUMENT_BUDGET * 1.25 + APQ_BUDGET + ALLOWANCE) / MiB).toFixed(1)} MiB)`,
    );
    // The verdicts of the response cache get a quarter of the document budget.
    expect(grown).toBeLessThan(DOCUMENT_BUDGET * 1.25 + APQ_BUDGET + ALLOWANCE);
  }, 120_000);
});

describe("the heap estimates behind the budgets", () => {
  it("a parsed document's estimate is at least the heap it holds", () => {
    for (const text of [
      '{ product(pid: "zz1") { pid } }',
      "{ categories { id type name products { pid name price isHot options { kind label choices { value } } } } }",
    ]) {
      const documents = [];
      const before = usedHeapAfterGc();
      for (let i = 0; i < 2_000; i++) documents.push(parse(`${text} # ${i}`));
      const perDocument = (usedHeapAfterGc() - before) / documents.length;
      expect(documentHeapBytes(documents[0])).toBeGreaterThan(perDocument);
    }
  });

  it("the LRU evicts the least recently used entries past its byte budget", () => {
    const lru = new BoundedLru<string>(1_000, (value, key) => key.length + value.length);
    for (let i = 0; i < 100; i++) lru.set(`k${i}`, "v".repeat(40));
    expect(lru.sizeInBytes).toBeLessThanOrEqual(1_000);
    expect(lru.get("k0")).toBeUndefined();
    expect(lru.get("k99")).toBe("v".repeat(40));
    lru.set("huge", "x".repeat(2_000));
    expect(lru.get("huge")).toBeUndefined();
  });
});
