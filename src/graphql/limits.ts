/**
 * Validation rules that refuse abusive operations before any resolver runs: too deep, too many aliases, too
 * many root fields, or too costly. Cost: every field costs 1, and a list field multiplies the cost of its
 * selection by its page size (the `first` argument, or the largest allowed page when `first` is a variable,
 * or ASSUMED_LIST_SIZE for unpaged lists). Introspection (`__schema`, `__type`) is not counted, so the
 * standard introspection query keeps working where introspection is on.
 */
import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLNamedType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { MAX_PAGE_SIZE } from "../catalog/catalog.service.js";
import { MAX_ORDERS_PAGE } from "../orders/orders.service.js";

export interface GraphQLLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
}

/**
 * Sizes assumed for lists without a `first` argument: generous for this shop's menu (a product has at most
 * four option kinds), ASSUMED_LIST_SIZE for any other list.
 */
const LIST_SIZE_HINTS: Record<string, number> = {
  "Query.categories": 10,
  "Category.products": 25,
  "Product.options": 4,
  "ProductOption.choices": 4,
  "Cart.items": 30,
  "CartItem.options": 4,
  "Order.items": 10,
  "OrderItem.options": 4,
};
/** The largest `first` each paged field accepts: what a variable `first` is assumed to be. */
const MAX_PAGE: Record<string, number> = {
  "Query.products": MAX_PAGE_SIZE,
  "Query.myOrders": MAX_ORDERS_PAGE,
};
const ASSUMED_LIST_SIZE = 10;
const DEFAULT_PAGE_SIZE = 20;

function limitError(what: string, actual: number, max: number) {
  return new GraphQLError(`${what} is ${actual}, above the limit of ${max}`, {
    extensions: { code: "GRAPHQL_VALIDATION_FAILED", limit: what, actual, max },
  });
}

interface Measure {
  depth: number;
  cost: number;
}

class OperationMeasure {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();

  constructor(private readonly context: ValidationContext) {
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  /** Depth and cost of a selection set on `type`; `seen` (the fragments being expanded) stops cycles. */
  measure(
    selectionSet: SelectionSetNode,
    type: GraphQLNamedType | undefined,
    seen = new Set<string>(),
  ): Measure {
    let depth = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = this.field(selection, type, seen);
        depth = Math.max(depth, field.depth);
        cost += field.cost;
        continue;
      }
      let inner: SelectionSetNode;
      let innerType = type;
      let innerSeen = seen;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = selection.selectionSet;
        if (selection.typeCondition)
          innerType = this.context.getSchema().getType(selection.typeCondition.name.value) ?? type;
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        inner = fragment.selectionSet;
        innerType = this.context.getSchema().getType(fragment.typeCondition.name.value) ?? type;
        // Only this spread's subtree knows the fragment: every other spread of it is counted in full.
        innerSeen = new Set([...seen, name]);
      }
      const measured = this.measure(inner, innerType, innerSeen);
      depth = Math.max(depth, measured.depth);
      cost += measured.cost;
    }
    return { depth, cost };
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined, seen: Set<string>): Measure {
    const name = node.name.value;
    if (name.startsWith("__")) return { depth: 0, cost: 0 };
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (!node.selectionSet) return { depth: 1, cost: 1 };
    const child = this.measure(
      node.selectionSet,
      definition ? getNamedType(definition.type) : undefined,
      seen,
    );
    // A connection's `edges` list is the page its `first` already counted.
    const isEdges = name === "edges" && Boolean(parent?.name.endsWith("Connection"));
    const isList = definition ? isListType(getNullableType(definition.type)) && !isEdges : false;
    const key = `${parent?.name}.${name}`;
    const multiplier = isList || this.hasFirst(node) ? this.pageSize(node, isList, key) : 1;
    return { depth: child.depth + 1, cost: 1 + multiplier * child.cost };
  }

  private hasFirst(node: FieldNode): boolean {
    return Boolean(node.arguments?.some((a) => a.name.value === "first"));
  }

  private pageSize(node: FieldNode, isList: boolean, key: string): number {
    const first = node.arguments?.find((a) => a.name.value === "first");
    if (!first) return isList ? (LIST_SIZE_HINTS[key] ?? ASSUMED_LIST_SIZE) : DEFAULT_PAGE_SIZE;
    if (first.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
    return MAX_PAGE[key] ?? MAX_PAGE_SIZE; // a variable: assume the largest page
  }
}

function countAliases(context: ValidationContext): number {
  let aliases = 0;
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD && selection.alias) aliases++;
      if ("selectionSet" in selection && selection.selectionSet) visit(selection.selectionSet);
    }
  };
  for (const definition of context.getDocument().definitions) {
    if ("selectionSet" in definition && definition.selectionSet) visit(definition.selectionSet);
  }
  return aliases;
}

export function limitRules(limits: GraphQLLimits): ValidationRule[] {
  const operationRule = (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const schema = context.getSchema();
      const root =
        operation.operation === "mutation"
          ? schema.getMutationType()
          : operation.operation === "subscription"
            ? schema.getSubscriptionType()
            : schema.getQueryType();
      const rootFields = operation.selectionSet.selections.length;
      if (rootFields > limits.maxRootFields) {
        context.reportError(limitError("the number of root fields", rootFields, limits.maxRootFields));
      }
      const { depth, cost } = new OperationMeasure(context).measure(
        operation.selectionSet,
        root ?? undefined,
      );
      if (depth > limits.maxDepth) context.reportError(limitError("the query depth", depth, limits.maxDepth));
      if (cost > limits.maxCost) context.reportError(limitError("the query cost", cost, limits.maxCost));
    },
  });
  const aliasRule = (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave() {
        const aliases = countAliases(context);
        if (aliases > limits.maxAliases)
          context.reportError(limitError("the number of aliases", aliases, limits.maxAliases));
      },
    },
  });
  return [operationRule, aliasRule];
}
