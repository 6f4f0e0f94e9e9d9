/**
 * Checkout and order history. An order is placed from the cart in one transaction (order, items, cart
 * cleared), priced from the database at that moment, and snapshotted: later catalogue edits never change it.
 * The same idempotency key for the same user always answers the same order, also under concurrent retries.
 */
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.js";
import { isPrismaError } from "../db/prisma-errors.js";
import { Prisma, type Order, type OrderItem, type PrismaClient } from "../generated/prisma/client.js";
import type { OrderStatus } from "../generated/prisma/enums.js";
import { metrics } from "../observability/metrics.js";
import type { UserCache, UserSnapshot } from "../cache/user-cache.js";
import { lockCart, priceLine } from "./cart.service.js";
import type { ChosenOption } from "./pricing.js";
import { newOrderNumber } from "./order-number.js";

export type { Order, OrderItem };
type OrderWithItems = Order & { items: OrderItem[] };

/** An order as shown: snapshotted options parsed, and whether prices changed since items were added. */
export interface OrderView extends Omit<OrderWithItems, "items"> {
  items: (Omit<OrderItem, "options"> & { options: ChosenOption[]; priceChanged: boolean })[];
  priceChanged: boolean;
}

function toView(order: OrderWithItems): OrderView {
  const items = order.items.map((item) => ({
    ...item,
    options: (JSON.parse(item.options) as ChosenOption[]).map((o) => ({
      ...o,
      priceDelta: new Prisma.Decimal(o.priceDelta),
    })),
    priceChanged: !item.unitPrice.equals(item.cartUnitPrice),
  }));
  return { ...order, items, priceChanged: items.some((i) => i.priceChanged) };
}

export interface PlaceOrderInput {
  idempotencyKey: string;
  note?: string | null;
}

export interface OrderPage {
  items: OrderView[];
  hasNextPage: boolean;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/;
export const MAX_ORDERS_PAGE = 50;

/** The shop's workflow: PLACED -> PREPARING -> READY -> COMPLETED, or CANCELLED before completion. */
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  PLACED: ["PREPARING", "CANCELLED"],
  PREPARING: ["READY", "CANCELLED"],
  READY: ["COMPLETED", "CANCELLED"],
  COMPLETED: [],
  CANCELLED: [],
};

class EmptyCart extends Error {}

/** Where committed order changes go (live updates, src/subscriptions/order-events.ts); must not throw. */
export interface OrderEventSink {
  publish(order: OrderView): void;
}

/** Orders still in the shop's hands, or changed this recently: what a subscription sends first. */
const OPEN_STATUSES: OrderStatus[] = ["PLACED", "PREPARING", "READY"];
const RECENT_MS = 3_600_000;

export class OrdersService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly userCache: UserCache,
    private readonly events?: OrderEventSink,
  ) {}

  /** Raised after the commit; a failure here is logged by the sink, never seen by the request. */
  private raise(order: OrderView): void {
    try {
      this.events?.publish(order);
    } catch {
      // The sink never throws; this only guards the request against a bug in it.
    }
  }

  /**
   * Orders a live subscription starts from: every open order (of one user, or of the shop) and those changed
   * within the last hour, oldest first, at most `limit`.
   */
  async current(userId: number | null, limit: number): Promise<OrderView[]> {
    const rows = await this.prisma.order.findMany({
      where: {
        ...(userId === null ? {} : { userId }),
        OR: [{ status: { in: OPEN_STATUSES } }, { updatedAt: { gte: new Date(Date.now() - RECENT_MS) } }],
      },
      orderBy: { id: "desc" },
      take: limit,
      include: { items: { orderBy: { id: "asc" } } },
    });
    return rows.reverse().map(toView);
  }

  async place(userId: number, input: PlaceOrderInput): Promise<OrderView> {
    if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      throw new InvalidInputError(
        "idempotencyKey",
        "idempotencyKey must be 8-64 characters of A-Z a-z 0-9 _ -",
      );
    }
    const note = (input.note ?? "").trim();
    if ([...note].length > 200) throw new InvalidInputError("note", "note must be at most 200 characters");

    const earlier = await this.byKey(userId, input.idempotencyKey);
    if (earlier) return toView(earlier);
    for (let attempt = 0; ; attempt++) {
      try {
        return toView(await this.checkout(userId, input.idempotencyKey, note));
      } catch (err) {
        // A concurrent request with the same key won: answer its order.
        if (err instanceof EmptyCart || isPrismaError(err, "P2002", "idempotency")) {
          const winner = await this.byKey(userId, input.idempotencyKey);
          if (winner) return toView(winner);
          if (err instanceof EmptyCart) throw new InvalidInputError("cart", "your cart is empty");
        }
        // An order-number collision or a deadlock between concurrent checkouts: try again.
        const retryable = isPrismaError(err, "P2002", "order_no") || isPrismaError(err, "P2034");
        if (retryable && attempt < 3) continue;
        throw err;
      }
    }
  }

  private async checkout(userId: number, idempotencyKey: string, note: string): Promise<OrderWithItems> {
    const order = await this.prisma.$transaction(async (tx) => {
      // A concurrent checkout of the same cart waits here, then finds it empty.
      await lockCart(tx, userId);
      const items = await tx.cartItem.findMany({
        where: { userId },
        orderBy: { id: "asc" },
        include: { product: { include: { options: true } } },
      });
      if (items.length === 0) throw new EmptyCart();
      const lines = items.map((item) => ({
        item,
        line: priceLine(item, item.product, item.product.options),
      }));
      for (const [i, { line }] of lines.entries()) {
        if (!line.isAvailable) {
          throw new InvalidInputError(
            `cart.items.${i}`,
            `${line.product.name} is no longer available as chosen: remove it or choose again`,
          );
        }
      }
      const total = lines.reduce((sum, { line }) => sum.plus(line.lineTotal), new Prisma.Decimal(0));
      const created = await tx.order.create({
        data: {
          orderNo: newOrderNumber(),
          userId,
          total,
          note,
          idempotencyKey,
          items: {
            create: lines.map(({ item, line }) => ({
              productId: line.product.id,
              pid: line.product.pid,
              name: line.product.name,
              options: JSON.stringify(line.options),
              basePrice: line.product.price,
              unitPrice: line.unitPrice,
              cartUnitPrice: item.unitPrice,
              quantity: line.quantity,
              lineTotal: line.lineTotal,
            })),
          },
        },
        include: { items: { orderBy: { id: "asc" } } },
      });
      await tx.cartItem.deleteMany({ where: { userId } });
      return created;
    });
    await this.userCache.touch(userId, ["cart", "orders"]);
    metrics.orders.inc({ status: "PLACED" });
    metrics.orderValue.inc(order.total.toNumber());
    this.raise(toView(order));
    return order;
  }

  private byKey(userId: number, idempotencyKey: string) {
    return this.prisma.order.findUnique({
      where: { userId_idempotencyKey: { userId, idempotencyKey } },
      include: { items: { orderBy: { id: "asc" } } },
    });
  }

  /**
   * The user's orders, newest first. First pages are cached per user under the snapshot's stamps (every
   * change to the user's orders stamps them anew).
   */
  async mine(
    userId: number,
    first: number,
    afterId?: number,
    snapshot?: UserSnapshot | null,
  ): Promise<OrderPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_ORDERS_PAGE) {
      throw new InvalidInputError("first", `first must be between 1 and ${MAX_ORDERS_PAGE}`);
    }
    if (afterId === undefined && snapshot) {
      return this.userCache.get(snapshot, { part: "orders", name: `orders:${first}` }, () =>
        this.mine(userId, first),
      );
    }
    const rows = await this.prisma.order.findMany({
      where: { userId, ...(afterId ? { id: { lt: afterId } } : {}) },
      orderBy: { id: "desc" },
      take: first + 1,
      include: { items: { orderBy: { id: "asc" } } },
    });
    return { items: rows.slice(0, first).map(toView), hasNextPage: rows.length > first };
  }

  /** One order of the user (any order for an admin); another user's order is "not found", never "forbidden". */
  async find(orderNo: string, userId: number, isAdmin = false): Promise<OrderView | null> {
    const order = await this.prisma.order.findUnique({
      where: { orderNo },
      include: { items: { orderBy: { id: "asc" } } },
    });
    return order && (isAdmin || order.userId === userId) ? toView(order) : null;
  }

  /** Customers may cancel while the order is still PLACED. */
  async cancel(orderNo: string, userId: number): Promise<OrderView> {
    const order = await this.find(orderNo, userId);
    if (!order) throw new NotFoundError(`no order ${orderNo}`);
    return this.transition(order, "CANCELLED", ["PLACED"]);
  }

  /** The shop moves an order along its workflow; any other transition is refused. */
  async advance(orderNo: string, status: OrderStatus): Promise<OrderView> {
    const order = await this.find(orderNo, 0, true);
    if (!order) throw new NotFoundError(`no order ${orderNo}`);
    const from = (Object.keys(NEXT) as OrderStatus[]).filter((s) => NEXT[s].includes(status));
    return this.transition(order, status, from);
  }

  private async transition(order: OrderView, to: OrderStatus, from: OrderStatus[]): Promise<OrderView> {
    // Conditional on the current status, so two concurrent transitions cannot both apply.
    const { count } = await this.prisma.order.updateMany({
      where: { id: order.id, status: { in: from } },
      data: { status: to },
    });
    if (count === 0) {
      const current = (await this.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status;
      throw new ConflictError(`order ${order.orderNo} is ${current}: it cannot become ${to}`);
    }
    await this.userCache.touch(order.userId, ["orders"]);
    metrics.orders.inc({ status: to });
    const changed = (await this.find(order.orderNo, order.userId))!;
    this.raise(changed);
    return changed;
  }
}
