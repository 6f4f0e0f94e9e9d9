import { Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "../config.js";
import { metrics } from "../observability/metrics.js";

/**
 * A Redis connection that never makes a request wait for Redis: commands fail at once while it is
 * disconnected (no offline queue), and it keeps reconnecting in the background with capped backoff.
 */
export function createRedis(config: RedisConfig): Redis {
  const redis = new Redis(redisOptions(config));
  // Without a listener ioredis reports each failed reconnect as an unhandled error event.
  redis.on("error", () => {});
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    metrics.redisCommands.inc();
    return send(command, stream);
  };
  return redis;
}

/** The options of every connection to the deployment's Redis (see `createRedis`). */
export function redisOptions(config: RedisConfig): RedisOptions {
  return {
    host: config.host,
    port: config.port,
    db: config.db,
    username: config.username,
    password: config.password,
    keyPrefix: config.keyPrefix,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
    // Commands issued in the same tick go out in one write: under load, one socket write per command was the
    // largest cost of a cached answer (bench/).
    enableAutoPipelining: true,
  };
}

/**
 * Resolves once the connection is ready (at once if it is). Rejects at once while Redis is known to be down
 * (reconnecting), or on the next connection error, or after `timeoutMs`.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  if (redis.status !== "connecting" && redis.status !== "connect" && redis.status !== "wait") {
    return Promise.reject(new Error(`redis is ${redis.status}`));
  }
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("end", onEnd);
      redis.off("error", onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onEnd = (err?: Error) => done(err ?? new Error("redis connection closed"));
    const timer = setTimeout(() => done(new Error(`redis not ready after ${timeoutMs} ms`)), timeoutMs);
    redis.on("ready", onReady);
    redis.on("end", onEnd);
    redis.on("error", onEnd);
  });
}

let scripts = 0;

/**
 * A Lua script run with EVALSHA (ioredis loads it once per connection), instead of EVAL, which sends the
 * whole script text with every call: on hot paths (rate limits, cache writes) that text was the largest
 * cost of talking to Redis. The client's key prefix applies to the first `numberOfKeys` arguments.
 */
export function defineScript(redis: Redis, numberOfKeys: number, lua: string) {
  const name = `coffeeScript${++scripts}`;
  redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[
    name
  ];
  return (...args: (string | number)[]) => command.apply(redis, args);
}
