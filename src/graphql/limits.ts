/**
 * Limits that refuse abusive operations before any resolver runs, and before graphql-js's standard validation
 * rules do their (superlinear) work on them: too deep, too many aliases, too many root fields, too many
 * selections in one selection set, or too costly. Fragments and inline fragments count where they are spread.
 *
 * Cost: every field costs 1, and a list field multiplies the cost of its selection by its page size (the `first`
 * argument, or the largest allowed page when `first` is a variable, or an assumed size for unpaged lists).
 * Introspection (`__schema`, `__type`) is not counted, so the standard introspection query keeps working where
 * introspection is on.
 *
 * One walk of the document with every named fragment measured once (memoised), so the check is linear in the
 * document's size whatever the fragments multiply to; the first limit exceeded stops it.
 */
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { MAX_PAGE_SIZE } from "../catalog/catalog.service.js";
import { MAX_ORDERS_PAGE } from "../orders/orders.service.js";
import { MAX_NODES } from "./node/global-id.js";

export interface GraphQLLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  /** Fields one selection set may select, counting those its fragments add. */
  maxSelections: number;
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

/** What a selection set adds up to once its fragments are expanded where they are spread. */
interface Measure {
  /** Fields selected at this level (fragments flattened in). */
  fields: number;
  /** The most fields any one selection set at this level or below selects. */
  widest: number;
  aliases: number;
  depth: number;
  cost: number;
}

const EMPTY: Measure = { fields: 0, widest: 0, aliases: 0, depth: 0, cost: 0 };

class DocumentMeasure {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();
  private readonly measuring = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  operation(operation: OperationDefinitionNode): Measure {
    const root =
      operation.operation === "mutation"
        ? this.schema.getMutationType()
        : operation.operation === "subscription"
          ? this.schema.getSubscriptionType()
          : this.schema.getQueryType();
    return this.selectionSet(operation.selectionSet, root ?? undefined);
  }

  private selectionSet(selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined): Measure {
    const total = { ...EMPTY };
    const add = (part: Measure) => {
      total.fields += part.fields;
      total.widest = Math.max(total.widest, part.widest);
      total.aliases += part.aliases;
      total.depth = Math.max(total.depth, part.depth);
      total.cost += part.cost;
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) add(this.field(selection, type));
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = selection.typeCondition ? this.typeNamed(selection.typeCondition.name.value) : type;
        add(this.selectionSet(selection.selectionSet, inner));
      } else add(this.fragment(selection.name.value));
    }
    total.widest = Math.max(total.widest, total.fields);
    return total;
  }

  /** A named fragment, measured once; a spread inside its own expansion (a cycle, invalid anyway) adds nothing. */
  private fragment(name: string): Measure {
    const known = this.measured.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.measuring.has(name)) return EMPTY;
    this.measuring.add(name);
    const measure = this.selectionSet(
      fragment.selectionSet,
      this.typeNamed(fragment.typeCondition.name.value),
    );
    this.measuring.delete(name);
    this.measured.set(name, measure);
    return measure;
  }

  private typeNamed(name: string): GraphQLNamedType | undefined {
    return this.schema.getType(name) ?? undefined;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined): Measure {
    const name = node.name.value;
    const aliases = node.alias ? 1 : 0;
    if (name.startsWith("__")) return { fields: 1, widest: 1, aliases, depth: 0, cost: 0 };
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (!node.selectionSet) return { fields: 1, widest: 1, aliases, depth: 1, cost: 1 };
    const child = this.selectionSet(
      node.selectionSet,
      definition ? getNamedType(definition.type) : undefined,
    );
    // A connection's `edges` list is the page its `first` already counted.
    const isEdges = name === "edges" && Boolean(parent?.name.endsWith("Connection"));
    const isList = definition ? isListType(getNullableType(definition.type)) && !isEdges : false;
    const key = `${parent?.name}.${name}`;
    const multiplier = isList || hasFirst(node) ? pageSize(node, isList, key) : 1;
    return {
      fields: 1,
      widest: child.widest,
      aliases: aliases + child.aliases,
      depth: child.depth + 1,
      cost: 1 + multiplier * child.cost,
    };
  }
}

function hasFirst(node: FieldNode): boolean {
  return Boolean(node.arguments?.some((a) => a.name.value === "first"));
}

function pageSize(node: FieldNode, isList: boolean, key: string): number {
  if (key === "Query.nodes") {
    // As many objects as ids: counted when written in the document, the most allowed when a variable.
    const ids = node.arguments?.find((a) => a.name.value === "ids")?.value;
    return ids?.kind === Kind.LIST ? Math.max(1, Math.min(ids.values.length, MAX_NODES)) : MAX_NODES;
  }
  const first = node.arguments?.find((a) => a.name.value === "first");
  if (!first) return isList ? (LIST_SIZE_HINTS[key] ?? ASSUMED_LIST_SIZE) : DEFAULT_PAGE_SIZE;
  if (first.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  return MAX_PAGE[key] ?? MAX_PAGE_SIZE; // a variable: assume the largest page
}

/** The first limit `document` exceeds, or undefined. Linear in the document's size. */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: GraphQLLimits,
): GraphQLError | undefined {
  const measure = new DocumentMeasure(schema, document);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const { fields, aliases, widest, depth, cost } = measure.operation(definition);
    if (fields > limits.maxRootFields)
      return limitError("the number of root fields", fields, limits.maxRootFields);
    if (aliases > limits.maxAliases) return limitError("the number of aliases", aliases, limits.maxAliases);
    if (widest > limits.maxSelections)
      return limitError("the number of selections in one selection set", widest, limits.maxSelections);
    if (depth > limits.maxDepth) return limitError("the query depth", depth, limits.maxDepth);
    if (cost > limits.maxCost) return limitError("the query cost", cost, limits.maxCost);
  }
  return undefined;
}

/**
 * The limits, checked before graphql-js validates anything. graphql-js runs every validation rule in one walk,
 * so a rule cannot stop the standard rules (OverlappingFieldsCanBeMerged is quadratic) from working through a
 * hostile document first. So the plugin measures the parsed document when Apollo is about to validate it (a
 * document Apollo already validated and cached is not measured again), and a refused document is swapped for
 * an empty one, which the standard rules pass at no cost and on which the rule reports the refusal: Apollo then
 * answers it as any validation failure (400, GRAPHQL_VALIDATION_FAILED, every plugin hook).
 */
export function graphqlLimits(limits: GraphQLLimits): {
  plugin: ApolloServerPlugin<BaseContext>;
  validationRules: ValidationRule[];
} {
  const refusals = new WeakMap<DocumentNode, GraphQLError>();
  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      return {
        async validationDidStart(requestContext) {
          const error = checkLimits(requestContext.schema, requestContext.document, limits);
          if (!error) return;
          const empty: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };
          refusals.set(empty, error);
          (requestContext as { document: DocumentNode }).document = empty;
        },
      };
    },
  };
  const rule = (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const error = refusals.get(document);
      if (error) context.reportError(error);
    },
  });
  return { plugin, validationRules: [rule] };
}
