import { Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../page-info.type.js";
import { Product } from "./product.type.js";

@ObjectType({ description: "One product in a ProductConnection page." })
export class ProductEdge {
  @Field({ description: "Opaque cursor of this product: pass it as `after` to get the products after it." })
  cursor!: string;

  @Field(() => Product, { description: "The product." })
  node!: Product;
}

@ObjectType({ description: "A page of products (Relay connection), ordered by id." })
export class ProductConnection {
  @Field(() => [ProductEdge], { description: "The products of this page; empty past the last page." })
  edges!: ProductEdge[];

  @Field(() => PageInfo, { description: "Cursors and whether more pages follow." })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "Products matching the filter, over all pages." })
  totalCount!: number;
}
