import { Cluster } from "ioredis";
import type { RedisClient } from "./redis.js";
import { metrics } from "../observability/metrics.js";

export interface BreakerLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Decides whether a request may use Redis. While the connection is down, or for a cool-down after a command
 * failed or timed out (doubling up to `maxCooldownMs`), requests skip Redis and pay no timeouts. The next
 * success after a cool-down closes it again. On a Redis Cluster, a slot map naming other primaries (a failover
 * finished) ends the cool-down at once: the failures it counted were the old primary's.
 */
export class RedisBreaker {
  private openUntil = 0;
  private cooldownMs: number;
  private down = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly log: BreakerLogger,
    private readonly minCooldownMs = 500,
    private readonly maxCooldownMs = 30_000,
  ) {
    this.cooldownMs = minCooldownMs;
    metrics.redisUp.set(redis.status === "ready" ? 1 : 0);
    redis.on("ready", () => this.markUp("connected"));
    redis.on("close", () => this.markDown({ reason: "connection closed" }));
    if (redis instanceof Cluster) this.followFailovers(redis);
  }

  available(): boolean {
    return this.redis.status === "ready" && Date.now() >= this.openUntil;
  }

  success(): void {
    if (this.openUntil !== 0) {
      this.openUntil = 0;
      this.cooldownMs = this.minCooldownMs;
      this.markUp("commands succeed again");
    }
  }

  failure(err: unknown): void {
    metrics.redisCommandErrors.inc();
    this.openUntil = Date.now() + this.cooldownMs;
    this.cooldownMs = Math.min(this.cooldownMs * 2, this.maxCooldownMs);
    this.markDown({
      reason: err instanceof Error ? err.message : String(err),
      retryInMs: this.openUntil - Date.now(),
    });
  }

  private followFailovers(cluster: Cluster): void {
    const primaries = () =>
      cluster
        .nodes("master")
        .map((n) => `${n.options.host}:${n.options.port}`)
        .sort()
        .join(" ");
    let known = primaries();
    cluster.on("refresh", () => {
      const now = primaries();
      if (now === known) return;
      known = now;
      if (this.openUntil > Date.now()) this.openUntil = Date.now();
      this.cooldownMs = this.minCooldownMs;
    });
  }

  private markDown(details: object): void {
    metrics.redisUp.set(0);
    if (this.down) return;
    this.down = true;
    this.log.warn(details, "redis unavailable: serving from MySQL without cache");
  }

  private markUp(reason: string): void {
    if (Date.now() < this.openUntil) return;
    metrics.redisUp.set(1);
    if (!this.down) return;
    this.down = false;
    this.log.info({ reason }, "redis available again: cache back in use");
    for (const listener of this.recoveryListeners) listener();
  }

  private readonly recoveryListeners: (() => void)[] = [];

  /** Calls `listener` each time Redis is usable again after an outage this replica noticed. */
  onRecovery(listener: () => void): void {
    this.recoveryListeners.push(listener);
  }
}
