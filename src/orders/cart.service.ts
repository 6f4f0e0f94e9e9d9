/**
 * Carts: a user's products configured with options. Prices are always computed here from the database; the
 * client never sends one. Nobody reaches another user's cart: every query is scoped by user id, and an item
 * of someone else's cart is "not found".
 */
import { InvalidInputError, NotFoundError } from "../errors.js";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import type { ProductRow, ProductOptionRow } from "../catalog/catalog.service.js";
import type { UserCache, UserSnapshot } from "../cache/user-cache.js";
import type { CartRow, OrderingRepository } from "./ordering.repository.js";
import {
  checkQuantity,
  type ChosenOption,
  chooseOptions,
  isValidUnitPrice,
  MAX_CART_ITEMS,
  MAX_QUANTITY,
  type OptionSelection,
  parseSelectionKey,
  selectionKey,
  unitPrice,
} from "./pricing.js";

export interface CartLine {
  id: number;
  product: ProductRow;
  options: ChosenOption[];
  quantity: number;
  /** Current base price plus option deltas. */
  unitPrice: Prisma.Decimal;
  lineTotal: Prisma.Decimal;
  /**
   * False when the product became unavailable, a chosen option no longer exists or the price left its bounds
   * (a catalogue edit made straight in MySQL): checkout refuses it.
   */
  isAvailable: boolean;
}

export interface Cart {
  items: CartLine[];
  /** Sum of the available lines. */
  total: Prisma.Decimal;
}

export interface AddToCartInput {
  pid: string;
  quantity: number;
  options?: OptionSelection[] | null;
}

export interface UpdateCartItemInput {
  quantity?: number | null;
  options?: OptionSelection[] | null;
}

/**
 * Serialises the changes to one user's cart (adds, edits, checkout) by locking the user's row: without it,
 * two concurrent adds of one item would both insert or both read the old quantity.
 */
export async function lockCart(tx: Prisma.TransactionClient, userId: number): Promise<void> {
  await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
}

/** A unit price a line may be sold at, or BAD_USER_INPUT naming `field`. */
function sellable(price: Prisma.Decimal, name: string, field: string): Prisma.Decimal {
  if (!isValidUnitPrice(price)) {
    throw new InvalidInputError(field, `${name} is not offered at a valid price with these options`);
  }
  return price;
}

/** The item of this user holding this product with exactly these choices, if any. */
function findEqualItem(tx: Prisma.TransactionClient, userId: number, productId: number, options: string) {
  return tx.cartItem.findUnique({ where: { userId_productId_options: { userId, productId, options } } });
}

/** Adds to an item's quantity (within the limit) and refreshes the price it was added at. */
async function addQuantity(
  tx: Prisma.TransactionClient,
  item: { id: number; quantity: number },
  quantity: number,
  price: Prisma.Decimal,
): Promise<void> {
  checkQuantity(item.quantity + quantity);
  await tx.cartItem.update({
    where: { id: item.id },
    data: { quantity: item.quantity + quantity, unitPrice: price },
  });
}

/** One cart line priced from current rows; `chosen` undefined when a stored choice is no longer offered. */
export function priceLine(
  item: { id: number; quantity: number; options: string },
  product: ProductRow,
  rows: ProductOptionRow[],
): CartLine {
  let chosen: ChosenOption[] | undefined;
  try {
    chosen = chooseOptions(rows, parseSelectionKey(item.options));
  } catch {
    chosen = undefined;
  }
  const price = unitPrice(product, chosen ?? []);
  return {
    id: item.id,
    product,
    options: chosen ?? [],
    quantity: item.quantity,
    unitPrice: price,
    lineTotal: price.times(item.quantity),
    isAvailable: product.isAvailable && chosen !== undefined && isValidUnitPrice(price),
  };
}

/** A cart priced from current rows: the total is the sum of the available lines. */
export function priceCart(rows: CartRow[]): Cart {
  const items = rows.map((row) => priceLine(row, row.product, row.productOptions));
  const total = items
    .filter((l) => l.isAvailable)
    .reduce((sum, l) => sum.plus(l.lineTotal), new Prisma.Decimal(0));
  return { items, total };
}

const CART_SLOT = { part: "cart", name: "cart" } as const;

export class CartService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly repository: OrderingRepository,
    private readonly userCache: UserCache,
  ) {}

  /**
   * The user's cart priced now. With a snapshot it is cached per user, under the cart's stamp and the
   * catalogue's invalidation counter (prices and availability come from the catalogue).
   */
  cart(userId: number, snapshot: UserSnapshot | null = null): Promise<Cart> {
    return this.userCache.get(snapshot, CART_SLOT, () => this.load(userId));
  }

  private async load(userId: number): Promise<Cart> {
    return priceCart(await this.repository.cart(userId));
  }

  /**
   * Adds a configured product; the same product with the same choices adds to that item's quantity. The
   * cart answered is read in the same transaction as the change (rush-hour path: see ordering.repository).
   */
  async add(userId: number, input: AddToCartInput): Promise<Cart> {
    const quantity = checkQuantity(input.quantity);
    const found = await this.repository.productWithOptions(input.pid);
    if (!found) throw new InvalidInputError("pid", `no product ${input.pid}`);
    const { product, options } = found;
    if (!product.isAvailable)
      throw new InvalidInputError("pid", `${product.name} is not available right now`);
    sellable(product.price, product.name, "pid");
    const chosen = chooseOptions(options, input.options ?? []);
    const key = selectionKey(chosen);
    const price = sellable(unitPrice(product, chosen), product.name, "options");

    const { added, cart } = await this.repository.addToCart(
      userId,
      { productId: product.id, options: key, quantity, unitPrice: price },
      { maxQuantity: MAX_QUANTITY, maxItems: MAX_CART_ITEMS },
    );
    if (!added) {
      const item = cart.find(
        (r) => r.productId === product.id && r.options.toLowerCase() === key.toLowerCase(),
      );
      if (item) {
        throw new InvalidInputError(
          "quantity",
          `an item holds at most ${MAX_QUANTITY}: this one has ${item.quantity} already`,
        );
      }
      throw new InvalidInputError("pid", `a cart holds at most ${MAX_CART_ITEMS} different items`);
    }
    await this.userCache.touch(userId, ["cart"]);
    return priceCart(cart);
  }

  /** Changes an item's quantity or options (merging into an equal item if the new choice matches one). */
  async update(userId: number, itemId: number, input: UpdateCartItemInput): Promise<Cart> {
    await this.prisma.$transaction(async (tx) => {
      await lockCart(tx, userId);
      const item = await tx.cartItem.findFirst({
        where: { id: itemId, userId },
        include: { product: { include: { options: true } } },
      });
      if (!item) throw new NotFoundError("no such item in your cart");
      const quantity = input.quantity == null ? item.quantity : checkQuantity(input.quantity);
      const chosen =
        input.options == null
          ? chooseOptions(item.product.options, parseSelectionKey(item.options))
          : chooseOptions(item.product.options, input.options);
      const key = selectionKey(chosen);
      const price = sellable(unitPrice(item.product, chosen), item.product.name, "options");
      const twin = key === item.options ? null : await findEqualItem(tx, userId, item.productId, key);
      if (twin) {
        await addQuantity(tx, twin, quantity, price);
        await tx.cartItem.delete({ where: { id: item.id } });
      } else {
        await tx.cartItem.update({
          where: { id: item.id },
          data: { quantity, options: key, unitPrice: price },
        });
      }
    });
    return this.changed(userId);
  }

  async remove(userId: number, itemId: number): Promise<Cart> {
    const { count } = await this.prisma.cartItem.deleteMany({ where: { id: itemId, userId } });
    if (count === 0) throw new NotFoundError("no such item in your cart");
    return this.changed(userId);
  }

  async clear(userId: number): Promise<Cart> {
    await this.prisma.cartItem.deleteMany({ where: { userId } });
    return this.changed(userId);
  }

  /** After a committed change: stamps the cart anew (every replica reloads it) and answers it. */
  private async changed(userId: number): Promise<Cart> {
    await this.userCache.touch(userId, ["cart"]);
    return this.load(userId);
  }
}
