import { Counter, Gauge } from "prom-client";
import { registry } from "../observability/metrics.js";

/** Metrics only the CDC worker exports (defined here so that API replicas do not export them as zeros). */
export const cdcMetrics = {
  lag: new Gauge({
    name: "cdc_lag_seconds",
    help: "Seconds between a change's commit in MySQL and its invalidation by the CDC worker",
    registers: [registry],
  }),
  events: new Counter({
    name: "cdc_events_total",
    help: "Row events handled by the CDC worker, by table",
    labelNames: ["table"] as const,
    registers: [registry],
  }),
  connected: new Gauge({
    name: "cdc_connected",
    help: "1 while the CDC worker follows the binlog",
    registers: [registry],
  }),
  leaseHeld: new Gauge({
    name: "cdc_lease_held",
    help: "1 while this CDC worker holds the lease (the one that follows the binlog); standbys export 0",
    registers: [registry],
  }),
  lastEventTimestamp: new Gauge({
    name: "cdc_last_event_timestamp_seconds",
    help: "Unix time of the last binlog event the CDC worker handled",
    registers: [registry],
  }),
};
