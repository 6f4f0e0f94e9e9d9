/**
 * MySQL read replicas with a real second MariaDB replicating the run's scratch database by GTID
 * (tests/helpers/mariadb-replica.ts): reads go to the replica, a user reads their own writes at once (on this
 * app replica and on another), a lagging replica leaves rotation, and stopping the replica under a stream of
 * reads fails none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { seed } from "../../src/db/seed.js";
import { metrics } from "../../src/observability/metrics.js";
import { createTestApp, type TestApp, userToken } from "../helpers/app.js";
import {
  scratchDatabaseName,
  sqlConnection,
  testConfig,
  BINLOG_OFF,
  binlogRequirement,
} from "../helpers/env.js";
import { rawGql } from "../helpers/graphql.js";
import { cdcEnv, CdcWorkerProcess } from "../helpers/cdc-worker.js";
import { PrivateReplica } from "../helpers/mariadb-replica.js";

const database = scratchDatabaseName("replica");
const replica = new PrivateReplica([database]);
let t: TestApp;
let other: TestApp;
let pid: string;

const settings = () => ({
  DB_NAME: database,
  DATABASE_REPLICA_URLS: replica.url(database),
  DATABASE_REPLICA_POLL_MS: "100",
  DATABASE_REPLICA_MAX_LAG_MS: "1000",
  // Every read of these tests must reach MySQL: no whole-response cache.
  RESPONSE_CACHE_TTL_SECONDS: "0",
});

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const state = (app: TestApp) => app.db.replicas.states()[0]!;
const readsBy = async (target: "replica" | "primary") =>
  (await metrics.dbReads.get()).values.find((v) => v.labels.target === target)?.value ?? 0;

/** A product page read straight from MySQL (the pages are not cached). */
async function productName(app: TestApp): Promise<string> {
  const r = await rawGql<{ products: { edges: { node: { pid: string; name: string } }[] } }>(app.app, {
    query: `{ products(first: 100) { edges { node { pid name } } } }`,
  });
  if (r.errors || !r.data) throw new Error(JSON.stringify(r.errors ?? r));
  return r.data.products.edges.find((e) => e.node.pid === pid)!.node.name;
}

const { on: binlogOn, skip: skipWithoutBinlog } = await binlogRequirement();

beforeAll(async () => {
  if (skipWithoutBinlog) return;
  if (!binlogOn) throw new Error(BINLOG_OFF);
  await migrate({ ...testConfig().db, database });
  const db = createDatabase({ ...testConfig().db, database });
  await seed(db);
  [{ pid }] = await db.prisma.product.findMany({ take: 1, orderBy: { id: "asc" } });
  await db.close();
  await replica.start();
  t = await createTestApp(settings());
  other = await createTestApp(settings());
  await until("the replica in rotation", () => state(t).inRotation && state(other).inRotation);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([t?.close(), other?.close()]);
  await replica.destroy();
});

describe.skipIf(skipWithoutBinlog)("MySQL read replicas (need the primary's binlog)", () => {
  it("sends catalogue reads to the replica", async () => {
    const primaryName = await productName(t);
    // A change made on the replica alone (not logged, so never replicated back): only a read there sees it.
    await replica.sql(`UPDATE \`${database}\`.products SET name = 'replica only' WHERE pid = ?`, [pid], true);
    try {
      expect(await productName(t)).toBe("replica only");
    } finally {
      await replica.sql(
        `UPDATE \`${database}\`.products SET name = ? WHERE pid = ?`,
        [primaryName, pid],
        true,
      );
    }
  });

  it("lets a user read their own order at once, on this app replica and another, while the replica is behind", async () => {
    const token = await userToken(t);
    const history = async (app: TestApp) => {
      const r = await rawGql<{ myOrders: { totalCount: number; edges: { node: { orderNo: string } }[] } }>(
        app.app,
        { query: `{ myOrders(first: 5) { totalCount edges { node { orderNo } } } }` },
        token,
      );
      if (r.errors || !r.data) throw new Error(JSON.stringify(r.errors ?? r));
      return r.data.myOrders;
    };
    expect((await history(t)).totalCount).toBe(0);
    expect((await history(other)).totalCount).toBe(0);

    await replica.sql("STOP SLAVE SQL_THREAD");
    try {
      const added = await rawGql(
        t.app,
        { query: `mutation { addToCart(input: { pid: "${pid}", quantity: 1 }) { total } }` },
        token,
      );
      expect(added.errors).toBeUndefined();
      const placed = await rawGql<{ placeOrder: { order: { orderNo: string } } }>(
        t.app,
        {
          query: `mutation { placeOrder(input: { idempotencyKey: "ryw-${Date.now()}" }) { order { orderNo } } }`,
        },
        token,
      );
      expect(placed.errors).toBeUndefined();
      const orderNo = placed.data!.placeOrder.order.orderNo;

      // The replica has not applied the order: a read there would miss it.
      const [{ n }] = await replica.sql<{ n: bigint }[]>(
        `SELECT COUNT(*) AS n FROM \`${database}\`.orders WHERE order_no = ?`,
        [orderNo],
      );
      expect(Number(n)).toBe(0);
      expect(state(t).inRotation).toBe(true);

      expect((await history(t)).edges.map((e) => e.node.orderNo)).toEqual([orderNo]);
      expect((await history(other)).edges.map((e) => e.node.orderNo)).toEqual([orderNo]);
    } finally {
      await replica.sql("START SLAVE SQL_THREAD");
    }
  });

  it("takes a replica that lags beyond the threshold out of rotation, and back once it caught up", async () => {
    await replica.catchUp();
    await until("the replica in rotation", () => state(t).inRotation);
    await replica.sql("STOP SLAVE SQL_THREAD");
    const conn = await sqlConnection(database);
    try {
      const before = await productName(t);
      await conn.query("UPDATE products SET name = CONCAT(name, ' (new)') WHERE pid = ?", [pid]);
      await until("the replica out of rotation", () => !state(t).inRotation);
      expect(state(t).up).toBe(true);
      expect(state(t).lagMs).toBeGreaterThan(1_000);
      const exported = (await metrics.dbReplicaLag.get()).values.find(
        (v) => v.labels.mysql_replica === state(t).name,
      );
      expect(exported!.value).toBeGreaterThan(1);
      // Out of rotation: the primary answers, with the change the replica has not applied.
      expect(await productName(t)).toBe(`${before} (new)`);
      await replica.sql("START SLAVE SQL_THREAD");
      await until("the replica back in rotation", () => state(t).inRotation);
      expect(state(t).lagMs).toBeLessThanOrEqual(1_000);
    } finally {
      await replica.sql("START SLAVE SQL_THREAD").catch(() => undefined);
      await conn.end();
    }
  });

  it("lets the CDC worker follow the replica's binlog", async () => {
    await replica.catchUp();
    const product = async () => {
      const r = await rawGql<{ product: { name: string } }>(t.app, {
        query: `{ product(pid: "${pid}") { name } }`,
      });
      return r.data!.product.name;
    };
    const cdc = new CdcWorkerProcess(
      cdcEnv(t.config, replica.serverId + 1, {
        CDC_SOURCE_URL: replica.url(database),
        DATABASE_REPLICA_URLS: replica.url(database),
      }),
    );
    const conn = await sqlConnection(database);
    try {
      await cdc.ready("active");
      const { threadId } = await cdc.health();
      const dumps = await replica.sql<{ id: bigint }[]>(
        "SELECT id FROM information_schema.PROCESSLIST WHERE command LIKE 'Binlog Dump%'",
      );
      expect(dumps.map((d) => Number(d.id))).toContain(threadId);
      const before = await product(); // cached now
      await conn.query("UPDATE products SET name = ? WHERE pid = ?", [`${before} via replica`, pid]);
      await until(
        "the change through the replica's binlog",
        async () => (await product()) === `${before} via replica`,
      );
    } finally {
      await cdc.stop();
      await conn.end();
    }
  });

  it("answers every read while the replica is stopped, from the primary", async () => {
    await until("the replica in rotation", () => state(t).inRotation);
    let failed = 0;
    let answered = 0;
    let stopped = false;
    const replicaReadsBefore = await readsBy("replica");
    const loop = async () => {
      while (!stopped) {
        try {
          await productName(t);
          answered++;
        } catch {
          failed++;
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await until("reads on the replica", async () => (await readsBy("replica")) > replicaReadsBefore + 20);
    await replica.stop();
    const answeredAtStop = answered;
    await until("the replica out of rotation", () => !state(t).inRotation && !state(t).up);
    const primaryReads = await readsBy("primary");
    await until("reads on the primary", async () => (await readsBy("primary")) > primaryReads + 20);
    stopped = true;
    await Promise.all(loops);
    console.log(
      `replica stopped under ${loops.length} read loops: ${answered} reads answered (${answered - answeredAtStop} ` +
        `after the stop), ${failed} failed; fallbacks to the primary: ` +
        `${(await metrics.dbReplicaFallbacks.get()).values.reduce((n, v) => n + v.value, 0)}`,
    );
    expect(answered).toBeGreaterThan(answeredAtStop);
    expect(failed).toBe(0);
  });
});
