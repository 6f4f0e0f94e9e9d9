import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "../config.js";

/** Told of every command a client sends (redis_commands_total). */
export interface CommandCounter {
  inc(): void;
}

/** Clients that count the commands they send, by overriding the one method every command goes through. */
class CountingRedis extends Redis {
  constructor(
    options: RedisOptions,
    private readonly commands: CommandCounter,
  ) {
    super(options);
  }

  override sendCommand(...args: Parameters<Redis["sendCommand"]>): unknown {
    this.commands.inc();
    return super.sendCommand(...args);
  }
}

class CountingCluster extends Cluster {
  constructor(
    nodes: ClusterNode[],
    options: ClusterOptions,
    private readonly commands: CommandCounter,
  ) {
    super(nodes, options);
  }

  override sendCommand(...args: Parameters<Cluster["sendCommand"]>): unknown {
    this.commands.inc();
    return super.sendCommand(...args);
  }
}

/**
 * A connection to Redis in the configured mode: one server or the primary Sentinel names (a `Redis`), or a
 * Redis Cluster (a `Cluster`, which routes each command to the primary of its key's slot). Code that runs in
 * every mode uses only what both offer; multi-key commands and scripts name keys of one hash slot
 * (docs/scaling.md, "Key layout").
 */
export type RedisClient = Redis | Cluster;

/**
 * `commands`: never makes a request wait for Redis (commands fail at once while disconnected, 1 s timeout).
 * `subscriber`: pub/sub; queues its SUBSCRIBE while disconnected and subscribes again after a reconnect.
 */
export type ConnectionRole = "commands" | "subscriber";

const retryStrategy = (attempt: number) => Math.min(100 * 2 ** attempt, 5_000);

/** Options of every connection, whatever the mode: what `role` needs, and the servers' credentials. */
function connectionOptions(config: RedisConfig, role: ConnectionRole): RedisOptions {
  const commands = role === "commands";
  return {
    username: config.username,
    password: config.password,
    keyPrefix: config.keyPrefix,
    connectTimeout: 2_000,
    commandTimeout: commands ? 1_000 : undefined,
    maxRetriesPerRequest: commands ? 0 : null,
    // Commands issued in the same tick go out in one write: under load, one socket write per command was the
    // largest cost of a cached answer (bench/).
    enableAutoPipelining: commands,
  };
}

/** A connection to the one server, or to the primary the sentinels name (not for cluster mode). */
function serverConnection(config: RedisConfig, options: RedisOptions, commands?: CommandCounter): Redis {
  const { mode } = config;
  if (mode.kind === "cluster") throw new Error("a single-server connection does not exist in cluster mode");
  const all: RedisOptions = {
    ...options,
    ...(mode.kind === "sentinel"
      ? {
          sentinels: mode.sentinels,
          name: mode.name,
          sentinelPassword: mode.sentinelPassword,
          sentinelRetryStrategy: retryStrategy,
          // Drops the connection to a primary as soon as the sentinels announce another one.
          failoverDetector: true,
        }
      : { host: config.host, port: config.port }),
    db: config.db,
    enableOfflineQueue: options.enableOfflineQueue,
    lazyConnect: false,
    retryStrategy,
  };
  return commands ? new CountingRedis(all, commands) : new Redis(all);
}

/**
 * Every Redis connection of the app and the CDC worker comes from here (or from `createTrackingConnection`),
 * so that each is made in the configured mode (REDIS_URL / REDIS_SENTINELS / REDIS_CLUSTER_NODES) and keeps
 * reconnecting in the background with capped backoff. Given a counter (the process's redis_commands_total,
 * passed by the entry points), it counts every command sent.
 */
export function createRedis(
  config: RedisConfig,
  role: ConnectionRole = "commands",
  counter?: CommandCounter,
): RedisClient {
  const commands = role === "commands";
  const options = connectionOptions(config, role);
  let redis: RedisClient;
  if (config.mode.kind === "cluster") {
    const clusterOptions: ClusterOptions = {
      keyPrefix: config.keyPrefix,
      enableOfflineQueue: !commands,
      enableAutoPipelining: commands,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: 2_000,
      // A cluster moves its subscriber to another node when that node dies, and says nothing: the slot map,
      // refreshed every second, drops the dead node ("-node"), which is when subscriptions reload their state
      // (src/subscriptions/order-events.ts). Commands refresh it on MOVED and on connection errors.
      slotsRefreshInterval: commands ? undefined : 1_000,
      redisOptions: { ...options, keyPrefix: undefined },
    };
    redis = counter
      ? new CountingCluster(config.mode.nodes, clusterOptions, counter)
      : new Cluster(config.mode.nodes, clusterOptions);
  } else {
    redis = serverConnection(config, { ...options, enableOfflineQueue: !commands }, counter);
  }
  // Without a listener ioredis reports each failed reconnect as an unhandled error event.
  redis.on("error", () => {});
  return redis;
}

/**
 * A command connection without key prefix, not counted in `redis_commands_total`, to the one server or the
 * primary the sentinels name: client-side tracking (src/cache/tracked-keys.ts) needs the tracking state of one
 * connection to the server holding the keys. A Redis Cluster spreads those keys over its primaries, so there is
 * none in cluster mode (callers check `mode.kind` first).
 */
export function createTrackingConnection(config: RedisConfig): Redis {
  return serverConnection(config, {
    ...connectionOptions(config, "commands"),
    keyPrefix: undefined,
    enableOfflineQueue: false,
  });
}

/**
 * The keys matching `pattern` (a SCAN glob on full key names: the client's key prefix is neither applied to it
 * nor stripped from the keys found), batch by batch. In cluster mode SCAN runs on every primary: each holds
 * only its own slots.
 */
export async function* scanKeys(
  redis: RedisClient,
  pattern: string,
  count = 1_000,
): AsyncGenerator<string[]> {
  const servers = redis instanceof Cluster ? redis.nodes("master") : [redis];
  for (const server of servers) {
    let cursor = "0";
    do {
      const [next, keys] = await server.scan(cursor, "MATCH", pattern, "COUNT", count);
      if (keys.length > 0) yield keys;
      cursor = next;
    } while (cursor !== "0");
  }
}

/**
 * Resolves once the connection is ready (at once if it is). Rejects at once while Redis is known to be down
 * (reconnecting), or on the next connection error, or after `timeoutMs`.
 */
export function whenReady(redis: RedisClient, timeoutMs: number): Promise<void> {
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
 * cost of talking to Redis. The client's key prefix applies to the first `numberOfKeys` arguments; without
 * `numberOfKeys` the first argument says how many keys follow. A script touches only the keys it is given,
 * all of one hash slot (Redis Cluster refuses anything else).
 */
export function defineScript(redis: RedisClient, numberOfKeys: number | undefined, lua: string) {
  const name = `coffeeScript${++scripts}`;
  redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[
    name
  ];
  return (...args: (string | number)[]) => command.apply(redis, args);
}
