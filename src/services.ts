import { AccountsService } from "./accounts/accounts.service.js";
import { PasswordHasher } from "./auth/password.js";
import { TokenService } from "./auth/tokens.js";
import { CatalogAdminService } from "./catalog/catalog-admin.service.js";
import { CatalogService } from "./catalog/catalog.service.js";
import type { FastifyBaseLogger } from "fastify";
import type { Registry } from "prom-client";
import { createRedis, createTrackingConnection, type RedisClient } from "./cache/redis.js";
import { RedisBreaker } from "./cache/breaker.js";
import { SEQ_KEY, TaggedCache } from "./cache/cache.js";
import { type DataCache, PassThroughCache } from "./cache/data-cache.js";
import { ResponseCache } from "./cache/response-cache.js";
import { TrackedKeys } from "./cache/tracked-keys.js";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
import { positionTtlMs, ReadConsistency } from "./db/read-consistency.js";
import { Revocations } from "./auth/revocations.js";
import { USER_STAMPS_PREFIX, UserCache } from "./cache/user-cache.js";
import { ActivityTracker } from "./accounts/activity.js";
import { CartService } from "./orders/cart.service.js";
import { OrderingRepository } from "./orders/ordering.repository.js";
import { OrdersService } from "./orders/orders.service.js";
import { AuthThrottle } from "./security/auth-throttle.js";
import { RateLimiter } from "./security/rate-limiter.js";
import { appGauges } from "./observability/metrics.js";
import { OrderEvents, orderEventsChannel } from "./subscriptions/order-events.js";

/** The domain services, built once per process and shared by the GraphQL and REST adapters. */
export interface Services {
  accounts: AccountsService;
  catalog: CatalogService;
  catalogAdmin: CatalogAdminService;
  carts: CartService;
  orders: OrdersService;
  tokens: TokenService;
  passwords: PasswordHasher;
  /** The tagged data cache itself: invalidations go through it whether caching is on or off. */
  cache: TaggedCache;
  userCache: UserCache;
  /** Whole responses of both adapters (src/cache/response-cache.ts). */
  responseCache: ResponseCache;
  revocations: Revocations;
  limiter: RateLimiter;
  breaker: RedisBreaker;
  /** Hot stamps kept in memory under Redis client-side tracking; null when turned off. */
  tracked: TrackedKeys | null;
  /** Live order updates: raised after commits, fanned out through Redis (src/subscriptions/). */
  orderEvents: OrderEvents;
  /** This app's gauges (its database pool, active users), exported by GET /metrics. */
  gauges: Registry;
}

export function createServices(
  config: Config,
  db: Database,
  redis: RedisClient,
  logger: FastifyBaseLogger,
): Services {
  const passwords = new PasswordHasher(config.argon2);
  const tokens = new TokenService(config.auth);
  const breaker = new RedisBreaker(redis, logger);
  const activity = new ActivityTracker(redis, breaker);
  const limiter = new RateLimiter(redis, breaker, logger);
  const gauges = appGauges({
    pool: {
      activeConnections: () => db.pool.activeConnections(),
      idleConnections: () => db.pool.idleConnections(),
      totalConnections: () => db.pool.totalConnections(),
      limit: config.db.connectionLimit,
    },
    activeUsers: () => activity.count(),
  });
  const ordering = new OrderingRepository(db.pool);
  // Catalogue cache misses and order history may read from MySQL replicas; writes stay on the primary.
  const reads = new ReadConsistency({
    redis,
    enabled: db.replicas.enabled,
    ttlMs: positionTtlMs(config.replicas.maxLagMs, config.replicas.pollMs),
    primaryPool: db.pool,
    replicas: db.replicas,
    logger,
  });
  // Client-side tracking needs one connection to the server holding the tracked keys: none on a Redis Cluster.
  const tracked =
    config.cache.enabled && config.cache.clientTracking && config.redis.mode.kind !== "cluster"
      ? new TrackedKeys({
          connect: () => createTrackingConnection(config.redis),
          keyPrefix: config.redis.keyPrefix,
          prefixes: [SEQ_KEY, USER_STAMPS_PREFIX],
          log: logger,
        })
      : null;
  const cache = new TaggedCache({
    redis,
    breaker,
    keyPrefix: config.redis.keyPrefix,
    ttlSeconds: config.cache.ttlSeconds,
    beforeInvalidate: () => reads.wrote("catalog"),
    tracked: tracked ?? undefined,
  });
  // Whether caching is on is decided in this function only: with caching off the services call a pass-through
  // data cache and the adapters find the response cache off.
  const dataCache: DataCache = config.cache.enabled ? cache : new PassThroughCache();
  const userCache = new UserCache(
    redis,
    breaker,
    config.cache.enabled ? config.cache.userCacheBytes : 0,
    tracked ?? undefined,
  );
  const responseCache = new ResponseCache({
    cache,
    userCache,
    ttlSeconds: config.cache.enabled ? config.cache.responseTtlSeconds : 0,
  });
  const revocations = new Revocations(db.prisma, logger);
  const orderEvents: OrderEvents = new OrderEvents({
    redis,
    connectSubscriber: () => createRedis(config.redis, "subscriber"),
    channel: orderEventsChannel(config.redis.keyPrefix),
    load: (orderNo) => orders.find(orderNo, 0, true),
    logger,
  });
  const orders: OrdersService = new OrdersService(db.prisma, ordering, userCache, orderEvents, logger, reads);
  return {
    accounts: new AccountsService(
      db.prisma,
      passwords,
      tokens,
      revocations,
      userCache,
      new AuthThrottle(limiter, config.rateLimits),
      activity,
    ),
    limiter,
    catalog: new CatalogService(db.prisma, config.publicBaseUrl, dataCache, (run) =>
      reads.read("catalog", run),
    ),
    catalogAdmin: new CatalogAdminService(db.prisma, cache),
    carts: new CartService(db.prisma, ordering, userCache),
    orders,
    orderEvents,
    tokens,
    passwords,
    cache,
    userCache,
    responseCache,
    revocations,
    breaker,
    tracked,
    gauges,
  };
}
