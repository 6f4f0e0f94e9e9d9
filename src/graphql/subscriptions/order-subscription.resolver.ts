import { Arg, Authorized, Resolver, Root, Subscription } from "type-graphql";
import { NotFoundError, UnauthenticatedError } from "../../errors.js";
import type { OrderView } from "../../orders/orders.service.js";
import type { StreamFilter } from "../../subscriptions/order-events.js";
import type { SocketContext } from "../../subscriptions/ws-server.js";
import { Role } from "../authorization.js";
import { Order } from "../orders/order.type.js";

/** Orders a subscription starts from (and reloads after a fan-out outage). */
const CUSTOMER_SNAPSHOT = 50;
const SHOP_SNAPSHOT = 200;

function socketContext(context: unknown): SocketContext {
  const ctx = context as Partial<SocketContext>;
  if (typeof ctx.session !== "function" || !ctx.services) {
    throw new UnauthenticatedError("subscriptions run over WebSocket (graphql-ws) at /graphql");
  }
  return ctx as SocketContext;
}

function stream(ctx: SocketContext, filter: StreamFilter, snapshot: () => Promise<OrderView[]>) {
  return ctx.services.orderEvents.stream({
    filter,
    snapshot,
    maxQueue: ctx.maxQueuedEvents,
    onOverflow: ctx.overflow,
  });
}

/**
 * Live order updates over WebSocket (src/subscriptions/). Each event is the whole order; the current state
 * comes first, so a client that reconnects misses nothing. Events of one order arrive in order.
 */
@Resolver()
export class OrderSubscriptionResolver {
  @Authorized()
  @Subscription(() => Order, {
    description:
      "One order as it changes: its current state first, then every change. Yours only (any order for an admin).",
    subscribe: async ({ args, context }) => {
      const ctx = socketContext(context);
      const { user } = ctx.session();
      const admin = user.role === "ADMIN";
      const orderNo = String((args as { orderNo: string }).orderNo);
      const load = async () => {
        const order = await ctx.services.orders.find(orderNo, user.id, admin);
        return order ? [order] : [];
      };
      if ((await load()).length === 0) throw new NotFoundError(`no order ${orderNo}`);
      return stream(ctx, { kind: "order", orderNo, userId: admin ? undefined : user.id }, load);
    },
  })
  orderUpdated(
    @Arg("orderNo", {
      description: "The order to follow, e.g. C261126-7KQ3XZ: yours (any order for an admin).",
    })
    _orderNo: string,
    @Root() order: OrderView,
  ): OrderView {
    return order;
  }

  @Authorized()
  @Subscription(() => Order, {
    description:
      "Your orders as they change: first your open orders and those changed in the last hour, then every change and every new order.",
    subscribe: ({ context }) => {
      const ctx = socketContext(context);
      const { user } = ctx.session();
      return stream(ctx, { kind: "user", userId: user.id }, () =>
        ctx.services.orders.current(user.id, CUSTOMER_SNAPSHOT),
      );
    },
  })
  myOrderUpdates(@Root() order: OrderView): OrderView {
    return order;
  }

  @Authorized(Role.Admin)
  @Subscription(() => Order, {
    description:
      "Admin: the shop's orders: first the open ones and those changed in the last hour, then every new order and every change.",
    subscribe: ({ context }) => {
      const ctx = socketContext(context);
      return stream(ctx, { kind: "shop" }, () => ctx.services.orders.current(null, SHOP_SNAPSHOT));
    },
  })
  shopOrders(@Root() order: OrderView): OrderView {
    return order;
  }
}
