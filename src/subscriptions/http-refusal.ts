import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";

/**
 * Subscriptions run over WebSocket only (src/subscriptions/ws-server.ts). Apollo would execute one sent over
 * HTTP as if it were a query, without an event source: it is refused with 400 and a pointer instead.
 */
export function refuseHttpSubscriptions<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== "subscription") return;
          throw new GraphQLError(
            "subscriptions run over WebSocket with the graphql-ws protocol at /graphql (docs/subscriptions.md)",
            { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
          );
        },
      };
    },
  };
}
