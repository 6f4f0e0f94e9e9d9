/**
 * Whole-response caches for GraphQL queries (scopes in src/graphql/cache-policy.ts), `X-Cache: HIT|MISS`:
 * - public documents (every field the same for every caller) in the shared Redis cache, with or without a
 *   token: a token changes nothing in their answer. Keyed by the normalised document, the operation name and
 *   the variables; tagged by the entities in the result, so the invalidations that refresh the data cache
 *   refresh these.
 * - documents that read the caller's own data (me, cart, myOrders) in the per-user cache, after the token
 *   was checked, under the user's stamps: every write to the user's data makes them stale on every replica.
 * Mutations and anything touching other types are never cached.
 *
 * A hit is answered before Apollo runs, with the stored bytes as they are: parsing and re-serialising a large
 * menu was most of the cost of a warm request (bench/). A miss runs Apollo; an Apollo plugin collects the
 * tags while fields resolve, and an onSend hook stores the body Apollo wrote.
 */
import { createHash } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type GraphQLSchema, Kind, type OperationDefinitionNode, parse, print } from "graphql";
import type { AccountsService } from "../accounts/accounts.service.js";
import { signedIn } from "../auth/request-identity.js";
import type { TaggedCache } from "../cache/cache.js";
import { BoundedLru } from "../cache/lru.js";
import type { UserCache, UserSlot, UserSnapshot } from "../cache/user-cache.js";
import { type DocumentScope, documentScope, tagsOfField } from "./cache-policy.js";
import { stringHeapBytes } from "./document-memory.js";
import type { GraphQLContext } from "./context.js";
import { cacheableOperation, negotiatedContentType } from "./graphql-request.js";

const CACHE = "graphql-response";

interface Verdict {
  scope: DocumentScope;
  /** The printed document when the operation may be cached, else null. */
  normalised: string | null;
  /** The cache key of the operation without variables (the common case: computed once). */
  plainKey: string | null;
}

interface PendingStore {
  key: string;
  seq: number;
  tags: Set<string>;
}

interface PendingUserStore {
  snapshot: UserSnapshot;
  slot: UserSlot;
}

declare module "fastify" {
  interface FastifyRequest {
    responseCache?: PendingStore;
    userResponseCache?: PendingUserStore;
  }
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const SIMPLE_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/**
 * Apollo's CSRF rule, which a hit must not bypass: a request a browser could send cross-site without a
 * preflight (no special header, a "simple" content type or none) is left to Apollo to refuse.
 */
function passesCsrfCheck(req: FastifyRequest): boolean {
  if (req.headers["apollo-require-preflight"] || req.headers["x-apollo-operation-name"]) return true;
  const contentType = req.headers["content-type"]?.split(";")[0].trim().toLowerCase();
  return Boolean(contentType) && !SIMPLE_CONTENT_TYPES.includes(contentType!);
}

export interface ResponseCacheOptions {
  cache: TaggedCache;
  userCache: UserCache;
  accounts: AccountsService;
  schema: GraphQLSchema;
  ttlSeconds: number;
  maxTokens: number;
  /** Memory for remembered verdicts (which documents may be cached, and their printed form). */
  verdictBytes: number;
}

export function registerResponseCache(
  app: FastifyInstance,
  { cache, userCache, accounts, schema, ttlSeconds, maxTokens, verdictBytes }: ResponseCacheOptions,
): void {
  // Keyed by the operation name and the query text as sent (no hashing on the hot path); the memory bound
  // counts both.
  const verdicts = new BoundedLru<Verdict>(
    verdictBytes,
    (verdict, key) =>
      stringHeapBytes(key) + (verdict.normalised ? stringHeapBytes(verdict.normalised) + 128 : 0),
  );
  const keyOf = (normalised: string, operationName: string, variables: string) =>
    createHash("sha256").update(`${normalised}\n${operationName}\n${variables}`).digest("base64url");

  const verdictOf = (query: string, operationName: string): Verdict => {
    const id = `${operationName}\n${query}`;
    const known = verdicts.get(id);
    if (known) return known;
    let verdict: Verdict = { scope: "none", normalised: null, plainKey: null };
    try {
      const document = parse(query, { maxTokens, noLocation: true });
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = operationName
        ? operations.find((o) => o.name?.value === operationName)
        : operations[0];
      const scope = operation?.operation === "query" ? documentScope(schema, document) : "none";
      if (scope !== "none") {
        const normalised = print(document);
        verdict = { scope, normalised, plainKey: keyOf(normalised, operationName, stableStringify({})) };
      }
    } catch {
      // Unparseable: Apollo answers it; nothing to cache.
    }
    verdicts.set(id, verdict);
    return verdict;
  };

  const hit = (reply: FastifyReply, contentType: string, bytes: Buffer | string) =>
    reply.code(200).type(contentType).header("vary", "Accept").header("x-cache", "HIT").send(bytes);

  app.addHook("preHandler", async (req, reply) => {
    if (req.routeOptions.url !== "/graphql" || !passesCsrfCheck(req)) return;
    const operation = cacheableOperation(req);
    const contentType = negotiatedContentType(req);
    if (!operation || !contentType) return;
    const { scope, normalised, plainKey } = verdictOf(operation.query, operation.operationName);
    if (normalised === null) return;
    const variables = stableStringify(operation.variables);
    const key = variables === "{}" ? plainKey! : keyOf(normalised, operation.operationName, variables);
    if (scope === "user") {
      if (!req.headers.authorization) return;
      // A bad token is Apollo's to answer (UNAUTHENTICATED); the check is memoised for it.
      const session = await signedIn(accounts, req).catch(() => null);
      if (!session?.snapshot) return;
      const slot: UserSlot = { part: "all", name: `graphql:${key}` };
      const bytes = userCache.peek<string>(session.snapshot, slot);
      if (bytes !== undefined) return hit(reply, contentType, bytes);
      req.userResponseCache = { snapshot: session.snapshot, slot };
      return;
    }
    const found = await cache.peekBytes(CACHE, key);
    if (!found) return;
    if (found.hit) return hit(reply, contentType, found.bytes);
    req.responseCache = { key, seq: found.seq, tags: new Set() };
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const pending = req.responseCache;
    const pendingUser = req.userResponseCache;
    if ((!pending && !pendingUser) || reply.getHeader("x-cache") === "HIT") return payload;
    reply.header("x-cache", "MISS");
    reply.header("vary", "Accept");
    // Only complete answers: no errors anywhere in the body.
    if (reply.statusCode !== 200 || typeof payload !== "string" || payload.includes('"errors":'))
      return payload;
    if (pendingUser) userCache.put(pendingUser.snapshot, pendingUser.slot, payload);
    else await cache.putText(CACHE, pending!.key, payload, [...pending!.tags], pending!.seq, ttlSeconds);
    return payload;
  });
}

/** Collects the cache tags of a response being computed for the response cache (a miss). */
export function responseCacheTagsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const pending = contextValue.request.responseCache;
      if (!pending) return;
      return {
        async executionDidStart() {
          return {
            willResolveField({ info }) {
              return (error, result) => {
                if (error) return;
                const parentIsQuery = info.parentType === info.schema.getQueryType();
                for (const tag of tagsOfField(parentIsQuery, info.fieldName, info.returnType, result)) {
                  pending.tags.add(tag);
                }
              };
            },
          };
        },
      };
    },
  };
}
