import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { OptionKind, OrderStatus } from "../../generated/prisma/enums.js";
import { Product } from "../catalog/product.type.js";
import { Node } from "../node/node.type.js";
import { PageInfo } from "../page-info.type.js";
import { DecimalScalar } from "../scalars.js";

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

@ObjectType({ description: "An option as chosen for a cart item or an order item." })
export class ChosenOption {
  @Field(() => OptionKind, { description: "The option's kind." })
  kind!: OptionKind;

  @Field({ description: 'The option\'s display label, e.g. "温度".' })
  label!: string;

  @Field({ description: 'The chosen value, e.g. "半糖".' })
  value!: string;

  @Field(() => DecimalScalar, { description: "What this choice adds to the unit price; may be negative." })
  priceDelta!: unknown;
}

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
  unitPrice!: unknown;

  @Field(() => DecimalScalar, { description: "unitPrice times quantity." })
  lineTotal!: unknown;

  @Field({
    description: "False when the product or a chosen option is no longer offered: checkout refuses it.",
  })
  isAvailable!: boolean;
}

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
  total!: unknown;
}

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
  basePrice!: unknown;

  @Field(() => DecimalScalar, { description: "basePrice plus the option deltas." })
  unitPrice!: unknown;

  @Field(() => Int, { description: "1-99." })
  quantity!: number;

  @Field(() => DecimalScalar, { description: "unitPrice times quantity." })
  lineTotal!: unknown;

  @Field({ description: "True when the price changed between adding to the cart and checkout." })
  priceChanged!: boolean;
}

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
  total!: unknown;

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

@ObjectType({ description: "One order in an OrderConnection page." })
export class OrderEdge {
  @Field({
    description: "Opaque cursor of this order: pass it as `after` to get the (older) orders after it.",
  })
  cursor!: string;

  @Field(() => Order, { description: "The order." })
  node!: Order;
}

@ObjectType({ description: "Your orders, newest first." })
export class OrderConnection {
  @Field(() => [OrderEdge], { description: "The orders of this page; empty past the last page." })
  edges!: OrderEdge[];

  @Field(() => Int, { description: "How many orders you have in all, on every page." })
  totalCount!: number;

  @Field(() => PageInfo, { description: "Cursors and whether more pages follow." })
  pageInfo!: PageInfo;
}

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
