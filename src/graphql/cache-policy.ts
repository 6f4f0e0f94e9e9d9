/**
 * Which GraphQL data is public (the same for every caller) and so may be served from the shared response
 * cache, and which cache tags a response carries. Anything not listed here is private by default: a new type
 * (orders, carts) is never cached across users unless someone decides it is public and adds it.
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
import { Tags } from "../cache/tags.js";

// Promotions are left out on purpose: their active window is applied at read time, and a cached response
// would keep showing one that ended (the data cache beneath still serves them).
const PUBLIC_ROOT_FIELDS: Record<string, string> = {
  categories: Tags.categories,
  category: Tags.categories,
  products: Tags.products,
  product: Tags.products,
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

/** True when every field the document selects is public (introspection other than __typename is not). */
export function isPublicDocument(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let isPublic = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        if (node.operation !== "query") {
          isPublic = false;
          return BREAK;
        }
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const name = node.name.value;
        const allowed =
          name === "__typename" ||
          (parent === schema.getQueryType()
            ? name in PUBLIC_ROOT_FIELDS
            : PUBLIC_TYPES.has(parent?.name ?? ""));
        if (!allowed) {
          isPublic = false;
          return BREAK;
        }
      },
    }),
  );
  return isPublic;
}

interface Entity {
  id?: number;
  categoryId?: number;
}

/** Tags for one resolved field of a public response: its root list, and the entities it returned. */
export function tagsOfField(
  parentIsQuery: boolean,
  fieldName: string,
  returnType: GraphQLOutputType,
  result: unknown,
): string[] {
  const tags: string[] = [];
  if (parentIsQuery && PUBLIC_ROOT_FIELDS[fieldName]) tags.push(PUBLIC_ROOT_FIELDS[fieldName]);
  const typeName = getNamedType(returnType).name;
  const entities = (Array.isArray(result) ? result : [result]) as (Entity | null)[];
  for (const entity of entities) {
    if (!entity || typeof entity.id !== "number") continue;
    if (typeName === "Category") tags.push(Tags.category(entity.id));
    else if (typeName === "Product") tags.push(Tags.product(entity.id), Tags.category(entity.categoryId!));
  }
  return tags;
}
