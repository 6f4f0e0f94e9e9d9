import { describe, expect, it } from "vitest";
import { BoundedLru } from "../../src/cache/lru.js";

const lru = (maxBytes: number) => new BoundedLru<string>(maxBytes, (value) => value.length);

describe("BoundedLru", () => {
  it("keeps the bytes it holds under its bound, evicting the oldest unread entry first", () => {
    const cache = lru(10);
    cache.set("a", "aaaa");
    cache.set("b", "bbbb");
    cache.set("c", "cccc");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe("bbbb");
    expect(cache.get("c")).toBe("cccc");
    expect(cache.sizeInBytes).toBe(8);
  });

  it("gives an entry read since it was stored a second chance over older unread ones", () => {
    const cache = lru(12);
    cache.set("a", "aaaa");
    cache.set("b", "bbbb");
    cache.set("c", "cccc");
    expect(cache.get("a")).toBe("aaaa");
    cache.set("d", "dddd");
    expect(cache.get("a")).toBe("aaaa");
    expect(cache.get("b")).toBeUndefined();
    expect([cache.get("c"), cache.get("d")]).toEqual(["cccc", "dddd"]);
  });

  it("evicts even when every entry was read, and refuses a value larger than the whole bound", () => {
    const cache = lru(8);
    cache.set("a", "aaaa");
    cache.set("b", "bbbb");
    cache.get("a");
    cache.get("b");
    cache.set("c", "cccc");
    expect(cache.sizeInBytes).toBe(8);
    expect(cache.get("c")).toBe("cccc");
    cache.set("huge", "x".repeat(9));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.sizeInBytes).toBe(8);
  });

  it("replaces a key's value, deletes single keys and prefixes, and clears", () => {
    const cache = lru(100);
    cache.set("user:1:a", "one");
    cache.set("user:1:a", "uno");
    cache.set("user:1:b", "two");
    cache.set("user:2:a", "three");
    expect(cache.get("user:1:a")).toBe("uno");
    expect(cache.sizeInBytes).toBe(11);
    cache.deletePrefix("user:1:");
    expect([cache.get("user:1:a"), cache.get("user:1:b"), cache.get("user:2:a")]).toEqual([
      undefined,
      undefined,
      "three",
    ]);
    cache.delete("user:2:a");
    expect(cache.sizeInBytes).toBe(0);
    cache.set("x", "x");
    cache.clear();
    expect([cache.get("x"), cache.sizeInBytes]).toEqual([undefined, 0]);
  });
});
