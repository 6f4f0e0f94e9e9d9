import { describe, expect, it } from "vitest";
import { ConfigError, EXAMPLE_SECRET_KEY, loadConfig } from "../../src/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("loadConfig", () => {
  it("has defaults that work on a developer machine", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.environment).toBe("development");
    expect(config.db).toMatchObject({ host: "127.0.0.1", port: 3306, user: "root", database: "coffee_shop" });
    expect(config.redis).toMatchObject({ host: "127.0.0.1", port: 6379, db: 0, keyPrefix: "coffee:" });
    expect(config.auth).toMatchObject({ algorithm: "HS256", accessTokenExpireMinutes: 43_200 });
    expect(config.publicBaseUrl).toBe("http://localhost:8000/");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads the legacy variables", () => {
    const config = loadConfig({
      DB_HOST: "db",
      DB_PORT: "3307",
      DB_USER: "app",
      DB_PASSWORD: "pw",
      DB_NAME: "shop",
      REDIS_HOST: "cache",
      REDIS_PORT: "6380",
      REDIS_DB: "2",
      REDIS_PASSWORD: "secret",
      ACCESS_TOKEN_EXPIRE_MINUTES: "60",
      ALGORITHM: "hs256",
      DEBUG: "true",
    });
    expect(config.db).toMatchObject({
      host: "db",
      port: 3307,
      user: "app",
      password: "pw",
      database: "shop",
    });
    expect(config.redis).toMatchObject({ host: "cache", port: 6380, db: 2, password: "secret" });
    expect(config.auth.accessTokenExpireMinutes).toBe(60);
    expect(config.debug).toBe(true);
    expect(config.logLevel).toBe("debug");
  });

  it("prefers DATABASE_URL and REDIS_URL, decoding credentials", () => {
    const config = loadConfig({
      DATABASE_URL: "mysql://app:p%40ss@db.internal:3310/shop",
      DB_HOST: "ignored",
      REDIS_URL: "redis://:r%2Fpw@cache:6390/3",
    });
    expect(config.db).toMatchObject({
      host: "db.internal",
      port: 3310,
      user: "app",
      password: "p@ss",
      database: "shop",
    });
    expect(config.redis).toMatchObject({ host: "cache", port: 6390, db: 3, password: "r/pw" });
  });

  it("names the variable and the problem for a bad value", () => {
    expect(problemsOf({ DB_PORT: "abc" })).toEqual(['DB_PORT="abc" is not an integer']);
    expect(problemsOf({ PORT: "70000" })[0]).toMatch(/^PORT=70000 is out of range/);
    expect(problemsOf({ DEBUG: "maybe" })[0]).toMatch(/^DEBUG="maybe" is not a boolean/);
    expect(problemsOf({ ENVIRONMENT: "staging" })[0]).toMatch(/^ENVIRONMENT="staging" must be one of/);
    expect(problemsOf({ ALGORITHM: "RS256" })[0]).toMatch(/^ALGORITHM="RS256" must be one of: HS256/);
    expect(problemsOf({ DATABASE_URL: "postgres://x/y" })[0]).toMatch(/^DATABASE_URL must use mysql:/);
    expect(problemsOf({ DATABASE_URL: "not a url" })).toEqual(["DATABASE_URL is not a valid URL"]);
    expect(problemsOf({ DATABASE_URL: "mysql://root@db:3306/" })[0]).toMatch(/names no database/);
  });

  it("reports every bad variable at once", () => {
    const problems = problemsOf({ DB_PORT: "x", REDIS_PORT: "y", SHUTDOWN_TIMEOUT_MS: "-5" });
    expect(problems.map((p) => p.split(/[= ]/)[0]).sort()).toEqual([
      "DB_PORT",
      "REDIS_PORT",
      "SHUTDOWN_TIMEOUT_MS",
    ]);
  });

  it("refuses the example or a short SECRET_KEY in production only", () => {
    expect(problemsOf({ ENVIRONMENT: "production" })[0]).toMatch(/^SECRET_KEY is the example value/);
    expect(problemsOf({ ENVIRONMENT: "production", SECRET_KEY: EXAMPLE_SECRET_KEY })[0]).toMatch(/example/);
    expect(problemsOf({ ENVIRONMENT: "production", SECRET_KEY: "short-secret" })[0]).toMatch(
      /shorter than 32 bytes/,
    );
    expect(problemsOf({ ENVIRONMENT: "production", SECRET_KEY: "k".repeat(32) })).toEqual([]);
    expect(problemsOf({ ENVIRONMENT: "development", SECRET_KEY: "short" })).toEqual([]);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DB_PORT: "", PORT: "  " }).db.port).toBe(3306);
  });

  it("reads read replicas and the CDC source, with the primary's credentials where a URL names none", () => {
    const none = loadConfig({});
    expect(none.replicas).toEqual({ endpoints: [], maxLagMs: 5_000, pollMs: 500 });
    expect(none.cdc).toMatchObject({ source: none.db, sourceIsReplica: false, leaseTimeoutSeconds: 10 });

    const config = loadConfig({
      DATABASE_URL: "mysql://app:s3cret@primary:3306/shop",
      DATABASE_REPLICA_URLS: "mysql://replica1:3307, mysql://reader:pw@replica2/shop",
      DATABASE_REPLICA_MAX_LAG_MS: "2000",
      CDC_SOURCE_URL: "mysql://replica1:3307",
    });
    expect(config.replicas.maxLagMs).toBe(2_000);
    expect(config.replicas.endpoints).toMatchObject([
      { host: "replica1", port: 3307, user: "app", password: "s3cret", database: "shop" },
      { host: "replica2", port: 3306, user: "reader", password: "pw", database: "shop" },
    ]);
    expect(config.cdc.sourceIsReplica).toBe(true);
    expect(config.cdc.source).toMatchObject({ host: "replica1", port: 3307, user: "app", database: "shop" });
    expect(problemsOf({ DATABASE_REPLICA_URLS: "redis://x" })).toEqual([
      "DATABASE_REPLICA_URLS must use mysql: or mariadb: (got redis:)",
    ]);
    expect(problemsOf({ CDC_SOURCE_URL: "mysql://r/other" })).toEqual([
      "CDC_SOURCE_URL must name the primary's database (or none)",
    ]);
  });
});

describe("Redis modes", () => {
  it("is one server unless sentinels or cluster nodes are listed", () => {
    expect(loadConfig({}).redis.mode).toEqual({ kind: "standalone" });
  });

  it("reads the sentinels, the primary's name and the sentinels' password", () => {
    const { redis } = loadConfig({
      REDIS_SENTINELS: "s1:26379, 10.0.0.2:26380,[::1]:26381",
      REDIS_SENTINEL_NAME: "coffee",
      REDIS_SENTINEL_PASSWORD: "sp",
      REDIS_PASSWORD: "rp",
    });
    expect(redis.mode).toEqual({
      kind: "sentinel",
      name: "coffee",
      sentinelPassword: "sp",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "10.0.0.2", port: 26380 },
        { host: "::1", port: 26381 },
      ],
    });
    expect(redis.password).toBe("rp");
    expect(loadConfig({ REDIS_SENTINELS: "s1:26379" }).redis.mode).toMatchObject({ name: "mymaster" });
  });

  it("reads the cluster nodes, on database 0 only", () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: "a:7000,b:7001" }).redis.mode).toEqual({
      kind: "cluster",
      nodes: [
        { host: "a", port: 7000 },
        { host: "b", port: 7001 },
      ],
    });
    expect(problemsOf({ REDIS_CLUSTER_NODES: "a:7000", REDIS_DB: "2" })).toEqual([
      "Redis Cluster has only database 0 (REDIS_DB or REDIS_URL asks for 2)",
    ]);
  });

  it("names a bad entry, an empty list, and both modes at once", () => {
    expect(problemsOf({ REDIS_CLUSTER_NODES: "a:7000,b" })).toEqual([
      'REDIS_CLUSTER_NODES entry "b" is not host:port',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: "s1:99999" })).toEqual([
      'REDIS_SENTINELS entry "s1:99999" is not host:port',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: " , " })).toEqual(["REDIS_SENTINELS lists no host:port"]);
    expect(problemsOf({ REDIS_SENTINELS: "s:1", REDIS_CLUSTER_NODES: "c:2" })).toEqual([
      "REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: choose one Redis mode",
    ]);
  });
});
