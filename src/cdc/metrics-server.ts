import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { RedisClient } from "../cache/redis.js";
import type { Logger } from "pino";
import { whenReady } from "../cache/redis.js";
import { registry } from "../observability/metrics.js";
import type { WorkerStatus } from "./binlog-worker.js";

/** What /health reports of the worker: whether it holds the lease, and if so whether it follows the binlog. */
export interface CdcStatus extends WorkerStatus {
  role: "active" | "standby";
  /** True while the lease connection to the primary answers. */
  leaseConnected: boolean;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  worker: { status(): CdcStatus };
  redis: RedisClient;
  logger: Logger;
}

/**
 * The worker's own small HTTP server: GET /metrics for Prometheus, GET /health for the orchestrator (200
 * while Redis answers and, for the lease holder, it follows the binlog, or, for a standby, its lease
 * connection answers, so that it can take over; else 503; the body says which part is down).
 */
export async function startMetricsServer({
  host,
  port,
  worker,
  redis,
  logger,
}: MetricsServerOptions): Promise<Server> {
  const health = async () => {
    const status = worker.status();
    const redisUp = await whenReady(redis, 1_000)
      .then(() => redis.ping())
      .then(
        () => true,
        () => false,
      );
    const ready = status.role === "active" ? status.following : status.leaseConnected;
    return {
      healthy: ready && redisUp,
      role: status.role,
      binlog: status.following ? "following" : status.role === "standby" ? "standby" : "disconnected",
      redis: redisUp ? "connected" : "disconnected",
      threadId: status.threadId ?? null,
      position: status.position ?? null,
    };
  };

  const send = (res: ServerResponse, status: number, contentType: string, body: string) => {
    res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: object) =>
    send(res, status, "application/json; charset=utf-8", JSON.stringify(body));

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = async () => {
      if (path !== "/metrics" && path !== "/health") return json(res, 404, { error: "not found" });
      if (req.method !== "GET") return json(res, 405, { error: "method not allowed" });
      if (path === "/metrics") return send(res, 200, registry.contentType, await registry.metrics());
      const report = await health();
      return json(res, report.healthy ? 200 : 503, report);
    };
    route().catch((err: unknown) => {
      logger.error({ err, path }, "metrics server request failed");
      if (!res.headersSent) json(res, 500, { error: "internal error" });
    });
  });
  server.listen(port, host);
  await once(server, "listening");
  return server;
}
