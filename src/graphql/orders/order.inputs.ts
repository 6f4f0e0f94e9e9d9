import { Field, ID, InputType, Int } from "type-graphql";
import { OptionKind } from "../../generated/prisma/enums.js";

@InputType({ description: "One option choice, by kind and value." })
export class OptionSelectionInput {
  @Field(() => OptionKind, { description: "An option kind the product has (BAD_USER_INPUT otherwise)." })
  kind!: OptionKind;

  @Field({ description: 'One of the option\'s choice values, e.g. "半糖" (BAD_USER_INPUT otherwise).' })
  value!: string;
}

@InputType({ description: "A product to add to the cart, with its options." })
export class AddToCartInput {
  @Field({ description: "The product's pid; unknown or unavailable is BAD_USER_INPUT on pid." })
  pid!: string;

  @Field(() => Int, { description: "1-99; added to an equal item's quantity." })
  quantity!: number;

  @Field(() => [OptionSelectionInput], {
    nullable: true,
    description: "Each kind at most once; kinds not chosen take their default.",
  })
  options?: OptionSelectionInput[];
}

@InputType({ description: "Changes to one cart item; omitted fields stay." })
export class UpdateCartItemInput {
  @Field(() => ID, {
    description:
      "CartItem.id of an item in your cart (NOT_FOUND otherwise); its plain databaseId is still accepted. Another type's id is BAD_USER_INPUT.",
  })
  itemId!: string;

  @Field(() => Int, { nullable: true, description: "New quantity, 1-99." })
  quantity?: number;

  @Field(() => [OptionSelectionInput], { nullable: true, description: "Replaces the item's choices." })
  options?: OptionSelectionInput[];
}

@InputType({ description: "Checkout of the whole cart." })
export class PlaceOrderInput {
  @Field({
    description:
      "8-64 of A-Z a-z 0-9 _ -. Within 24 hours the same key with the same request (note and cart) answers the " +
      "same order with replayed: true; with a different request it is refused (IDEMPOTENCY_KEY_REUSED).",
  })
  idempotencyKey!: string;

  @Field({ nullable: true, description: "Up to 200 characters for the barista." })
  note?: string;
}
