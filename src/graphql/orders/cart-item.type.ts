import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { Product } from "../catalog/product.type.js";
import { Node } from "../node/node.type.js";
import { DecimalScalar } from "../scalars.js";
import { ChosenOption } from "./chosen-option.type.js";

@ObjectType({
  description: "A product with its chosen options and a quantity, in the cart.",
  implements: Node,
})
export class CartItem {
  @Field(() => ID, {
    description:
      "Global id (opaque), the itemId of updateCartItem and removeCartItem. An item merged into an equal one by updateCartItem is gone: the cart lists the one it joined.",
  })
  id!: string;

  @Field(() => Int, { description: "The numeric database id, for clients that stored it before global ids." })
  databaseId!: number;

  @Field(() => Product, { description: "The product as it is now." })
  product!: Product;

  @Field(() => [ChosenOption], { description: "Every option kind of the product, defaults included." })
  options!: ChosenOption[];

  @Field(() => Int, { description: "1-99." })
  quantity!: number;

  @Field(() => DecimalScalar, { description: "Current base price plus option deltas." })
  unitPrice!: Prisma.Decimal;

  @Field(() => DecimalScalar, { description: "unitPrice times quantity." })
  lineTotal!: Prisma.Decimal;

  @Field({
    description: "False when the product or a chosen option is no longer offered: checkout refuses it.",
  })
  isAvailable!: boolean;
}
