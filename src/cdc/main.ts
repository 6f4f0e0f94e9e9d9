/**
 * Entry point of the CDC worker (`npm run cdc`): follows the MySQL binlog and invalidates the Redis cache
 * for catalogue rows changed outside the API (binlog-worker.ts). Run two or more: the one holding the lease
 * (lease.ts) follows the binlog, the others stand by and one takes over from the saved position when it dies.
 */
import "../environment.js";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { RedisBreaker } from "../cache/breaker.js";
import { TaggedCache } from "../cache/cache.js";
import { createRedis } from "../cache/redis.js";
import { metrics } from "../observability/metrics.js";
import { UserCache } from "../cache/user-cache.js";
import { loadConfigOrExit } from "../config.js";
import { loggerOptions } from "../observability/logger.js";
import { exitOnStopSignal } from "../process-signals.js";
import { positionTtlMs, ReadConsistency } from "../db/read-consistency.js";
import { BinlogWorker, type BinlogWorkerOptions } from "./binlog-worker.js";
import { Lease } from "./lease.js";
import { type CdcStatus, startMetricsServer } from "./metrics-server.js";
import { PositionStore } from "./position-store.js";
import { orderEventsChannel, publishOrderHints } from "../subscriptions/order-events.js";

const config = loadConfigOrExit();
const logger = pino({ ...loggerOptions(config), base: { service: "coffee-shop-cdc", pid: process.pid } });
const redis = createRedis(config.redis, "commands", metrics.redisCommands);
const breaker = new RedisBreaker(redis, logger);
const source = config.cdc.source;
// Binlog positions are the followed server's own: a replica's are kept apart from the primary's.
const positionScope = config.cdc.sourceIsReplica
  ? `${source.database}@${source.host}:${source.port}`
  : source.database;
const workerOptions: BinlogWorkerOptions = {
  db: source,
  serverId: config.cdc.serverId,
  redis,
  cache: new TaggedCache({
    redis,
    breaker,
    keyPrefix: config.redis.keyPrefix,
    ttlSeconds: config.cache.ttlSeconds,
  }),
  // Only stamps users' data anew: holds nothing in memory.
  users: new UserCache(redis, breaker, 0),
  // Orders changed in MySQL (by the API or straight in SQL) reach live subscriptions on every replica.
  orderEvents: (hints) => publishOrderHints(redis, orderEventsChannel(config.redis.keyPrefix), hints),
  positions: new PositionStore(redis, positionScope),
  // Read-your-writes over MySQL replicas: a change seen here is recorded before the caches drop it, so that
  // the reload does not come from a replica that has not applied it yet (src/db/read-consistency.ts).
  consistency: new ReadConsistency({
    redis,
    enabled: config.replicas.endpoints.length > 0,
    ttlMs: positionTtlMs(config.replicas.maxLagMs, config.replicas.pollMs),
  }),
  checkLogSlaveUpdates: config.cdc.sourceIsReplica,
  logger,
};

/** The worker of the current lease term (a stopped worker is not restarted: each term gets a new one). */
let worker: BinlogWorker | undefined;
const lease = new Lease({
  db: config.db,
  name: `coffee-cdc:${config.db.database}`.slice(0, 64),
  timeoutSeconds: config.cdc.leaseTimeoutSeconds,
  logger,
  onAcquired: () => {
    worker = new BinlogWorker(workerOptions);
    worker.start();
  },
  onLost: async () => {
    const stopping = worker;
    worker = undefined;
    await stopping?.stop();
  },
});
const status = (): CdcStatus => ({
  ...(worker?.status() ?? { following: false, threadId: undefined, position: undefined }),
  role: lease.held ? "active" : "standby",
  leaseConnected: lease.connected,
});

try {
  const server = await startMetricsServer({
    host: config.host,
    port: config.cdc.metricsPort,
    worker: { status },
    redis,
    logger,
  });
  logger.info(
    {
      port: (server.address() as AddressInfo).port,
      database: config.db.database,
      source: `${source.host}:${source.port}`,
    },
    "cdc worker: /metrics and /health listening",
  );
  lease.start();

  exitOnStopSignal(logger, async () => {
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out");
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await lease.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await redis.quit().catch(() => redis.disconnect());
    logger.info("stopped");
    return 0;
  });
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush();
  process.exit(1);
}
