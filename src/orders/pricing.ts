/**
 * Option choice and pricing rules, shared by the cart and checkout: the client names options, the server
 * decides what they mean and what they cost (base price plus option deltas, in DECIMAL arithmetic).
 */
import { groupOptions, OPTION_KINDS, type Product, type ProductOption } from "../catalog/catalog.service.js";
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

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 99;

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
  rows: ProductOption[],
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

export function unitPrice(product: Pick<Product, "price">, chosen: ChosenOption[]): Prisma.Decimal {
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
