/**
 * The CDC worker is no single point of failure: two real worker processes (dist/cdc/main.js) share a lease
 * (MySQL GET_LOCK); only one follows the binlog. A stream of direct SQL updates runs, the active worker is
 * SIGKILLed midway, and every update must still remove its cached entry (the standby resumes from the saved
 * position: an invalidation may repeat, never be lost).
 */
import { randomInt } from "node:crypto";
import type * as mariadb from "mariadb";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBreaker } from "../../src/cache/breaker.js";
import { TaggedCache } from "../../src/cache/cache.js";
import { whenReady } from "../../src/cache/redis.js";
import { Tags } from "../../src/catalog/catalog.tags.js";
import { createScratchApp, type TestApp } from "../helpers/app.js";
import { cdcEnv, CdcWorkerProcess, until } from "../helpers/cdc-worker.js";
import { sqlConnection, testConfig, BINLOG_OFF, binlogRequirement } from "../helpers/env.js";

const CACHE = "cdc-failover";
const CHANGES = 120;

let t: TestApp;
let cache: TaggedCache;
let sql: mariadb.Connection;
const workers: CdcWorkerProcess[] = [];
const serverIds = [1_000_000 + randomInt(1_000_000), 3_000_000 + randomInt(1_000_000)];

const { on: binlogOn, skip: skipWithoutBinlog } = await binlogRequirement();

beforeAll(async () => {
  if (skipWithoutBinlog) return;
  if (!binlogOn) throw new Error(BINLOG_OFF);
  t = await createScratchApp("cdcha", { REDIS_KEY_PREFIX: `${testConfig().redis.keyPrefix}cdcha:` });
  await whenReady(t.redis, 5_000);
  cache = new TaggedCache({
    redis: t.redis,
    breaker: new RedisBreaker(t.redis, pino({ level: "silent" })),
    keyPrefix: t.config.redis.keyPrefix,
    ttlSeconds: 600,
  });
  sql = await sqlConnection(t.config.db.database);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.kill()));
  await sql?.end();
  await t?.close();
});

/**
 * One fresh product per change, each with an entry cached under its tag only: a lost change leaves its entry
 * cached (no later change to the same product could hide the loss). The entries are cached once the active
 * worker has applied the inserts, so that their own invalidation cannot remove them.
 */
async function freshProducts(label: string, active: CdcWorkerProcess) {
  const [{ categoryId }] = (await sql.query("SELECT id AS categoryId FROM categories LIMIT 1")) as {
    categoryId: number;
  }[];
  const ids: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const r = (await sql.query(
      "INSERT INTO products (pid, category_id, name, en_name, price, description, small_image, large_image) " +
        "VALUES (?, ?, ?, ?, 1.00, '', '', '')",
      [`${label}${i}`, categoryId, `f${i}`, `f${i}`],
    )) as { insertId: bigint | number };
    ids.push(Number(r.insertId));
  }
  await active.caughtUp(sql);
  const keys = ids.map((id) => `product-${id}`);
  for (const [i, id] of ids.entries()) {
    await cache.getOrLoad(
      CACHE,
      keys[i]!,
      async () => keys[i]!,
      () => [Tags.product(id)],
    );
  }
  const cached = async () =>
    (await Promise.all(keys.map(async (k) => ((await cache.peekBytes(CACHE, k))?.hit ? [k] : [])))).flat();
  return { ids, cached };
}

/**
 * A stream of direct SQL updates, one per product 10 ms apart, with a failure injected by `midway` before the
 * middle one. Resolves to the standby's takeover time that `midway` watches for.
 */
async function updateEach(
  ids: number[],
  midway: () => Promise<{ takeover: Promise<number> }>,
): Promise<number> {
  let watch: { takeover: Promise<number> } | undefined;
  for (const [i, id] of ids.entries()) {
    if (i === CHANGES / 2) watch = await midway();
    await sql.query("UPDATE products SET price = price + 1 WHERE id = ?", [id]);
    await new Promise((r) => setTimeout(r, 10));
  }
  return watch!.takeover;
}

describe.skipIf(skipWithoutBinlog)("CDC worker failover (two real processes, one lease)", () => {
  it("follows the binlog with exactly one worker, and loses no change when the active one is killed", async () => {
    const first = new CdcWorkerProcess(cdcEnv(t.config, serverIds[0]!));
    workers.push(first);
    await first.ready("active");
    const second = new CdcWorkerProcess(cdcEnv(t.config, serverIds[1]!));
    workers.push(second);
    await second.ready("standby");
    expect((await first.health()).role).toBe("active");
    expect(await (await second.get("/metrics")).text()).toMatch(/^cdc_lease_held 0$/m);
    expect(await (await first.get("/metrics")).text()).toMatch(/^cdc_lease_held 1$/m);

    const { ids, cached } = await freshProducts("kill", first);
    expect(await cached()).toHaveLength(CHANGES);

    let killedAt = 0;
    const takeoverMs = await updateEach(ids, async () => {
      await first.kill();
      killedAt = Date.now();
      return {
        takeover: second
          .healthWhere((h) => h.role === "active" && h.binlog === "following")
          .then(() => Date.now() - killedAt),
      };
    });
    await until("every change's entry invalidated", async () => (await cached()).length === 0, 20_000);
    const allInvalidatedMs = Date.now() - killedAt;
    console.log(
      `cdc failover: standby following ${takeoverMs} ms after SIGKILL (bounded by the poll), ` +
        `all ${CHANGES} changes invalidated ${allInvalidatedMs} ms after it`,
    );
    expect((await second.health()).healthy).toBe(true);
    expect(await cached()).toEqual([]);
    // Resumed from the saved position, not with a table-wide invalidation (which would hide a loss).
    expect(second.logs.some((l) => String(l.msg).includes("position lost"))).toBe(false);
  });

  it("hands the lease over when the active worker hangs without closing its connections, and loses no change", async () => {
    await Promise.all(workers.map((w) => w.kill()));
    // The lease connection's wait_timeout: how long the server waits on a silent holder before freeing the lock.
    const lease = { CDC_LEASE_TIMEOUT_SECONDS: "2" };
    const first = new CdcWorkerProcess(cdcEnv(t.config, serverIds[0]!, lease));
    workers.push(first);
    await first.ready("active");
    const second = new CdcWorkerProcess(cdcEnv(t.config, serverIds[1]!, lease));
    workers.push(second);
    await second.ready("standby");
    const { ids, cached } = await freshProducts("hang", first);
    expect(await cached()).toHaveLength(CHANGES);

    let frozenAt = 0;
    const takeoverMs = await updateEach(ids, async () => {
      first.freeze();
      frozenAt = Date.now();
      return {
        takeover: second
          .healthWhere((h) => h.role === "active" && h.binlog === "following", 30_000)
          .then(() => Date.now() - frozenAt),
      };
    });
    await until("every change's entry invalidated", async () => (await cached()).length === 0, 30_000);
    const allInvalidatedMs = Date.now() - frozenAt;
    // Back from its pause, the old holder finds the lock gone and stands by: one follower again.
    first.thaw();
    await first.healthWhere((h) => h.role === "standby" && h.binlog === "standby");
    expect((await second.health()).role).toBe("active");
    console.log(
      `cdc failover (holder frozen, lease timeout 2 s): standby following ${takeoverMs} ms after SIGSTOP, ` +
        `all ${CHANGES} changes invalidated ${allInvalidatedMs} ms after it`,
    );
    expect(await cached()).toEqual([]);
    expect(second.logs.some((l) => String(l.msg).includes("position lost"))).toBe(false);
  }, 90_000);
});
