import { describe, expect, it } from "vitest";
import { legacyDateTime, legacyJson, PyFloat } from "../../src/rest/legacy-json.js";

describe("legacy JSON", () => {
  it("writes compact UTF-8 JSON with keys in insertion order", () => {
    expect(legacyJson({ b: 1, a: "拿铁", c: [true, null], d: { e: 'x"y' } })).toBe(
      '{"b":1,"a":"拿铁","c":[true,null],"d":{"e":"x\\"y"}}',
    );
  });

  it("writes Python floats with a fraction and leaves other numbers alone", () => {
    expect(legacyJson([new PyFloat(28), new PyFloat(28.5), new PyFloat(-3), 28])).toBe("[28.0,28.5,-3.0,28]");
  });

  it("leaves out undefined fields and writes a missing value as null", () => {
    expect(legacyJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(legacyJson(undefined)).toBe("null");
    expect(legacyJson(null)).toBe("null");
  });

  it("writes datetimes as naive UTC without fractions", () => {
    expect(legacyDateTime(new Date("2024-11-18T07:22:51.987Z"))).toBe("2024-11-18T07:22:51");
  });
});
