import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { OptionKind, OrderStatus } from "../../generated/prisma/enums.js";
import { Product } from "../catalog/product.type.js";
import { PageInfo } from "../page-info.type.js";
import { DecimalScalar } from "../scalars.js";

registerEnumType(OrderStatus, {
  name: "OrderStatus",
  description: "PLACED -> PREPARING -> READY -> COMPLETED, or CANCELLED before completion.",
});

@ObjectType({ description: "An option as chosen for a cart item or an order item." })
export class ChosenOption {
  @Field(() => OptionKind)
  kind!: OptionKind;

  @Field()
  label!: string;

  @Field()
  value!: string;

  @Field(() => DecimalScalar)
  priceDelta!: unknown;
}

@ObjectType()
export class CartItem {
  @Field(() => Int)
  id!: number;

  @Field(() => Product)
  product!: Product;

  @Field(() => [ChosenOption], { description: "Every option kind of the product, defaults included." })
  options!: ChosenOption[];

  @Field(() => Int)
  quantity!: number;

  @Field(() => DecimalScalar, { description: "Current base price plus option deltas." })
  unitPrice!: unknown;

  @Field(() => DecimalScalar)
  lineTotal!: unknown;

  @Field({
    description: "False when the product or a chosen option is no longer offered: checkout refuses it.",
  })
  isAvailable!: boolean;
}

@ObjectType()
export class Cart {
  @Field(() => [CartItem])
  items!: CartItem[];

  @Field(() => DecimalScalar, { description: "Sum of the available items." })
  total!: unknown;
}

@ObjectType({ description: "What was ordered, as it was at checkout." })
export class OrderItem {
  @Field()
  pid!: string;

  @Field()
  name!: string;

  @Field(() => [ChosenOption])
  options!: ChosenOption[];

  @Field(() => DecimalScalar)
  basePrice!: unknown;

  @Field(() => DecimalScalar)
  unitPrice!: unknown;

  @Field(() => Int)
  quantity!: number;

  @Field(() => DecimalScalar)
  lineTotal!: unknown;

  @Field({ description: "True when the price changed between adding to the cart and checkout." })
  priceChanged!: boolean;
}

@ObjectType()
export class Order {
  @Field()
  orderNo!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => [OrderItem])
  items!: OrderItem[];

  @Field(() => DecimalScalar)
  total!: unknown;

  @Field()
  note!: string;

  @Field({
    description: "True when any item's price changed since it was added: the order uses the current price.",
  })
  priceChanged!: boolean;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType({ description: "The answer of placeOrder." })
export class PlaceOrderPayload {
  @Field(() => Order)
  order!: Order;

  @Field({
    description:
      "True when this idempotency key had already placed this order (a retry): nothing new was created.",
  })
  replayed!: boolean;
}

@ObjectType()
export class OrderEdge {
  @Field()
  cursor!: string;

  @Field(() => Order)
  node!: Order;
}

@ObjectType({ description: "Your orders, newest first." })
export class OrderConnection {
  @Field(() => [OrderEdge])
  edges!: OrderEdge[];

  @Field(() => Int, { description: "How many orders you have in all, on every page." })
  totalCount!: number;

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
export class OptionSelectionInput {
  @Field(() => OptionKind)
  kind!: OptionKind;

  @Field()
  value!: string;
}

@InputType()
export class AddToCartInput {
  @Field()
  pid!: string;

  @Field(() => Int, { description: "1-99." })
  quantity!: number;

  @Field(() => [OptionSelectionInput], {
    nullable: true,
    description: "Each kind at most once; kinds not chosen take their default.",
  })
  options?: OptionSelectionInput[];
}

@InputType()
export class UpdateCartItemInput {
  @Field(() => Int)
  itemId!: number;

  @Field(() => Int, { nullable: true })
  quantity?: number;

  @Field(() => [OptionSelectionInput], { nullable: true, description: "Replaces the item's choices." })
  options?: OptionSelectionInput[];
}

@InputType()
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
