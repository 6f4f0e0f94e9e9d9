import { type ClassType, Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "./page-info.type.js";

/** How a connection names its items in the schema's descriptions. */
export interface ConnectionNames {
  /** The node's GraphQL type name: the edge type is `<type>Edge`, the connection `<type>Connection`. */
  type: string;
  /** One item and several items in prose, e.g. "product" and "products". */
  item: string;
  items: string;
  /** The edge type's description. */
  edge: string;
  /** The edge's `cursor`: what `after` it gives. */
  cursor: string;
  /** The connection's `totalCount`: what it counts. */
  totalCount: string;
}

/**
 * A Relay connection of `node` (the shape `toConnection` in cursor.ts answers, plus `totalCount`): declares
 * the edge type and returns the fields every connection has, as a base class that the schema never shows by
 * itself. Use: `@ObjectType({ description }) class ProductConnection extends Connection(Product, {...}) {}`.
 */
export function Connection<TNode extends object>(node: ClassType<TNode>, names: ConnectionNames) {
  @ObjectType(`${names.type}Edge`, { description: names.edge })
  class Edge {
    @Field({ description: names.cursor })
    cursor!: string;

    @Field(() => node, { description: `The ${names.item}.` })
    node!: TNode;
  }

  @ObjectType()
  abstract class ConnectionBase {
    @Field(() => [Edge], { description: `The ${names.items} of this page; empty past the last page.` })
    edges!: Edge[];

    @Field(() => PageInfo, { description: "Cursors and whether more pages follow." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: names.totalCount })
    totalCount!: number;
  }

  return ConnectionBase;
}
