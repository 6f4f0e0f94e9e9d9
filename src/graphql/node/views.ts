import type { Cart } from "../../orders/cart.service.js";
import type { OrderView } from "../../orders/orders.service.js";

/** A cart as GraphQL shows it: with its owner, whose id is the cart's identity. */
export type CartView = Cart & { ownerId: number };

export function cartView(ownerId: number, cart: Cart): CartView {
  return { ...cart, ownerId };
}

/** An order item with its order's number and its 1-based position (items are in id order): its identity. */
export type OrderItemView = OrderView["items"][number] & { orderNo: string; position: number };

export function orderItems(order: OrderView): OrderItemView[] {
  return order.items.map((item, i) => ({ ...item, orderNo: order.orderNo, position: i + 1 }));
}
