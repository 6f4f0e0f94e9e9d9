import { URLResolver } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A banner on the home screen." })
export class Promotion {
  @Field(() => Int)
  id!: number;

  @Field(() => URLResolver)
  imageUrl!: string;

  @Field()
  description!: string;

  @Field(() => Int)
  sortOrder!: number;
}
