/**
 * Read-your-writes across replicas of the app, when reads may go to MySQL read replicas.
 *
 * After a write commits, the primary's GTID position (which includes the write) is merged into a small Redis
 * hash for what the write touched: the user (`rw:{u:<id>}`) or the catalogue (`rw:{catalog}`). A read of that
 * data first reads the hash (one round trip) and goes to a replica only if the replica's last polled position
 * covers it, else to the primary (src/db/replicas.ts). The hash is written before the caches are stamped or
 * invalidated, so a request that sees the new stamp also sees the position; that makes it hold on every app
 * replica, not only on the one that took the write, and keeps a lagging replica from refilling a cache with
 * the value the write replaced.
 *
 * The hash lives `ttlMs`: longer than any replica in rotation may lag (a replica further behind is out of
 * rotation), so once it expires every replica in rotation has the write. When Redis cannot be read, the read
 * goes to the primary. With no replica configured nothing is recorded or read.
 */
import type { RedisClient } from "../cache/redis.js";
import type * as mariadb from "mariadb";
import { defineScript } from "../cache/redis.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { type GtidPosition, parseGtidPosition } from "./gtid.js";
import type { ReadNeed, ReplicaSet } from "./replicas.js";

// KEYS[1] the hash; ARGV[1] ttl ms, then domain/seq pairs. Keeps the higher sequence number per domain
// (compared as decimal strings: exact for 64-bit values).
const MERGE = `
for i = 2, #ARGV, 2 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  local new = ARGV[i + 1]
  if not cur or #cur < #new or (#cur == #new and cur < new) then redis.call('HSET', KEYS[1], ARGV[i], new) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

export type ConsistencyScope = { user: number } | "catalog";

const keyOf = (scope: ConsistencyScope) => (scope === "catalog" ? "rw:{catalog}" : `rw:{u:${scope.user}}`);

export interface ReadConsistencyOptions {
  redis: RedisClient;
  /** False with no replica configured: nothing is recorded, every read needs nothing. */
  enabled: boolean;
  /** How long a write's position is kept: well beyond the largest lag a replica in rotation may have. */
  ttlMs: number;
  /** For `wrote`: where the primary's position is read. */
  primaryPool?: mariadb.Pool;
  /** For `read`: the replicas reads may go to. */
  replicas?: ReplicaSet;
  logger?: { warn(obj: object, msg: string): void };
}

/** The position TTL for a lag threshold and poll interval (config.replicas). */
export function positionTtlMs(maxLagMs: number, pollMs: number): number {
  return Math.max(60_000, 4 * (maxLagMs + pollMs));
}

export class ReadConsistency {
  private readonly merge: ((...args: (string | number)[]) => Promise<unknown>) | undefined;
  private readonly redis: RedisClient;
  readonly enabled: boolean;

  constructor(private readonly options: ReadConsistencyOptions) {
    this.redis = options.redis;
    this.enabled = options.enabled;
    this.merge = this.enabled ? defineScript(this.redis, 1, MERGE) : undefined;
  }

  /**
   * Runs a read of `scope`'s data on a replica that has every write recorded for it, or on the primary.
   * With no replica configured this is `run(primary)` and costs nothing more.
   */
  async read<T>(scope: ConsistencyScope, run: (db: PrismaClient) => Promise<T>): Promise<T> {
    const replicas = this.options.replicas!;
    if (!this.enabled) return replicas.read(undefined, run);
    // With every replica out of rotation the primary answers: no need to ask Redis what the read needs.
    return replicas.read(replicas.anyInRotation() ? await this.need(scope) : "primary", run);
  }

  /**
   * Call after a commit, before stamping or invalidating caches: records the primary's current position (it
   * includes every write committed so far) for `scopes`. Never throws (the write has committed); when the
   * position cannot be recorded the failure is logged, and a read that cannot find it in Redis goes to the
   * primary.
   */
  async wrote(...scopes: ConsistencyScope[]): Promise<void> {
    if (!this.enabled || scopes.length === 0) return;
    try {
      const [row] = await this.options.primaryPool!.query<{ pos: string }[]>(
        "SELECT @@gtid_binlog_pos AS pos",
      );
      await this.record(parseGtidPosition(row?.pos), scopes);
    } catch (err) {
      this.options.logger?.warn({ err }, "could not record a write's GTID position for read-your-writes");
    }
  }

  /** Records a known position (the CDC worker's transaction GTID) for `scopes`. */
  async record(position: GtidPosition, scopes: ConsistencyScope[]): Promise<void> {
    if (!this.merge || position.size === 0) return;
    const pairs = [...position].flatMap(([domain, seq]) => [String(domain), seq.toString()]);
    await Promise.all(scopes.map((scope) => this.merge!(keyOf(scope), this.options.ttlMs, ...pairs)));
  }

  /** What a read of `scope` must see: a position, or the primary when Redis cannot tell. */
  async need(scope: ConsistencyScope): Promise<ReadNeed> {
    if (!this.enabled) return undefined;
    if (this.redis.status !== "ready") return "primary";
    try {
      const hash = await this.redis.hgetall(keyOf(scope));
      return new Map(Object.entries(hash).map(([domain, seq]) => [Number(domain), BigInt(seq)]));
    } catch {
      return "primary";
    }
  }
}
