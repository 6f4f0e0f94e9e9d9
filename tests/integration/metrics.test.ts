/**
 * Every metric an alert or a dashboard panel reads is really exported, so none of them can silently point at
 * nothing: after a round of traffic through the real app (MariaDB, Redis), GET /metrics must have a sample of
 * each. The cdc_* metrics come from the CDC worker, run here as the real process (dist/cdc/main.js) following a
 * scratch database that gets a catalogue write. Also GET /ready, and the bounded labels of http_requests_total.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LoginDocument,
  MeDocument,
  ProductDocument,
  RegisterDocument,
  UpdateProductDocument,
  AddToCartDocument,
  PlaceOrderDocument,
} from "../generated/graphql.js";
import { createScratchApp, createTestApp, type TestApp, userToken } from "../helpers/app.js";
import { gql } from "../helpers/graphql.js";
import { get } from "../helpers/legacy.js";
import { alertRules, dashboardQueries, root } from "../helpers/observability-files.js";
import { metricNames, sampleNames } from "../helpers/promql.js";

/** Bound on the worker starting and seeing a write (generous: the machine is shared by test files). */
const WORKER_MS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something, failing after WORKER_MS. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WORKER_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WORKER_MS} ms`);
    await sleep(50);
  }
}

/** `node dist/cdc/main.js` on `t`'s database and Redis prefix, its metrics server on a free port. */
class CdcWorker {
  private readonly child: ChildProcess;
  private readonly port: Promise<number>;
  private output = "";

  constructor(t: TestApp) {
    this.child = spawn(process.execPath, ["dist/cdc/main.js"], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: "",
        REDIS_URL: "",
        ENVIRONMENT: "test",
        LOG_LEVEL: "info",
        HOST: "127.0.0.1",
        DB_NAME: t.config.db.database,
        REDIS_KEY_PREFIX: t.config.redis.keyPrefix,
        // Two listeners with one server id make MariaDB drop the older: unique per run.
        CDC_SERVER_ID: String(2_000_000 + randomInt(1_000_000)),
        CDC_METRICS_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk));
    this.port = new Promise((resolve, reject) => {
      let pending = "";
      this.child.stdout!.on("data", (chunk: Buffer) => {
        this.output += chunk;
        const lines = (pending + chunk.toString()).split("\n");
        pending = lines.pop()!;
        for (const line of lines.filter((l) => l.startsWith("{"))) {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === "cdc worker: /metrics and /health listening") resolve(entry.port!);
        }
      });
      this.child.once("exit", (code) => reject(new Error(`the CDC worker exited (${code})`)));
    });
  }

  async get(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${await this.port}${path}`);
  }

  /** Resolves once the worker follows the binlog (its /health answers 200). */
  async following(): Promise<void> {
    try {
      await until("the CDC worker following the binlog", async () =>
        (await this.get("/health")).ok ? true : undefined,
      );
    } catch (err) {
      throw new Error(`${String(err)}; its last output: ${this.output.slice(-1_000)}`);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    await exited;
  }
}

/** Metric names read by alerts.yml and the dashboard, each with where it is used (for failure messages). */
function usedMetrics(): Map<string, string[]> {
  const queries = [
    ...alertRules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
    ...dashboardQueries(),
  ];
  const used = new Map<string, string[]>();
  for (const { where, expr } of queries) {
    for (const name of metricNames(expr)) used.set(name, [...(used.get(name) ?? []), where]);
  }
  return used;
}

/** The series of `name` in an exposition, as `{labels} value` strings. */
const series = (exposition: string, name: string) =>
  exposition
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => line.slice(name.length));

let t: TestApp;
let scratch: TestApp;
let worker: CdcWorker;
let appMetrics: string;
/** The scratch app's export: its gauges (pool, active users) are its own, read from its own Redis prefix. */
let scratchMetrics: string;
let workerMetrics: string;
const unmatchedPath = `/no/such/path-${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  // Without Redis the app serves from MySQL and counts the bypass.
  const noRedis = await createTestApp({ REDIS_PORT: "1" });
  try {
    expect((await get(noRedis.app, "/products/type")).status).toBe(200);
  } finally {
    await noRedis.close();
  }

  t = await createTestApp();
  scratch = await createScratchApp("metrics");
  worker = new CdcWorker(scratch);
  await worker.following();

  // Reads over REST and GraphQL, a product read twice on the scratch app's own cache (a miss, then a hit).
  for (const url of ["/products/type", "/products/typeProducts/latte", "/promotions/searchguess"]) {
    expect((await get(t.app, url)).status, url).toBe(200);
  }
  expect((await get(t.app, "/products/productDetail/latte001")).status).toBe(200);
  expect((await gql(t.app, ProductDocument, { pid: "latte001" })).errors).toBeUndefined();
  for (let i = 0; i < 2; i++) {
    expect((await gql(scratch.app, ProductDocument, { pid: "latte002" })).errors).toBeUndefined();
  }
  expect((await get(t.app, unmatchedPath)).status).toBe(404);

  // Accounts: a registration, a login that succeeds and one that fails, a signed-in request.
  const username = `metrics_${randomBytes(4).toString("hex")}`;
  const input = { username, password: "coffee123" };
  expect((await gql(scratch.app, RegisterDocument, { input })).errors).toBeUndefined();
  const login = await gql(scratch.app, LoginDocument, { input });
  expect(login.errors).toBeUndefined();
  const failed = await gql(scratch.app, LoginDocument, { input: { username, password: "wrong-one" } });
  expect(failed.errors).toHaveLength(1);
  const me = await gql(scratch.app, MeDocument, {}, login.data!.login.token);
  expect(me.data?.me?.username).toBe(username);

  // An admin write on the scratch database: an API invalidation here, a binlog row event for the worker.
  const admin = await userToken(scratch, "ADMIN");
  const updated = await gql(
    scratch.app,
    UpdateProductDocument,
    { pid: "latte001", input: { isHot: true } },
    admin,
  );
  expect(updated.errors).toBeUndefined();

  // An order: added to a cart, placed (orders_total, order_value_total).
  await gql(scratch.app, AddToCartDocument, { input: { pid: "latte002", quantity: 1 } }, admin);
  const order = await gql(
    scratch.app,
    PlaceOrderDocument,
    { input: { idempotencyKey: `metrics-${username}` } },
    admin,
  );
  expect(order.errors).toBeUndefined();

  // The read-replica gauges have samples only where replicas are configured: the primary itself stands in for
  // one (it never has a replica's position, so it stays out of rotation, and its lag is still measured).
  const withReplica = await createTestApp({
    DATABASE_REPLICA_URLS: `mysql://${t.config.db.host}:${t.config.db.port}`,
    DATABASE_REPLICA_POLL_MS: "100",
  });
  try {
    // Process metrics (counters, histograms) are one registry for every app of this file; gauges are per app.
    appMetrics = await until("the replica gauges on /metrics", async () => {
      const text = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
      return series(text, "db_replica_lag_seconds").length > 0 ? text : undefined;
    });
  } finally {
    await withReplica.close();
  }
  scratchMetrics = (await scratch.app.inject({ method: "GET", url: "/metrics" })).body;
  workerMetrics = await until("cdc_events_total of the write on the worker's /metrics", async () => {
    const text = await (await worker.get("/metrics")).text();
    return /^cdc_events_total\{table="products"\} [1-9]/m.test(text) ? text : undefined;
  });
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([t?.close(), scratch?.close()]);
});

describe("metrics read by alerts and dashboards", () => {
  const used = usedMetrics();

  it("reads the metrics they should (the extraction is not empty-handed)", () => {
    expect([...used.keys()]).toEqual(
      expect.arrayContaining([
        "up",
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "cdc_lag_seconds",
      ]),
    );
  });

  // `up` is written by Prometheus itself for every target.
  it("are exported by the app after traffic, each with a sample", () => {
    const exported = sampleNames(appMetrics);
    const missing = [...used]
      .filter(([name]) => name !== "up" && !name.startsWith("cdc_") && !exported.has(name))
      .map(([name, where]) => `${name} (${where.join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("of the CDC worker are exported by the worker, each with a sample", () => {
    const exported = sampleNames(workerMetrics);
    const missing = [...used]
      .filter(([name]) => name.startsWith("cdc_") && !exported.has(name))
      .map(([name, where]) => `${name} (${where.join(", ")})`);
    expect(missing).toEqual([]);
    expect(series(workerMetrics, "cdc_connected")).toEqual([" 1"]);
  });

  it("give active_users a value once a signed-in user was seen", () => {
    const [sample] = series(scratchMetrics, "active_users");
    expect(Number(sample)).toBeGreaterThanOrEqual(1);
  });
});

describe("http_requests_total", () => {
  it("labels requests by route template, never by the raw URL", () => {
    const requests = series(appMetrics, "http_requests_total");
    expect(requests).toContainEqual(
      expect.stringMatching(/^\{method="GET",route="\/products\/productDetail\/:pid",status="200"\} \d+$/),
    );
    expect(requests.filter((s) => s.includes("latte001"))).toEqual([]);
  });

  it('counts an unmatched URL under route="unmatched"', () => {
    expect(series(appMetrics, "http_requests_total")).toContainEqual(
      expect.stringMatching(/^\{method="GET",route="unmatched",status="404"\} \d+$/),
    );
    expect(appMetrics).not.toContain(unmatchedPath);
  });
});

describe("GET /ready", () => {
  it("answers 200 on the migrated database", async () => {
    const ready = await t.app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: "ready",
      database: "connected",
      redis: "connected",
      migrations: "applied",
      fanout: "ok",
    });
  });

  it("answers 503 while a migration is pending", async () => {
    const behind = await createScratchApp("behind");
    try {
      await behind.db.pool.query("DELETE FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1");
      const ready = await behind.app.inject({ method: "GET", url: "/ready" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        status: "not ready",
        database: "connected",
        migrations: "pending",
      });
    } finally {
      await behind.close();
    }
  });

  it("answers 503 when the database is unreachable", async () => {
    const unreachable = await createTestApp({ DB_PORT: "1" });
    try {
      const ready = await unreachable.app.inject({ method: "GET", url: "/ready" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: "not ready", database: "disconnected" });
    } finally {
      await unreachable.close();
    }
  });
});
