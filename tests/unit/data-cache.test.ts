import { describe, expect, it } from "vitest";
import { PassThroughCache } from "../../src/cache/data-cache.js";

describe("the pass-through data cache (caching off)", () => {
  it("loads every read and keeps nothing", async () => {
    const cache = new PassThroughCache();
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad("c", "k", load, () => ["t"])).toBe(1);
    expect(await cache.getOrLoad("c", "k", load, () => ["t"])).toBe(2);
  });

  it("loads a batch in one call, in the order given, and never asks for keys or tags", async () => {
    const cache = new PassThroughCache();
    const calls: number[][] = [];
    const never = () => {
      throw new Error("not called");
    };
    const values = await cache.getOrLoadMany(
      "c",
      [3, 1, 2],
      never,
      async (ids) => {
        calls.push(ids);
        return ids.map((id) => id * 10);
      },
      never,
    );
    expect(values).toEqual([30, 10, 20]);
    expect(calls).toEqual([[3, 1, 2]]);
  });
});
