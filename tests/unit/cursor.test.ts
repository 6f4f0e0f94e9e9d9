import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../src/graphql/cursor.js";
import { InvalidInputError } from "../../src/errors.js";

const b64 = (text: string) => Buffer.from(text).toString("base64url");

describe("Relay cursors", () => {
  it("round-trips ids of their own kind", () => {
    for (const id of [0, 1, 42, 2 ** 31, Number.MAX_SAFE_INTEGER - 1]) {
      expect(decodeCursor("order", encodeCursor("order", id))).toBe(id);
    }
  });

  it("refuses anything this API would not have written, naming the argument", () => {
    const bad = [
      b64("product:1e1"),
      b64("product:0x10"),
      b64("product:010"),
      b64("product:-1"),
      b64("product:1.5"),
      b64("product: 1"),
      b64("product:1 "),
      b64("product:"),
      b64("order:1"), // another kind
      b64("product:1") + "=", // padding: not the canonical text
      `${b64("product:1")}!`,
      "",
      "not base64 at all",
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor("product", cursor, "after"), JSON.stringify(cursor)).toThrow(
        InvalidInputError,
      );
    }
    try {
      decodeCursor("product", b64("product:1e1"), "after");
    } catch (err) {
      expect(err).toMatchObject({ field: "after" });
    }
  });
});
