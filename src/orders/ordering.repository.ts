/**
 * The SQL of the rush-hour path (add to cart, read a cart, check out), sent on the MariaDB pool under Prisma.
 *
 * Why not Prisma here: a Prisma query costs ~0.5-0.9 ms of CPU on our cores and the raw driver ~0.1 ms; this
 * path sent 13 SQL statements per request through Prisma (11 of them prepared, each with its own PREPARE and
 * CLOSE) and was CPU-bound at ~10 ms per addToCart (bench/, issue 14). The statements of one step go as one
 * batch (the pool allows multiple statements; every value is a placeholder), so a step costs one command and
 * one round trip: addToCart is 2 (the product, then the change), checkout 2. Everything else on orders stays
 * on Prisma. docs/ordering.md has the figures.
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

// A product's options as one JSON array per row (amounts as text: exact decimals), instead of a second query.
const OPTIONS_JSON = (productId: string) => `(SELECT JSON_ARRAYAGG(JSON_OBJECT('id', o.id, 'kind', o.kind,
    'label', o.label, 'value', o.value, 'priceDelta', CAST(o.price_delta AS CHAR), 'isDefault', o.is_default,
    'sortOrder', o.sort_order)) FROM product_options o WHERE o.product_id = ${productId})`;
const CART_SQL = `SELECT c.id, c.product_id, c.options, c.quantity, c.unit_price, ${PRODUCT_COLUMNS},
  ${OPTIONS_JSON("c.product_id")} AS product_options
  FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = ? ORDER BY c.id`;
const LOCK_USER_SQL = "SELECT id FROM users WHERE id = ? FOR UPDATE";

function toOptions(productId: number, json: unknown): ProductOption[] {
  if (json == null) return [];
  const list = (typeof json === "string" ? JSON.parse(json) : json) as Record<string, unknown>[];
  return list.map((o) => ({
    id: o.id as number,
    productId,
    kind: o.kind as OptionKind,
    label: o.label as string,
    value: o.value as string,
    priceDelta: decimal(o.priceDelta),
    isDefault: Boolean(o.isDefault),
    sortOrder: o.sortOrder as number,
  }));
}

function toCartRows(items: Row[]): CartRow[] {
  return items.map((row) => ({
    id: row.id as number,
    productId: row.product_id as number,
    options: row.options as string,
    quantity: row.quantity as number,
    unitPrice: decimal(row.unit_price),
    product: toProduct(row),
    productOptions: toOptions(row.product_id as number, row.product_options),
  }));
}

/** MySQL chose this transaction as a deadlock's victim and rolled all of it back: running it again is safe. */
const isDeadlock = (err: unknown) => (err as { errno?: number }).errno === 1213;
/**
 * How often a deadlock's victim runs again. A user's own writes are serialised by the cart lock, but the cart
 * rows of neighbouring users share index gaps: under load (bench/mysql-primary.mjs, 32 customers) about 1% of
 * adds were a deadlock's victim against another user's add or checkout.
 */
const DEADLOCK_RETRIES = 3;

/**
 * Runs `work` on one connection inside a transaction that `work` opens itself (its first batch starts with
 * START TRANSACTION, saving a round trip) and commits itself (its last batch ends with COMMIT). Any throw
 * rolls back: a batch that fails halfway leaves its transaction open on this connection. A deadlock's victim
 * runs again (`work` holds no state of its own across runs), up to DEADLOCK_RETRIES times. The connection goes
 * back to the pool either way.
 */
async function transaction<T>(
  pool: mariadb.Pool,
  work: (conn: mariadb.PoolConnection) => Promise<T>,
): Promise<T> {
  const conn = await pool.getConnection();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work(conn);
      } catch (err) {
        await conn.query("ROLLBACK").catch(() => undefined);
        if (!isDeadlock(err) || attempt >= DEADLOCK_RETRIES) throw err;
      }
    }
  } finally {
    await conn.release();
  }
}

export class OrderingRepository {
  constructor(private readonly pool: mariadb.Pool) {}

  /** A product by pid with its options (one statement), or null. */
  async productWithOptions(pid: string): Promise<{ product: Product; options: ProductOption[] } | null> {
    const rows: Row[] = await this.pool.query(
      `SELECT ${PRODUCT_COLUMNS}, ${OPTIONS_JSON("p.id")} AS product_options FROM products p WHERE p.pid = ?`,
      [pid],
    );
    if (rows.length === 0) return null;
    const product = toProduct(rows[0]);
    return { product, options: toOptions(product.id, rows[0].product_options) };
  }

  /** The user's cart items, with products and options (one statement). */
  async cart(userId: number): Promise<CartRow[]> {
    return toCartRows(await this.pool.query(CART_SQL, [userId]));
  }

  /**
   * Adds `quantity` of a configured product under the user's cart lock (the same item adds up) and reads the
   * cart as it is now, in one batch that also commits. The limits are part of the statement: an item that
   * would exceed `maxQuantity`, or a new item in a cart already holding `maxItems`, changes nothing, and the
   * answer says `added: false` (the caller tells which limit from the cart). Choices compare
   * case-insensitively, as the collation and the unique index do.
   */
  async addToCart(
    userId: number,
    item: { productId: number; options: string; quantity: number; unitPrice: Prisma.Decimal },
    limits: { maxQuantity: number; maxItems: number },
  ): Promise<{ added: boolean; cart: CartRow[] }> {
    const fits = `quantity + VALUES(quantity) <= ${Number(limits.maxQuantity)}`;
    // On its own connection: a failure inside the batch leaves the transaction open, to be rolled back there.
    const results = await transaction(
      this.pool,
      (conn) =>
        conn.query(
          // READ COMMITTED: the count below is then a plain read, not shared gap locks that neighbouring users'
          // inserts would deadlock on; the user's lock already keeps their cart still.
          `SET TRANSACTION ISOLATION LEVEL READ COMMITTED; START TRANSACTION; ${LOCK_USER_SQL};
       SELECT quantity FROM cart_items WHERE user_id = ? AND product_id = ? AND options = ?;
       INSERT INTO cart_items (user_id, product_id, options, quantity, unit_price, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, NOW(3), NOW(3) FROM DUAL
         WHERE (SELECT COUNT(*) FROM cart_items WHERE user_id = ? AND NOT (product_id = ? AND options = ?)) < ?
         ON DUPLICATE KEY UPDATE unit_price = IF(${fits}, VALUES(unit_price), unit_price),
           updated_at = IF(${fits}, VALUES(updated_at), updated_at),
           quantity = IF(${fits}, quantity + VALUES(quantity), quantity);
       ${CART_SQL};
       COMMIT`,
          [
            userId,
            ...[userId, item.productId, item.options],
            ...[userId, item.productId, item.options, item.quantity, item.unitPrice.toFixed(2)],
            ...[userId, item.productId, item.options, Number(limits.maxItems)],
            userId,
          ],
        ) as Promise<unknown[]>,
    );
    // Whether the row changed, from the quantities before and after (the driver reports found rows, not
    // changed ones, so affectedRows cannot tell).
    const before = ((results[3] as Row[])[0]?.quantity as number | undefined) ?? 0;
    const cart = toCartRows(results[5] as Row[]);
    const after = cart.find(
      (r) => r.productId === item.productId && r.options.toLowerCase() === item.options.toLowerCase(),
    );
    return { added: after !== undefined && after.quantity === before + item.quantity, cart };
  }

  /**
   * Checkout under the user's cart lock: reads the key's earlier use and the cart, lets `decide` price it,
   * then writes the order, its items and the key, and empties the cart, all in one transaction (two batches
   * of statements). `decide` returns either an earlier order id (a replay: nothing is written) or the order
   * to create.
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
    return transaction(this.pool, async (conn) => {
      const [, , keys, rows] = (await conn.query(
        `START TRANSACTION; ${LOCK_USER_SQL};
         SELECT k.order_id, k.request_hash, k.expires_at, o.note FROM idempotency_keys k
           JOIN orders o ON o.id = k.order_id WHERE k.user_id = ? AND k.idempotency_key = ?;
         ${CART_SQL}`,
        [userId, userId, idempotencyKey, userId],
      )) as [unknown, unknown, Row[], Row[]];
      const earlier: IdempotencyRow | null = keys[0]
        ? {
            orderId: keys[0].order_id as number,
            requestHash: keys[0].request_hash as string | null,
            expiresAt: keys[0].expires_at as Date,
            note: keys[0].note as string,
          }
        : null;
      const decision = decide(earlier, toCartRows(rows));
      if ("replayOf" in decision) {
        const order = (await this.orderById(decision.replayOf, conn))!;
        await conn.query("COMMIT");
        return { order, replayed: true };
      }
      const order = decision.create;
      const items = order.items.flatMap((i) => [
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
      const write = () =>
        conn.query(
          `${decision.replacesExpiredKey ? "DELETE FROM idempotency_keys WHERE user_id = ? AND idempotency_key = ?;" : ""}
           INSERT INTO orders (order_no, user_id, status, total, note, idempotency_key, created_at, updated_at)
             VALUES (?, ?, 'PLACED', ?, ?, ?, ?, ?);
           SET @order_id = LAST_INSERT_ID();
           INSERT INTO order_items (order_id, product_id, pid, name, options, base_price, unit_price,
             cart_unit_price, quantity, line_total)
             VALUES ${order.items.map(() => "(@order_id, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")};
           SET @first_item_id = LAST_INSERT_ID();
           INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, order_id, created_at, expires_at)
             VALUES (?, ?, ?, @order_id, ?, ?);
           DELETE FROM cart_items WHERE user_id = ?;
           SELECT @order_id AS order_id, @first_item_id AS first_item_id;
           COMMIT`,
          [
            ...(decision.replacesExpiredKey ? [userId, idempotencyKey] : []),
            order.orderNo,
            userId,
            order.total.toFixed(2),
            order.note,
            idempotencyKey,
            order.createdAt,
            order.createdAt,
            ...items,
            userId,
            idempotencyKey,
            order.requestHash,
            order.createdAt,
            order.expiresAt,
            userId,
          ],
        ) as Promise<unknown[]>;
      let results: unknown[];
      // The order number is random: a collision (a unique violation) stops the batch before anything else
      // was written; it runs again with another number.
      for (let attempt = 0; ; attempt++) {
        try {
          results = await write();
          break;
        } catch (err) {
          const e = err as { errno?: number; sqlMessage?: string };
          if (e.errno !== 1062 || !e.sqlMessage?.includes("order_no") || attempt >= 3) throw err;
          order.orderNo = orderNumber();
        }
      }
      const ids = results.find((r): r is Row[] => Array.isArray(r) && r.length > 0 && "order_id" in r[0])![0];
      const orderId = Number(ids.order_id);
      const firstItemId = Number(ids.first_item_id);
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
    const [orders, items] = (await conn.query(
      "SELECT * FROM orders WHERE id = ?; SELECT * FROM order_items WHERE order_id = ? ORDER BY id",
      [id, id],
    )) as [Row[], Row[]];
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
