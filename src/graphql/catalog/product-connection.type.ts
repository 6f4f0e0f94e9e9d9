import { ObjectType } from "type-graphql";
import { Connection } from "../connection.type.js";
import { Product } from "./product.type.js";

@ObjectType({ description: "A page of products (Relay connection), ordered by id." })
export class ProductConnection extends Connection(Product, {
  type: "Product",
  item: "product",
  items: "products",
  edge: "One product in a ProductConnection page.",
  cursor: "Opaque cursor of this product: pass it as `after` to get the products after it.",
  totalCount: "Products matching the filter, over all pages.",
}) {}
