import { describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import type { ProductOptionRow } from "../../src/catalog/catalog.service.js";
import {
  checkDelta,
  checkPrice,
  checkQuantity,
  chooseOptions,
  parseSelectionKey,
  priceRange,
  selectionKey,
  unitPrice,
} from "../../src/orders/pricing.js";
import { InvalidInputError } from "../../src/errors.js";

const d = (v: string) => new Prisma.Decimal(v);
let nextId = 1;
function option(
  kind: ProductOptionRow["kind"],
  value: string,
  delta = "0",
  isDefault = false,
): ProductOptionRow {
  return {
    id: nextId++,
    productId: 1,
    kind,
    label: kind,
    value,
    priceDelta: d(delta),
    isDefault,
    sortOrder: nextId,
  } as ProductOptionRow;
}

describe("pricing rules", () => {
  it("prices and deltas: cents only, within the bounds", () => {
    expect(checkPrice(d("0.00")).toFixed(2)).toBe("0.00");
    expect(checkPrice(d("10000.00")).toFixed(2)).toBe("10000.00");
    expect(() => checkPrice(d("10000.01"))).toThrow(InvalidInputError);
    expect(() => checkPrice(d("1.005"))).toThrow(InvalidInputError);
    expect(() => checkPrice(d("-1"))).toThrow(InvalidInputError);
    expect(checkDelta(d("-10000.00")).toFixed(2)).toBe("-10000.00");
    expect(() => checkDelta(d("-10000.01"))).toThrow(InvalidInputError);
  });

  it("quantities: whole numbers 1-99", () => {
    expect(checkQuantity(99)).toBe(99);
    for (const bad of [0, 100, 1.5]) expect(() => checkQuantity(bad)).toThrow(InvalidInputError);
  });

  it("the price range adds the lowest and highest delta of each kind", () => {
    const rows = [option("MILK", "none"), option("MILK", "double", "4.00"), option("SUGAR", "less", "-1.00")];
    const { min, max } = priceRange(d("20.00"), rows);
    expect([min.toFixed(2), max.toFixed(2)]).toEqual(["19.00", "23.00"]);
  });

  it("choosing options fills defaults, in kind order, and prices the choice", () => {
    const rows = [
      option("MILK", "none", "0", true),
      option("MILK", "double", "4.00"),
      option("TEMPERATURE", "hot", "0", true),
      option("TEMPERATURE", "iced", "1.50"),
    ];
    const chosen = chooseOptions(rows, [{ kind: "MILK", value: "double" }]);
    expect(chosen.map((c) => `${c.kind}=${c.value}`)).toEqual(["TEMPERATURE=hot", "MILK=double"]);
    expect(unitPrice({ price: d("20.00") }, chosen).toFixed(2)).toBe("24.00");
    expect(parseSelectionKey(selectionKey(chosen))).toEqual([
      { kind: "TEMPERATURE", value: "hot" },
      { kind: "MILK", value: "double" },
    ]);
  });

  it("refuses a kind twice, a kind the product lacks, a value it does not offer, naming the input", () => {
    const rows = [option("MILK", "none", "0", true)];
    const field = (selections: Parameters<typeof chooseOptions>[1]) => {
      try {
        chooseOptions(rows, selections);
        return undefined;
      } catch (err) {
        return (err as InvalidInputError).field;
      }
    };
    expect(
      field([
        { kind: "MILK", value: "none" },
        { kind: "MILK", value: "none" },
      ]),
    ).toBe("options.1.kind");
    expect(field([{ kind: "SUGAR", value: "less" }])).toBe("options.0.kind");
    expect(field([{ kind: "MILK", value: "oat" }])).toBe("options.0.value");
  });
});
