/**
 * The process's Prometheus metrics (prom-client). Defined once per process, here, so every layer records into
 * the same registry and /metrics exports them all. Labels are bounded: route templates, operation names,
 * cache names, error codes; never raw URLs or user ids.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const metrics = {
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
    help: "Tag invalidations, by source (api, cdc)",
    labelNames: ["source"] as const,
    registers: [registry],
  }),
  cacheInvalidatedKeys: new Counter({
    name: "cache_invalidated_keys_total",
    help: "Cache entries removed by tag invalidations",
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
  cdcLag: new Gauge({
    name: "cdc_lag_seconds",
    help: "Seconds between a change's commit in MySQL and its invalidation by the CDC worker",
    registers: [registry],
  }),
  cdcEvents: new Counter({
    name: "cdc_events_total",
    help: "Row events handled by the CDC worker, by table",
    labelNames: ["table"] as const,
    registers: [registry],
  }),
  cdcConnected: new Gauge({
    name: "cdc_connected",
    help: "1 while the CDC worker follows the binlog",
    registers: [registry],
  }),
  cdcLastEventTimestamp: new Gauge({
    name: "cdc_last_event_timestamp_seconds",
    help: "Unix time of the last binlog event the CDC worker handled",
    registers: [registry],
  }),
};
