/**
 * Who may call what, as one table: every Query, Mutation and Subscription field of the built schema with the
 * role its `@Authorized` declares (src/graphql/authorization.ts). A new field fails here until it is added
 * with its role, and a changed declaration fails until the table says so.
 */
import { getMetadataStorage } from "type-graphql";
import { describe, expect, it } from "vitest";
import { buildGraphQLSchema } from "../../src/graphql/schema.js";

type Required = "public" | "user" | "admin";

const expected: Record<string, Required> = {
  "Query.categories": "public",
  "Query.category": "public",
  "Query.products": "public",
  "Query.product": "public",
  "Query.promotions": "public",
  "Query.me": "public",
  // Visibility per object: another user's cart or order answers null, never an error.
  "Query.node": "public",
  "Query.nodes": "public",
  "Query.myOrders": "user",
  "Query.order": "user",

  "Mutation.register": "public",
  "Mutation.login": "public",
  "Mutation.updateMe": "user",
  "Mutation.changePassword": "user",
  "Mutation.logout": "user",
  "Mutation.logoutAll": "user",
  "Mutation.addToCart": "user",
  "Mutation.updateCartItem": "user",
  "Mutation.removeCartItem": "user",
  "Mutation.clearCart": "user",
  "Mutation.placeOrder": "user",
  "Mutation.cancelOrder": "user",
  "Mutation.advanceOrder": "admin",
  "Mutation.createCategory": "admin",
  "Mutation.updateCategory": "admin",
  "Mutation.deleteCategory": "admin",
  "Mutation.createProduct": "admin",
  "Mutation.updateProduct": "admin",
  "Mutation.deleteProduct": "admin",
  "Mutation.setProductOption": "admin",
  "Mutation.removeProductOption": "admin",
  "Mutation.createPromotion": "admin",
  "Mutation.updatePromotion": "admin",
  "Mutation.deletePromotion": "admin",

  "Subscription.orderUpdated": "user",
  "Subscription.myOrderUpdates": "user",
  "Subscription.shopOrders": "admin",

  // Fields of other types that are not everyone's.
  "User.cart": "user",
};

function required(roles: readonly string[] | undefined): Required | string {
  if (!roles) return "public";
  if (roles.length === 0) return "user";
  return roles.length === 1 && roles[0] === "ADMIN" ? "admin" : `unknown roles ${roles.join(",")}`;
}

/** What the code declares: the roles type-graphql enforces, by schema field. */
async function declared(): Promise<Record<string, Required | string>> {
  const schema = await buildGraphQLSchema();
  const storage = getMetadataStorage();
  const byRoot = [
    ["Query", storage.queries],
    ["Mutation", storage.mutations],
    ["Subscription", storage.subscriptions],
  ] as const;
  const table: Record<string, Required | string> = {};
  for (const [root, handlers] of byRoot) {
    const type =
      root === "Query"
        ? schema.getQueryType()
        : root === "Mutation"
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    for (const name of Object.keys(type!.getFields())) {
      const handler = handlers.find((h) => h.schemaName === name);
      table[`${root}.${name}`] = handler ? required(handler.roles) : "no resolver";
    }
  }
  for (const field of storage.fieldResolvers.filter((f) => f.roles)) {
    const owner = field.getObjectType?.() as { name?: string } | undefined;
    table[`${owner?.name ?? "?"}.${field.schemaName}`] = required(field.roles);
  }
  return table;
}

describe("authorization", () => {
  it("every root field declares the role the table gives it, and the table names every field", async () => {
    expect(await declared()).toEqual(expected);
  });
});
