import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { Node } from "../node/node.type.js";
import { DecimalScalar } from "../scalars.js";
import { ChosenOption } from "./chosen-option.type.js";

@ObjectType({ description: "What was ordered, as it was at checkout.", implements: Node })
export class OrderItem {
  @Field(() => ID, { description: "Global id (opaque): the order and the item's position in it." })
  id!: string;

  @Field({ description: "The product's pid at checkout." })
  pid!: string;

  @Field({ description: "The product's name at checkout." })
  name!: string;

  @Field(() => [ChosenOption], {
    description: "Every option kind of the product as chosen, defaults included.",
  })
  options!: ChosenOption[];

  @Field(() => DecimalScalar, { description: "The product's base price at checkout." })
  basePrice!: Prisma.Decimal;

  @Field(() => DecimalScalar, { description: "basePrice plus the option deltas." })
  unitPrice!: Prisma.Decimal;

  @Field(() => Int, { description: "1-99." })
  quantity!: number;

  @Field(() => DecimalScalar, { description: "unitPrice times quantity." })
  lineTotal!: Prisma.Decimal;

  @Field({ description: "True when the price changed between adding to the cart and checkout." })
  priceChanged!: boolean;
}
