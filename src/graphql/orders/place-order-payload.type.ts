import { Field, ObjectType } from "type-graphql";
import { Cart } from "./cart.type.js";
import { Order } from "./order.type.js";

@ObjectType({ description: "The answer of placeOrder." })
export class PlaceOrderPayload {
  @Field(() => Order, {
    description: "The order placed (or, on a replay, the order this key placed before).",
  })
  order!: Order;

  @Field(() => Cart, {
    description:
      "Your cart after checkout (empty unless something was added since): lets a client cache drop the items it showed.",
  })
  cart!: Cart;

  @Field({
    description:
      "True when this idempotency key had already placed this order (a retry): nothing new was created.",
  })
  replayed!: boolean;
}
