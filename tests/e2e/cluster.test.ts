/**
 * The deployment's failover with real processes: three replicas (dist/main.js) behind Debian's nginx, with the
 * nginx settings of the compose stack (docker/nginx/coffee.conf.template, started by scripts/cluster-lib.mjs).
 * Without nginx this file is skipped on a developer machine and fails under CI=true.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { request } from "node:https";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { type Cluster, findNginx, type Replica, startCluster } from "../../scripts/cluster-lib.mjs";
import { seedCategories, seedProducts } from "../../src/db/seed-data.js";
import { scratchDatabaseName, sqlConnection } from "../helpers/env.js";
import { ORDER_FIELDS, record, wsClient } from "../helpers/subscriptions.js";

const nginxMissing = findNginx() === undefined;
const ci = process.env.CI === "true";
const skip = nginxMissing && !ci;
if (skip)
  console.warn("tests/e2e/cluster.test.ts skipped: nginx is not installed (apt-get install -y nginx)");

const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));
/** Public GETs a menu screen makes, legacy and GraphQL (Apollo takes a query by GET with a preflight header). */
const MENU_QUERY = "{ categories { type products { pid name price options { kind label } } } }";
const PATHS = [
  "/products/type",
  "/products/typeProducts/latte",
  `/graphql?query=${encodeURIComponent(MENU_QUERY)}`,
];

async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
  }
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function replicaEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: "",
    REDIS_URL: "",
    ENVIRONMENT: "test",
    LOG_LEVEL: "debug", // access-log lines say which replica served which request id, and when it arrived
    DB_NAME: inject("dbName"),
    REDIS_KEY_PREFIX: `${inject("redisPrefix")}e2e:`,
    // Global setup migrated and seeded the run's database already.
    DB_MIGRATE_ON_START: "false",
    DB_SEED_ON_START: "false",
    // Catalogue reads go to MySQL, not Redis: a request then takes several milliseconds, so a replica has
    // some in flight at any moment (what the drain test needs).
    CACHE_ENABLED: "false",
    RESPONSE_CACHE_TTL_SECONDS: "0",
    // Every request here comes from 127.0.0.1: the per-IP limit (its own tests) would stop the load.
    RATE_LIMIT_REQUESTS_PER_IP: "10000000",
    ...overrides,
  };
}

interface LoadResult {
  sent: number;
  failures: string[];
  ms: number;
}

/**
 * `total` GETs through nginx, `concurrency` at a time, each with the request id `<tag>-<n>`; `at(done)` runs
 * after every completed request. A failure is a network error or any status but 200.
 */
async function load(
  baseUrl: string,
  {
    tag,
    total,
    concurrency,
    at,
  }: { tag: string; total: number; concurrency: number; at?: (done: number) => void },
): Promise<LoadResult> {
  const started = Date.now();
  const failures: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      const n = next++;
      const url = `${baseUrl}${PATHS[n % PATHS.length]}`;
      try {
        const response = await fetch(url, {
          headers: { "x-request-id": `${tag}-${n}`, "apollo-require-preflight": "true" },
        });
        await response.arrayBuffer();
        if (response.status !== 200) failures.push(`${tag}-${n} ${url}: ${response.status}`);
      } catch (err) {
        failures.push(`${tag}-${n} ${url}: ${(err as Error).message}`);
      }
      at?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { sent: total, failures, ms: Date.now() - started };
}

type LogEntry = Record<string, unknown>;
const ofTag = (tag: string) => (e: LogEntry) => String(e.requestId ?? "").startsWith(`${tag}-`);

/** How many requests tagged `tag` the replica answered, from its own log. */
function served(replica: Replica, tag: string): number {
  return replica.logEntries().filter((e) => e.msg === "request" && ofTag(tag)(e)).length;
}

/** pino writes asynchronously: a log line may land a moment after its response. */
const inLogs = (assertion: () => void) => vi.waitFor(assertion, { timeout: 3_000, interval: 100 });

/**
 * SIGTERM while the replica surely has requests in flight: three logins of an unknown user (an argon2 hash
 * each, tens of milliseconds) sent straight to it, the signal once it logged their arrival. Resolves to the
 * exit code and the logins' statuses.
 */
async function sigtermDuringLogins(replica: Replica) {
  const logins = [1, 2, 3].map((i) =>
    fetch(`${replica.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": `drain-login-${i}` },
      body: JSON.stringify({ username: "nobody_e2e", password: "wrong-password-1" }),
    }).then(
      (response) => response.status,
      (err: Error) => err.message,
    ),
  );
  const arrived = () =>
    replica.logEntries().filter((e) => e.msg === "incoming request" && ofTag("drain-login")(e)).length;
  await vi.waitFor(() => expect(arrived()).toBe(3), { timeout: 5_000, interval: 5 });
  const code = await replica.stop("SIGTERM");
  return { code, logins: await Promise.all(logins) };
}

function httpsGet(url: string, ca: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; requestId: string }>((resolve, reject) => {
    request(url, { ca, headers }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode!, requestId: String(res.headers["x-request-id"]) }),
      );
    })
      .on("error", reject)
      .end();
  });
}

describe.skipIf(skip)("three replicas behind nginx (needs nginx)", () => {
  let dir: string;
  let cluster: Cluster | undefined;
  let keepLogs = false;
  const unexpectedExits: string[] = [];

  beforeAll(async () => {
    if (nginxMissing) throw new Error("CI=true and nginx is not installed: apt-get install -y nginx");
    dir = mkdtempSync(path.join(tmpdir(), "coffee-e2e-"));
    const [app1, app2, app3, httpPort, httpsPort] = await freePorts(5);
    cluster = await startCluster({
      dir,
      appPorts: [app1, app2, app3],
      httpPort,
      httpsPort,
      env: replicaEnv(),
      log: (message) => unexpectedExits.push(message),
    });
  });

  beforeEach(({ onTestFailed }) => onTestFailed(() => void (keepLogs = true)));

  afterAll(async () => {
    await cluster?.stop();
    if (keepLogs) console.warn(`cluster logs kept in ${dir}`);
    else if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("spreads requests over all three replicas", async () => {
    const result = await load(cluster!.httpUrl, { tag: "spread", total: 300, concurrency: 10 });
    expect(result.failures).toEqual([]);
    await inLogs(() => {
      const counts = cluster!.replicas.map((r) => served(r, "spread"));
      expect(
        counts.every((n) => n > 0),
        `requests per replica: ${counts}`,
      ).toBe(true);
      expect(counts.reduce((a, b) => a + b)).toBe(300);
    });
  });

  it("terminates TLS, passes request ids through and refuses large bodies itself", async () => {
    const ca = readFileSync(cluster!.certificate);
    const generated = await httpsGet(`${cluster!.httpsUrl}/health`, ca);
    expect(generated.status).toBe(200);
    expect(generated.requestId).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, kept by the app

    const own = await httpsGet(`${cluster!.httpsUrl}/`, ca, { "x-request-id": "trace-me.42" });
    expect(own).toEqual({ status: 200, requestId: "trace-me.42" });
    // nginx writes its access log line after the answer has gone out: wait for it (bounded).
    const logged = () =>
      readFileSync(cluster!.accessLog, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .find((entry) => entry.request_id === "trace-me.42");
    for (let i = 0; i < 100 && !logged(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(logged()).toMatchObject({ request_id: "trace-me.42", status: 200 });

    const tooBig = await fetch(`${cluster!.httpUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", padding: "x".repeat(300 * 1024) }),
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get("x-request-id")).toBeNull(); // nginx's answer: no replica saw it
  });

  it("keeps /metrics and /ready for the replicas' direct callers only", async () => {
    for (const path of ["/metrics", "/ready"]) {
      expect((await fetch(`${cluster!.httpUrl}${path}`)).status, path).toBe(404);
      expect((await fetch(`${cluster!.replicas[0].url}${path}`)).status, path).toBe(200);
    }
  });

  it("loses no request when a replica is killed (SIGKILL) under load", async () => {
    const [victim, ...others] = cluster!.replicas;
    const result = await load(cluster!.httpUrl, {
      tag: "kill",
      total: 2_000,
      concurrency: 20,
      at: (done) => done === 300 && victim.kill("SIGKILL"),
    });
    console.info(
      `SIGKILL under load: ${result.sent} requests, ${result.failures.length} failed, ${result.ms} ms`,
    );
    expect(result.failures).toEqual([]);
    expect(victim.running).toBe(false);
    await inLogs(() => {
      expect(served(victim, "kill")).toBeGreaterThan(0);
      expect(others.map((r) => served(r, "kill")).reduce((a, b) => a + b)).toBeGreaterThan(1_500);
    });
    expect(unexpectedExits).toEqual([]);
  }, 60_000);

  it("sends traffic to the killed replica again once it is back", async () => {
    const [victim] = cluster!.replicas;
    await victim.start();
    const restarted = Date.now();
    // nginx probes a failed replica again after fail_timeout (10 s).
    while (served(victim, "rejoin") === 0) {
      expect(Date.now() - restarted, "replica not back in the pool").toBeLessThan(25_000);
      const result = await load(cluster!.httpUrl, { tag: "rejoin", total: 30, concurrency: 3 });
      expect(result.failures).toEqual([]);
      if (served(victim, "rejoin") === 0) await new Promise((r) => setTimeout(r, 500));
    }
    console.info(`restarted replica served again after ${Date.now() - restarted} ms`);
  }, 40_000);

  it("drains a replica stopped with SIGTERM under load; it then leaves the pool", async () => {
    const draining = cluster!.replicas[1];
    let stopped: ReturnType<typeof sigtermDuringLogins> | undefined;
    const result = await load(cluster!.httpUrl, {
      tag: "drain",
      total: 1_000,
      concurrency: 20,
      at: (done) => void (done === 200 && (stopped = sigtermDuringLogins(draining))),
    });
    const { code, logins } = await stopped!;
    console.info(
      `SIGTERM under load: ${result.sent} requests, ${result.failures.length} failed, ${result.ms} ms`,
    );
    expect(result.failures).toEqual([]);
    expect(code).toBe(0);
    expect(logins).toEqual([401, 401, 401]); // answered in full, not cut

    // The replica's log, in the order things happened: every request it started, it finished.
    const log = draining.logEntries();
    const signalAt = log.findIndex((e) => e.msg === "signal received");
    const started = new Map<unknown, number>();
    const finished = new Map<unknown, number>();
    log.forEach((e, i) => {
      if (!ofTag("drain")(e)) return;
      if (e.msg === "incoming request") started.set(e.requestId, i);
      if (e.msg === "request") finished.set(e.requestId, i);
    });
    expect([...finished.keys()].sort()).toEqual([...started.keys()].sort());
    const inFlight = [...started].filter(([id, i]) => i < signalAt && finished.get(id)! > signalAt).length;
    console.info(`requests in flight on the replica at SIGTERM, all completed: ${inFlight}`);
    expect(inFlight).toBeGreaterThan(0);
    expect(log).toContainEqual(expect.objectContaining({ msg: "stopped", code: 0 }));

    const after = await load(cluster!.httpUrl, { tag: "after", total: 200, concurrency: 10 });
    expect(after.failures).toEqual([]);
    expect(served(draining, "after")).toBe(0);
  }, 60_000);
  it("live order updates through nginx: admin changes on other replicas, a killed replica, a revoked token", async () => {
    const replicas = cluster!.replicas;
    // The drain test above stopped one replica: all three serve here.
    for (const replica of replicas) if (!replica.running) await replica.start();
    const wsUrl = `${cluster!.httpUrl.replace("http:", "ws:")}/graphql`;
    const graphql = async (base: string, query: string, token?: string) => {
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as {
        data?: Record<string, Record<string, unknown>>;
        errors?: unknown;
      };
      expect(body.errors, query).toBeUndefined();
      return body.data!;
    };
    const register = async (name: string) =>
      (
        await graphql(
          cluster!.httpUrl,
          `mutation { register(input: { username: "${name}_${process.pid}", password: "coffee123" }) { token user { databaseId } } }`,
        )
      ).register as { token: string; user: { databaseId: number } };
    const customer = await register("e2e_ws_customer");
    const admin = await register("e2e_ws_admin");
    // Promoted before its first signed-in request, so no replica has its role cached yet.
    const conn = await sqlConnection(inject("dbName"));
    try {
      await conn.query("UPDATE users SET role = 'ADMIN' WHERE id = ?", [admin.user.databaseId]);
    } finally {
      await conn.end();
    }
    await graphql(
      cluster!.httpUrl,
      'mutation { addToCart(input: { pid: "latte001", quantity: 1 }) { total } }',
      customer.token,
    );
    const { orderNo } = (
      await graphql(
        cluster!.httpUrl,
        'mutation { placeOrder(input: { idempotencyKey: "e2e-ws-order" }) { order { orderNo } } }',
        customer.token,
      )
    ).placeOrder.order as { orderNo: string };

    const live = wsClient(wsUrl, customer.token, { retry: true });
    const sub = record(
      live.client,
      `subscription { orderUpdated(orderNo: "${orderNo}") { ${ORDER_FIELDS} } }`,
      "orderUpdated",
    );
    const seen = () => sub.events.map((e) => e.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    const within = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5_000, interval: 10 });
    try {
      await within(() => expect(seen()).toEqual(["PLACED"]));
      // The replica holding the socket, from the replicas' own gauges.
      const sockets = async (replica: Replica) =>
        Number(
          /^graphql_ws_sockets_open (\d+)/m.exec(await (await fetch(`${replica.url}/metrics`)).text())?.[1] ??
            0,
        );
      let holder: Replica | undefined;
      await within(async () => {
        const counts = await Promise.all(replicas.map(sockets));
        expect(counts.reduce((a, b) => a + b)).toBe(1);
        holder = replicas[counts.indexOf(1)];
      });
      const others = replicas.filter((r) => r !== holder);
      const advance = async (replica: Replica, status: string, expected: string[]) => {
        const started = Date.now();
        await graphql(
          replica.url,
          `mutation { advanceOrder(orderNo: "${orderNo}", status: ${status}) { status } }`,
          admin.token,
        );
        await within(() => expect(seen()).toEqual(expected));
        console.info(
          `${status} reached the subscriber through nginx ${Date.now() - started} ms after the mutation`,
        );
      };
      await advance(others[0]!, "PREPARING", ["PLACED", "PREPARING"]);
      await advance(others[1]!, "READY", ["PLACED", "PREPARING", "READY"]);

      // The replica holding the socket dies; the order moves on meanwhile; the client reconnects through nginx
      // to a live replica, subscribes again and gets the current state first.
      holder!.kill("SIGKILL");
      await graphql(
        others[0]!.url,
        `mutation { advanceOrder(orderNo: "${orderNo}", status: COMPLETED) { status } }`,
        admin.token,
      );
      await vi.waitFor(() => expect(seen()).toEqual(["PLACED", "PREPARING", "READY", "COMPLETED"]), {
        timeout: 15_000,
        interval: 20,
      });
      expect(sub.events.at(-1)).toMatchObject({ orderNo, status: "COMPLETED" });
      expect(sub.errors).toEqual([]);
    } finally {
      await live.client.dispose();
    }

    // A token logged out on one replica closes its socket, held through nginx by another, with 4401.
    const revoked = wsClient(wsUrl, customer.token);
    const mine = record(revoked.client, "subscription { myOrderUpdates { status } }", "myOrderUpdates");
    try {
      await within(() => expect(mine.events.length).toBeGreaterThan(0));
      await graphql(cluster!.httpUrl, "mutation { logout }", customer.token);
      await within(() => expect(revoked.closes.map((c) => c.code)).toContain(4401));
    } finally {
      await revoked.client.dispose();
    }
    for (const replica of replicas) if (!replica.running) await replica.start();
  }, 90_000);
});

describe.skipIf(skip)("three replicas starting at once on an empty database (needs nginx)", () => {
  it("apply each migration exactly once, seed the catalogue once, then all serve", async () => {
    if (nginxMissing) throw new Error("CI=true and nginx is not installed: apt-get install -y nginx");
    const dir = mkdtempSync(path.join(tmpdir(), "coffee-e2e-empty-"));
    const database = scratchDatabaseName("e2e");
    const [app1, app2, app3, httpPort, httpsPort] = await freePorts(5);
    let cluster: Cluster | undefined;
    let passed = false;
    try {
      cluster = await startCluster({
        dir,
        appPorts: [app1, app2, app3],
        httpPort,
        httpsPort,
        env: replicaEnv({
          DB_NAME: database,
          REDIS_KEY_PREFIX: `${inject("redisPrefix")}e2e-empty:`,
          DB_MIGRATE_ON_START: "true",
          DB_SEED_ON_START: "true",
        }),
      });

      const migrations = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
      const conn = await sqlConnection(database);
      try {
        const rows: { name: string; n: bigint; finished: bigint }[] = await conn.query(
          `SELECT migration_name AS name, COUNT(*) AS n, COUNT(finished_at) AS finished
           FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name`,
        );
        expect(rows.map((r) => [r.name, Number(r.n), Number(r.finished)])).toEqual(
          migrations.map((name) => [name, 1, 1]),
        );
        const [catalogue] = await conn.query(
          "SELECT (SELECT COUNT(*) FROM categories) AS categories, (SELECT COUNT(*) FROM products) AS products",
        );
        expect([Number(catalogue.categories), Number(catalogue.products)]).toEqual([
          seedCategories.length,
          seedProducts.length,
        ]);
      } finally {
        await conn.end();
      }
      const applied = cluster.replicas.flatMap((r) =>
        r.logEntries().filter((e) => String(e.msg).startsWith("applied migration ")),
      );
      expect(applied).toHaveLength(migrations.length);

      const result = await load(cluster.httpUrl, { tag: "fresh", total: 60, concurrency: 6 });
      expect(result.failures).toEqual([]);
      await inLogs(() =>
        expect(cluster!.replicas.map((r) => served(r, "fresh") > 0)).toEqual([true, true, true]),
      );
      passed = true;
    } finally {
      await cluster?.stop();
      if (passed) rmSync(dir, { recursive: true, force: true });
      else console.warn(`cluster logs kept in ${dir}`);
    }
  }, 90_000);
});
