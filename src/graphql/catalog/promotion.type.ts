import { URLResolver } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A banner on the home screen." })
export class Promotion {
  @Field(() => Int, { description: "Numeric promotion id, as in updatePromotion(id)." })
  id!: number;

  @Field(() => URLResolver, { description: "Absolute URL of the banner image." })
  imageUrl!: string;

  @Field({ description: "Caption, up to 255 characters." })
  description!: string;

  @Field(() => Int, { description: "Display position: lower first." })
  sortOrder!: number;
}
