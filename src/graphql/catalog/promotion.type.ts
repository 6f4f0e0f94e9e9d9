import { URLResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { Node } from "../node/node.type.js";

@ObjectType({ description: "A banner on the home screen.", implements: Node })
export class Promotion {
  @Field(() => ID, {
    description: "Global id (opaque): as in node(id:), updatePromotion(id:), deletePromotion(id:).",
  })
  id!: string;

  @Field(() => Int, { description: "The numeric database id, for clients that stored it before global ids." })
  databaseId!: number;

  @Field(() => URLResolver, { description: "Absolute URL of the banner image." })
  imageUrl!: string;

  @Field({ description: "Caption, up to 255 characters." })
  description!: string;

  @Field(() => Int, { description: "Display position: lower first." })
  sortOrder!: number;
}
