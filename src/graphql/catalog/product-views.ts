import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  type GraphQLSchema,
  GraphQLSkipDirective,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { CatalogService } from "../../catalog/catalog.service.js";
import type { HitEffects } from "../response-cache-hooks.js";

/** The root field that shows one product's page: each selection of it is one view. */
const PRODUCT_FIELD = "product";

type Included = (node: { readonly directives?: readonly DirectiveNode[] }) => boolean;

/** The root fields named `product` an operation selects, through fragments, minus those @skip/@include drop. */
function productFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  included: Included,
  seen = new Set<string>(),
): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (!included(selection)) return [];
    switch (selection.kind) {
      case Kind.FIELD:
        return selection.name.value === PRODUCT_FIELD ? [selection] : [];
      case Kind.INLINE_FRAGMENT:
        return productFields(selection.selectionSet, fragments, included, seen);
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) return [];
        seen.add(fragment.name.value);
        return productFields(fragment.selectionSet, fragments, included, seen);
      }
    }
  });
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

function operationOf(document: DocumentNode, operationName: string): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
}

/**
 * Product views of GraphQL response-cache hits. A hit is answered before any resolver runs, so the
 * `product` resolver's call to CatalogService.viewProduct is made here instead, once per `product` field the
 * operation would have resolved (the same pids, the same @skip/@include outcome).
 */
export function productViewEffects(schema: GraphQLSchema, catalog: CatalogService): HitEffects {
  const field = schema.getQueryType()!.getFields()[PRODUCT_FIELD];
  return {
    has(document) {
      return document.definitions.some(
        (d) =>
          d.kind === Kind.OPERATION_DEFINITION &&
          productFields(d.selectionSet, fragmentsOf(document), () => true).length > 0,
      );
    },
    async run(document, operationName, variables) {
      const operation = operationOf(document, operationName);
      if (!operation) return;
      const values = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
      if (values.errors) return;
      const coerced = values.coerced;
      const included: Included = (node) =>
        getDirectiveValues(GraphQLSkipDirective, node, coerced)?.if !== true &&
        getDirectiveValues(GraphQLIncludeDirective, node, coerced)?.if !== false;
      const pids = productFields(operation.selectionSet, fragmentsOf(document), included).map(
        (node) => getArgumentValues(field, node, coerced).pid as string,
      );
      await Promise.all(pids.map((pid) => catalog.viewProduct(pid)));
    },
  };
}
