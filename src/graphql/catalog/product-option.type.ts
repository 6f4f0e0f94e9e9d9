import { Field, ObjectType, registerEnumType } from "type-graphql";
import { OptionKind } from "../../generated/prisma/enums.js";
import { DecimalScalar } from "../scalars.js";

registerEnumType(OptionKind, { name: "OptionKind", description: "What a product option changes." });

@ObjectType({ description: "One choice of a product option, e.g. 半糖." })
export class OptionChoice {
  @Field()
  value!: string;

  @Field(() => DecimalScalar, { description: "Added to the product's price when chosen." })
  priceDelta!: unknown;

  @Field({ description: "Applied when an order does not choose this kind." })
  isDefault!: boolean;
}

@ObjectType({
  description: "A product's option of one kind (temperature, sugar, milk or cream) and its choices.",
})
export class ProductOption {
  @Field(() => OptionKind)
  kind!: OptionKind;

  @Field({ description: 'Display label, e.g. "温度".' })
  label!: string;

  @Field(() => [OptionChoice])
  choices!: OptionChoice[];
}
