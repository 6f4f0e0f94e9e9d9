/**
 * Executes queries with graphql-jit: each document (and operation) is compiled once into a JavaScript function
 * that resolves its fields directly, which on a large selection like the menu is several times faster than
 * graphql-js walking the document on every request. Apollo Server still parses, validates, runs the plugins and
 * writes the answer; this only answers its `responseForOperation` hook. Same schema, same type-graphql
 * resolvers.
 *
 * Left to the standard executor: mutations (they run once, no second chance), results with errors (the
 * operation runs again the standard way, so that errors are built and formatted exactly as everywhere else;
 * queries have no side effects to repeat), and response-cache misses, whose tags are collected per resolved
 * field by an Apollo plugin.
 */
import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import type { DocumentNode } from "graphql";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import type { GraphQLContext } from "./context.js";

export function compiledExecutionPlugin(): ApolloServerPlugin<GraphQLContext> {
  // Keyed by Apollo's parsed document, which its document store keeps (and bounds) per query text: compiled
  // queries leave with their documents.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const compiledFor = (schema: Parameters<typeof compileQuery>[0], document: DocumentNode, name: string) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    let query = byName.get(name);
    if (query === undefined) {
      const result = compileQuery(schema, document, name || undefined);
      query = isCompiledQuery(result) ? result : null;
      byName.set(name, query);
    }
    return query;
  };

  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, operationName, document, schema, contextValue, request }) {
          if (operation?.operation !== "query" || contextValue.request.responseCache) return null;
          const query = compiledFor(schema, document, operationName ?? "");
          if (!query) return null;
          const result = await query.query(undefined, contextValue, request.variables ?? {});
          if (result.errors?.length) return null;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: "single", singleResult: { data: result.data } },
          };
        },
      };
    },
  };
}
