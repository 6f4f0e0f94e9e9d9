/**
 * Which GraphQL data is public (the same for every caller) and so may be served from the shared response
 * cache, which is per-user data that the per-user cache keeps current (src/cache/user-cache.ts), and which
 * cache tags a public response carries. Anything not listed here is uncacheable by default: a new type is
 * never cached, across users or per user, unless someone decides which it is and adds it.
 */
import {
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  type GraphQLOutputType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
} from "graphql";
import { ReadTags } from "../catalog/catalog.tags.js";

// Promotions are left out on purpose: their active window is applied at read time, and a cached response
// would keep showing one that ended (the data cache beneath still serves them). Each public root field with
// the tags of the lookup or listing it makes (a new category or product must show up in it).
const PUBLIC_ROOT_FIELDS: Record<string, () => string[]> = {
  categories: ReadTags.categoryList,
  category: ReadTags.categoryList,
  products: ReadTags.productList,
  product: ReadTags.productList,
};

const PUBLIC_TYPES = new Set([
  "Category",
  "Product",
  "ProductOption",
  "OptionChoice",
  "ProductConnection",
  "ProductEdge",
  "PageInfo",
]);

/**
 * The signed-in user's own data, stamped anew by every write that changes it: profile and session (`me`),
 * cart, and orders. `order(orderNo)` is left out: an admin reads other users' orders through it. So are
 * `node` and `nodes`: one answer may mix catalogue objects (stamped by catalogue tags, not per user) with
 * the caller's cart and orders (and an admin's view of other users' orders), so no cache may keep it.
 */
const USER_ROOT_FIELDS = new Set(["me", "myOrders"]);
const USER_TYPES = new Set([
  "User",
  "Cart",
  "CartItem",
  "ChosenOption",
  "Order",
  "OrderItem",
  "OrderEdge",
  "OrderConnection",
]);

/**
 * How a query may be cached: "public" when every field it selects is public (the same answer for every
 * caller, token or not), "user" when it also selects the caller's own data, "none" otherwise (mutations,
 * introspection other than __typename, anything unlisted).
 */
export type DocumentScope = "public" | "user" | "none";

export function documentScope(schema: GraphQLSchema, document: DocumentNode): DocumentScope {
  const typeInfo = new TypeInfo(schema);
  let scope: DocumentScope = "public";
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        if (node.operation !== "query") {
          scope = "none";
          return BREAK;
        }
      },
      Field(node) {
        const parent = typeInfo.getParentType()?.name ?? "";
        const name = node.name.value;
        if (name === "__typename") return;
        const atRoot = parent === schema.getQueryType()?.name;
        if (atRoot ? name in PUBLIC_ROOT_FIELDS : PUBLIC_TYPES.has(parent)) return;
        if (atRoot ? USER_ROOT_FIELDS.has(name) : USER_TYPES.has(parent)) {
          scope = "user";
          return;
        }
        scope = "none";
        return BREAK;
      },
    }),
  );
  return scope;
}

interface Entity {
  id: number;
  categoryId: number;
}

/** Tags for one resolved field of a public response: its root list, and the entities it returned. */
export function tagsOfField(
  parentIsQuery: boolean,
  fieldName: string,
  returnType: GraphQLOutputType,
  result: unknown,
): string[] {
  const tags: string[] =
    parentIsQuery && PUBLIC_ROOT_FIELDS[fieldName] ? PUBLIC_ROOT_FIELDS[fieldName]() : [];
  const typeName = getNamedType(returnType).name;
  const entities = (Array.isArray(result) ? result : [result]) as (Partial<Entity> | null)[];
  for (const entity of entities) {
    if (!entity || typeof entity.id !== "number") continue;
    if (typeName === "Category") tags.push(...ReadTags.category(entity as Entity));
    else if (typeName === "Product") tags.push(...ReadTags.product(entity as Entity));
  }
  return tags;
}
