import { Field, ID, ObjectType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { Node } from "../node/node.type.js";
import { DecimalScalar } from "../scalars.js";
import { CartItem } from "./cart-item.type.js";

@ObjectType({
  description:
    "The signed-in user's cart, priced now. One per user, with a stable id: every cart mutation answers it, so a normalized client cache updates User.cart by itself.",
  implements: Node,
})
export class Cart {
  @Field(() => ID, { description: "Global id (opaque), the same for the user's cart at all times." })
  id!: string;

  @Field(() => [CartItem], {
    description: "At most 30 items, in the order they were added; empty when the cart is.",
  })
  items!: CartItem[];

  @Field(() => DecimalScalar, { description: "Sum of the available items." })
  total!: Prisma.Decimal;
}
