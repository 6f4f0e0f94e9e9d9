import { Field, InputType, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../page-info.type.js";
import { Product } from "./product.type.js";

@InputType({ description: "Narrows `products`; all given conditions must hold." })
export class ProductFilterInput {
  @Field({ nullable: true, description: "Only products of this category type (case-insensitive)." })
  categoryType?: string;

  @Field({ nullable: true, description: "Only hot (true) or only other (false) products." })
  hot?: boolean;

  @Field({ nullable: true, description: "Case-insensitive match on the name or the English name." })
  search?: string;
}

@ObjectType()
export class ProductEdge {
  @Field()
  cursor!: string;

  @Field(() => Product)
  node!: Product;
}

@ObjectType({ description: "A page of products (Relay connection), ordered by id." })
export class ProductConnection {
  @Field(() => [ProductEdge])
  edges!: ProductEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "Products matching the filter, over all pages." })
  totalCount!: number;
}
