import { Field, ObjectType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { OptionKind } from "../../generated/prisma/enums.js";
import { DecimalScalar } from "../scalars.js";

@ObjectType({ description: "An option as chosen for a cart item or an order item." })
export class ChosenOption {
  @Field(() => OptionKind, { description: "The option's kind." })
  kind!: OptionKind;

  @Field({ description: 'The option\'s display label, e.g. "温度".' })
  label!: string;

  @Field({ description: 'The chosen value, e.g. "半糖".' })
  value!: string;

  @Field(() => DecimalScalar, { description: "What this choice adds to the unit price; may be negative." })
  priceDelta!: Prisma.Decimal;
}
