import { describe, expect, it } from "vitest";
import { canonicalJson, digestKey, ResponseCache } from "../../src/cache/response-cache.js";
import type { UserSnapshot } from "../../src/cache/user-cache.js";

/** A response cache over in-memory stand-ins that record what reached them. */
function fakeCache(ttlSeconds: number) {
  const stored: unknown[][] = [];
  const user = new Map<string, unknown>();
  const responseCache = new ResponseCache({
    ttlSeconds,
    cache: {
      peekBytes: async (space: string, key: string) =>
        key === "warm" ? { hit: true as const, bytes: Buffer.from(space), seq: 5 } : { hit: false, seq: 5 },
      peekHeldBytes: (space: string, key: string) => (key === "held" ? Buffer.from(space) : undefined),
      putText: async (...args: unknown[]) => void stored.push(args),
    },
    userCache: {
      peek: <T>(snapshot: UserSnapshot, slot: { name: string }) =>
        user.get(`${snapshot.userId}:${slot.name}`) as T,
      put: (snapshot: UserSnapshot, slot: { name: string }, value: unknown) =>
        void user.set(`${snapshot.userId}:${slot.name}`, value),
    },
  });
  return { responseCache, stored };
}

const headers = () => {
  const set: Record<string, string> = {};
  return {
    set,
    header(name: string, value: string) {
      set[name] = value;
      return this;
    },
  };
};

describe("the response cache of both adapters", () => {
  it("is off when its TTL is 0 (caching off), on otherwise: then it finds nothing", async () => {
    const off = fakeCache(0).responseCache;
    expect(off.enabled).toBe(false);
    expect(await off.peek("graphql-response", "warm")).toBeNull();
    expect(off.peekHeld("graphql-response", "held")).toBeUndefined();
    const on = fakeCache(300).responseCache;
    expect(on.enabled).toBe(true);
    expect(on.peekHeld("graphql-response", "held")).toEqual(Buffer.from("graphql-response"));
    expect(on.peekHeld("graphql-response", "warm")).toBeUndefined();
  });

  it("stores a response with its tags, the lookup's number and the response TTL", async () => {
    const { responseCache, stored } = fakeCache(300);
    expect(await responseCache.peek("legacy-response", "warm")).toMatchObject({ hit: true });
    const miss = await responseCache.peek("legacy-response", "cold");
    expect(miss).toEqual({ hit: false, seq: 5 });
    await responseCache.store("legacy-response", "cold", 5, "{}", ["categories"]);
    expect(stored).toEqual([["legacy-response", "cold", "{}", ["categories"], 5, 300]]);
  });

  it("keeps per-user responses apart per user", () => {
    const { responseCache } = fakeCache(300);
    const snapshot = (userId: number) => ({ userId, session: "s", cart: "c", orders: "o", catalog: "1" });
    responseCache.storeUser(snapshot(1), "graphql-response", "k", "mine");
    expect(responseCache.peekUser(snapshot(1), "graphql-response", "k")).toBe("mine");
    expect(responseCache.peekUser(snapshot(2), "graphql-response", "k")).toBeUndefined();
  });

  it("says HIT or MISS in X-Cache", () => {
    const { responseCache } = fakeCache(300);
    const hit = headers();
    expect(responseCache.hit(hit)).toBe(hit);
    expect(hit.set).toEqual({ "x-cache": "HIT" });
    const miss = headers();
    responseCache.miss(miss);
    expect(miss.set).toEqual({ "x-cache": "MISS" });
  });

  it("keys equal variables alike whatever the order of their fields", () => {
    expect(canonicalJson({ b: [1, { d: 1, c: null }], a: "x" })).toBe('{"a":"x","b":[1,{"c":null,"d":1}]}');
    expect(canonicalJson({})).toBe("{}");
    expect(digestKey("q\n\n{}")).toBe(digestKey("q\n\n{}"));
    expect(digestKey("q\n\n{}")).not.toBe(digestKey("q\n\n{ }"));
    expect(digestKey("x")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
