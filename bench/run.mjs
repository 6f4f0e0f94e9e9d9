// `npm run bench`: the load suite. Starts the server in production mode as separate processes (one per cache
// configuration), warms each scenario up, then measures it with autocannon, side by side in one run, and
// reports requests/s, p50/p99 latency, errors, server RSS, the ratio to the ceiling (a bare Fastify route
// answering the warm menu's exact bytes) and, for every scenario, SQL statements per request. Writes
// bench/results/<timestamp>.json, bench/results/latest.json and bench/results/chart.svg.
//
// Servers run with production defaults: logging on at info (one access-log line per request, written to a log
// file as a deployment would), only the per-IP limits lifted for the single load generator. Signed-in
// scenarios also report Redis commands per request.
//
// Only ratios measured in one run mean anything on a 2-core machine shared by server, MySQL, Redis and the
// load generator, so every read scenario is measured in BENCH_ROUNDS (5) slices of BENCH_DURATION / BENCH_ROUNDS
// seconds, each followed by a slice of the ceiling: its ratio is the median of the slice-by-slice ratios, and
// the server's CPU per request is reported beside the ceiling's. Options: BENCH_DURATION (s, default 10),
// BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (50),
// BENCH_PROFILE=1 (writes a --cpu-prof profile of the warm-menu server, and of the rush-hour server, to
// bench/results/).
//
// Rush hour (bench/rush.mjs): BENCH_RUSH_USERS (256) customers on BENCH_RUSH_CONNECTIONS (32) connections add
// two items with options and check out; addToCart alone is measured too. BENCH_BASELINE_DIR=<another
// worktree, built> runs the same scenarios against that build side by side (its own database,
// <BENCH_DB_NAME>_base), in BENCH_RUSH_ROUNDS (3) rounds alternating between the two. BENCH_ONLY=rush runs only the rush-hour scenarios, BENCH_ONLY=counts only their
// per-operation counts, BENCH_ONLY=reads everything but the rush hour.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import * as mariadb from "mariadb";
import { ensureBuild } from "../scripts/ensure-build.mjs";
import { renderChart } from "./chart.mjs";
import { countPerOperation, prepareRush } from "./rush.mjs";
import { freePort } from "./free-port.mjs";
import {
  CART,
  gqlRequest,
  ME,
  MENU,
  MY_ORDERS,
  PRODUCT,
  productionEnv,
  signIn,
  untilHealthy,
  USER,
} from "./scenarios.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = `${root}bench/results/`;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DB_NAME = process.env.BENCH_DB_NAME ?? "coffee_bench";
const RUSH_USERS = Number(process.env.BENCH_RUSH_USERS ?? 256);
const RUSH_CONNECTIONS = Number(process.env.BENCH_RUSH_CONNECTIONS ?? 32);
const RUSH_ROUNDS = Number(process.env.BENCH_RUSH_ROUNDS ?? 3);
const BASELINE_DIR = process.env.BENCH_BASELINE_DIR;
const ONLY = process.env.BENCH_ONLY;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STAMP = Date.now();
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));

/** Each scenario's goal as a ratio to the ceiling (README's benchmark table shows them). */
const TARGETS = {
  "GraphQL menu, warm response cache": 0.7,
  "REST /products/typeProducts/latte, warm": 0.7,
  "REST /products/productDetail/latte001, warm": 0.7,
  "GraphQL menu with a token, warm shared cache": 0.7,
  "GraphQL me (with a token)": 0.4,
  "REST /users/findMy (with a token)": 0.4,
  "GraphQL cart (with a token)": 0.3,
  "GraphQL myOrders(first: 10) (with a token)": 0.3,
  "GraphQL menu with a token, data cache only (no response cache)": 0.1,
};

const baseEnv = productionEnv({ dbName: DB_NAME, keyPrefix: `bench:${STAMP}:` });

/** Servers started and not yet stopped: a bench that fails midway must not leave them loading the machine. */
const running = new Set();
process.once("exit", () => running.forEach((child) => child.kill("SIGKILL")));

async function startProcess(script, env, args = [], cwd = root) {
  const port = await freePort();
  // The server's log goes to a file, as in a deployment (and not into the bench's own output).
  const logFile = `${os.tmpdir()}/coffee-bench-${port}.log`;
  const logFd = openSync(logFile, "w");
  const child = spawn(process.execPath, [...args, script], {
    cwd,
    env: { ...baseEnv, ...env, PORT: String(port) },
    stdio: ["ignore", logFd, "inherit"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  closeSync(logFd);
  const url = `http://127.0.0.1:${port}`;
  await untilHealthy(child, url, 60);
  return {
    url,
    pid: child.pid,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      rmSync(logFile, { force: true });
    },
  };
}

function load(url, { path, ...request }, duration, connections = CONNECTIONS) {
  return autocannon({ url: `${url}${path}`, connections, duration, ...request });
}

async function questions(conn) {
  const [row] = await conn.query("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number(row.Value);
}

/** Commands the server sent to Redis so far (its own counter, from /metrics). */
async function redisCommands(server) {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  return Number(/^redis_commands_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/** The bare-Fastify ceiling server, running beside the read scenarios (see main). */
let ceilingServer = null;

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat(5); the split starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One slice of load on a server: requests/s, latency, errors and the server's CPU per request. */
async function slice(server, request, duration, connections) {
  const cpuBefore = cpuSeconds(server.pid);
  const result = await load(server.url, request, duration, connections);
  const requests = result.requests.total;
  return {
    result,
    requests,
    requestsPerSecond: result.requests.average,
    cpuMicrosPerRequest: requests > 0 ? ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / requests : null,
  };
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const round2 = (x) => Math.round(x * 100) / 100;

/**
 * Measures a scenario in ROUNDS slices, each followed at once by a slice of the ceiling of the same length
 * (read scenarios only): the machine's speed drifts by more than a third within minutes, so each slice is
 * divided by the ceiling measured right beside it, and the median of those ratios is the scenario's ratio.
 */
async function measure(name, server, request, sql, { connections = CONNECTIONS, group = "throughput" } = {}) {
  await load(server.url, request, WARMUP, connections);
  const paired = ceilingServer && server !== ceilingServer && group !== "argon2";
  const rounds = paired ? ROUNDS : 1;
  const sliceSeconds = DURATION / rounds;
  const slices = [];
  const ceilings = [];
  let statements = 0;
  let commands = 0;
  for (let i = 0; i < rounds; i++) {
    const before = await questions(sql);
    const commandsBefore = await redisCommands(server);
    slices.push(await slice(server, request, sliceSeconds, connections));
    // Our own status query is a statement too; so is each replica's revocation poll (4 per second).
    statements += (await questions(sql)) - before - 1;
    // The /metrics reads are not Redis commands; the per-request limit's background sync is (10 per second).
    commands += (await redisCommands(server)) - commandsBefore;
    if (paired) ceilings.push(await slice(ceilingServer, gqlRequest(MENU), sliceSeconds, CONNECTIONS));
  }
  const requests = slices.reduce((n, s) => n + s.requests, 0);
  const row = {
    name,
    group,
    requestsPerSecond: Math.round(requests / DURATION),
    p50Ms: median(slices.map((s) => s.result.latency.p50)),
    p99Ms: Math.max(...slices.map((s) => s.result.latency.p99)),
    errors: slices.reduce((n, { result: r }) => n + r.errors + r.timeouts + r.non2xx, 0),
    requests,
    sqlPerRequest: requests > 0 ? round2(statements / requests) : null,
    redisCommandsPerRequest: requests > 0 ? round2(commands / requests) : null,
    serverCpuMicrosPerRequest: median(slices.map((s) => s.cpuMicrosPerRequest)),
    serverRssMiB: server.rssMiB(),
  };
  if (paired) {
    row.ceilingRequestsPerSecond = Math.round(median(ceilings.map((c) => c.requestsPerSecond)));
    row.slices = slices.map((s, i) => ({
      requestsPerSecond: Math.round(s.requestsPerSecond),
      ceilingRequestsPerSecond: Math.round(ceilings[i].requestsPerSecond),
    }));
    row.ratioToCeiling = round2(
      median(slices.map((s, i) => s.requestsPerSecond / ceilings[i].requestsPerSecond)),
    );
    // Server CPU per request against the ceiling's: what a request costs, whatever the load generator did.
    row.ceilingCpuMicrosPerRequest = median(ceilings.map((c) => c.cpuMicrosPerRequest));
    row.cpuRatioToCeiling = round2(row.ceilingCpuMicrosPerRequest / row.serverCpuMicrosPerRequest);
  }
  console.log(
    `${name.padEnd(44)} ${String(row.requestsPerSecond).padStart(7)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  ` +
      `errors ${row.errors}  sql/req ${row.sqlPerRequest}  redis/req ${row.redisCommandsPerRequest}  ` +
      `cpu ${Math.round(row.serverCpuMicrosPerRequest)} µs/req  rss ${row.serverRssMiB} MiB` +
      (paired
        ? `  ratio ${row.ratioToCeiling} (ceiling ${row.ceilingRequestsPerSecond} req/s beside it; cpu ratio ${row.cpuRatioToCeiling})`
        : ""),
  );
  return row;
}

/**
 * The rush-hour scenarios for this build and, when BENCH_BASELINE_DIR is set, for that build: per-operation
 * counts first, then throughput, baseline and this build alternating so that both see the same machine.
 */
async function rush(sql) {
  const variants = [{ label: "this", dir: root, database: DB_NAME }];
  if (BASELINE_DIR) variants.unshift({ label: "base", dir: BASELINE_DIR, database: `${DB_NAME}_base` });
  const results = {};
  for (const v of variants) {
    // Production defaults, logging on (a line per request at info, written to a log file).
    const env = { DB_NAME: v.database, REDIS_KEY_PREFIX: `bench:${STAMP}:${v.label}:`, LOG_LEVEL: "info" };
    const start = (extra = {}, args = []) =>
      startProcess(`${v.dir}/dist/main.js`, { ...env, ...extra }, args, v.dir);
    // Migrates and seeds the variant's database before anything else uses it.
    await (await start()).stop();
    results[v.label] = {
      build: v.dir,
      perOperation: await countPerOperation({ start, freePort, label: v.label }),
    };
    v.start = start;
    console.log(`rush [${v.label}] per operation ${JSON.stringify(results[v.label].perOperation)}`);
  }
  // BENCH_ONLY=counts: the per-operation counts alone (a quick check while changing the code).
  if (ONLY === "counts") return results;

  // Throughput: both servers up, measured in rounds that alternate between them (the machine is shared and
  // its load drifts); the median round is reported, every round is kept.
  for (const v of variants) {
    const profile =
      process.env.BENCH_PROFILE && v.label === "this"
        ? ["--cpu-prof", `--cpu-prof-dir=${resultsDir}`, "--cpu-prof-name=rush-this.cpuprofile"]
        : [];
    v.server = await v.start({}, profile);
    v.rush = await prepareRush({
      server: v.server,
      sql,
      database: v.database,
      label: v.label,
      users: RUSH_USERS,
      connections: RUSH_CONNECTIONS,
      duration: DURATION,
      warmup: WARMUP,
    });
    Object.assign(results[v.label], { users: v.rush.users, rounds: [] });
  }
  for (let round = 0; round < RUSH_ROUNDS; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      const addToCart = await v.rush.addToCart();
      const checkoutCycle = await v.rush.checkoutCycle();
      results[v.label].rounds.push({ addToCart, checkoutCycle });
      const a = addToCart.ops.addToCart;
      const c = checkoutCycle;
      console.log(
        `rush [${v.label}] round ${round + 1}: addToCart ${a?.perSecond}/s p50 ${a?.p50Ms} ms p99 ${a?.p99Ms} ms ` +
          `errors ${a?.errors} cpu ${addToCart.serverCpuMsPerRequest} ms/req; cycle ${c.ordersPerSecond} orders/s ` +
          `${c.requestsPerSecond} req/s p50 ${c.p50Ms} ms p99 ${c.p99Ms} ms cpu ${c.serverCpuMsPerCycle} ms/cycle; ` +
          `verification ${JSON.stringify(c.verification)}`,
      );
    }
  }
  for (const v of variants) {
    v.memory = v.server.rssMiB();
    await v.server.stop();
    const rounds = results[v.label].rounds;
    results[v.label].median = {
      addToCartPerSecond: median(rounds.map((r) => r.addToCart.ops.addToCart?.perSecond ?? 0)),
      addToCartCpuMs: median(rounds.map((r) => r.addToCart.serverCpuMsPerRequest)),
      ordersPerSecond: median(rounds.map((r) => r.checkoutCycle.ordersPerSecond)),
      cycleCpuMs: median(rounds.map((r) => r.checkoutCycle.serverCpuMsPerCycle)),
      errors: rounds.reduce(
        (n, r) =>
          n +
          r.addToCart.transportErrors +
          r.checkoutCycle.transportErrors +
          Object.values(r.addToCart.ops).reduce((m, o) => m + o.errors, 0) +
          Object.values(r.checkoutCycle.ops).reduce((m, o) => m + o.errors, 0),
        0,
      ),
      mismatches: rounds.reduce(
        (n, r) =>
          n +
          r.checkoutCycle.verification.answeredButMissing +
          r.checkoutCycle.verification.phantomOrders +
          r.checkoutCycle.verification.duplicateAnswers +
          r.checkoutCycle.verification.duplicateKeys +
          r.checkoutCycle.verification.totalMismatches,
        0,
      ),
    };
    results[v.label].serverRssMiB = v.memory;
    console.log(`rush [${v.label}] median ${JSON.stringify(results[v.label].median)}`);
  }
  if (results.base) {
    const ratio = (a, b) => (b ? Math.round((a / b) * 100) / 100 : null);
    const [t, b] = [results.this.median, results.base.median];
    results.ratios = {
      addToCart: ratio(t.addToCartPerSecond, b.addToCartPerSecond),
      checkoutCycle: ratio(t.ordersPerSecond, b.ordersPerSecond),
      // Server CPU per operation, base / this: what each request costs, less sensitive to a busy machine.
      addToCartCpu: ratio(b.addToCartCpuMs, t.addToCartCpuMs),
      checkoutCycleCpu: ratio(b.cycleCpuMs, t.cycleCpuMs),
    };
    console.log(`rush ratios (this / base): ${JSON.stringify(results.ratios)}`);
  }
  return results;
}

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    note: "server, MariaDB, Redis and the load generator share the machine",
  };
}

async function main() {
  ensureBuild();
  mkdirSync(resultsDir, { recursive: true });
  const sql = await mariadb.createConnection({
    host: "127.0.0.1",
    user: "root",
    password: "",
    timezone: "Z",
  });
  if (ONLY === "rush" || ONLY === "counts") {
    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      settings: {
        durationSeconds: DURATION,
        warmupSeconds: WARMUP,
        connections: RUSH_CONNECTIONS,
        users: RUSH_USERS,
        rounds: RUSH_ROUNDS,
      },
      rush: await rush(sql),
    };
    await sql.end();
    const stamp = result.date.replace(/[:.]/g, "-");
    writeFileSync(`${resultsDir}rush-${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`${resultsDir}rush-latest.json`, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nwrote bench/results/rush-${stamp}.json and rush-latest.json`);
    return;
  }
  const rows = [];

  // Full caching (the production default): migrates and seeds the bench database on first start.
  const cached = await startProcess(
    "dist/main.js",
    {},
    process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${resultsDir}`] : [],
  );
  const auth = await signIn(cached.url);
  // A signed-in customer with order history and a cart: two orders placed, two items in the cart.
  const ADD = (pid) =>
    `mutation { addToCart(input: { pid: "${pid}", quantity: 1, options: [{ kind: SUGAR, value: "半糖" }] }) { total } }`;
  for (const [i, pid] of ["latte001", "coffee005"].entries()) {
    await fetch(`${cached.url}/graphql`, gqlRequest(ADD(pid), auth));
    await fetch(
      `${cached.url}/graphql`,
      gqlRequest(
        `mutation { placeOrder(input: { idempotencyKey: "bench-order-${Date.now()}-${i}" }) { order { orderNo } } }`,
        auth,
      ),
    );
  }
  for (const pid of ["latte001", "coffee005"])
    await fetch(`${cached.url}/graphql`, gqlRequest(ADD(pid), auth));
  const menuBytes = Buffer.from(await (await fetch(`${cached.url}/graphql`, gqlRequest(MENU))).arrayBuffer());
  const bodyFile = `${resultsDir}.menu-response.json`;
  writeFileSync(bodyFile, menuBytes);
  // The ceiling runs beside the scenarios and is measured right after each one, which is divided by that
  // measurement: on a shared machine the ceiling varied from 13k to 26k requests/s between runs and within
  // one, so a single measurement of it made every ratio a matter of when it was taken.
  ceilingServer = await startProcess("bench/ceiling.mjs", { CEILING_BODY_FILE: bodyFile });
  await load(ceilingServer.url, gqlRequest(MENU), WARMUP);

  rows.push(await measure("GraphQL menu, warm response cache", cached, gqlRequest(MENU), sql));
  rows.push(await measure("GraphQL product(pid), warm", cached, gqlRequest(PRODUCT), sql));
  rows.push(
    await measure("GraphQL menu with a token, warm shared cache", cached, gqlRequest(MENU, auth), sql, {
      group: "signed-in",
    }),
  );
  rows.push(
    await measure("GraphQL me (with a token)", cached, gqlRequest(ME, auth), sql, { group: "signed-in" }),
  );
  rows.push(
    await measure(
      "REST /users/findMy (with a token)",
      cached,
      { method: "GET", path: "/users/findMy", headers: auth },
      sql,
      { group: "signed-in" },
    ),
  );
  rows.push(
    await measure("GraphQL cart (with a token)", cached, gqlRequest(CART, auth), sql, { group: "signed-in" }),
  );
  rows.push(
    await measure("GraphQL myOrders(first: 10) (with a token)", cached, gqlRequest(MY_ORDERS, auth), sql, {
      group: "signed-in",
    }),
  );
  rows.push(
    await measure(
      "REST /products/typeProducts/latte, warm",
      cached,
      { method: "GET", path: "/products/typeProducts/latte" },
      sql,
    ),
  );
  rows.push(
    await measure(
      "REST /products/productDetail/latte001, warm",
      cached,
      { method: "GET", path: "/products/productDetail/latte001" },
      sql,
    ),
  );
  rows.push(
    await measure(
      "login (argon2id, m=19 MiB t=2)",
      cached,
      {
        method: "POST",
        path: "/auth/login",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `username=${USER.username}&password=${USER.password}`,
      },
      sql,
      { connections: 8, group: "argon2" },
    ),
  );
  await cached.stop();

  const dataOnly = await startProcess("dist/main.js", { RESPONSE_CACHE_TTL_SECONDS: "0" });
  rows.push(
    await measure("GraphQL menu, data cache only (no response cache)", dataOnly, gqlRequest(MENU), sql),
  );
  rows.push(
    await measure(
      "GraphQL menu with a token, data cache only (no response cache)",
      dataOnly,
      gqlRequest(MENU, auth),
      sql,
      { group: "signed-in" },
    ),
  );
  await dataOnly.stop();

  const uncached = await startProcess("dist/main.js", { CACHE_ENABLED: "false" });
  rows.push(
    await measure("GraphQL menu, all caches off (MySQL every time)", uncached, gqlRequest(MENU), sql),
  );
  await uncached.stop();

  // BENCH_ONLY=reads: the read scenarios alone (a quicker check while changing the hot paths).
  const rushResults = ONLY === "reads" ? null : await rush(sql);

  const ceilingRow = await measure("ceiling: bare Fastify, same bytes", ceilingServer, gqlRequest(MENU), sql);
  await ceilingServer.stop();
  ceilingRow.measurements = rows.flatMap((r) => r.ceilingRequestsPerSecond ?? []);
  rows.unshift(ceilingRow);
  await sql.end();

  ceilingRow.ratioToCeiling = 1;
  for (const row of rows) {
    row.ratioToCeiling ??= round2(row.requestsPerSecond / ceilingRow.requestsPerSecond);
    if (TARGETS[row.name] !== undefined) {
      row.targetRatio = TARGETS[row.name];
      row.targetMet = row.ratioToCeiling >= row.targetRatio;
    }
  }
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS },
    targets: {
      warmAtLeastRatio: 0.6,
      coldMenuAtMostSqlPerRequest: 4,
      warmMenu: rows.find((r) => r.name.startsWith("GraphQL menu, warm")).ratioToCeiling,
      coldMenuSql: rows.find((r) => r.name.startsWith("GraphQL menu, all caches off")).sqlPerRequest,
    },
    scenarios: rows,
    rush: rushResults,
  };
  const stamp = result.date.replace(/[:.]/g, "-");
  writeFileSync(`${resultsDir}${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${resultsDir}chart.svg`, renderChart(result));
  console.log(`\nwrote bench/results/${stamp}.json, latest.json and chart.svg`);
  for (const row of rows.filter((r) => r.targetRatio !== undefined)) {
    console.log(
      `${row.targetMet ? "met    " : "MISSED "} ${row.name}: ${row.ratioToCeiling} of the ceiling (goal >= ${row.targetRatio})`,
    );
  }
  console.log(
    `ceiling measured beside each scenario at ${Math.min(...ceilingRow.measurements)}-` +
      `${Math.max(...ceilingRow.measurements)} requests/s (medians of its slices); each ratio is the median of ` +
      `${ROUNDS} slice-by-slice ratios`,
  );
  console.log(`cold menu: ${result.targets.coldMenuSql} SQL statements per request (goal <= 4)`);
}

await main();
