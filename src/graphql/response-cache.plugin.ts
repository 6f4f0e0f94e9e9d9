/**
 * Whole-response cache for anonymous GraphQL queries whose fields are all public (src/graphql/cache-policy.ts).
 * Keyed by the normalised document, the operation name and the variables; tagged by the entities in the
 * result, so the same invalidations that refresh the data cache refresh these. `X-Cache: HIT|MISS` says which.
 * Requests with an Authorization header, mutations and anything touching private types are never cached.
 *
 * A hit is answered before Apollo runs, with the stored bytes as they are: parsing and re-serialising a large
 * menu was most of the cost of a warm request (bench/). A miss runs Apollo; an Apollo plugin collects the
 * tags while fields resolve, and an onSend hook stores the body Apollo wrote.
 */
import { createHash } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type GraphQLSchema, Kind, type OperationDefinitionNode, parse, print } from "graphql";
import type { TaggedCache } from "../cache/cache.js";
import { isPublicDocument, tagsOfField } from "./cache-policy.js";
import { ByteBoundedLru, stringHeapBytes } from "./document-memory.js";
import type { GraphQLContext } from "./context.js";
import { cacheableOperation, negotiatedContentType } from "./graphql-request.js";

const CACHE = "graphql-response";

interface Verdict {
  /** The printed document when the operation may be cached, else null. */
  normalised: string | null;
}

interface PendingStore {
  key: string;
  seq: number;
  tags: Set<string>;
}

declare module "fastify" {
  interface FastifyRequest {
    responseCache?: PendingStore;
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

export function registerResponseCache(
  app: FastifyInstance,
  cache: TaggedCache,
  schema: GraphQLSchema,
  ttlSeconds: number,
  documents: { maxTokens: number; verdictBytes: number },
): void {
  // Keyed by the query's hash: a remembered verdict holds its printed document, never the client's text.
  const verdicts = new ByteBoundedLru<Verdict>(
    documents.verdictBytes,
    (key, verdict) => stringHeapBytes(key) + (verdict.normalised ? stringHeapBytes(verdict.normalised) : 0),
  );

  const verdictOf = (query: string, operationName: string): Verdict => {
    const id = createHash("sha256").update(`${operationName}\n${query}`).digest("base64url");
    const known = verdicts.get(id);
    if (known) return known;
    let verdict: Verdict = { normalised: null };
    try {
      const document = parse(query, { maxTokens: documents.maxTokens, noLocation: true });
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = operationName
        ? operations.find((o) => o.name?.value === operationName)
        : operations[0];
      if (operation?.operation === "query" && isPublicDocument(schema, document)) {
        verdict = { normalised: print(document) };
      }
    } catch {
      // Unparseable: Apollo answers it; nothing to cache.
    }
    verdicts.set(id, verdict);
    return verdict;
  };

  app.addHook("preHandler", async (req, reply) => {
    if (req.routeOptions.url !== "/graphql" || req.headers.authorization || !passesCsrfCheck(req)) return;
    const operation = cacheableOperation(req);
    const contentType = negotiatedContentType(req);
    if (!operation || !contentType) return;
    const { normalised } = verdictOf(operation.query, operation.operationName);
    if (normalised === null) return;
    const key = createHash("sha256")
      .update(`${normalised}\n${operation.operationName}\n${stableStringify(operation.variables)}`)
      .digest("base64url");
    const found = await cache.peekBytes(CACHE, key);
    if (!found) return;
    if (found.hit) {
      return reply
        .code(200)
        .type(contentType)
        .header("vary", "Accept")
        .header("x-cache", "HIT")
        .send(found.bytes);
    }
    req.responseCache = { key, seq: found.seq, tags: new Set() };
  });

  app.addHook("onSend", async (req, reply, payload) => {
    const pending = req.responseCache;
    if (!pending || reply.getHeader("x-cache") === "HIT") return payload;
    reply.header("x-cache", "MISS");
    reply.header("vary", "Accept");
    // Only complete answers: no errors anywhere in the body.
    if (reply.statusCode === 200 && typeof payload === "string" && !payload.includes('"errors":')) {
      await cache.putText(CACHE, pending.key, payload, [...pending.tags], pending.seq, ttlSeconds);
    }
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
