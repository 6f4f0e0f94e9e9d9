/**
 * The process's Prometheus metrics (prom-client). Defined once per process, here, so every layer records into
 * the same registry and /metrics exports them all. Labels are bounded: route templates, operation names,
 * cache names, error codes; never raw URLs or user ids.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Sources of gauges that are read when Prometheus scrapes (the pool of this process, active users). */
export const gaugeSources: {
  pool?: {
    activeConnections(): number;
    idleConnections(): number;
    totalConnections(): number;
    limit: number;
  };
  activeUsers?: () => Promise<number>;
} = {};

export const metrics = {
  httpRequests: new Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  }),
  httpDuration: new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by method and route template",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  httpInFlight: new Gauge({
    name: "http_requests_in_flight",
    help: "HTTP requests being handled",
    registers: [registry],
  }),
  graphqlOperations: new Counter({
    name: "graphql_operations_total",
    help: "GraphQL operations by operation name, type and outcome (success, error)",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [registry],
  }),
  graphqlDuration: new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "GraphQL operation duration by operation name and type",
    labelNames: ["operation", "type"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  graphqlErrors: new Counter({
    name: "graphql_errors_total",
    help: "GraphQL errors by extensions.code",
    labelNames: ["code"] as const,
    registers: [registry],
  }),
  dbQueryDuration: new Histogram({
    name: "db_query_duration_seconds",
    help: "Prisma operation duration by model and action",
    labelNames: ["model", "action"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  dbPoolConnections: new Gauge({
    name: "db_pool_connections",
    help: "Database pool connections by state (in_use, idle, total, max)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = gaugeSources.pool;
      if (!pool) return;
      this.set({ state: "in_use" }, pool.activeConnections());
      this.set({ state: "idle" }, pool.idleConnections());
      this.set({ state: "total" }, pool.totalConnections());
      this.set({ state: "max" }, pool.limit);
    },
  }),
  redisCommands: new Counter({
    name: "redis_commands_total",
    help: "Redis commands sent",
    registers: [registry],
  }),
  productViews: new Counter({
    name: "product_views_total",
    help: "Product detail views (GraphQL product(pid) and the legacy detail route), by category type",
    labelNames: ["category"] as const,
    registers: [registry],
  }),
  activeUsers: new Gauge({
    name: "active_users",
    help: "Distinct signed-in users seen in the last 5 minutes, across all replicas (kept in Redis)",
    registers: [registry],
    async collect() {
      const count = await gaugeSources.activeUsers?.().catch(() => undefined);
      if (count !== undefined) this.set(count);
    },
  }),
  registrations: new Counter({
    name: "registrations_total",
    help: "Accounts registered",
    registers: [registry],
  }),
  orders: new Counter({
    name: "orders_total",
    help: "Orders placed (status PLACED) and status changes, by the status reached",
    labelNames: ["status"] as const,
    registers: [registry],
  }),
  orderValue: new Counter({
    name: "order_value_total",
    help: "Sum of the totals of placed orders, in the shop's currency",
    registers: [registry],
  }),
  logins: new Counter({
    name: "logins_total",
    help: "Login attempts by outcome (success, failure)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  }),
  cacheHits: new Counter({
    name: "cache_hits_total",
    help: "Cache reads answered from Redis, by cache",
    labelNames: ["cache"] as const,
    registers: [registry],
  }),
  cacheMisses: new Counter({
    name: "cache_misses_total",
    help: "Cache reads that had to load from MySQL, by cache",
    labelNames: ["cache"] as const,
    registers: [registry],
  }),
  trackedKeyReads: new Counter({
    name: "tracked_key_reads_total",
    help: "Reads of version stamps kept in process memory under Redis client-side tracking: hit (no Redis round trip) or miss",
    labelNames: ["outcome"] as const,
    registers: [registry],
  }),
  cacheBypasses: new Counter({
    name: "cache_bypass_total",
    help: "Cache reads served straight from MySQL because Redis was unavailable, by cache",
    labelNames: ["cache"] as const,
    registers: [registry],
  }),
  cacheSingleFlightWaits: new Counter({
    name: "cache_singleflight_waits_total",
    help: "Reads that waited for another request's load of the same key instead of loading, by cache and scope",
    labelNames: ["cache", "scope"] as const,
    registers: [registry],
  }),
  cacheInvalidations: new Counter({
    name: "cache_invalidations_total",
    help: "Tag invalidations, by source (api, cdc, retry of one that failed while Redis was down)",
    labelNames: ["source"] as const,
    registers: [registry],
  }),
  cacheInvalidatedKeys: new Counter({
    name: "cache_invalidated_keys_total",
    help: "Tags whose stamp an invalidation moved (each drops every entry carrying it; entries expire later)",
    registers: [registry],
  }),
  redisUp: new Gauge({
    name: "redis_up",
    help: "1 when this process can use Redis, 0 while it is unreachable or the circuit breaker is open",
    registers: [registry],
  }),
  redisCommandErrors: new Counter({
    name: "redis_command_errors_total",
    help: "Redis commands that failed or timed out",
    registers: [registry],
  }),
};
