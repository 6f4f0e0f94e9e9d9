import { DateTimeResolver } from "graphql-scalars";
import { type GraphQLSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AccountResolver } from "./accounts/account.resolver.js";
import { AdminCatalogResolver } from "./catalog/admin.resolver.js";
import { CategoryResolver } from "./catalog/category.resolver.js";
import { ProductResolver } from "./catalog/product.resolver.js";
import { PromotionResolver } from "./catalog/promotion.resolver.js";
import { IDENTITY_RESOLVERS } from "./node/identity.resolver.js";
import { NodeResolver } from "./node/node.resolver.js";
import { OrderResolver, PlaceOrderPayloadResolver } from "./orders/order.resolver.js";
import { OrderSubscriptionResolver } from "./subscriptions/order-subscription.resolver.js";

let schema: Promise<GraphQLSchema> | undefined;

/** The schema, built once per process from the decorated classes. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({
    resolvers: [
      CategoryResolver,
      ProductResolver,
      PromotionResolver,
      AccountResolver,
      AdminCatalogResolver,
      OrderResolver,
      OrderSubscriptionResolver,
      PlaceOrderPayloadResolver,
      NodeResolver,
      ...IDENTITY_RESOLVERS,
    ],
    // One date scalar for the whole API; without this type-graphql adds its own DateTimeISO.
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    // Every subscription brings its own stream (`subscribe`, src/subscriptions/order-events.ts); type-graphql
    // insists on a topic-based PubSub all the same, which nothing uses.
    pubSub: {
      publish() {
        throw new Error("topic subscriptions are not used: see src/subscriptions/");
      },
      subscribe() {
        throw new Error("topic subscriptions are not used: see src/subscriptions/");
      },
    },
  }).then((built) => {
    // type-graphql cannot describe the root types; printSchema and introspection read these.
    built.getQueryType()!.description =
      "Reads: the catalogue and promotions for everyone; the signed-in user, cart and orders with a bearer token.";
    built.getMutationType()!.description =
      "Writes: sign-up and sign-in, profile, cart and checkout for signed-in users; catalogue and order workflow for admins.";
    built.getSubscriptionType()!.description =
      "Live order updates over WebSocket (graphql-ws at /graphql, token in connectionParams): each event is the whole order, the current state first.";
    return built;
  });
  return schema;
}

/** The SDL committed as schema/schema.graphql. */
export async function printGraphQLSchema(): Promise<string> {
  return `${printSchema(await buildGraphQLSchema())}\n`;
}
