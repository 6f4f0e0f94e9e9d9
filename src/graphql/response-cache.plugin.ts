/**
 * Whole-response cache for anonymous GraphQL queries whose fields are all public (src/graphql/cache-policy.ts).
 * Keyed by the normalised document, the operation name and the variables; tagged by the entities in the
 * result, so the same invalidations that refresh the data cache refresh these. `X-Cache: HIT|MISS` says which.
 * Requests with an Authorization header, mutations and anything touching private types are never cached.
 */
import { createHash } from "node:crypto";
import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { type DocumentNode, type GraphQLSchema, print } from "graphql";
import type { TaggedCache } from "../cache/cache.js";
import type { GraphQLContext } from "./context.js";
import { isPublicDocument, tagsOfField } from "./cache-policy.js";

const CACHE = "graphql-response";

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function responseCachePlugin(
  cache: TaggedCache,
  ttlSeconds: number,
): ApolloServerPlugin<GraphQLContext> {
  // Parsed documents are reused by Apollo's document store, so these memos hit for repeated queries.
  const verdicts = new WeakMap<DocumentNode, boolean>();
  const printed = new WeakMap<DocumentNode, string>();
  let schema: GraphQLSchema;

  return {
    async serverWillStart({ schema: built }) {
      schema = built;
    },
    async requestDidStart({ request }) {
      if (request.http?.headers.get("authorization")) return;
      let key: string | undefined;
      let seq = 0;
      const tags = new Set<string>();

      return {
        async responseForOperation({ document, operation, request, operationName }) {
          if (operation.operation !== "query") return null;
          let isPublic = verdicts.get(document);
          if (isPublic === undefined) {
            isPublic = isPublicDocument(schema, document);
            verdicts.set(document, isPublic);
          }
          if (!isPublic) return null;
          let text = printed.get(document);
          if (text === undefined) {
            text = print(document);
            printed.set(document, text);
          }
          const candidate = createHash("sha256")
            .update(`${text}\n${operationName ?? ""}\n${stableStringify(request.variables ?? {})}`)
            .digest("base64url");
          const found = await cache.peek<Record<string, unknown>>(CACHE, candidate);
          if (!found) return null;
          if (found.hit) {
            return {
              http: { status: 200, headers: new HeaderMap([["x-cache", "HIT"]]) },
              body: { kind: "single", singleResult: { data: found.value } },
            };
          }
          key = candidate;
          seq = found.seq;
          return null;
        },
        async executionDidStart() {
          if (!key) return;
          return {
            willResolveField({ info }) {
              return (error, result) => {
                if (error) return;
                const parentIsQuery = info.parentType === info.schema.getQueryType();
                for (const tag of tagsOfField(parentIsQuery, info.fieldName, info.returnType, result))
                  tags.add(tag);
              };
            },
          };
        },
        async willSendResponse({ response }) {
          if (!key || response.body.kind !== "single") return;
          response.http.headers.set("x-cache", "MISS");
          const { data, errors } = response.body.singleResult;
          if (errors?.length || !data) return;
          await cache.put(CACHE, key, data, [...tags], seq, ttlSeconds);
        },
      };
    },
  };
}
