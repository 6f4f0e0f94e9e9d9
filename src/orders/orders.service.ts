/**
 * Checkout and order history. An order is placed from the cart in one transaction (order, items, key, cart
 * cleared), priced from the database at that moment, and snapshotted: later catalogue edits never change it.
 *
 * Idempotency keys (docs/ordering.md): per user, kept in MySQL for 24 hours with a fingerprint of the
 * request (note and cart contents). The same key for the same request answers the same order, marked as a
 * replay, also under concurrent retries; for a different request it answers IDEMPOTENCY_KEY_REUSED and
 * changes nothing. A retry finds the cart emptied by the first attempt: with the same note, that is the
 * same request.
 */
import { createHash } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { ConflictError, IdempotencyKeyReusedError, InvalidInputError, NotFoundError } from "../errors.js";
import type { ReadConsistency } from "../db/read-consistency.js";
import { Prisma, type Order, type OrderItem, type PrismaClient } from "../generated/prisma/client.js";
import type { OrderStatus } from "../generated/prisma/enums.js";
import { metrics } from "../observability/metrics.js";
import type { UserCache, UserSnapshot } from "../cache/user-cache.js";
import { priceLine } from "./cart.service.js";
import {
  type CartRow,
  type NewOrder,
  type OrderingRepository,
  type OrderWithItems,
} from "./ordering.repository.js";
import { type ChosenOption, isValidUnitPrice, MAX_ORDER_TOTAL } from "./pricing.js";
import { newOrderNumber } from "./order-number.js";

export type { Order as OrderRow, OrderItem as OrderItemRow };

/** How long a key is remembered; after that the same key places a new order. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/** An order as shown: snapshotted options parsed, and whether prices changed since items were added. */
export interface OrderView extends Omit<OrderWithItems, "items"> {
  items: (Omit<OrderItem, "options"> & { options: ChosenOption[]; priceChanged: boolean })[];
  priceChanged: boolean;
}

export interface PlacedOrder {
  order: OrderView;
  /** True when the key had placed this order before: nothing new was created. */
  replayed: boolean;
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
  /** All of the user's orders, on every page. */
  totalCount: number;
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

/** The fingerprint of a checkout request: its note and what the cart holds (not prices, which may move). */
export function requestFingerprint(
  note: string,
  cart: Pick<CartRow, "productId" | "options" | "quantity">[],
) {
  const items = cart
    .map((r) => [r.productId, r.options.toLowerCase(), r.quantity] as const)
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return createHash("sha256").update(JSON.stringify({ note, items })).digest("hex");
}

/** Where committed order changes go (live updates, src/subscriptions/order-events.ts); must not throw. */
export interface OrderEventSink {
  publish(order: OrderView): void;
}

/** Orders still in the shop's hands, or changed this recently: what a subscription sends first. */
const OPEN_STATUSES: OrderStatus[] = ["PLACED", "PREPARING", "READY"];
const RECENT_MS = 3_600_000;

export class OrdersService {
  private nextPruneAt = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly repository: OrderingRepository,
    private readonly userCache: UserCache,
    private readonly events?: OrderEventSink,
    private readonly logger?: FastifyBaseLogger,
    /** Order history may read from MySQL replicas that have the user's last write (read-your-writes). */
    private readonly reads?: ReadConsistency,
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

  async place(userId: number, input: PlaceOrderInput): Promise<PlacedOrder> {
    if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      throw new InvalidInputError(
        "idempotencyKey",
        "idempotencyKey must be 8-64 characters of A-Z a-z 0-9 _ -",
      );
    }
    const note = (input.note ?? "").trim();
    if ([...note].length > 200) throw new InvalidInputError("note", "note must be at most 200 characters");

    // Two checkouts of one user are serialised by the cart lock; a deadlock with another writer is retried
    // by the repository.
    const placed = await this.checkout(userId, input.idempotencyKey, note);
    // Committed: from here on nothing may turn the answer into an error. The per-user stamps are written
    // before answering (read-your-writes on every replica); `touch` never throws.
    const order = toView(placed.order);
    if (!placed.replayed) {
      await this.reads?.wrote({ user: userId });
      await this.userCache.touch(userId, ["cart", "orders"]);
      this.afterCommit(placed.order);
      this.raise(order);
    }
    return { order, replayed: placed.replayed };
  }

  private checkout(userId: number, idempotencyKey: string, note: string) {
    const now = new Date();
    return this.repository.checkout(
      userId,
      idempotencyKey,
      (earlier, cart) => {
        const requestHash = requestFingerprint(note, cart);
        const live = earlier && earlier.expiresAt.getTime() > now.getTime();
        if (earlier && live) {
          const same = cart.length === 0 ? earlier.note === note : earlier.requestHash === requestHash;
          if (same) return { replayOf: earlier.orderId };
          throw new IdempotencyKeyReusedError(
            "this idempotencyKey was used for a different request (cart or note) in the last 24 hours: " +
              "use a new key for a new order",
          );
        }
        return {
          create: this.newOrder(userId, idempotencyKey, note, requestHash, cart, now),
          replacesExpiredKey: !!earlier,
        };
      },
      newOrderNumber,
    );
  }

  /** Prices the cart as it is now; every line must be available and within the money bounds. */
  private newOrder(
    userId: number,
    idempotencyKey: string,
    note: string,
    requestHash: string,
    cart: CartRow[],
    now: Date,
  ): NewOrder {
    if (cart.length === 0) throw new InvalidInputError("cart", "your cart is empty");
    const lines = cart.map((row) => ({ row, line: priceLine(row, row.product, row.productOptions) }));
    for (const [i, { line }] of lines.entries()) {
      if (!line.product.isAvailable || !line.isAvailable) {
        const why = isValidUnitPrice(line.unitPrice)
          ? "no longer available as chosen"
          : "not offered at a valid price";
        throw new InvalidInputError(
          `cart.items.${i}`,
          `${line.product.name} is ${why}: remove it or choose again`,
        );
      }
    }
    const total = lines.reduce((sum, { line }) => sum.plus(line.lineTotal), new Prisma.Decimal(0));
    if (total.isNegative() || total.greaterThan(MAX_ORDER_TOTAL)) {
      throw new InvalidInputError("cart", `an order total must be 0.00-${MAX_ORDER_TOTAL.toFixed(2)}`);
    }
    return {
      orderNo: newOrderNumber(now),
      userId,
      total,
      note,
      idempotencyKey,
      requestHash,
      createdAt: now,
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS),
      items: lines.map(({ row, line }) => ({
        productId: line.product.id,
        pid: line.product.pid,
        name: line.product.name,
        options: JSON.stringify(line.options),
        basePrice: line.product.price,
        unitPrice: line.unitPrice,
        cartUnitPrice: row.unitPrice,
        quantity: line.quantity,
        lineTotal: line.lineTotal,
      })),
    };
  }

  /** Metrics and housekeeping of a committed order: each step on its own, a failure only logged. */
  private afterCommit(order: OrderWithItems): void {
    const steps: [string, () => unknown][] = [
      ["orders metric", () => metrics.orders.inc({ status: "PLACED" })],
      ["order value metric", () => metrics.orderValue.inc(order.total.toNumber())],
      ["idempotency key pruning", () => this.pruneSometimes()],
    ];
    for (const [what, step] of steps) {
      try {
        const result = step();
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.logger?.warn({ err }, `after checkout: ${what} failed`));
        }
      } catch (err) {
        this.logger?.warn({ err }, `after checkout: ${what} failed`);
      }
    }
  }

  /** Deletes expired keys at most every 10 minutes per process, in batches. */
  private async pruneSometimes(): Promise<void> {
    const now = Date.now();
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + PRUNE_EVERY_MS;
    await this.pruneExpiredKeys(new Date(now));
  }

  /** Deletes every expired idempotency key; returns how many. */
  async pruneExpiredKeys(now = new Date()): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < 100; batch++) {
      const deleted = await this.repository.pruneIdempotencyKeys(now);
      total += deleted;
      if (deleted < 1000) break;
    }
    return total;
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
    const history = (db: PrismaClient) =>
      Promise.all([
        db.order.findMany({
          where: { userId, ...(afterId ? { id: { lt: afterId } } : {}) },
          orderBy: { id: "desc" },
          take: first + 1,
          include: { items: { orderBy: { id: "asc" } } },
        }),
        db.order.count({ where: { userId } }),
      ]);
    const [rows, totalCount] = this.reads
      ? await this.reads.read({ user: userId }, history)
      : await history(this.prisma);
    return { items: rows.slice(0, first).map(toView), hasNextPage: rows.length > first, totalCount };
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
    await this.reads?.wrote({ user: order.userId });
    await this.userCache.touch(order.userId, ["orders"]);
    metrics.orders.inc({ status: to });
    const changed = (await this.find(order.orderNo, order.userId))!;
    this.raise(changed);
    return changed;
  }
}
