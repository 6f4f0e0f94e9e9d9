/**
 * The process's Prometheus metrics (prom-client). Defined once per process, here, so every layer records into
 * the same registry and /metrics exports them all. Labels are bounded: route templates, operation names,
 * cache names, error codes; never raw URLs or user ids.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
  hotPathAnswers: new Counter({
    name: "http_hot_path_answers_total",
    help: "Requests answered by the hot path, before Fastify (src/http/hot-path.ts); also in http_requests_total",
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
  // `mysql_replica`, not `replica`: Prometheus labels every API target with `replica` (app1, app2, ...), and a
  // scraped label of the same name would be renamed to `exported_replica` (docker/prometheus/prometheus.yml).
  dbReplicaLag: new Gauge({
    name: "db_replica_lag_seconds",
    help: "How far each MySQL read replica is behind the primary (age of the oldest change it has not applied)",
    labelNames: ["mysql_replica"] as const,
    registers: [registry],
  }),
  dbReplicaInRotation: new Gauge({
    name: "db_replica_in_rotation",
    help: "1 while a MySQL read replica answers and lags at most DATABASE_REPLICA_MAX_LAG_MS, else 0",
    labelNames: ["mysql_replica"] as const,
    registers: [registry],
  }),
  dbReads: new Counter({
    name: "db_replica_reads_total",
    help: "Reads that may use a replica (catalogue misses, order history), by the server that answered",
    labelNames: ["target"] as const,
    registers: [registry],
  }),
  dbReplicaFallbacks: new Counter({
    name: "db_replica_fallbacks_total",
    help: "Reads that failed on a replica and were answered by the primary, by replica",
    labelNames: ["mysql_replica"] as const,
    registers: [registry],
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

/** What the gauges of one app read when Prometheus scrapes: its database pool and the active-user count. */
export interface GaugeSources {
  pool: {
    activeConnections(): number;
    idleConnections(): number;
    totalConnections(): number;
    limit: number;
  };
  activeUsers(): Promise<number>;
}

/**
 * The gauges of one app, read from the sources it was built with (src/services.ts), in a registry of the app's
 * own; GET /metrics exports it together with the process registry above. No module holds the sources.
 */
export function appGauges(sources: GaugeSources): Registry {
  const gauges = new Registry();
  new Gauge({
    name: "db_pool_connections",
    help: "Database pool connections by state (in_use, idle, total, max)",
    labelNames: ["state"] as const,
    registers: [gauges],
    collect() {
      const { pool } = sources;
      this.set({ state: "in_use" }, pool.activeConnections());
      this.set({ state: "idle" }, pool.idleConnections());
      this.set({ state: "total" }, pool.totalConnections());
      this.set({ state: "max" }, pool.limit);
    },
  });
  new Gauge({
    name: "active_users",
    help: "Distinct signed-in users seen in the last 5 minutes, across all replicas (kept in Redis)",
    registers: [gauges],
    async collect() {
      const count = await sources.activeUsers().catch(() => undefined);
      if (count !== undefined) this.set(count);
    },
  });
  return gauges;
}
