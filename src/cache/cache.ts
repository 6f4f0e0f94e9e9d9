/**
 * A read-through cache over Redis whose entries carry tags.
 *
 * - `getOrLoad` answers from Redis, or loads once (single-flight: one load per key in this process, and with a
 *   short Redis lock one across replicas) and stores the value with its tags.
 * - `invalidate(tags)` stamps each tag with a new invalidation number. An entry records the stamps of its tags
 *   as they were when it was loaded, and a read that finds any of them moved treats the entry as missing, so
 *   every entry carrying the tag is gone at once (lists and empty results included) while an invalidation
 *   costs one write per tag, whatever the number of entries. Nothing lists the entries of a tag: no key grows
 *   with the number of distinct requests (a set of members per tag did: each anonymous miss added to it, and
 *   invalidating 200k members blocked Redis for 430 ms). Stale entries are overwritten by the next load or
 *   expire with their TTL. A read is one MGET while nothing was invalidated since the entry was stored (it
 *   records the invalidation counter too), and one more MGET of its tags' stamps otherwise.
 * - A load that started before an invalidation of one of its tags cannot write its stale value back afterwards
 *   (its tags' stamps are newer than the invalidation number it started at).
 * - Each process also keeps the values it decoded (frozen and shared) and the response bytes it read, while the
 *   invalidation counter stays the same: one GET of the counter instead of reading and decoding the value, and
 *   no round trip at all while Redis tracks the counter for this process (src/cache/tracked-keys.ts). The
 *   counter starts at a random value, so a Redis restarted empty never brings back a counter a remembered
 *   value was read at.
 * - When Redis is unreachable (see RedisBreaker) reads go straight to MySQL and invalidations are skipped:
 *   slower, never failed.
 *
 * Keys: `<REDIS_KEY_PREFIX>cache:v3:{catalog}:<cache>:<key>` holding the value,
 * `...cache:v3-stamps:{catalog}:<cache>:<key>` holding `<counter> <tag> <stamp> ...` as they were when it was
 * stored; tag stamps `...cache:v3:{catalog}:tagseq:<tag>` (one per tag ever cached, refreshed while entries
 * use it); the invalidation counter `...cache:v3:{catalog}:seq`. Every key shares the hash tag `{catalog}`: a
 * store checks and writes an entry, its stamps, the counter and its tags' stamps atomically, which Redis
 * Cluster allows only within one slot (docs/scaling.md). Every read needs the counter anyway, so the catalogue
 * lives on one primary whatever the layout. Bump the version when the shape of cached values changes.
 */
import { randomUUID } from "node:crypto";
import { metrics } from "../observability/metrics.js";
import type { RedisBreaker } from "./breaker.js";
import { defineScript, type RedisClient, scanKeys } from "./redis.js";
import { decode, encode } from "./codec.js";
import { BoundedLru } from "./lru.js";
import type { TrackedKeys } from "./tracked-keys.js";
import type { DataCache, TagsOf } from "./data-cache.js";

const NAMESPACE = "cache:v3:{catalog}:";
/** Where an entry's stamps live: `cache:v3-stamps:{catalog}:<cache>:<key>` beside the entry. */
const STAMPS_NAMESPACE = "cache:v3-stamps:{catalog}:";
const TAG_NAMESPACE = `${NAMESPACE}tagseq:`;
const tagKey = (tag: string) => TAG_NAMESPACE + tag;
/** The invalidation counter: it changes with every invalidation (the per-user cache reads it too). */
export const SEQ_KEY = `${NAMESPACE}seq`;
const NEGATIVE_TTL_SECONDS = 60;
/** Redis could not say whether a value remembered in memory is current: neither use it nor read Redis. */
const BYPASS = Symbol("bypass");

// KEYS[1] entry, KEYS[2] its stamps, KEYS[3] seq, KEYS[4...] its tags' stamps; ARGV: value, ttl, seq at load
// start, then the tags (in the order of their keys). Refuses a value whose tags were invalidated since its load
// started; else stores it, and beside it the invalidation counter now and its tags' stamps now.
const STORE = `
local ttl = tonumber(ARGV[2])
local header = { redis.call('GET', KEYS[3]) or '0' }
for i = 4, #KEYS do
  local key = KEYS[i]
  local stamp = redis.call('GET', key)
  if stamp and tonumber(stamp) > tonumber(ARGV[3]) then return 0 end
  if not stamp then
    stamp = '0'
    redis.call('SET', key, stamp, 'EX', ttl)
  elseif redis.call('TTL', key) < ttl then
    redis.call('EXPIRE', key, ttl)
  end
  header[#header + 1] = ARGV[i] .. ' ' .. stamp
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('SET', KEYS[2], table.concat(header, ' '), 'EX', ttl)
return 1`;

// KEYS[1] seq, KEYS[2...] the tags' stamps; ARGV: stamp ttl, a random start for a missing counter.
const INVALIDATE = `
redis.call('SET', KEYS[1], ARGV[2], 'NX')
local seq = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], seq, 'EX', ARGV[1])
end
return #KEYS - 1`;

// KEYS[1] lock; ARGV[1] token
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface TaggedCacheOptions {
  redis: RedisClient;
  breaker: RedisBreaker;
  /** The Redis client's key prefix (SCAN matches full key names). */
  keyPrefix: string;
  ttlSeconds: number;
  /**
   * Runs before an API invalidation is written (read-your-writes over MySQL replicas records the primary's
   * position there, src/db/read-consistency.ts); never throws.
   */
  beforeInvalidate?: () => Promise<void>;
  /** How long one replica may hold the load lock of a key; others wait for its value up to this long. */
  lockMs?: number;
  /** Poll interval while waiting for another replica's load. */
  pollMs?: number;
  /** Memory for decoded values kept in this process (valid while the invalidation counter is unchanged). */
  localBytes?: number;
  /** Keeps the invalidation counter in memory while Redis tracks it (no round trip for a remembered value). */
  tracked?: TrackedKeys;
}

const stampsKey = (entry: string) => STAMPS_NAMESPACE + entry.slice(NAMESPACE.length);

export class TaggedCache implements DataCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly local: BoundedLru<{ seq: number; value: unknown; size: number }>;
  private readonly lockMs: number;
  private readonly pollMs: number;

  /** Tags whose invalidation failed (Redis unusable): retried with the next one and when Redis returns. */
  private readonly pending = new Set<string>();

  private readonly scripts: {
    store: ReturnType<typeof defineScript>;
    invalidate: ReturnType<typeof defineScript>;
    unlock: ReturnType<typeof defineScript>;
  };

  constructor(private readonly options: TaggedCacheOptions) {
    this.scripts = {
      store: defineScript(options.redis, undefined, STORE),
      invalidate: defineScript(options.redis, undefined, INVALIDATE),
      unlock: defineScript(options.redis, 1, UNLOCK),
    };
    options.redis.on("ready", () => {
      if (this.pending.size > 0) void this.invalidate([], "retry");
    });
    this.lockMs = options.lockMs ?? 3_000;
    this.pollMs = options.pollMs ?? 15;
    this.local = new BoundedLru(
      options.localBytes ?? 16 * 1024 * 1024,
      ({ size }, key) => size + key.length * 2,
    );
  }

  /** The value of `cache`/`key`, loading it at most once at a time across this process and the replicas. */
  getOrLoad<T>(cache: string, key: string, load: () => Promise<T>, tagsOf: TagsOf<T>): Promise<T> {
    const entry = `${NAMESPACE}${cache}:${key}`;
    const running = this.inflight.get(entry) as Promise<T> | undefined;
    if (running) {
      metrics.cacheSingleFlightWaits.inc({ cache, scope: "process" });
      return running;
    }
    const promise = this.read(cache, entry, load, tagsOf).finally(() => this.inflight.delete(entry));
    this.inflight.set(entry, promise);
    return promise;
  }

  /**
   * Batch form for DataLoaders: values this process decoded before and that are still current are used as
   * they are (one GET of the invalidation counter); the rest come in one MGET, and one `loadMissing` call
   * (in the order given) loads the misses, each stored under its own key and tags. Falls back to
   * `loadMissing(all)` without Redis.
   */
  async getOrLoadMany<K, T>(
    cache: string,
    keys: readonly K[],
    keyOf: (k: K) => string,
    loadMissing: (missing: K[]) => Promise<T[]>,
    tagsOf: (value: T, k: K) => string[],
  ): Promise<T[]> {
    const bypass = () => {
      metrics.cacheBypasses.inc({ cache }, keys.length);
      return loadMissing([...keys]);
    };
    if (!this.options.breaker.available()) return bypass();
    const entries = keys.map((k) => `${NAMESPACE}${cache}:${keyOf(k)}`);
    const result: T[] = new Array(keys.length);
    let wanted = entries.map((_, i) => i);
    const remembered = entries.map((entry) => this.local.get(entry));
    if (remembered.some(Boolean)) {
      const current = await this.currentSeq();
      if (current === undefined) return bypass();
      wanted = [];
      remembered.forEach((found, i) => {
        if (found && found.seq === current) result[i] = found.value as T;
        else wanted.push(i);
      });
      metrics.cacheHits.inc({ cache }, keys.length - wanted.length);
      if (wanted.length === 0) return result;
    }

    let cached: (Buffer | null)[];
    let seq: number;
    try {
      ({ seq, values: cached } = await this.readFresh(wanted.map((i) => entries[i])));
      this.options.breaker.success();
    } catch (err) {
      this.options.breaker.failure(err);
      return bypass();
    }
    const missing: number[] = [];
    cached.forEach((text, j) => {
      const i = wanted[j];
      if (text === null) missing.push(i);
      else result[i] = this.decodeAndRemember(entries[i], text.toString(), seq);
    });
    metrics.cacheHits.inc({ cache }, wanted.length - missing.length);
    if (missing.length === 0) return result;
    metrics.cacheMisses.inc({ cache }, missing.length);

    // Single-flight per key: misses another request is already loading are awaited, the rest load together.
    const waits: Promise<void>[] = [];
    const toLoad: number[] = [];
    for (const i of missing) {
      const running = this.inflight.get(entries[i]) as Promise<T> | undefined;
      if (!running) {
        toLoad.push(i);
        continue;
      }
      metrics.cacheSingleFlightWaits.inc({ cache, scope: "process" });
      waits.push(running.then((value) => void (result[i] = value)));
    }
    if (toLoad.length > 0) {
      const batch = loadMissing(toLoad.map((i) => keys[i])).then(async (loaded) => {
        await Promise.all(
          toLoad.map((i, j) => this.store(entries[i], encode(loaded[j]), seq, tagsOf(loaded[j], keys[i]))),
        );
        return loaded;
      });
      toLoad.forEach((i, j) => {
        const one = batch.then((loaded) => loaded[j]);
        this.inflight.set(entries[i], one);
        one
          .finally(() => this.inflight.get(entries[i]) === one && this.inflight.delete(entries[i]))
          .catch(() => undefined);
        waits.push(one.then((value) => void (result[i] = value)));
      });
    }
    await Promise.all(waits);
    return result;
  }

  /**
   * The bytes of `cache`/`key` when this process holds them and knows, without asking Redis, that nothing was
   * invalidated since (the tracked counter matches): `peekBytes`'s common hit, answered synchronously.
   * Undefined means only `peekBytes` can tell.
   */
  peekHeldBytes(cache: string, key: string): Buffer | undefined {
    const remembered = this.local.get(`${NAMESPACE}${cache}:${key}`);
    if (!remembered || !this.options.breaker.available()) return undefined;
    if (this.options.tracked?.get<number>(SEQ_KEY) !== remembered.seq) return undefined;
    metrics.cacheHits.inc({ cache });
    return remembered.value as Buffer;
  }

  /**
   * A cached text as the bytes Redis holds (no decoding: the response cache sends them as they are), or a
   * miss with the invalidation number to hand back to `putText`, so that a text computed after an
   * invalidation of its tags is not stored. Null when Redis is unavailable.
   */
  async peekBytes(cache: string, key: string) {
    const entry = `${NAMESPACE}${cache}:${key}`;
    const remembered = await this.fromMemory(cache, entry);
    if (remembered === BYPASS) return null;
    if (remembered) return { hit: true as const, bytes: remembered.value as Buffer, seq: remembered.seq };
    const found = await this.lookup(cache, entry);
    if (found?.hit) {
      if (found.seq === 0) void this.startSeq();
      else this.local.set(entry, { seq: found.seq, value: found.bytes, size: found.bytes.length });
    }
    return found;
  }

  /** One entry and the invalidation counter in one round trip, counted as a hit, a miss or a bypass. */
  private async lookup(
    cache: string,
    entry: string,
  ): Promise<{ hit: true; bytes: Buffer; seq: number } | { hit: false; seq: number } | null> {
    const { breaker } = this.options;
    if (!breaker.available()) {
      metrics.cacheBypasses.inc({ cache });
      return null;
    }
    try {
      const {
        seq,
        values: [bytes],
      } = await this.readFresh([entry]);
      breaker.success();
      if (bytes === null) {
        metrics.cacheMisses.inc({ cache });
        return { hit: false, seq };
      }
      metrics.cacheHits.inc({ cache });
      return { hit: true, bytes, seq };
    } catch (err) {
      breaker.failure(err);
      metrics.cacheBypasses.inc({ cache });
      return null;
    }
  }

  /** Stores a text computed after `peekBytes` missed (with that miss's `seq`). */
  putText(cache: string, key: string, text: string, tags: string[], seq: number, ttlSeconds: number) {
    return this.store(`${NAMESPACE}${cache}:${key}`, text, seq, tags, ttlSeconds);
  }

  /**
   * Drops every entry carrying one of `tags` (by moving the tags' stamps). Returns the number of tags
   * invalidated, or null when Redis is unusable: the tags are then kept and retried by this process with its
   * next invalidation and when Redis returns (a caller that must survive a restart, like the CDC worker,
   * retries by itself too).
   */
  async invalidate(tags: string[], source: "api" | "cdc" | "retry" = "api"): Promise<number | null> {
    const unique = [...new Set([...this.pending, ...tags])];
    if (unique.length === 0) return 0;
    if (source === "api" && this.options.beforeInvalidate) await this.options.beforeInvalidate();
    metrics.cacheInvalidations.inc({ source }, tags.length);
    if (this.options.redis.status !== "ready") {
      unique.forEach((tag) => this.pending.add(tag));
      return null;
    }
    try {
      const stamped = Number(
        await this.scripts.invalidate(
          1 + unique.length,
          SEQ_KEY,
          ...unique.map(tagKey),
          this.options.ttlSeconds,
          randomSeqBase(),
        ),
      );
      // Now, not when Redis's invalidation message arrives: this replica's next request must see the change.
      this.options.tracked?.forget(SEQ_KEY);
      this.options.breaker.success();
      metrics.cacheInvalidatedKeys.inc(stamped);
      unique.forEach((tag) => this.pending.delete(tag));
      return stamped;
    } catch (err) {
      this.options.breaker.failure(err);
      unique.forEach((tag) => this.pending.add(tag));
      return null;
    }
  }

  /**
   * The entries that are there and fresh (null for the others) with the invalidation counter, in one MGET while
   * nothing was invalidated since they were stored (the counter they recorded is the current one). Otherwise
   * one more MGET compares the stamps of their tags with those they recorded: any moved, the entry is stale;
   * none moved, the entry records the current counter, so the next read is one MGET again.
   */
  private async readFresh(entries: string[]): Promise<{ seq: number; values: (Buffer | null)[] }> {
    const { redis, tracked } = this.options;
    const ticket = tracked?.ticket(SEQ_KEY);
    const reply = await redis.mgetBuffer(SEQ_KEY, ...entries.flatMap((e) => [e, stampsKey(e)]));
    const seq = Number(reply[0]?.toString() ?? 0);
    if (seq !== 0) tracked?.remember(ticket, seq);
    const values: (Buffer | null)[] = [];
    const toCheck: { index: number; pairs: string[] }[] = [];
    entries.forEach((_, i) => {
      const value = reply[1 + 2 * i];
      const header = reply[2 + 2 * i];
      values.push(value && header ? value : null);
      if (!value || !header) return;
      const [storedSeq, ...pairs] = header.toString().split(" ");
      if (Number(storedSeq) !== seq) toCheck.push({ index: i, pairs });
    });
    if (toCheck.length === 0) return { seq, values };
    const tags = [...new Set(toCheck.flatMap(({ pairs }) => pairs.filter((_, j) => j % 2 === 0)))];
    const stamps = tags.length > 0 ? await redis.mget(...tags.map(tagKey)) : [];
    const current = new Map(tags.map((tag, i) => [tag, stamps[i] ?? "0"]));
    for (const { index, pairs } of toCheck) {
      let fresh = true;
      for (let j = 0; j < pairs.length; j += 2) fresh &&= current.get(pairs[j]) === pairs[j + 1];
      if (!fresh) values[index] = null;
      else {
        redis.set(stampsKey(entries[index]), [seq, ...pairs].join(" "), "KEEPTTL").catch(() => undefined);
      }
    }
    return { seq, values };
  }

  /** One entry's value if it is there and none of its tags was invalidated since it was stored. */
  private async freshText(entry: string): Promise<string | null> {
    const {
      values: [value],
    } = await this.readFresh([entry]);
    return value?.toString() ?? null;
  }

  /**
   * The tags starting with one of `prefixes` that some cached entry may carry, found by scanning the tags'
   * stamps (SCAN: Redis is never blocked). For table-wide changes (TRUNCATE, DDL), where the database can no longer
   * list the ids whose entries may be stale.
   */
  async cachedTags(prefixes: string[]): Promise<string[]> {
    const namespace = this.options.keyPrefix + TAG_NAMESPACE;
    const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");
    const tags: string[] = [];
    for (const prefix of prefixes) {
      for await (const keys of scanKeys(this.options.redis, `${escapeGlob(namespace + prefix)}*`)) {
        tags.push(...keys.map((key) => key.slice(namespace.length)));
      }
    }
    return tags;
  }

  /**
   * The invalidation counter, undefined when Redis failed. A missing counter (0) is created at a random value:
   * a value remembered in memory is current only while the counter is unchanged, and a counter restarted from
   * zero (Redis restarted empty) could otherwise come back to a value remembered before.
   */
  private async currentSeq(): Promise<number | undefined> {
    const { breaker, tracked } = this.options;
    if (!breaker.available()) return undefined;
    const known = tracked?.get<number>(SEQ_KEY);
    if (known !== undefined) return known;
    const ticket = tracked?.ticket(SEQ_KEY);
    try {
      const seq = Number((await this.options.redis.get(SEQ_KEY)) ?? 0);
      breaker.success();
      if (seq === 0) void this.startSeq();
      else tracked?.remember(ticket, seq);
      return seq;
    } catch (err) {
      this.options.breaker.failure(err);
      return undefined;
    }
  }

  private startSeq(): Promise<unknown> {
    return this.options.redis.set(SEQ_KEY, randomSeqBase(), "NX").catch(() => undefined);
  }

  /**
   * Decodes a cached text and keeps the value in memory under the counter it was read with. Values are frozen:
   * every caller shares them.
   */
  private decodeAndRemember<T>(entry: string, text: string, seq: number): T {
    const value = deepFreeze(decode<T>(text));
    if (seq === 0) void this.startSeq();
    else this.local.set(entry, { seq, value, size: text.length * 2 });
    return value;
  }

  /**
   * What this process remembers of `entry` while the invalidation counter is the one it was read at (counted
   * as a hit), BYPASS when Redis cannot say (counted as a bypass), else undefined.
   */
  private async fromMemory(cache: string, entry: string) {
    const remembered = this.local.get(entry);
    if (!remembered) return undefined;
    const current = await this.currentSeq();
    if (current === undefined) {
      metrics.cacheBypasses.inc({ cache });
      return BYPASS;
    }
    if (remembered.seq !== current) return undefined;
    metrics.cacheHits.inc({ cache });
    return remembered;
  }

  private async read<T>(cache: string, entry: string, load: () => Promise<T>, tagsOf: TagsOf<T>): Promise<T> {
    const { redis, breaker } = this.options;
    const remembered = await this.fromMemory(cache, entry);
    if (remembered === BYPASS) return load();
    if (remembered) return remembered.value as T;
    const found = await this.lookup(cache, entry);
    if (!found) return load();
    if (found.hit) return this.decodeAndRemember(entry, found.bytes.toString(), found.seq);
    const { seq } = found;

    // Across replicas: the first to take the lock loads; the others wait for its value.
    const lock = `${entry}:lock`;
    const token = randomUUID();
    let locked: string | null;
    try {
      locked = await redis.set(lock, token, "PX", this.lockMs, "NX");
    } catch (err) {
      breaker.failure(err);
      return load();
    }
    if (locked !== "OK") {
      metrics.cacheSingleFlightWaits.inc({ cache, scope: "cluster" });
      const deadline = Date.now() + this.lockMs;
      while (Date.now() < deadline && breaker.available()) {
        await new Promise((r) => setTimeout(r, this.pollMs));
        const text = await this.freshText(entry).catch((err: unknown) => {
          breaker.failure(err);
          return null;
        });
        if (text !== null) return decode<T>(text);
      }
    }
    try {
      const value = await load();
      await this.store(entry, encode(value), seq, tagsOf(value));
      return value;
    } finally {
      if (locked === "OK") await this.scripts.unlock(lock, token).catch(() => undefined);
    }
  }

  private async store(entry: string, text: string, seq: number, tags: string[], ttlSeconds?: number) {
    // Misses (null) are kept briefly: enough to absorb a burst, too short to fill Redis with junk keys.
    const ttl =
      ttlSeconds ??
      (text === "null" ? Math.min(NEGATIVE_TTL_SECONDS, this.options.ttlSeconds) : this.options.ttlSeconds);
    const unique = [...new Set(tags)];
    try {
      await this.scripts.store(
        3 + unique.length,
        entry,
        stampsKey(entry),
        SEQ_KEY,
        ...unique.map(tagKey),
        text,
        ttl,
        seq,
        ...unique,
      );
    } catch (err) {
      this.options.breaker.failure(err);
    }
  }
}

/** A start for a new invalidation counter: random, and far below 2^53 so that Lua and JS count it exactly. */
function randomSeqBase(): number {
  return 2 ** 40 + Math.floor(Math.random() * 2 ** 48);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
