// The morning rush (issue 14): many signed-in customers adding items with options and checking out at once.
// Used by bench/run.mjs for this checkout and, side by side, for a baseline build (another git worktree).
//
// Per server: registers the users, then
//   1. counts SQL statements and Redis commands per operation: a second instance of the same build whose MySQL
//      connections go through a counting proxy (bench/sql-counter.mjs) and whose Redis is a private
//      redis-server, driven one request at a time;
//   2. measures `addToCart` alone and the add-add-placeOrder cycle with autocannon (no two requests of one
//      user ever overlap), in rounds alternating with the other server so both see the same machine;
//   3. verifies in MySQL that orders == successful placeOrder answers, no order is duplicated, and every
//      order's total is the sum of its items (and each line is unit price x quantity).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { startSqlCounter } from "./sql-counter.mjs";

export const ITEMS = [
  { pid: "latte001", options: [{ kind: "SUGAR", value: "半糖" }] },
  { pid: "coffee005", options: [{ kind: "MILK", value: "单份奶" }] },
  { pid: "latte003", options: [{ kind: "TEMPERATURE", value: "热" }] },
  { pid: "coffee001", options: [{ kind: "SUGAR", value: "单份糖" }] },
  { pid: "latte006", options: [{ kind: "SUGAR", value: "全糖" }] },
  { pid: "latte009", options: [] },
];

const ADD = `mutation Add($input: AddToCartInput!) { addToCart(input: $input) { total items { id quantity lineTotal } } }`;
const PLACE_NEW = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { order { orderNo total } replayed } }`;
const PLACE_OLD = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { orderNo total } }`;
const REGISTER = `mutation($u: String!, $p: String!) { register(input: { username: $u, password: $p }) { token } }`;

const body = (query, variables) => JSON.stringify({ query, variables });

async function post(url, query, variables, token) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body(query, variables),
  });
  return res.json();
}

/** The placeOrder selection this server understands (payload with `replayed`, or the order itself). */
async function placeShape(url) {
  // Introspection is off in production: validation of the new selection tells (it runs before sign-in).
  const probe = await post(url, PLACE_NEW, { input: { idempotencyKey: "probe-key" } });
  const payload = probe.errors?.[0]?.extensions?.code !== "GRAPHQL_VALIDATION_FAILED";
  return {
    query: payload ? PLACE_NEW : PLACE_OLD,
    orderNo: (data) => (payload ? data.placeOrder.order.orderNo : data.placeOrder.orderNo),
  };
}

/** Registers `count` users (a few at a time: argon2 bounds it) and returns their tokens. */
export async function registerUsers(url, label, count) {
  const tokens = [];
  const stamp = Date.now().toString(36);
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, (_, j) =>
        post(url, REGISTER, { u: `r${label}${stamp}${i + j}`.slice(0, 32), p: "rush-hour-pass-1" }),
      ),
    );
    for (const r of batch) {
      if (!r.data?.register?.token) throw new Error(`register failed: ${JSON.stringify(r.errors)}`);
      tokens.push(r.data.register.token);
    }
  }
  return tokens;
}

/** CPU time (user + system) the process has used so far, in ms: what a request costs, whatever the load. */
export function cpuMs(pid, which = "both") {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const [user, system] = [Number(fields[11]), Number(fields[12])];
  return ((which === "user" ? user : which === "system" ? system : user + system) * 1000) / 100;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
}

/**
 * Runs autocannon; each connection takes a free user for one iteration (autocannon keeps a context per
 * connection only within one pass over the sequence) and gives it back at the end, so no two requests of one
 * user ever overlap. `steps(user, iteration)` is the sequence of operations of one iteration for one user.
 */
async function drive(url, tokens, { connections, duration, steps, place }) {
  const stats = new Map();
  const placed = [];
  const sentKeys = new Set();
  const stat = (op) => {
    if (!stats.has(op)) stats.set(op, { ok: 0, errors: 0, errorCodes: {}, latencies: [] });
    return stats.get(op);
  };
  if (tokens.length < connections) throw new Error(`need at least ${connections} users`);
  const free = tokens.map((_, i) => i);
  const iterations = tokens.map(() => 0);
  const sequenceLength = steps(0, 0).length;
  const requests = Array.from({ length: sequenceLength }, (_, index) => ({
    method: "POST",
    path: "/graphql",
    setupRequest(req, context) {
      if (index === 0 || context.user === undefined) {
        context.user = free.shift();
        context.iteration = ++iterations[context.user];
      }
      const step = steps(context.user, context.iteration)[index];
      context.op = step.op;
      context.key = step.variables.input.idempotencyKey;
      if (context.key) sentKeys.add(context.key);
      context.started = performance.now();
      return {
        ...req,
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens[context.user]}` },
        body: body(step.query, step.variables),
      };
    },
    onResponse(status, responseBody, context) {
      if (index === sequenceLength - 1) free.push(context.user);
      const s = stat(context.op);
      s.latencies.push(performance.now() - context.started);
      let json;
      try {
        json = JSON.parse(responseBody);
      } catch {
        json = undefined;
      }
      if (status !== 200 || !json || json.errors) {
        s.errors++;
        const code = json?.errors?.[0]?.extensions?.code ?? `HTTP ${status}`;
        s.errorCodes[code] = (s.errorCodes[code] ?? 0) + 1;
        return;
      }
      s.ok++;
      if (context.op === "placeOrder") placed.push({ key: context.key, orderNo: place.orderNo(json.data) });
    },
  }));
  const result = await autocannon({ url, connections, duration, requests });
  const ops = {};
  for (const [op, s] of stats) {
    const sorted = s.latencies.sort((a, b) => a - b);
    ops[op] = {
      ok: s.ok,
      errors: s.errors,
      errorCodes: s.errorCodes,
      perSecond: Math.round((s.ok / duration) * 10) / 10,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
    };
  }
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    transportErrors: result.errors + result.timeouts + result.non2xx,
    ops,
    placed,
    sentKeys,
  };
}

const addStep = (item, quantity) => ({
  op: "addToCart",
  query: ADD,
  variables: { input: { pid: item.pid, quantity, options: item.options } },
});

/** One customer's visit: two items with options, then checkout with a fresh key. */
const cycle = (place, label) => (user, iteration) => [
  addStep(ITEMS[(user + iteration) % ITEMS.length], 1 + (iteration % 2)),
  addStep(ITEMS[(user + iteration + 1) % ITEMS.length], 1),
  {
    op: "placeOrder",
    query: place.query,
    variables: { input: { idempotencyKey: `rush-${label}-${user}-${iteration}-${Date.now()}` } },
  },
];

/** addToCart alone: each user cycles over the items (quantities stay far below 99 in a bench run). */
const addOnly = (user, iteration) => [addStep(ITEMS[(user + iteration) % ITEMS.length], 1)];

/**
 * Checks the orders written during the measurement against the answers. A checkout still in flight when the
 * load generator stopped commits without anyone reading its answer: those are counted apart (at most one
 * per connection); any other order without an answer would be a phantom.
 */
async function verify(sql, database, sinceId, placed, sentKeys) {
  const q = (text, params) => sql.query({ sql: text, namedPlaceholders: false }, params);
  // The server may still be finishing the last checkouts.
  await new Promise((r) => setTimeout(r, 1000));
  const rows = await q(`SELECT order_no, idempotency_key FROM \`${database}\`.orders WHERE id > ?`, [
    sinceId,
  ]);
  const count = rows.length;
  const inDb = new Set(rows.map((r) => r.order_no));
  const answered = new Set(placed.map((p) => p.orderNo));
  const answeredKeys = new Set(placed.map((p) => p.key));
  const unanswered = rows.filter((r) => !answered.has(r.order_no));
  const [{ duplicates }] = await q(
    `SELECT COUNT(*) AS duplicates FROM (SELECT user_id, idempotency_key FROM \`${database}\`.orders
      WHERE id > ? GROUP BY user_id, idempotency_key HAVING COUNT(*) > 1) d`,
    [sinceId],
  );
  const [{ mismatches }] = await q(
    `SELECT COUNT(*) AS mismatches FROM \`${database}\`.orders o WHERE o.id > ? AND (
       o.total <> (SELECT COALESCE(SUM(i.line_total), 0) FROM \`${database}\`.order_items i WHERE i.order_id = o.id)
       OR (SELECT COUNT(*) FROM \`${database}\`.order_items i WHERE i.order_id = o.id) <> 2
       OR EXISTS (SELECT 1 FROM \`${database}\`.order_items i WHERE i.order_id = o.id
                  AND i.line_total <> i.unit_price * i.quantity))`,
    [sinceId],
  );
  return {
    ordersInDb: Number(count),
    successfulAnswers: placed.length,
    answeredButMissing: [...answered].filter((n) => !inDb.has(n)).length,
    inFlightWhenStopped: unanswered.filter(
      (r) => sentKeys.has(r.idempotency_key) && !answeredKeys.has(r.idempotency_key),
    ).length,
    phantomOrders: unanswered.filter(
      (r) => !sentKeys.has(r.idempotency_key) || answeredKeys.has(r.idempotency_key),
    ).length,
    duplicateAnswers: placed.length - answered.size,
    duplicateKeys: Number(duplicates),
    totalMismatches: Number(mismatches),
  };
}

async function maxOrderId(sql, database) {
  const [{ id }] = await sql.query(`SELECT COALESCE(MAX(id), 0) AS id FROM \`${database}\`.orders`);
  return Number(id);
}

/** A private redis-server on a free port, so its command counter counts one server's commands only. */
async function startPrivateRedis(port) {
  const dir = mkdtempSync(join(tmpdir(), "bench-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  redis.on("error", () => {});
  for (let i = 0; i < 50; i++) {
    try {
      await redis.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const commands = async () => {
    const info = await redis.info("stats");
    // The INFO that reads the counter is counted too.
    return Number(/total_commands_processed:(\d+)/.exec(info)[1]) - 1;
  };
  return {
    commands,
    async stop() {
      redis.disconnect();
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * SQL statements and Redis commands per operation, one request at a time, on an instance of the same build
 * whose MySQL goes through a counting proxy and whose Redis is private. Warmed up first (caches, prepared
 * statements), then `iterations` customer visits are counted operation by operation.
 */
export async function countPerOperation({ start, freePort, label, iterations = 40 }) {
  const redisPort = await freePort();
  const redis = await startPrivateRedis(redisPort);
  const counter = await startSqlCounter({ host: "127.0.0.1", port: 3306 });
  const server = await start({
    DB_HOST: "127.0.0.1",
    DB_PORT: String(counter.port),
    REDIS_HOST: "127.0.0.1",
    REDIS_PORT: String(redisPort),
    REDIS_KEY_PREFIX: "",
  });
  try {
    const tokens = await registerUsers(server.url, `${label}c`, 4);
    const place = await placeShape(server.url);
    const steps = cycle(place, `${label}count`);
    const totals = {};
    for (let iteration = 0; iteration < iterations + 3; iteration++) {
      const user = iteration % tokens.length;
      for (const [index, step] of steps(user, iteration).entries()) {
        const op = step.op === "addToCart" ? `addToCart #${index + 1}` : step.op;
        const [sql0, redis0, cpu0] = [counter.counts(), await redis.commands(), cpuMs(server.pid)];
        const answer = await post(server.url, step.query, step.variables, tokens[user]);
        if (answer.errors) throw new Error(`${op} failed: ${JSON.stringify(answer.errors)}`);
        // Let after-the-answer work (cache writes, metrics) land before reading the counters.
        await new Promise((r) => setTimeout(r, 20));
        const [sql1, redis1, cpu1] = [counter.counts(), await redis.commands(), cpuMs(server.pid)];
        if (iteration < 3) continue;
        totals[op] ??= { sqlStatements: 0, sqlCommands: 0, sqlPrepares: 0, redisCommands: 0, serverCpuMs: 0 };
        totals[op].sqlStatements += sql1.statements - sql0.statements;
        totals[op].sqlCommands += sql1.commands - sql0.commands;
        totals[op].sqlPrepares += sql1.prepares - sql0.prepares;
        totals[op].redisCommands += redis1 - redis0;
        totals[op].serverCpuMs += cpu1 - cpu0;
      }
    }
    const round = (v) => Math.round((v / iterations) * 100) / 100;
    const perOp = Object.fromEntries(
      Object.entries(totals).map(([op, t]) => [
        op,
        {
          sqlStatements: round(t.sqlStatements),
          // Round trips: a batch of statements is one command.
          sqlCommands: round(t.sqlCommands),
          sqlPrepares: round(t.sqlPrepares),
          redisCommands: round(t.redisCommands),
          // One request at a time (no queueing); /proc counts in 10 ms ticks, hence many iterations.
          serverCpuMs: round(t.serverCpuMs),
        },
      ]),
    );
    perOp["checkout cycle"] = Object.fromEntries(
      ["sqlStatements", "sqlCommands", "sqlPrepares", "redisCommands", "serverCpuMs"].map((k) => [
        k,
        Math.round(Object.values(perOp).reduce((s, o) => s + o[k], 0) * 100) / 100,
      ]),
    );
    return perOp;
  } finally {
    await server.stop();
    await counter.stop();
    await redis.stop();
  }
}

/**
 * One server ready for the rush: its users registered. `addToCart()` and `checkoutCycle()` each warm up, then
 * measure; the cycle is verified in MySQL afterwards. Called in rounds, alternating servers, by bench/run.mjs.
 */
export async function prepareRush({ server, sql, database, label, users, connections, duration, warmup }) {
  const tokens = await registerUsers(server.url, label, users);
  const place = await placeShape(server.url);
  const clearCarts = () => sql.query(`DELETE FROM \`${database}\`.cart_items`);
  const settle = () => new Promise((r) => setTimeout(r, 1000));

  const measured = async (steps) => {
    const [cpu0, sys0] = [cpuMs(server.pid), cpuMs(server.pid, "system")];
    const result = await drive(server.url, tokens, { connections, duration, steps, place });
    const done = Object.values(result.ops).reduce((s, o) => s + o.ok + o.errors, 0);
    result.serverCpuMsPerRequest = Math.round(((cpuMs(server.pid) - cpu0) / done) * 100) / 100;
    result.serverSystemCpuMsPerRequest =
      Math.round(((cpuMs(server.pid, "system") - sys0) / done) * 100) / 100;
    return result;
  };

  return {
    users: tokens.length,
    async addToCart() {
      await clearCarts();
      await drive(server.url, tokens, { connections, duration: warmup, steps: addOnly, place });
      const add = await measured(addOnly);
      await settle();
      await clearCarts();
      delete add.placed;
      delete add.sentKeys;
      return add;
    },
    async checkoutCycle() {
      const steps = cycle(place, label);
      await drive(server.url, tokens, { connections, duration: warmup, steps, place });
      // Checkouts of the warm-up still in flight land before the measured orders are counted.
      await settle();
      await clearCarts();
      const since = await maxOrderId(sql, database);
      const rush = await measured(steps);
      const verification = await verify(sql, database, since, rush.placed, rush.sentKeys);
      // Carts left mid-cycle when the measurement stopped: the next run starts clean.
      await clearCarts();
      const placed = rush.placed.length;
      delete rush.placed;
      delete rush.sentKeys;
      return {
        ...rush,
        ordersPerSecond: Math.round((placed / duration) * 10) / 10,
        serverCpuMsPerCycle: Math.round(rush.serverCpuMsPerRequest * 3 * 100) / 100,
        verification,
      };
    },
  };
}
