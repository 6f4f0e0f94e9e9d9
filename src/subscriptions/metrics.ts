/** Metrics of live order updates (GraphQL subscriptions over WebSocket and their fan-out through Redis). */
import { Counter, Gauge } from "prom-client";
import { registry } from "../observability/metrics.js";

/** Read when Prometheus scrapes: whether this replica's fan-out through Redis works (set by OrderEvents). */
export const fanoutState: { degraded?: () => boolean } = {};

export const subscriptionMetrics = {
  socketsOpen: new Gauge({
    name: "graphql_ws_sockets_open",
    help: "WebSocket connections open on /graphql (graphql-ws)",
    registers: [registry],
  }),
  subscriptionsActive: new Gauge({
    name: "graphql_subscriptions_active",
    help: "GraphQL subscriptions running on this replica",
    registers: [registry],
  }),
  rejected: new Counter({
    name: "graphql_ws_rejected_total",
    help: "WebSocket connections or subscriptions refused, by reason (ip_limit, user_limit, subscription_limit, unauthenticated, closing)",
    labelNames: ["reason"] as const,
    registers: [registry],
  }),
  consumersDropped: new Counter({
    name: "graphql_ws_consumers_dropped_total",
    help: "Sockets closed by the server, by reason (slow_consumer, revoked, expired, session_changed)",
    labelNames: ["reason"] as const,
    registers: [registry],
  }),
  published: new Counter({
    name: "order_events_published_total",
    help: "Order events raised on this replica, by source (mutation)",
    labelNames: ["source"] as const,
    registers: [registry],
  }),
  received: new Counter({
    name: "order_events_received_total",
    help: "Order events received from Redis, by kind (order: whole order from a replica, hint: a change the CDC worker saw)",
    labelNames: ["kind"] as const,
    registers: [registry],
  }),
  delivered: new Counter({
    name: "order_events_delivered_total",
    help: "Order events queued to subscribers (after dropping duplicates and older versions)",
    registers: [registry],
  }),
  fanoutFailures: new Counter({
    name: "order_events_fanout_failures_total",
    help: "Order events that could not be published to Redis, or hints that could not be loaded",
    labelNames: ["operation"] as const,
    registers: [registry],
  }),
  fanoutDegraded: new Gauge({
    name: "order_events_fanout_degraded",
    help: "1 while this replica cannot publish or receive order events through Redis (same-replica delivery still works)",
    registers: [registry],
    collect() {
      this.set(fanoutState.degraded?.() ? 1 : 0);
    },
  }),
};

// Every label value starts at 0, so that dashboards and alerts see a series before the first event.
for (const source of ["mutation"]) subscriptionMetrics.published.inc({ source }, 0);
for (const kind of ["order", "hint"]) subscriptionMetrics.received.inc({ kind }, 0);
for (const operation of ["publish", "subscribe", "load"])
  subscriptionMetrics.fanoutFailures.inc({ operation }, 0);
for (const reason of ["slow_consumer", "revoked", "expired", "session_changed"]) {
  subscriptionMetrics.consumersDropped.inc({ reason }, 0);
}
for (const reason of ["ip_limit", "user_limit", "subscription_limit", "unauthenticated", "closing"]) {
  subscriptionMetrics.rejected.inc({ reason }, 0);
}
