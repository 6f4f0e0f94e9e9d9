/**
 * Configuration from environment variables: one typed, frozen object. Every bad value is reported with the
 * variable's name, and all of them at once, so a deployment is fixed in one round.
 */

export const EXAMPLE_SECRET_KEY = "change-me-to-a-random-string-of-at-least-32-bytes";

export type Environment = "development" | "test" | "production";

export interface DatabaseConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  connectionLimit: number;
}

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * How the app reaches Redis: one server (`REDIS_URL` / `REDIS_HOST`...), the primary that Sentinel names
 * (`REDIS_SENTINELS`), or a Redis Cluster (`REDIS_CLUSTER_NODES`). See docs/scaling.md.
 */
export type RedisMode =
  | { kind: "standalone" }
  | { kind: "sentinel"; sentinels: RedisNode[]; name: string; sentinelPassword: string | undefined }
  | { kind: "cluster"; nodes: RedisNode[] };

export interface RedisConfig {
  /** The single server (standalone mode; ignored otherwise). */
  host: string;
  port: number;
  db: number;
  /** Of the Redis servers themselves, in every mode. */
  password: string | undefined;
  username: string | undefined;
  keyPrefix: string;
  mode: RedisMode;
}

export interface Config {
  environment: Environment;
  debug: boolean;
  host: string;
  port: number;
  logLevel: string;
  publicBaseUrl: string;
  shutdownTimeoutMs: number;
  migrateOnStart: boolean;
  seedOnStart: boolean;
  db: DatabaseConfig;
  redis: RedisConfig;
  auth: {
    secretKey: string;
    algorithm: "HS256";
    accessTokenExpireMinutes: number;
    issuer: string;
    audience: string;
  };
  /** argon2id parameters (OWASP: m=19 MiB, t=2, p=1). */
  argon2: {
    memoryCost: number;
    timeCost: number;
    parallelism: number;
    maxConcurrency: number;
    maxQueue: number;
  };
  defaultAvatarUrl: string;
  defaultBackgroundUrl: string;
  cache: {
    /** TTL of cached catalogue reads (invalidation, not expiry, keeps them fresh). */
    ttlSeconds: number;
    /** Whole-response cache of anonymous public GraphQL operations; 0 turns it off. */
    responseTtlSeconds: number;
    /** Read catalogue data through Redis at all (false: every read hits MySQL, for benchmarks). */
    enabled: boolean;
    /** Memory of each replica's per-user cache (sessions, carts, orders, per-user responses); 0 turns it off. */
    userCacheBytes: number;
    /**
     * Keep the invalidation counter and users' stamps in memory under Redis client-side tracking, so a warm
     * request makes no Redis round trip (src/cache/tracked-keys.ts).
     */
    clientTracking: boolean;
  };
  /** An admin account the seed creates or promotes when both are set. */
  admin: { username: string | undefined; password: string | undefined };
  http: {
    bodyLimitBytes: number;
    requestTimeoutMs: number;
    /** Fastify trustProxy: false, true (any), or the addresses/CIDRs of our own proxies (nginx). */
    trustProxy: boolean | string[];
    /** Origins allowed by CORS; empty: no CORS headers at all. Development default: the Apollo Sandbox origin. */
    corsOrigins: string[];
  };
  graphqlLimits: {
    maxDepth: number;
    maxAliases: number;
    maxRootFields: number;
    /** Fields one selection set may select, counting those its fragments add. */
    maxSelections: number;
    maxTokens: number;
    maxDocumentBytes: number;
    maxCost: number;
    /** Size of the automatic-persisted-query store per replica (LRU, estimated heap bytes). */
    apqCacheBytes: number;
    /** Heap held by parsed and validated documents per replica (Apollo's document store, LRU). */
    documentCacheBytes: number;
  };
  rateLimits: {
    windowSeconds: number;
    requestsPerIp: number;
    loginPerIp: number;
    loginPerUsername: number;
    registerPerIp: number;
  };
  /** GraphQL subscriptions over WebSocket (docs/subscriptions.md). */
  subscriptions: {
    maxSocketsPerIp: number;
    maxSocketsPerUser: number;
    maxSubscriptionsPerSocket: number;
    /** Largest message a client may send; a larger one closes the socket (1009). */
    maxMessageBytes: number;
    /** Ping interval; a socket that has not answered the previous ping by the next one is dropped. */
    keepAliveMs: number;
    /** Events queued for one subscription the client does not read; one more and the socket is closed. */
    maxQueuedEvents: number;
    /** Bytes the socket may hold unsent before the client counts as too slow and is disconnected. */
    maxBufferedBytes: number;
    /** How often every open socket's token is checked again (revocations are also acted on at once). */
    recheckMs: number;
  };
  /** MySQL read replicas (docs/scaling.md): none configured means every query goes to the primary. */
  replicas: {
    /** Each replica's connection settings (the primary's database, user and password unless the URL names them). */
    endpoints: DatabaseConfig[];
    /** A replica further behind the primary than this is taken out of rotation until it catches up. */
    maxLagMs: number;
    /** How often each replica's position (and so its lag and health) is checked. */
    pollMs: number;
  };
  cdc: {
    /** Replication server id of the CDC worker; unique among the MySQL server's replicas. */
    serverId: number;
    /** Port of the worker's /metrics and /health. */
    metricsPort: number;
    /** The server whose binlog the worker follows: the primary, or a replica with log_slave_updates. */
    source: DatabaseConfig;
    /** True when `source` is not the primary (its binlog positions are its own). */
    sourceIsReplica: boolean;
    /**
     * Seconds after which the server ends an idle lease connection of a worker whose host vanished, so
     * that a standby takes over (the lease of a worker that dies with its host up ends at once).
     */
    leaseTimeoutSeconds: number;
  };
}

/** Where developers open the hosted Apollo Sandbox (and point it at http://localhost:8000/graphql). */
export const APOLLO_SANDBOX_ORIGIN = "https://studio.apollographql.com";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.problems.push(`${name}=${JSON.stringify(value)} is not an integer`);
      return fallback;
    }
    const n = Number(value);
    if (n < min || n > max) {
      this.problems.push(`${name}=${value} is out of range (${min}..${max})`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(value)) return true;
    if (["0", "false", "no", "off"].includes(value)) return false;
    this.problems.push(`${name}=${JSON.stringify(value)} is not a boolean (true/false, 1/0, yes/no, on/off)`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, normalise = (s: string) => s): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const normalised = normalise(value);
    if ((allowed as readonly string[]).includes(normalised)) return normalised as T;
    this.problems.push(`${name}=${JSON.stringify(value)} must be one of: ${allowed.join(", ")}`);
    return fallback;
  }

  url(name: string, protocols: string[]): URL | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (!protocols.includes(url.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(" or ")} (got ${url.protocol})`);
        return undefined;
      }
      return url;
    } catch {
      this.problems.push(`${name} is not a valid URL`);
      return undefined;
    }
  }
}

const ENVIRONMENTS = ["development", "test", "production"] as const;

function trustProxy(r: Reader): boolean | string[] {
  const value = r.raw("TRUST_PROXY");
  if (value === undefined || /^(false|no|off|0)$/i.test(value)) return false;
  if (/^(true|yes|on)$/i.test(value)) return true;
  const list = value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = list.filter((v) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(v));
  if (bad.length > 0) {
    r.problems.push(`TRUST_PROXY has entries that are not IP addresses or CIDRs: ${bad.join(", ")}`);
    return false;
  }
  return list;
}

function databaseConfig(r: Reader): DatabaseConfig {
  const url = r.url("DATABASE_URL", ["mysql:", "mariadb:"]);
  const connectionLimit = r.int("DB_POOL_SIZE", 10, 1, 500);
  if (url) {
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (!database) r.problems.push("DATABASE_URL names no database (mysql://user:pass@host:3306/dbname)");
    return {
      host: url.hostname || "127.0.0.1",
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username) || "root",
      password: decodeURIComponent(url.password),
      database,
      connectionLimit,
    };
  }
  return {
    host: r.string("DB_HOST", "127.0.0.1"),
    port: r.int("DB_PORT", 3306, 1, 65535),
    user: r.string("DB_USER", "root"),
    password: r.raw("DB_PASSWORD") ?? "",
    database: r.string("DB_NAME", "coffee_shop"),
    connectionLimit,
  };
}

/** A MySQL URL's settings, with the primary's database, user and password where the URL names none. */
function endpointFromUrl(
  r: Reader,
  name: string,
  text: string,
  primary: DatabaseConfig,
): DatabaseConfig | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    r.problems.push(`${name} has an entry that is not a valid URL: ${JSON.stringify(text)}`);
    return undefined;
  }
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
    r.problems.push(`${name} must use mysql: or mariadb: (got ${url.protocol})`);
    return undefined;
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  return {
    host: url.hostname || "127.0.0.1",
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || primary.user,
    password: url.username ? decodeURIComponent(url.password) : primary.password,
    database: database || primary.database,
    connectionLimit: primary.connectionLimit,
  };
}

function replicaConfig(r: Reader, primary: DatabaseConfig): Config["replicas"] {
  const endpoints = (r.raw("DATABASE_REPLICA_URLS") ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean)
    .flatMap((text) => endpointFromUrl(r, "DATABASE_REPLICA_URLS", text, primary) ?? []);
  const pollMs = r.int("DATABASE_REPLICA_POLL_MS", 500, 50, 60_000);
  const maxLagMs = r.int("DATABASE_REPLICA_MAX_LAG_MS", 5_000, 0, 3_600_000);
  return { endpoints, maxLagMs, pollMs };
}

function cdcSource(r: Reader, primary: DatabaseConfig): { source: DatabaseConfig; sourceIsReplica: boolean } {
  const text = r.raw("CDC_SOURCE_URL");
  const source = text ? endpointFromUrl(r, "CDC_SOURCE_URL", text, primary) : undefined;
  if (source && source.database !== primary.database) {
    r.problems.push("CDC_SOURCE_URL must name the primary's database (or none)");
  }
  const sourceIsReplica = !!source && (source.host !== primary.host || source.port !== primary.port);
  return { source: sourceIsReplica ? source! : primary, sourceIsReplica };
}

/** A comma-separated list of host:port (an IPv6 host in brackets: [::1]:6379). */
function redisNodes(r: Reader, name: string): RedisNode[] | undefined {
  const value = r.raw(name);
  if (value === undefined) return undefined;
  const nodes: RedisNode[] = [];
  for (const item of value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean)) {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(item);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      r.problems.push(`${name} entry ${JSON.stringify(item)} is not host:port`);
      continue;
    }
    nodes.push({ host: match[1] ?? match[2], port });
  }
  if (nodes.length === 0 && r.problems.every((p) => !p.startsWith(name))) {
    r.problems.push(`${name} lists no host:port`);
  }
  return nodes;
}

function redisMode(r: Reader, db: number): RedisMode {
  const sentinels = redisNodes(r, "REDIS_SENTINELS");
  const clusterNodes = redisNodes(r, "REDIS_CLUSTER_NODES");
  if (sentinels && clusterNodes) {
    r.problems.push("REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: choose one Redis mode");
  }
  if (clusterNodes) {
    if (db !== 0) r.problems.push(`Redis Cluster has only database 0 (REDIS_DB or REDIS_URL asks for ${db})`);
    return { kind: "cluster", nodes: clusterNodes };
  }
  if (sentinels) {
    return {
      kind: "sentinel",
      sentinels,
      name: r.string("REDIS_SENTINEL_NAME", "mymaster"),
      sentinelPassword: r.raw("REDIS_SENTINEL_PASSWORD"),
    };
  }
  return { kind: "standalone" };
}

function redisConfig(r: Reader): RedisConfig {
  const keyPrefix = r.string("REDIS_KEY_PREFIX", "coffee:");
  const url = r.url("REDIS_URL", ["redis:"]);
  if (url) {
    const db = url.pathname.replace(/^\//, "");
    if (db && !/^\d+$/.test(db)) r.problems.push(`REDIS_URL database ${JSON.stringify(db)} is not a number`);
    return {
      host: url.hostname || "127.0.0.1",
      port: url.port ? Number(url.port) : 6379,
      db: db ? Number(db) : 0,
      username: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password) || undefined,
      keyPrefix,
      mode: redisMode(r, db ? Number(db) : 0),
    };
  }
  const db = r.int("REDIS_DB", 0, 0, 15);
  return {
    host: r.string("REDIS_HOST", "127.0.0.1"),
    port: r.int("REDIS_PORT", 6379, 1, 65535),
    db,
    username: undefined,
    password: r.raw("REDIS_PASSWORD"),
    keyPrefix,
    mode: redisMode(r, db),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const environment = r.oneOf("ENVIRONMENT", ENVIRONMENTS, "development", (s) => s.toLowerCase());
  const debug = r.bool("DEBUG", false);
  const port = r.int("PORT", 8000, 0, 65535);
  const publicBase = r.url("PUBLIC_BASE_URL", ["http:", "https:"]);
  const publicBaseUrl = (publicBase?.href ?? `http://localhost:${port}/`).replace(/\/?$/, "/");

  const secretKey = r.raw("SECRET_KEY") ?? EXAMPLE_SECRET_KEY;
  if (environment === "production") {
    if (secretKey === EXAMPLE_SECRET_KEY) {
      r.problems.push("SECRET_KEY is the example value; set a random secret in production");
    } else if (Buffer.byteLength(secretKey) < 32) {
      r.problems.push("SECRET_KEY is shorter than 32 bytes; production needs at least 32");
    }
  }

  const adminUsername = r.raw("ADMIN_USERNAME");
  const adminPassword = r.raw("ADMIN_PASSWORD");
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    r.problems.push("ADMIN_USERNAME and ADMIN_PASSWORD must be set together");
  }

  const db = databaseConfig(r);
  const config: Config = {
    environment,
    debug,
    host: r.string("HOST", "0.0.0.0"),
    port,
    logLevel: r.oneOf(
      "LOG_LEVEL",
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
      debug ? "debug" : "info",
      (s) => s.toLowerCase(),
    ),
    publicBaseUrl,
    shutdownTimeoutMs: r.int("SHUTDOWN_TIMEOUT_MS", 10_000, 0, 300_000),
    migrateOnStart: r.bool("DB_MIGRATE_ON_START", true),
    seedOnStart: r.bool("DB_SEED_ON_START", true),
    db,
    replicas: replicaConfig(r, db),
    redis: redisConfig(r),
    auth: {
      secretKey,
      // The legacy service read ALGORITHM; only HS256 is accepted so that a verifier can pin it.
      algorithm: r.oneOf("ALGORITHM", ["HS256"] as const, "HS256", (s) => s.toUpperCase()),
      accessTokenExpireMinutes: r.int("ACCESS_TOKEN_EXPIRE_MINUTES", 43_200, 1, 525_600),
      issuer: r.string("JWT_ISSUER", "coffee-shop-api"),
      audience: r.string("JWT_AUDIENCE", "coffee-shop-clients"),
    },
    argon2: {
      memoryCost: r.int("ARGON2_MEMORY_KIB", 19_456, 1_024, 1_048_576),
      timeCost: r.int("ARGON2_TIME_COST", 2, 1, 20),
      parallelism: r.int("ARGON2_PARALLELISM", 1, 1, 16),
      maxConcurrency: r.int("ARGON2_MAX_CONCURRENCY", 4, 1, 64),
      maxQueue: r.int("ARGON2_MAX_QUEUE", 200, 0, 100_000),
    },
    defaultAvatarUrl: r.string("DEFAULT_AVATAR_URL", `${publicBaseUrl}static/images/default-avatar.png`),
    defaultBackgroundUrl: r.string(
      "DEFAULT_BACKGROUND_URL",
      `${publicBaseUrl}static/images/default-background.png`,
    ),
    cache: {
      ttlSeconds: r.int("CACHE_TTL_SECONDS", 86_400, 1, 30 * 86_400),
      responseTtlSeconds: r.int("RESPONSE_CACHE_TTL_SECONDS", 300, 0, 86_400),
      enabled: r.bool("CACHE_ENABLED", true),
      userCacheBytes: r.int("USER_CACHE_MAX_BYTES", 33_554_432, 0, 4_294_967_296),
      clientTracking: r.bool("REDIS_CLIENT_TRACKING", true),
    },
    admin: { username: adminUsername, password: adminPassword },
    http: {
      bodyLimitBytes: r.int("BODY_LIMIT_BYTES", 262_144, 1_024, 104_857_600),
      requestTimeoutMs: r.int("REQUEST_TIMEOUT_MS", 30_000, 1_000, 600_000),
      trustProxy: trustProxy(r),
      // In development, the hosted Apollo Sandbox may call a local server without any setting.
      corsOrigins: (r.raw("CORS_ORIGINS") ?? (environment === "development" ? APOLLO_SANDBOX_ORIGIN : ""))
        .split(",")
        .map((o) => o.trim().replace(/\/$/, ""))
        .filter(Boolean),
    },
    graphqlLimits: {
      maxDepth: r.int("GRAPHQL_MAX_DEPTH", 10, 2, 100),
      maxAliases: r.int("GRAPHQL_MAX_ALIASES", 15, 0, 1_000),
      maxRootFields: r.int("GRAPHQL_MAX_ROOT_FIELDS", 10, 1, 1_000),
      maxSelections: r.int("GRAPHQL_MAX_SELECTIONS", 50, 1, 10_000),
      maxTokens: r.int("GRAPHQL_MAX_TOKENS", 2_000, 100, 1_000_000),
      maxDocumentBytes: r.int("GRAPHQL_MAX_DOCUMENT_BYTES", 20_000, 1_000, 10_485_760),
      maxCost: r.int("GRAPHQL_MAX_COST", 25_000, 10, 10_000_000),
      apqCacheBytes: r.int("GRAPHQL_APQ_CACHE_BYTES", 8_388_608, 0, 1_073_741_824),
      documentCacheBytes: r.int("GRAPHQL_DOCUMENT_CACHE_BYTES", 16_777_216, 65_536, 1_073_741_824),
    },
    rateLimits: {
      windowSeconds: r.int("RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
      requestsPerIp: r.int("RATE_LIMIT_REQUESTS_PER_IP", 1_200, 1, 10_000_000),
      loginPerIp: r.int("RATE_LIMIT_LOGIN_PER_IP", 30, 1, 10_000_000),
      loginPerUsername: r.int("RATE_LIMIT_LOGIN_PER_USERNAME", 10, 1, 10_000_000),
      registerPerIp: r.int("RATE_LIMIT_REGISTER_PER_IP", 10, 1, 10_000_000),
    },
    subscriptions: {
      maxSocketsPerIp: r.int("WS_MAX_SOCKETS_PER_IP", 50, 1, 1_000_000),
      maxSocketsPerUser: r.int("WS_MAX_SOCKETS_PER_USER", 5, 1, 1_000_000),
      maxSubscriptionsPerSocket: r.int("WS_MAX_SUBSCRIPTIONS_PER_SOCKET", 10, 1, 10_000),
      maxMessageBytes: r.int("WS_MAX_MESSAGE_BYTES", 32_768, 1_024, 10_485_760),
      keepAliveMs: r.int("WS_KEEPALIVE_MS", 15_000, 100, 600_000),
      maxQueuedEvents: r.int("WS_MAX_QUEUED_EVENTS", 100, 1, 100_000),
      maxBufferedBytes: r.int("WS_MAX_BUFFERED_BYTES", 1_048_576, 1_024, 1_073_741_824),
      recheckMs: r.int("WS_RECHECK_MS", 60_000, 100, 86_400_000),
    },
    cdc: {
      serverId: r.int("CDC_SERVER_ID", 4_201, 1, 4_294_967_295),
      metricsPort: r.int("CDC_METRICS_PORT", 9_465, 0, 65_535),
      ...cdcSource(r, db),
      leaseTimeoutSeconds: r.int("CDC_LEASE_TIMEOUT_SECONDS", 10, 2, 3_600),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze(config);
}

/** For entry points: the config, or the problems on stderr and exit code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
