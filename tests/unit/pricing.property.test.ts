import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import type { OptionKind } from "../../src/generated/prisma/enums.js";
import type { ProductOptionRow } from "../../src/catalog/catalog.service.js";
import { priceCart } from "../../src/orders/cart.service.js";
import type { CartRow } from "../../src/orders/ordering.repository.js";
import {
  checkOfferedCombinations,
  chooseOptions,
  isValidUnitPrice,
  MAX_ORDER_TOTAL,
  MAX_UNIT_PRICE,
  selectionKey,
  unitPrice,
} from "../../src/orders/pricing.js";

// Amounts are generated as integer cents and checked against plain integer arithmetic, independent of the
// Decimal code under test.
const KINDS: OptionKind[] = ["TEMPERATURE", "SUGAR", "MILK", "CREAM"];
const cents = (n: number) => new Prisma.Decimal(n).dividedBy(100);
const toCents = (d: Prisma.Decimal) => d.times(100).toNumber();
const DECIMAL_10_2_MAX = 9_999_999_999; // cents

const priceCents = fc.integer({ min: 0, max: 1_000_000 });
const deltaCents = fc.integer({ min: -1_000_000, max: 1_000_000 });
/** Up to four kinds, each with 1-4 choices. */
const optionGroups = fc.uniqueArray(
  fc.record({
    kind: fc.constantFrom(...KINDS),
    deltas: fc.array(deltaCents, { minLength: 1, maxLength: 4 }),
  }),
  { selector: (g) => g.kind, maxLength: 4 },
);

let ids = 0;
function optionRows(productId: number, groups: { kind: OptionKind; deltas: number[] }[]): ProductOptionRow[] {
  return groups.flatMap((g) =>
    g.deltas.map((d, i) => ({
      id: ++ids,
      productId,
      kind: g.kind,
      label: g.kind,
      value: `v${i}`,
      priceDelta: cents(d),
      isDefault: i === 0,
      sortOrder: i,
    })),
  );
}

/** Every combination's unit price in cents, by brute force. */
function allCombinations(price: number, groups: { deltas: number[] }[]): number[] {
  return groups.reduce((acc, g) => acc.flatMap((sum) => g.deltas.map((d) => sum + d)), [price]);
}

describe("pricing rules (property-based)", () => {
  it("an admin check passes exactly when every offered combination is within 0.00-10,000.00", () => {
    fc.assert(
      fc.property(priceCents, optionGroups, (price, groups) => {
        const all = allCombinations(price, groups);
        const legal = all.every((c) => c >= 0 && c <= toCents(MAX_UNIT_PRICE));
        let accepted = true;
        try {
          checkOfferedCombinations(cents(price), optionRows(1, groups), () => "field");
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(legal);
      }),
      { numRuns: 500 },
    );
  });

  it("in an accepted catalogue every choice prices within bounds, and carts and totals add up exactly", () => {
    const product = fc
      .tuple(priceCents, optionGroups)
      .filter(([price, groups]) =>
        allCombinations(price, groups).every((c) => c >= 0 && c <= toCents(MAX_UNIT_PRICE)),
      );
    const line = fc.record({
      product,
      picks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      quantity: fc.integer({ min: 1, max: 99 }),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), (lines) => {
        const rows: CartRow[] = lines.map(({ product: [price, groups], picks, quantity }, i) => {
          const productId = i + 1;
          const options = optionRows(productId, groups);
          const selections = groups.map((g, k) => ({
            kind: g.kind,
            value: `v${picks[k] % g.deltas.length}`,
          }));
          const chosen = chooseOptions(options, selections);
          const p = {
            id: productId,
            pid: `p${productId}`,
            categoryId: 1,
            name: `P${productId}`,
            enName: "",
            price: cents(price),
            description: "",
            smallImage: "",
            largeImage: "",
            isHot: false,
            isAvailable: true,
            createdAt: new Date(0),
            updatedAt: new Date(0),
          };
          return {
            id: productId,
            productId,
            options: selectionKey(chosen),
            quantity,
            unitPrice: unitPrice(p, chosen),
            product: p,
            productOptions: options,
          };
        });
        const cart = priceCart(rows);
        let expectedTotal = 0;
        lines.forEach(({ product: [price, groups], picks, quantity }, i) => {
          const unit = groups.reduce((sum, g, k) => sum + g.deltas[picks[k] % g.deltas.length], price);
          const item = cart.items[i];
          expect(isValidUnitPrice(item.unitPrice)).toBe(true);
          expect(toCents(item.unitPrice)).toBe(unit);
          expect(toCents(item.lineTotal)).toBe(unit * quantity);
          expect(item.lineTotal.decimalPlaces()).toBeLessThanOrEqual(2);
          expect(item.isAvailable).toBe(true);
          expectedTotal += unit * quantity;
        });
        expect(toCents(cart.total)).toBe(expectedTotal);
        expect(cart.total.isNegative()).toBe(false);
        expect(cart.total.lessThanOrEqualTo(MAX_ORDER_TOTAL)).toBe(true);
        expect(expectedTotal).toBeLessThanOrEqual(DECIMAL_10_2_MAX);
      }),
      { numRuns: 200 },
    );
  });

  it("a line whose price left the bounds (a change made straight in MySQL) is unavailable and not in the total", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -1_000_000, max: -1 }),
          fc.integer({ min: 1_000_001, max: 1_000_000_000 }),
        ),
        fc.integer({ min: 1, max: 99 }),
        (price, quantity) => {
          const p = {
            id: 1,
            pid: "p1",
            categoryId: 1,
            name: "P1",
            enName: "",
            price: cents(price),
            description: "",
            smallImage: "",
            largeImage: "",
            isHot: false,
            isAvailable: true,
            createdAt: new Date(0),
            updatedAt: new Date(0),
          };
          const cart = priceCart([
            {
              id: 1,
              productId: 1,
              options: "[]",
              quantity,
              unitPrice: cents(0),
              product: p,
              productOptions: [],
            },
          ]);
          expect(cart.items[0].isAvailable).toBe(false);
          expect(cart.total.toFixed(2)).toBe("0.00");
        },
      ),
      { numRuns: 200 },
    );
  });
});
