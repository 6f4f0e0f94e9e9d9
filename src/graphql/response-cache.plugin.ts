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
import type { UserCache, UserSlot, UserSnapshot } from "../cache/user-cache.js";
import { type DocumentScope, documentScope, tagsOfField } from "./cache-policy.js";
import type { GraphQLContext } from "./context.js";

const CACHE = "graphql-response";
/** Distinct query texts whose verdict is remembered (each costs one parse). */
const MAX_VERDICTS = 1_000;

interface Verdict {
  scope: DocumentScope;
  /** The printed document when the operation may be cached, else null. */
  normalised: string | null;
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

/** The query, operation name and variables of a GraphQL request over GET or POST, when it has a query text. */
function operationOf(req: FastifyRequest) {
  const source = (req.method === "GET" ? req.query : req.body) as Record<string, unknown> | undefined;
  if (!source || typeof source.query !== "string") return undefined;
  let variables = source.variables ?? {};
  if (typeof variables === "string") {
    try {
      variables = JSON.parse(variables);
    } catch {
      return undefined;
    }
  }
  const operationName = typeof source.operationName === "string" ? source.operationName : "";
  return { query: source.query, operationName, variables };
}

export interface ResponseCacheOptions {
  cache: TaggedCache;
  userCache: UserCache;
  accounts: AccountsService;
  schema: GraphQLSchema;
  ttlSeconds: number;
}

export function registerResponseCache(
  app: FastifyInstance,
  { cache, userCache, accounts, schema, ttlSeconds }: ResponseCacheOptions,
): void {
  const verdicts = new Map<string, Verdict>();

  const verdictOf = (query: string, operationName: string): Verdict => {
    const known = verdicts.get(query);
    if (known) return known;
    let verdict: Verdict = { scope: "none", normalised: null };
    try {
      const document = parse(query);
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = operationName
        ? operations.find((o) => o.name?.value === operationName)
        : operations[0];
      const scope = operation?.operation === "query" ? documentScope(schema, document) : "none";
      if (scope !== "none") verdict = { scope, normalised: print(document) };
    } catch {
      // Unparseable: Apollo answers it; nothing to cache.
    }
    if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
    verdicts.set(query, verdict);
    return verdict;
  };

  const hit = (reply: FastifyReply, bytes: Buffer | string) =>
    reply.code(200).type("application/json; charset=utf-8").header("x-cache", "HIT").send(bytes);

  app.addHook("preHandler", async (req, reply) => {
    if (req.routeOptions.url !== "/graphql" || !passesCsrfCheck(req)) return;
    const operation = operationOf(req);
    if (!operation) return;
    const { scope, normalised } = verdictOf(operation.query, operation.operationName);
    if (normalised === null) return;
    const key = createHash("sha256")
      .update(`${normalised}\n${operation.operationName}\n${stableStringify(operation.variables)}`)
      .digest("base64url");
    if (scope === "user") {
      if (!req.headers.authorization) return;
      // A bad token is Apollo's to answer (UNAUTHENTICATED); the check is memoised for it.
      const session = await signedIn(accounts, req).catch(() => null);
      if (!session?.snapshot) return;
      const slot: UserSlot = { part: "all", name: `graphql:${key}` };
      const bytes = userCache.peek<string>(session.snapshot, slot);
      if (bytes !== undefined) return hit(reply, bytes);
      req.userResponseCache = { snapshot: session.snapshot, slot };
      return;
    }
    const found = await cache.peekBytes(CACHE, key);
    if (!found) return;
    if (found.hit) return hit(reply, found.bytes);
    req.responseCache = { key, seq: found.seq, tags: new Set() };
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const pending = req.responseCache;
    const pendingUser = req.userResponseCache;
    if ((!pending && !pendingUser) || reply.getHeader("x-cache") === "HIT") return payload;
    reply.header("x-cache", "MISS");
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
