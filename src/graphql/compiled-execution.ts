/**
 * Executes hot queries with graphql-jit: a document (and operation) asked for again and again is compiled once
 * into a JavaScript function that resolves its fields directly, which on a large selection like the menu is
 * several times faster than graphql-js walking the document on every request. Apollo Server still parses,
 * validates, runs the plugins and writes the answer; this only answers its `responseForOperation` hook. Same
 * schema, same type-graphql resolvers.
 *
 * Memory stays bounded whatever clients send: a document is compiled only on its COMPILE_AFTER-th request (a
 * flood of distinct documents compiles nothing), and compiled queries live in an LRU bounded by an estimate
 * of the code they hold.
 *
 * Left to the standard executor: mutations (they run once, no second chance), results with errors (the
 * operation runs again the standard way, so that errors are built and formatted exactly as everywhere else;
 * queries have no side effects to repeat), and response-cache misses, whose tags are collected per resolved
 * field by an Apollo plugin.
 */
import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";
import { BoundedLru } from "../cache/lru.js";
import type { GraphQLContext } from "./context.js";

const COMPILE_AFTER = 3;
const COMPILED_BYTES = 32 * 1024 * 1024;
/** Generated code per character of query text, as measured on the menu (with a floor for tiny documents). */
const codeBytes = (queryLength: number) => 8_192 + queryLength * 200;

/** Documents not compiled yet, with how often they were asked for: a few bytes each, the most recent kept. */
const COUNTED_BYTES = 1024 * 1024;

interface Compiled {
  /** Null when graphql-jit cannot compile the document: the standard executor answers it. */
  query: CompiledQuery | null;
  size: number;
}

export function compiledExecutionPlugin(): ApolloServerPlugin<GraphQLContext> {
  const counts = new BoundedLru<number>(COUNTED_BYTES, (_, key) => 64 + key.length * 2);
  const compiled = new BoundedLru<Compiled>(COMPILED_BYTES, (entry) => entry.size);

  return {
    async requestDidStart() {
      return {
        async responseForOperation({
          operation,
          operationName,
          document,
          schema,
          contextValue,
          request,
          queryHash,
          source,
        }) {
          if (operation?.operation !== "query" || contextValue.request.responseCache || !queryHash)
            return null;
          const key = `${queryHash}\n${operationName ?? ""}`;
          let entry = compiled.get(key);
          if (!entry) {
            const seen = (counts.get(key) ?? 0) + 1;
            if (seen < COMPILE_AFTER) {
              counts.set(key, seen);
              return null;
            }
            counts.delete(key);
            const result = compileQuery(schema, document, operationName ?? undefined);
            entry = { query: isCompiledQuery(result) ? result : null, size: codeBytes(source?.length ?? 0) };
            compiled.set(key, entry);
          }
          if (!entry.query) return null;
          const result = await entry.query.query(undefined, contextValue, request.variables ?? {});
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
