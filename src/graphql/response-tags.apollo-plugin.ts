import type { ApolloServerPlugin } from "@apollo/server";
import { tagsOfField } from "./cache-policy.js";
import type { GraphQLContext } from "./context.js";

/**
 * Collects the cache tags of a public response being computed after a response-cache miss
 * (src/graphql/response-cache-hooks.ts), from the fields as they resolve.
 */
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
