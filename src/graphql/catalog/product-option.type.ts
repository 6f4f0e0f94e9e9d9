import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { Node } from "../node/node.type.js";
import { OptionKind } from "../../generated/prisma/enums.js";
import { DecimalScalar } from "../scalars.js";

registerEnumType(OptionKind, {
  name: "OptionKind",
  description: "What a product option changes.",
  valuesConfig: {
    TEMPERATURE: { description: "Serving temperature." },
    SUGAR: { description: "Sweetness level." },
    MILK: { description: "Kind of milk." },
    CREAM: { description: "Cream topping." },
  },
});

// simpleResolvers: as on Product (product.type.ts).
@ObjectType({
  description: "One choice of a product option, e.g. 半糖.",
  implements: Node,
  simpleResolvers: true,
})
export class OptionChoice {
  @Field(() => ID, {
    description: "Global id (opaque); a choice replaced by setProductOption gets a new one.",
  })
  id!: string;

  @Field({ description: 'The choice as shown and as sent in OptionSelectionInput.value, e.g. "半糖".' })
  value!: string;

  @Field(() => DecimalScalar, { description: "Added to the product's price when chosen." })
  priceDelta!: Prisma.Decimal;

  @Field({ description: "Applied when an order does not choose this kind." })
  isDefault!: boolean;
}

// simpleResolvers: as on Product (product.type.ts).
@ObjectType({
  description: "A product's option of one kind (temperature, sugar, milk or cream) and its choices.",
  implements: Node,
  simpleResolvers: true,
})
export class ProductOption {
  @Field(() => ID, {
    description: "Global id (opaque) of the product's option of this kind; setProductOption keeps it.",
  })
  id!: string;

  @Field(() => OptionKind, { description: "The kind; a product has at most one option per kind." })
  kind!: OptionKind;

  @Field({ description: 'Display label, e.g. "温度".' })
  label!: string;

  @Field(() => [OptionChoice], { description: "1-10 choices in display order; exactly one is the default." })
  choices!: OptionChoice[];
}
