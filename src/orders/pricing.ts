/**
 * Option choice and pricing rules, shared by the cart and checkout: the client names options, the server
 * decides what they mean and what they cost (base price plus option deltas, in DECIMAL arithmetic).
 */
import {
  groupOptions,
  OPTION_KINDS,
  type ProductRow,
  type ProductOptionRow,
} from "../catalog/catalog.service.js";
import { InvalidInputError } from "../errors.js";
import { Prisma } from "../generated/prisma/client.js";
import type { OptionKind } from "../generated/prisma/enums.js";

export interface OptionSelection {
  kind: OptionKind;
  value: string;
}

/** A chosen option as shown and snapshotted: what it is called and what it added to the price. */
export interface ChosenOption {
  kind: OptionKind;
  label: string;
  value: string;
  priceDelta: Prisma.Decimal;
}

/*
 * Money bounds (docs/ordering.md). Every amount is DECIMAL(10,2): at most 99,999,999.99. The bounds below keep
 * every total that can be formed far inside that, so no legal input can overflow a column:
 *   base price        0.00 .. 10,000.00
 *   option delta -10,000.00 .. 10,000.00
 *   unit price        0.00 .. 10,000.00   (base price plus the chosen deltas, for every offered combination)
 *   quantity             1 .. 99
 *   line total        0.00 .. 990,000.00  (unit price x quantity)
 *   order total       0.00 .. 29,700,000.00 (at most 30 lines)
 */
export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 99;
/** Distinct items a cart (and so an order) may hold. */
export const MAX_CART_ITEMS = 30;
export const MAX_PRICE = new Prisma.Decimal("10000.00");
export const MAX_UNIT_PRICE = MAX_PRICE;
export const MAX_LINE_TOTAL = MAX_UNIT_PRICE.times(MAX_QUANTITY);
export const MAX_ORDER_TOTAL = MAX_LINE_TOTAL.times(MAX_CART_ITEMS);

const hasCents = (value: Prisma.Decimal) => value.decimalPlaces() <= 2;

/** A base price as an admin may set it: 0.00-10,000.00, at most 2 decimals. */
export function checkPrice(value: Prisma.Decimal, field = "price"): Prisma.Decimal {
  if (!value.isFinite() || !hasCents(value) || value.isNegative() || value.greaterThan(MAX_PRICE)) {
    throw new InvalidInputError(
      field,
      `${field} must be 0.00-${MAX_PRICE.toFixed(2)} with at most 2 decimals`,
    );
  }
  return value;
}

/** An option's price delta: -10,000.00-10,000.00, at most 2 decimals. */
export function checkDelta(value: Prisma.Decimal, field = "priceDelta"): Prisma.Decimal {
  if (!value.isFinite() || !hasCents(value) || value.abs().greaterThan(MAX_PRICE)) {
    throw new InvalidInputError(
      field,
      `${field} must be -${MAX_PRICE.toFixed(2)}-${MAX_PRICE.toFixed(2)} with at most 2 decimals`,
    );
  }
  return value;
}

export function isValidUnitPrice(price: Prisma.Decimal): boolean {
  return hasCents(price) && !price.isNegative() && !price.greaterThan(MAX_UNIT_PRICE);
}

/** A product's cheapest and dearest combination: its price plus the lowest (highest) delta of each kind. */
export function priceRange(
  price: Prisma.Decimal,
  rows: Pick<ProductOptionRow, "kind" | "priceDelta">[],
): { min: Prisma.Decimal; max: Prisma.Decimal } {
  let min = new Prisma.Decimal(price);
  let max = new Prisma.Decimal(price);
  for (const kind of OPTION_KINDS) {
    const deltas = rows.filter((r) => r.kind === kind).map((r) => new Prisma.Decimal(r.priceDelta));
    if (deltas.length === 0) continue;
    min = min.plus(Prisma.Decimal.min(...deltas));
    max = max.plus(Prisma.Decimal.max(...deltas));
  }
  return { min, max };
}

/**
 * Refuses a catalogue state in which some offered combination would cost less than 0.00 or more than the unit
 * price bound; `field` names the input that would cause it.
 */
export function checkOfferedCombinations(
  price: Prisma.Decimal,
  rows: Pick<ProductOptionRow, "kind" | "priceDelta">[],
  field: (bound: "min" | "max") => string,
): void {
  const { min, max } = priceRange(price, rows);
  if (min.isNegative()) {
    throw new InvalidInputError(
      field("min"),
      `the cheapest combination of options would cost ${min.toFixed(2)}: a unit price can never be negative`,
    );
  }
  if (max.greaterThan(MAX_UNIT_PRICE)) {
    throw new InvalidInputError(
      field("max"),
      `the dearest combination of options would cost ${max.toFixed(2)}: at most ${MAX_UNIT_PRICE.toFixed(2)}`,
    );
  }
}

export function checkQuantity(quantity: number, field = "quantity"): number {
  if (!Number.isInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY) {
    throw new InvalidInputError(field, `${field} must be between ${MIN_QUANTITY} and ${MAX_QUANTITY}`);
  }
  return quantity;
}

/**
 * The full choice for a product: each kind at most once, only choices the product offers; a kind with a
 * default that was not chosen takes its default. Returned in kind order, so equal choices compare equal.
 */
export function chooseOptions(
  rows: ProductOptionRow[],
  selections: OptionSelection[],
  field = "options",
): ChosenOption[] {
  const groups = groupOptions(rows);
  const seen = new Set<OptionKind>();
  for (const [i, selection] of selections.entries()) {
    if (seen.has(selection.kind)) {
      throw new InvalidInputError(`${field}.${i}.kind`, `option ${selection.kind} is chosen more than once`);
    }
    seen.add(selection.kind);
    const group = groups.find((g) => g.kind === selection.kind);
    if (!group)
      throw new InvalidInputError(`${field}.${i}.kind`, `this product has no ${selection.kind} option`);
    if (!group.choices.some((c) => c.value === selection.value)) {
      const offered = group.choices.map((c) => c.value).join("/");
      throw new InvalidInputError(`${field}.${i}.value`, `${selection.kind} must be one of ${offered}`);
    }
  }
  return groups.flatMap((group) => {
    const wanted = selections.find((s) => s.kind === group.kind)?.value;
    const choice =
      wanted !== undefined
        ? group.choices.find((c) => c.value === wanted)
        : group.choices.find((c) => c.isDefault);
    return choice
      ? [{ kind: group.kind, label: group.label, value: choice.value, priceDelta: choice.priceDelta }]
      : [];
  });
}

export function unitPrice(product: Pick<ProductRow, "price">, chosen: ChosenOption[]): Prisma.Decimal {
  return chosen.reduce((sum, option) => sum.plus(option.priceDelta), new Prisma.Decimal(product.price));
}

/** The stored form of a choice (cart key): kinds in order, values only. */
export function selectionKey(chosen: ChosenOption[]): string {
  return JSON.stringify(chosen.map(({ kind, value }) => ({ kind, value })));
}

export function parseSelectionKey(key: string): OptionSelection[] {
  const parsed = JSON.parse(key) as OptionSelection[];
  return parsed.filter((s) => OPTION_KINDS.includes(s.kind));
}
