// How many order cycles one MySQL primary takes (issue 19): the app bench never saturated MariaDB, so this
// drives the real cart and order services in-process (dist/, no HTTP, no Redis) from several worker
// processes, each customer a loop of add, add, checkout with its own user, against a scratch database, and
// raises the number of customers step by step (every step runs: on a shared machine one noisy step must not
// end the sweep), to see where the cycles per second stop growing.
//
//   flock /tmp/bench.lock node bench/mysql-primary.mjs
//
// Per step it reports cycles/s, SQL statements/s (counted in the workers' pools, the same text the app
// sends), MariaDB's Com_commit and Questions deltas (server-wide: anyone else using the server counts too),
// and the CPU mariadbd and the workers used per cycle. The CPU per cycle is what carries over to another
// machine; cycles/s here are those of a 2-core box where the workers take cores from MariaDB.
//
// Options: MYSQL_BENCH_WORKERS (2), MYSQL_BENCH_LEVELS (customers per step: 2,4,8,16,32,64;
// each holds a connection, and the server's max_connections is shared with everyone else on it),
// MYSQL_BENCH_SECONDS (8 measured per step, after 2 of warm-up), MYSQL_BENCH_DB (coffee_mysqlbench, dropped
// at the end), DB_HOST/DB_PORT/DB_USER/DB_PASSWORD (127.0.0.1:3306 root).
import { fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import * as mariadb from "mariadb";
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { cpuMs, ITEMS } from "./rush.mjs";
import { countStatements } from "./sql-counter.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const WORKERS = Number(process.env.MYSQL_BENCH_WORKERS ?? 2);
const LEVELS = (process.env.MYSQL_BENCH_LEVELS ?? "2,4,8,16,32,64").split(",").map(Number);
const SECONDS = Number(process.env.MYSQL_BENCH_SECONDS ?? 8);
const WARMUP = 2;
const db = {
  host: process.env.DB_HOST ?? "127.0.0.1",
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.DB_USER ?? "root",
  password: process.env.DB_PASSWORD ?? "",
  database: process.env.MYSQL_BENCH_DB ?? "coffee_mysqlbench",
};

// ---------------------------------------------------------------------------------------------- worker side

/** A pool whose every query (on the pool or a connection taken from it) counts its statements. */
function countingPool(pool, counts) {
  const count = (sql) => {
    counts.statements += countStatements(typeof sql === "string" ? sql : sql.sql);
    counts.roundTrips++;
  };
  const wrapConnection = (conn) =>
    new Proxy(conn, {
      get(target, prop) {
        if (prop === "query") return (sql, values) => (count(sql), target.query(sql, values));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === "query") return (sql, values) => (count(sql), target.query(sql, values));
      if (prop === "getConnection") return async () => wrapConnection(await target.getConnection());
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function worker() {
  const [{ OrderingRepository }, { CartService }, { OrdersService }] = await Promise.all([
    import(dist("orders/ordering.repository.js")),
    import(dist("orders/cart.service.js")),
    import(dist("orders/orders.service.js")),
  ]);
  const counts = { cycles: 0, statements: 0, roundTrips: 0, errors: 0, lastError: undefined };
  let pool;
  let running = false;
  let loops = [];
  // The per-user cache lives in Redis: out of this measurement (its `touch` is the only call on this path).
  const userCache = { touch: async () => true, get: (_s, _slot, load) => load() };

  async function customer(userId, repository) {
    const carts = new CartService(null, repository, userCache);
    const orders = new OrdersService(null, repository, userCache);
    for (let i = 0; running; i++) {
      try {
        const a = ITEMS[(userId + i) % ITEMS.length];
        const b = ITEMS[(userId + i + 1) % ITEMS.length];
        await carts.add(userId, { pid: a.pid, quantity: 1 + (i % 2), options: a.options });
        await carts.add(userId, { pid: b.pid, quantity: 1, options: b.options });
        await orders.place(userId, { idempotencyKey: `mb-${userId}-${i}-${Date.now().toString(36)}` });
        counts.cycles++;
      } catch (err) {
        counts.errors++;
        counts.lastError = String(err?.message ?? err).slice(0, 200);
      }
    }
  }

  process.on("message", async (msg) => {
    if (msg.type === "start") {
      // One connection per customer: the app's pool is sized the same way (DB_CONNECTION_LIMIT).
      pool = mariadb.createPool({
        ...db,
        timezone: "Z",
        connectionLimit: Math.max(1, msg.userIds.length),
        acquireTimeout: 30_000,
        multipleStatements: true,
      });
      const repository = new OrderingRepository(countingPool(pool, counts));
      running = true;
      loops = msg.userIds.map((id) => customer(id, repository));
      process.send({ type: "started" });
    } else if (msg.type === "snapshot") {
      process.send({ type: "snapshot", counts: { ...counts }, cpuMs: cpuMs(process.pid) });
    } else if (msg.type === "stop") {
      running = false;
      await Promise.all(loops);
      await pool.end();
      process.send({ type: "stopped" });
    }
  });
  process.send({ type: "ready" });
}

// ------------------------------------------------------------------------------------------ coordinator side

const request = (child, type, extra = {}) =>
  new Promise((resolve) => {
    const answer = type === "start" ? "started" : type === "stop" ? "stopped" : type;
    const onMessage = (msg) => {
      if (msg.type === answer) {
        child.off("message", onMessage);
        resolve(msg);
      }
    };
    child.on("message", onMessage);
    child.send({ type, ...extra });
  });

async function serverStatus(sql) {
  const rows = await sql.query(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit', 'Innodb_data_fsyncs', 'Binlog_commits', 'Binlog_group_commits')",
  );
  return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
}

function mariadbPid() {
  try {
    return Number(readFileSync("/run/mysqld/mysqld.pid", "utf8").trim());
  } catch {
    return undefined;
  }
}

async function prepareDatabase(users) {
  const [{ migrate }, { createDatabase }, { seed }] = await Promise.all([
    import(dist("db/migrate.js")),
    import(dist("db/database.js")),
    import(dist("db/seed.js")),
  ]);
  const config = { ...db, connectionLimit: 4 };
  const sql = await mariadb.createConnection({ ...db, database: undefined });
  await sql.query(`DROP DATABASE IF EXISTS \`${db.database}\``);
  await sql.end();
  await migrate(config);
  const database = createDatabase(config);
  await seed(database);
  await database.pool.query(
    `INSERT INTO users (username, password_hash) VALUES ${Array.from({ length: users }, () => "(?, 'x')").join(",")}`,
    Array.from({ length: users }, (_, i) => `mysqlbench${i}`),
  );
  const ids = (await database.pool.query("SELECT id FROM users ORDER BY id")).map((r) => r.id);
  await database.close();
  return ids;
}

async function coordinator() {
  ensureBuild();
  const maxCustomers = Math.max(...LEVELS);
  const userIds = await prepareDatabase(maxCustomers);
  const sql = await mariadb.createConnection({ ...db, database: undefined });
  const [settingsRow] = await sql.query(
    "SELECT @@version AS version, @@innodb_flush_log_at_trx_commit AS flushAtCommit, @@sync_binlog AS syncBinlog, @@log_bin AS logBin, @@binlog_format AS binlogFormat, @@innodb_buffer_pool_size AS bufferPool",
  );
  const settings = Object.fromEntries(
    Object.entries(settingsRow).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
  );
  const mysqlPid = mariadbPid();
  const steps = [];
  for (const customers of LEVELS) {
    const children = await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const child = fork(fileURLToPath(import.meta.url), ["worker"], { stdio: "inherit" });
        await new Promise((resolve) => child.once("message", resolve));
        return child;
      }),
    );
    // Customers dealt out round-robin: worker w takes users w, w + WORKERS, ...
    await Promise.all(
      children.map((child, w) =>
        request(child, "start", { userIds: userIds.slice(0, customers).filter((_, i) => i % WORKERS === w) }),
      ),
    );
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    const snap = async () => ({
      at: performance.now(),
      workers: await Promise.all(children.map((c) => request(c, "snapshot"))),
      status: await serverStatus(sql),
      mysqlCpu: mysqlPid ? cpuMs(mysqlPid) : undefined,
      load: os.loadavg()[0],
    });
    const before = await snap();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const after = await snap();
    await Promise.all(children.map((c) => request(c, "stop")));
    for (const c of children) c.kill();

    const seconds = (after.at - before.at) / 1000;
    const sum = (s, key) => s.workers.reduce((total, w) => total + w.counts[key], 0);
    const delta = (key) => sum(after, key) - sum(before, key);
    const cycles = delta("cycles");
    const status = (key) => after.status[key] - before.status[key];
    const workerCpu =
      after.workers.reduce((t, w) => t + w.cpuMs, 0) - before.workers.reduce((t, w) => t + w.cpuMs, 0);
    const step = {
      customers,
      cyclesPerSecond: round(cycles / seconds),
      statementsPerSecond: round(delta("statements") / seconds),
      roundTripsPerSecond: round(delta("roundTrips") / seconds),
      statementsPerCycle: round(delta("statements") / cycles, 2),
      errors: delta("errors"),
      lastError: after.workers.map((w) => w.counts.lastError).find(Boolean),
      serverQuestionsPerSecond: round(status("Questions") / seconds),
      serverCommitsPerSecond: round(status("Com_commit") / seconds),
      binlogGroupCommitsPerSecond: round(status("Binlog_group_commits") / seconds),
      fsyncsPerSecond: round(status("Innodb_data_fsyncs") / seconds),
      mysqlCpuMsPerCycle:
        before.mysqlCpu === undefined ? null : round((after.mysqlCpu - before.mysqlCpu) / cycles, 3),
      mysqlCpuCores:
        before.mysqlCpu === undefined ? null : round((after.mysqlCpu - before.mysqlCpu) / 1000 / seconds, 2),
      workerCpuMsPerCycle: round(workerCpu / cycles, 3),
      loadAverage: round(after.load, 2),
    };
    steps.push(step);
    console.log(JSON.stringify(step));
  }
  await sql.query(`DROP DATABASE IF EXISTS \`${db.database}\``);
  await sql.end();

  const peak = steps.reduce((a, b) => (b.cyclesPerSecond > a.cyclesPerSecond ? b : a));
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    mariadb: settings,
    workers: WORKERS,
    secondsPerStep: SECONDS,
    peak,
    steps,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/mysql-primary-${result.when.replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${root}bench/results/mysql-primary-latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.table(
    steps.map((s) => ({
      customers: s.customers,
      "cycles/s": s.cyclesPerSecond,
      "statements/s": s.statementsPerSecond,
      "commits/s": s.serverCommitsPerSecond,
      "mysql ms/cycle": s.mysqlCpuMsPerCycle,
      "mysql cores": s.mysqlCpuCores,
      "workers ms/cycle": s.workerCpuMsPerCycle,
      errors: s.errors,
    })),
  );
  console.log(`peak: ${peak.cyclesPerSecond} cycles/s at ${peak.customers} customers; written to ${file}`);
}

function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

if (process.argv[2] === "worker") await worker();
else await coordinator();
