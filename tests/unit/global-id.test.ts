import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors.js";
import { databaseIdOf, decodeGlobalId, globalId, NODE_TYPES } from "../../src/graphql/node/global-id.js";

const dbId = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const orderNo = fc.stringMatching(/^C[0-9]{6}-[0-9A-Z]{6}$/);
const kind = fc.constantFrom("TEMPERATURE", "SUGAR", "MILK", "CREAM");

/** A valid key of each type, as the resolvers make them. */
const keyOf = {
  Category: dbId.map(String),
  Product: dbId.map(String),
  ProductOption: fc.tuple(dbId, kind).map(([p, k]) => `${p}:${k}`),
  OptionChoice: fc.tuple(dbId, dbId).map(([p, c]) => `${p}:${c}`),
  Promotion: dbId.map(String),
  User: dbId.map(String),
  Cart: dbId.map(String),
  CartItem: dbId.map(String),
  Order: orderNo,
  OrderItem: fc.tuple(orderNo, fc.integer({ min: 1, max: 30 })).map(([o, i]) => `${o}:${i}`),
};

const fieldOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err instanceof InvalidInputError ? err.field : "other error";
  }
  return "accepted";
};

describe("global ids", () => {
  it("decode to the type and key they were made from, for every type", () => {
    for (const type of NODE_TYPES) {
      fc.assert(
        fc.property(keyOf[type], (key) => {
          const id = globalId(type, key);
          expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeGlobalId(id)).toEqual({ type, key });
        }),
      );
    }
  });

  it("refuse any other string with BAD_USER_INPUT naming the field, never a throw of another kind", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const outcome = fieldOf(() => decodeGlobalId(text, "ids.3"));
        if (outcome === "accepted") {
          // Only canonical ids of a known type and key shape get through.
          const { type, key } = decodeGlobalId(text);
          expect(globalId(type, key)).toBe(text);
        } else {
          expect(outcome).toBe("ids.3");
        }
      }),
    );
    for (const bad of [
      "",
      "=",
      "UHJvZHVjdDox=",
      "UHJvZHVjdDox\n",
      "Product:1",
      globalId("Product" as never, "1.0"),
    ]) {
      expect(
        fieldOf(() => decodeGlobalId(bad, "id")),
        bad,
      ).toBe("id");
    }
  });

  it("id arguments take their type's global id or a plain database id, nothing else", () => {
    fc.assert(
      fc.property(dbId, (n) => {
        expect(databaseIdOf(globalId("CartItem", n), "CartItem", "itemId")).toBe(n);
        expect(databaseIdOf(String(n), "CartItem", "itemId")).toBe(n);
        expect(fieldOf(() => databaseIdOf(globalId("Cart", n), "CartItem", "itemId"))).toBe("itemId");
      }),
    );
    for (const bad of ["0", "-1", "01", "1e3", "2147483648", " 7", "7 "]) {
      expect(
        fieldOf(() => databaseIdOf(bad, "Category", "id")),
        bad,
      ).toBe("id");
    }
  });
});
