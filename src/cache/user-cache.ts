/**
 * Per-user cache: each replica keeps a user's session state, cart, first order pages and whole per-user
 * responses in process memory, and Redis holds only a small hash of version stamps per user
 * (`uv:{<userId>}`: s = session and profile, c = cart, o = orders). A signed-in request reads the stamps and
 * the catalogue's invalidation counter once (one round trip, two commands in one write), and everything it
 * finds in memory under the same stamps is current. Every write that changes a user's data stamps the parts
 * it touched anew after its commit, so all replicas see the change on their next request.
 *
 * Coherence when Redis misbehaves:
 * - Redis restarted empty or flushed: the stamps are gone, fresh ones are made, nothing old matches.
 * - Redis unreachable: `snapshot` answers null and callers load from MySQL (never from memory).
 * - A stamp that could not be written is retried when Redis answers again, and a replica that noticed an
 *   outage drops its memory when it ends. Revocations depend on neither: they are in MySQL, and every
 *   replica polls them and evicts the user here (src/auth/revocations.ts).
 * Values are never shared between users: every key starts with the user id.
 */
import { randomBytes } from "node:crypto";
import type { RedisClient } from "./redis.js";
import { metrics } from "../observability/metrics.js";
import type { RedisBreaker } from "./breaker.js";
import { SEQ_KEY } from "./cache.js";
import { BoundedLru } from "./lru.js";
import { defineScript } from "./redis.js";
import type { TrackedKeys } from "./tracked-keys.js";

/** Where users' stamps live: `uv:{<userId>}`. */
export const USER_STAMPS_PREFIX = "uv:";

/** The parts of a user's data that change independently. */
export type UserPart = "session" | "cart" | "orders";
const FIELD: Record<UserPart, string> = { session: "s", cart: "c", orders: "o" };

/**
 * Users whose stamps wait for Redis, at most: past it the oldest are forgotten (each replica that saw the
 * outage drops its memory when it ends, and revocations never depend on stamps).
 */
const MAX_PENDING_USERS = 100_000;

/** How long an untouched user's stamps live in Redis (a missing stamp only costs one reload). */
const STAMP_TTL_MS = 24 * 3_600_000;

// KEYS[1] the user's stamps; ARGV[1] ttl, ARGV[2] a fresh stamp for parts that have none. Returns s, c, o.
// Writes only when a stamp is missing: a write would tell every replica tracking the key to drop it.
const READ = `
local stamps = redis.call('HMGET', KEYS[1], 's', 'c', 'o')
if stamps[1] and stamps[2] and stamps[3] then return stamps end
for _, field in ipairs({ 's', 'c', 'o' }) do redis.call('HSETNX', KEYS[1], field, ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return redis.call('HMGET', KEYS[1], 's', 'c', 'o')`;

/** The stamps one request read; values cached under other stamps are stale for it. */
export interface UserSnapshot {
  userId: number;
  session: string;
  cart: string;
  orders: string;
  /** The catalogue's invalidation counter: priced carts depend on catalogue data too. */
  catalog: string;
}

/** What a cached value depends on, and so which stamps it is stored under. */
export type UserSlot = { part: UserPart | "all"; name: string };

function versionOf(snapshot: UserSnapshot, part: UserSlot["part"]): string {
  switch (part) {
    case "session":
      return snapshot.session;
    case "cart":
      return `${snapshot.cart}|${snapshot.catalog}`;
    case "orders":
      return snapshot.orders;
    case "all":
      return `${snapshot.session}|${snapshot.cart}|${snapshot.orders}|${snapshot.catalog}`;
  }
}

function estimateBytes(value: unknown): number {
  if (typeof value === "string") return value.length * 2;
  if (Buffer.isBuffer(value)) return value.length;
  return (JSON.stringify(value)?.length ?? 16) * 2;
}

export class UserCache {
  private readonly local: BoundedLru<{ version: string; value: unknown }>;
  private readonly read: ReturnType<typeof defineScript>;
  private readonly nonce = randomBytes(6).toString("base64url");
  private counter = 0;
  /** Stamps that could not be written (Redis unusable), by user: written again when Redis returns. */
  private readonly pending = new Map<number, Set<UserPart>>();
  /** Counts evictions, so that a load that started before one does not store what it read. */
  private evictions = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly breaker: RedisBreaker,
    maxBytes: number,
    /** Keeps stamps in memory while Redis tracks them for this process: a warm request then sends nothing. */
    private readonly tracked?: TrackedKeys,
  ) {
    this.local = new BoundedLru(maxBytes, ({ value }, key) => estimateBytes(value) + key.length * 2);
    this.read = defineScript(redis, 1, READ);
    // After an outage this replica may have missed other replicas' stamps (they could not write them
    // either): drop what it holds, and write the stamps it could not write itself.
    breaker.onRecovery(() => {
      this.clear();
      void this.retryPending();
    });
  }

  private key(userId: number): string {
    return `${USER_STAMPS_PREFIX}{${userId}}`;
  }

  private stamp(): string {
    return `${this.nonce}.${(++this.counter).toString(36)}`;
  }

  /** The user's current stamps, or null when Redis is unusable (then nothing may be served from memory). */
  async snapshot(userId: number): Promise<UserSnapshot | null> {
    if (!this.breaker.available()) return null;
    const key = this.key(userId);
    const { tracked } = this;
    const known = tracked?.get<string[]>(key);
    const knownCatalog = known && tracked!.get<number>(SEQ_KEY);
    if (known && knownCatalog !== undefined) {
      const [session, cart, orders] = known;
      return { userId, session, cart, orders, catalog: String(knownCatalog) };
    }
    const tickets = [tracked?.ticket(key), tracked?.ticket(SEQ_KEY)];
    try {
      // Issued in the same tick: auto-pipelining sends both in one write, answered in one round trip.
      const [stamps, catalog] = await Promise.all([
        this.read(key, STAMP_TTL_MS, this.stamp()) as Promise<string[]>,
        this.redis.get(SEQ_KEY),
      ]);
      this.breaker.success();
      if (this.pending.size > 0) void this.retryPending();
      tracked?.remember(tickets[0], stamps);
      // A missing counter is a value too: its creation is a change Redis reports.
      tracked?.remember(tickets[1], Number(catalog ?? 0));
      const [session, cart, orders] = stamps;
      return { userId, session, cart, orders, catalog: catalog ?? "0" };
    } catch (err) {
      this.breaker.failure(err);
      return null;
    }
  }

  /** The value cached for `slot` under the snapshot's stamps, or what `load` returns (then cached). */
  async get<T>(snapshot: UserSnapshot | null, slot: UserSlot, load: () => Promise<T>): Promise<T> {
    if (!snapshot) return load();
    const key = `${snapshot.userId}:${slot.name}`;
    const version = versionOf(snapshot, slot.part);
    const found = this.local.get(key);
    if (found?.version === version) {
      metrics.cacheHits.inc({ cache: `user-${slot.part}` });
      return found.value as T;
    }
    metrics.cacheMisses.inc({ cache: `user-${slot.part}` });
    const evictions = this.evictions;
    const value = await load();
    if (evictions === this.evictions) this.local.set(key, { version, value });
    return value;
  }

  /** A value cached for `slot` under the snapshot's stamps, if any (no loading). */
  peek<T>(snapshot: UserSnapshot, slot: UserSlot): T | undefined {
    const found = this.local.get(`${snapshot.userId}:${slot.name}`);
    return found?.version === versionOf(snapshot, slot.part) ? (found.value as T) : undefined;
  }

  /** Stores a value computed under `snapshot` (for values produced outside `get`, like whole responses). */
  put(snapshot: UserSnapshot, slot: UserSlot, value: unknown): void {
    this.local.set(`${snapshot.userId}:${slot.name}`, { version: versionOf(snapshot, slot.part), value });
  }

  /**
   * Marks parts of a user's data as changed: call after the write committed. Never throws; a stamp Redis
   * did not take is retried when it returns (false then).
   */
  async touch(userId: number, parts: UserPart[]): Promise<boolean> {
    const stamp = this.stamp();
    const fields = Object.fromEntries(parts.map((p) => [FIELD[p], stamp]));
    try {
      if (!this.breaker.available()) throw new Error("redis unavailable");
      await Promise.all([
        this.redis.hset(this.key(userId), fields),
        this.redis.pexpire(this.key(userId), STAMP_TTL_MS),
      ]);
      // Now, not when Redis's invalidation message arrives: this replica's next request must see the write.
      this.tracked?.forget(this.key(userId));
      this.breaker.success();
      return true;
    } catch (err) {
      if (this.breaker.available()) this.breaker.failure(err);
      const waiting = this.pending.get(userId) ?? new Set();
      parts.forEach((p) => waiting.add(p));
      this.pending.set(userId, waiting);
      if (this.pending.size > MAX_PENDING_USERS) this.pending.delete(this.pending.keys().next().value!);
      return false;
    }
  }

  /** Forgets everything this replica holds for the user (a revocation seen in MySQL). */
  evict(userId: number): void {
    this.evictions++;
    this.local.deletePrefix(`${userId}:`);
  }

  /** Forgets everything (this replica may have missed changes, e.g. revocations it could not poll). */
  clear(): void {
    this.evictions++;
    this.local.clear();
  }

  private async retryPending(): Promise<void> {
    const waiting = [...this.pending];
    this.pending.clear();
    // Issued together: auto-pipelining sends them in a few writes.
    await Promise.all(waiting.map(([userId, parts]) => this.touch(userId, [...parts])));
  }
}
