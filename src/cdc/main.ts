/**
 * Entry point of the CDC worker (`npm run cdc`): follows the MySQL binlog and invalidates the Redis cache
 * for catalogue rows changed outside the API. One worker per database is enough; see binlog-worker.ts.
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
import { BinlogWorker } from "./binlog-worker.js";
import { startMetricsServer } from "./metrics-server.js";
import { PositionStore } from "./position-store.js";
import { orderEventsChannel, publishOrderHints } from "../subscriptions/order-events.js";

const config = loadConfigOrExit();
const logger = pino({ ...loggerOptions(config), base: { service: "coffee-shop-cdc", pid: process.pid } });
const redis = createRedis(config.redis, metrics.redisCommands);
const breaker = new RedisBreaker(redis, logger);
const worker = new BinlogWorker({
  db: config.db,
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
  positions: new PositionStore(redis, config.db.database),
  logger,
});

try {
  const server = await startMetricsServer({
    host: config.host,
    port: config.cdc.metricsPort,
    worker,
    redis,
    logger,
  });
  logger.info(
    { port: (server.address() as AddressInfo).port, database: config.db.database },
    "cdc worker: /metrics and /health listening",
  );
  worker.start();

  exitOnStopSignal(logger, async () => {
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out");
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await worker.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await redis.quit().catch(() => redis.disconnect());
    logger.info({ position: worker.status().position }, "stopped");
    return 0;
  });
} catch (err) {
  logger.fatal({ err }, "failed to start");
  logger.flush();
  process.exit(1);
}
