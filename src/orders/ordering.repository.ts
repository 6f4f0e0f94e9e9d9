/**
 * The SQL of the rush-hour path (add to cart, read a cart, check out), sent on the MariaDB pool under Prisma.
 *
 * Why not Prisma here: a Prisma query costs ~0.5-0.9 ms of CPU on our cores and the raw driver ~0.1 ms; this
 * path made 9-16 Prisma queries per request and was CPU-bound at ~10 ms per addToCart (bench/, issue 14).
 * The statements of one step are pipelined on one connection: the driver sends them without waiting for the
 * previous answer, so a step costs one round trip. Everything else on orders stays on Prisma.
 */
import type * as mariadb from "mariadb";
import { Prisma } from "../generated/prisma/client.js";
import type { OptionKind, OrderStatus } from "../generated/prisma/enums.js";
import type { Order, OrderItem, Product, ProductOption } from "../generated/prisma/client.js";

export type OrderWithItems = Order & { items: OrderItem[] };

/** A stored cart item with its product and the product's current options. */
export interface CartRow {
  id: number;
  productId: number;
  options: string;
  quantity: number;
  unitPrice: Prisma.Decimal;
  product: Product;
  productOptions: ProductOption[];
}

export interface IdempotencyRow {
  orderId: number;
  /** Null for keys older than the fingerprint (only the note can be compared). */
  requestHash: string | null;
  expiresAt: Date;
  /** The note of the order the key placed. */
  note: string;
}

export interface NewOrderItem {
  productId: number;
  pid: string;
  name: string;
  options: string;
  basePrice: Prisma.Decimal;
  unitPrice: Prisma.Decimal;
  cartUnitPrice: Prisma.Decimal;
  quantity: number;
  lineTotal: Prisma.Decimal;
}

export interface NewOrder {
  orderNo: string;
  userId: number;
  total: Prisma.Decimal;
  note: string;
  idempotencyKey: string;
  requestHash: string;
  createdAt: Date;
  expiresAt: Date;
  items: NewOrderItem[];
}

const PRODUCT_COLUMNS = `p.id AS p_id, p.pid AS p_pid, p.category_id AS p_category_id, p.name AS p_name,
  p.en_name AS p_en_name, p.price AS p_price, p.description AS p_description, p.small_image AS p_small_image,
  p.large_image AS p_large_image, p.is_hot AS p_is_hot, p.is_available AS p_is_available,
  p.created_at AS p_created_at, p.updated_at AS p_updated_at`;
const OPTION_COLUMNS = `o.id, o.product_id, o.kind, o.label, o.value, o.price_delta, o.is_default, o.sort_order`;

type Row = Record<string, unknown>;

const decimal = (value: unknown) => new Prisma.Decimal(value as string);

function toProduct(row: Row): Product {
  return {
    id: row.p_id as number,
    pid: row.p_pid as string,
    categoryId: row.p_category_id as number,
    name: row.p_name as string,
    enName: row.p_en_name as string,
    price: decimal(row.p_price),
    description: row.p_description as string,
    smallImage: row.p_small_image as string,
    largeImage: row.p_large_image as string,
    isHot: Boolean(row.p_is_hot),
    isAvailable: Boolean(row.p_is_available),
    createdAt: row.p_created_at as Date,
    updatedAt: row.p_updated_at as Date,
  };
}

function toOption(row: Row): ProductOption {
  return {
    id: row.id as number,
    productId: row.product_id as number,
    kind: row.kind as OptionKind,
    label: row.label as string,
    value: row.value as string,
    priceDelta: decimal(row.price_delta),
    isDefault: Boolean(row.is_default),
    sortOrder: row.sort_order as number,
  };
}

function toOrder(row: Row, items: Row[]): OrderWithItems {
  return {
    id: row.id as number,
    orderNo: row.order_no as string,
    userId: row.user_id as number,
    status: row.status as OrderStatus,
    total: decimal(row.total),
    note: row.note as string,
    idempotencyKey: row.idempotency_key as string,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    items: items.map((item) => ({
      id: item.id as number,
      orderId: item.order_id as number,
      productId: item.product_id as number | null,
      pid: item.pid as string,
      name: item.name as string,
      options: item.options as string,
      basePrice: decimal(item.base_price),
      unitPrice: decimal(item.unit_price),
      cartUnitPrice: decimal(item.cart_unit_price),
      quantity: item.quantity as number,
      lineTotal: decimal(item.line_total),
    })),
  };
}

const CART_SQL = `SELECT c.id, c.product_id, c.options, c.quantity, c.unit_price, ${PRODUCT_COLUMNS}
  FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = ? ORDER BY c.id`;
const CART_OPTIONS_SQL = `SELECT ${OPTION_COLUMNS} FROM product_options o
  WHERE o.product_id IN (SELECT product_id FROM cart_items WHERE user_id = ?)`;
const LOCK_USER_SQL = "SELECT id FROM users WHERE id = ? FOR UPDATE";

function toCartRows(items: Row[], options: Row[]): CartRow[] {
  const byProduct = new Map<number, ProductOption[]>();
  for (const row of options) {
    const option = toOption(row);
    const list = byProduct.get(option.productId);
    if (list) list.push(option);
    else byProduct.set(option.productId, [option]);
  }
  return items.map((row) => ({
    id: row.id as number,
    productId: row.product_id as number,
    options: row.options as string,
    quantity: row.quantity as number,
    unitPrice: decimal(row.unit_price),
    product: toProduct(row),
    productOptions: byProduct.get(row.product_id as number) ?? [],
  }));
}

/** Settles every pipelined statement before answering, so no rejection is left unhandled. */
async function all<T extends readonly unknown[]>(pending: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Runs `work` in a transaction on one connection; `work` decides by its return whether to commit. Any throw
 * rolls back. The connection goes back to the pool either way.
 */
async function inTransaction<T>(
  pool: mariadb.Pool,
  work: (conn: mariadb.PoolConnection) => Promise<T>,
): Promise<T> {
  const conn = await pool.getConnection();
  // Sent ahead of the work's statements on the same connection (pipelined), awaited after them.
  const begun = conn.beginTransaction();
  begun.catch(() => undefined);
  try {
    const result = await work(conn);
    await begun;
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    await conn.release();
  }
}

export class OrderingRepository {
  constructor(private readonly pool: mariadb.Pool) {}

  /** A product by pid with its options (one statement), or null. */
  async productWithOptions(pid: string): Promise<{ product: Product; options: ProductOption[] } | null> {
    const rows: Row[] = await this.pool.query(
      `SELECT ${PRODUCT_COLUMNS}, ${OPTION_COLUMNS} FROM products p
        LEFT JOIN product_options o ON o.product_id = p.id WHERE p.pid = ?`,
      [pid],
    );
    if (rows.length === 0) return null;
    return { product: toProduct(rows[0]), options: rows.filter((r) => r.id !== null).map(toOption) };
  }

  /** The user's cart items, with products and options (two pipelined statements). */
  async cart(userId: number): Promise<CartRow[]> {
    const conn = await this.pool.getConnection();
    try {
      const [items, options] = await all<[Row[], Row[]]>([
        conn.query(CART_SQL, [userId]),
        conn.query(CART_OPTIONS_SQL, [userId]),
      ]);
      return toCartRows(items, options);
    } finally {
      await conn.release();
    }
  }

  /**
   * Adds `quantity` of a configured product under the user's cart lock (the same item adds up), then reads
   * the cart as it is now. `accept` sees that cart and throws to refuse it: the change is then rolled back.
   */
  addToCart(
    userId: number,
    item: { productId: number; options: string; quantity: number; unitPrice: Prisma.Decimal },
    accept: (cart: CartRow[]) => void,
  ): Promise<CartRow[]> {
    return inTransaction(this.pool, async (conn) => {
      const [, , rows, options] = await all<[unknown, unknown, Row[], Row[]]>([
        conn.query(LOCK_USER_SQL, [userId]),
        conn.query(
          `INSERT INTO cart_items (user_id, product_id, options, quantity, unit_price, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3))
            ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity), unit_price = VALUES(unit_price),
              updated_at = VALUES(updated_at)`,
          [userId, item.productId, item.options, item.quantity, item.unitPrice.toFixed(2)],
        ),
        conn.query(CART_SQL, [userId]),
        conn.query(CART_OPTIONS_SQL, [userId]),
      ]);
      const cart = toCartRows(rows, options);
      accept(cart);
      return cart;
    });
  }

  /**
   * Checkout under the user's cart lock: reads the key's earlier use and the cart, lets `decide` price it,
   * then writes the order, its items and the key, and empties the cart, all in one transaction. `decide`
   * returns either an earlier order id (a replay: nothing is written) or the order to create.
   */
  checkout(
    userId: number,
    idempotencyKey: string,
    decide: (
      earlier: IdempotencyRow | null,
      cart: CartRow[],
    ) => { replayOf: number } | { create: NewOrder; replacesExpiredKey: boolean },
    orderNumber: () => string,
  ): Promise<{ order: OrderWithItems; replayed: boolean }> {
    return inTransaction(this.pool, async (conn) => {
      const [, keys, rows, options] = await all<[unknown, Row[], Row[], Row[]]>([
        conn.query(LOCK_USER_SQL, [userId]),
        conn.query(
          `SELECT k.order_id, k.request_hash, k.expires_at, o.note FROM idempotency_keys k
            JOIN orders o ON o.id = k.order_id WHERE k.user_id = ? AND k.idempotency_key = ?`,
          [userId, idempotencyKey],
        ),
        conn.query(CART_SQL, [userId]),
        conn.query(CART_OPTIONS_SQL, [userId]),
      ]);
      const earlier: IdempotencyRow | null = keys[0]
        ? {
            orderId: keys[0].order_id as number,
            requestHash: keys[0].request_hash as string | null,
            expiresAt: keys[0].expires_at as Date,
            note: keys[0].note as string,
          }
        : null;
      const decision = decide(earlier, toCartRows(rows, options));
      if ("replayOf" in decision) {
        return { order: (await this.orderById(decision.replayOf, conn))!, replayed: true };
      }
      const order = decision.create;
      let orderId: number;
      // The order number is random: a collision (a unique violation) just draws another one.
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await conn.query(
            `INSERT INTO orders (order_no, user_id, status, total, note, idempotency_key, created_at, updated_at)
              VALUES (?, ?, 'PLACED', ?, ?, ?, ?, ?)`,
            [
              order.orderNo,
              userId,
              order.total.toFixed(2),
              order.note,
              idempotencyKey,
              order.createdAt,
              order.createdAt,
            ],
          );
          orderId = Number(result.insertId);
          break;
        } catch (err) {
          if ((err as { errno?: number }).errno !== 1062 || attempt >= 3) throw err;
          order.orderNo = orderNumber();
        }
      }
      const itemRows = order.items.map((i) => [
        orderId,
        i.productId,
        i.pid,
        i.name,
        i.options,
        i.basePrice.toFixed(2),
        i.unitPrice.toFixed(2),
        i.cartUnitPrice.toFixed(2),
        i.quantity,
        i.lineTotal.toFixed(2),
      ]);
      const [inserted] = await all<[{ insertId: number | bigint }, ...unknown[]]>([
        conn.query(
          `INSERT INTO order_items (order_id, product_id, pid, name, options, base_price, unit_price,
            cart_unit_price, quantity, line_total) VALUES ${itemRows.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
          itemRows.flat(),
        ),
        decision.replacesExpiredKey
          ? conn.query("DELETE FROM idempotency_keys WHERE user_id = ? AND idempotency_key = ?", [
              userId,
              idempotencyKey,
            ])
          : Promise.resolve(),
        conn.query(
          `INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, order_id, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)`,
          [userId, idempotencyKey, order.requestHash, orderId, order.createdAt, order.expiresAt],
        ),
        conn.query("DELETE FROM cart_items WHERE user_id = ?", [userId]),
      ]);
      const firstItemId = Number(inserted.insertId);
      return {
        replayed: false,
        order: {
          id: orderId,
          orderNo: order.orderNo,
          userId,
          status: "PLACED",
          total: order.total,
          note: order.note,
          idempotencyKey,
          createdAt: order.createdAt,
          updatedAt: order.createdAt,
          items: order.items.map((i, n) => ({ ...i, id: firstItemId + n, orderId })),
        },
      };
    });
  }

  async orderById(id: number, conn: mariadb.Connection | mariadb.Pool = this.pool) {
    const [orders, items] = await all<[Row[], Row[]]>([
      conn.query("SELECT * FROM orders WHERE id = ?", [id]),
      conn.query("SELECT * FROM order_items WHERE order_id = ? ORDER BY id", [id]),
    ]);
    return orders[0] ? toOrder(orders[0], items) : null;
  }

  /** Deletes expired idempotency keys, at most `limit` at a time; returns how many went. */
  async pruneIdempotencyKeys(now: Date, limit = 1000): Promise<number> {
    const result = await this.pool.query("DELETE FROM idempotency_keys WHERE expires_at <= ? LIMIT ?", [
      now,
      limit,
    ]);
    return Number(result.affectedRows);
  }
}
