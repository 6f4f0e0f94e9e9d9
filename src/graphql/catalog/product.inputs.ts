import { Field, InputType } from "type-graphql";

@InputType({ description: "Narrows `products`; all given conditions must hold." })
export class ProductFilterInput {
  @Field({ nullable: true, description: "Only products of this category type (case-insensitive)." })
  categoryType?: string;

  @Field({ nullable: true, description: "Only hot (true) or only other (false) products." })
  hot?: boolean;

  @Field({ nullable: true, description: "Case-insensitive match on the name or the English name." })
  search?: string;
}
