import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { OrderStatus } from "../../generated/prisma/enums.js";
import { Node } from "../node/node.type.js";
import { DecimalScalar } from "../scalars.js";
import { OrderItem } from "./order-item.type.js";

registerEnumType(OrderStatus, {
  name: "OrderStatus",
  description: "PLACED -> PREPARING -> READY -> COMPLETED, or CANCELLED before completion.",
  valuesConfig: {
    PLACED: { description: "Received; the customer may still cancel it." },
    PREPARING: { description: "Being made by the barista." },
    READY: { description: "Ready to pick up." },
    COMPLETED: { description: "Picked up; final." },
    CANCELLED: { description: "Cancelled by the customer or the shop; final." },
  },
});

@ObjectType({ description: "An order placed from a cart, with the prices of checkout.", implements: Node })
export class Order {
  @Field(() => ID, {
    description:
      "Global id (opaque); the same order in subscriptions, myOrders and mutation answers. Arguments take orderNo.",
  })
  id!: string;

  @Field({ description: 'Order number, "C" + yymmdd (UTC) + "-" + 6 characters, e.g. "C261126-7KQ3XZ".' })
  orderNo!: string;

  @Field(() => OrderStatus, { description: "Where the order is in its workflow." })
  status!: OrderStatus;

  @Field(() => [OrderItem], { description: "The items, in cart order." })
  items!: OrderItem[];

  @Field(() => DecimalScalar, { description: "Sum of the line totals." })
  total!: Prisma.Decimal;

  @Field({ description: "The customer's note for the barista; empty string when none." })
  note!: string;

  @Field({
    description: "True when any item's price changed since it was added: the order uses the current price.",
  })
  priceChanged!: boolean;

  @Field({ description: "When the order was placed (UTC)." })
  createdAt!: Date;

  @Field({ description: "When the order last changed, e.g. its status (UTC)." })
  updatedAt!: Date;
}
