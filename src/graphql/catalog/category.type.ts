import { Field, ID, Int, ObjectType } from "type-graphql";
import { Node } from "../node/node.type.js";

// simpleResolvers: as on Product (product.type.ts).
@ObjectType({
  description: "A menu category such as latte or fruit tea.",
  implements: Node,
  simpleResolvers: true,
})
export class Category {
  @Field(() => ID, {
    description: "Global id (opaque): as in node(id:), updateCategory(id:), deleteCategory(id:).",
  })
  id!: string;

  @Field(() => Int, { description: "The numeric database id, for clients that stored it before global ids." })
  databaseId!: number;

  @Field({ description: 'URL slug, e.g. "latte"; matched case-insensitively.' })
  type!: string;

  @Field({ description: 'Display name, e.g. "拿铁".' })
  name!: string;
}
