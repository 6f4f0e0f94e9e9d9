/**
 * The whole-response cache of both adapters. It alone decides whether responses are cached at all, how an
 * entry is keyed and kept, and what `X-Cache` says; the adapters only say which requests may be cached and
 * with which tags: the GraphQL adapter from the document (src/graphql/cache-policy.ts), a legacy route by the
 * policy it declares (src/rest/legacy-cache.ts).
 *
 * - Public responses live in the tagged Redis cache (src/cache/cache.ts) as the bytes that were sent: a hit
 *   sends them as they are, and the invalidations that refresh the data cache refresh these. A response
 *   computed after a miss is stored only if none of its tags was invalidated since the lookup.
 * - Responses with the caller's own data live in the per-user cache (src/cache/user-cache.ts), under the
 *   user's stamps: every write to the user's data makes them stale on every replica.
 *
 * Off when caching is off or RESPONSE_CACHE_TTL_SECONDS is 0 (decided once, in src/services.ts).
 */
import { createHash } from "node:crypto";
import type { TaggedCache } from "./cache.js";
import type { UserCache, UserSlot, UserSnapshot } from "./user-cache.js";

export interface ResponseCacheOptions {
  cache: Pick<TaggedCache, "peekHeldBytes" | "peekBytes" | "putText">;
  userCache: Pick<UserCache, "peek" | "put">;
  /** How long a public response is kept; 0 turns response caching off. */
  ttlSeconds: number;
}

/** What an answer sets `X-Cache` on (a Fastify reply). */
interface Reply {
  header(name: string, value: string): this;
}

const X_CACHE = "x-cache";

export class ResponseCache {
  /** Whether responses are cached at all: when not, nothing may be looked up or stored. */
  readonly enabled: boolean;

  constructor(private readonly options: ResponseCacheOptions) {
    this.enabled = options.ttlSeconds > 0;
  }

  /**
   * The stored bytes of `space`/`key` (`hit`), or a miss with the invalidation number to hand back to
   * `store`, or null when response caching is off or Redis is unavailable (then nothing is stored either).
   */
  peek(space: string, key: string) {
    return this.enabled ? this.options.cache.peekBytes(space, key) : Promise.resolve(null);
  }

  /** The stored bytes of `space`/`key` when they can be had without waiting (see TaggedCache.peekHeldBytes). */
  peekHeld(space: string, key: string): Buffer | undefined {
    return this.enabled ? this.options.cache.peekHeldBytes(space, key) : undefined;
  }

  /** Keeps a response computed after `peek` missed (`seq` from that miss), with the tags of what it shows. */
  store(space: string, key: string, seq: number, text: string, tags: string[]): Promise<void> {
    return this.options.cache.putText(space, key, text, tags, seq, this.options.ttlSeconds);
  }

  /** The response kept for the signed-in user under their current stamps (`snapshot`), if any. */
  peekUser(snapshot: UserSnapshot, space: string, key: string): string | undefined {
    return this.options.userCache.peek<string>(snapshot, userSlot(space, key));
  }

  /** Keeps a response with the user's own data, computed under `snapshot`. */
  storeUser(snapshot: UserSnapshot, space: string, key: string, text: string): void {
    this.options.userCache.put(snapshot, userSlot(space, key), text);
  }

  /** Marks an answer the cache gave. */
  hit<R extends Reply>(reply: R): R {
    return reply.header(X_CACHE, "HIT");
  }

  /** Marks an answer computed after a lookup missed. */
  miss<R extends Reply>(reply: R): R {
    return reply.header(X_CACHE, "MISS");
  }
}

/** A per-user response depends on everything the user's stamps cover. */
const userSlot = (space: string, key: string): UserSlot => ({ part: "all", name: `${space}:${key}` });

/**
 * The key of a request described by a long text (a document with its variables): a SHA-256, so any request
 * gives a short key of one length.
 */
export function digestKey(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** JSON with object keys sorted: the same values give the same key whatever order a client wrote them in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
