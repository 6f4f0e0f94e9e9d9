import { Field, Int, ObjectType } from "type-graphql";
import { DecimalScalar } from "../scalars.js";

@ObjectType({ description: "A drink on the menu." })
export class Product {
  @Field(() => Int)
  id!: number;

  @Field({ description: 'Stable product id, e.g. "latte001".' })
  pid!: string;

  @Field()
  name!: string;

  @Field({ description: "English name." })
  enName!: string;

  @Field(() => DecimalScalar, { description: "Base price before option deltas." })
  price!: unknown;

  @Field()
  description!: string;

  @Field()
  isHot!: boolean;

  @Field()
  isAvailable!: boolean;
}
