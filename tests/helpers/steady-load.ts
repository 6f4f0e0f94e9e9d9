/**
 * A steady stream of API requests for failover tests (Redis Sentinel, Redis Cluster): a few clients, each
 * sending its next request 5 ms after the last answer, cycling over a list of reads. Every answer is recorded
 * with its time, so a test can count what failed and what was answered during a failover window.
 */
import { expect } from "vitest";
import type { TestApp } from "./app.js";
import { rawGql } from "./graphql.js";
import { get } from "./legacy.js";

export const PRODUCT = '{ product(pid: "latte001") { pid price } }';
export const MENU = "{ categories { type name } }";

/** The X-Cache header of a GraphQL query's answer (HIT, MISS, or none while Redis is out of use). */
export async function xCache(t: TestApp, query: string): Promise<string | undefined> {
  const res = await t.app.inject({ method: "POST", url: "/graphql", payload: { query } });
  expect(res.statusCode).toBe(200);
  return res.headers["x-cache"] as string | undefined;
}

export type LoadRequest = [what: string, send: () => Promise<boolean>];
export interface Outcome {
  at: number;
  ok: boolean;
  what: string;
}

/** The reads of the failover tests: the menu, a product, `me`, `/users/findMy` and a category's products. */
export function readRequests(t: TestApp, token: string): LoadRequest[] {
  return [
    ["menu", async () => (await rawGql(t.app, { query: MENU })).data !== undefined],
    [
      "product",
      async () => {
        const r = await rawGql<{ product: { price: string } }>(t.app, { query: PRODUCT });
        return r.errors === undefined && r.data?.product.price === "28.00";
      },
    ],
    ["me", async () => (await rawGql(t.app, { query: "{ me { id } }" }, token)).errors === undefined],
    ["findMy", async () => (await get(t.app, "/users/findMy", token)).status === 200],
    ["typeProducts", async () => (await get(t.app, "/products/typeProducts/latte")).status === 200],
  ];
}

/** Starts `clients` clients cycling over `requests`; `stop()` waits for the last answers. */
export function steadyLoad(requests: LoadRequest[], clients = 4) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let i = client; running; i++) {
      const [what, send] = requests[i % requests.length];
      const ok = await send().catch(() => false);
      outcomes.push({ at: Date.now(), ok, what });
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    outcomes,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
    /** What failed, and how many answers came between `from` and `to`. */
    summary(from: number, to: number) {
      const failed = outcomes.filter((o) => !o.ok);
      const during = outcomes.filter((o) => o.at >= from && o.at <= to).length;
      const list = failed.length ? ` (${failed.map((f) => f.what).join(", ")})` : "";
      return {
        failed,
        during,
        text: `${outcomes.length} requests, ${during} of them during the failover, ${failed.length} failed${list}`,
      };
    },
  };
}
