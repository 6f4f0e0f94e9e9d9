import { Field, ID, InterfaceType } from "type-graphql";
import type { NodeType } from "./global-id.js";

/** What `node`/`nodes` resolve to: the row as the object's own resolvers expect it, and its type. */
export interface NodeValue {
  readonly __node: NodeType;
}

@InterfaceType({
  description:
    "An object with a global id (Relay Global Object Identification): fetch it again with node(id:), and let a normalized client cache (Apollo Client, Relay) key it by id alone.",
  resolveType: (value: NodeValue) => value.__node,
})
export abstract class Node {
  @Field(() => ID, {
    description:
      "Opaque global id, unique across every type; stable for the object's life. Pass it to node(id:) or to any argument that takes this object's id.",
  })
  id!: string;
}
