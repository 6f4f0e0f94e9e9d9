import fc from "fast-check";
import {
  graphql,
  GraphQLError,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  parseValue as parseValueNode,
} from "graphql";
import { describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.js";
import { DecimalScalar } from "../../src/graphql/scalars.js";

const d = (v: string | number) => new Prisma.Decimal(v);
const serialize = (value: unknown) => DecimalScalar.serialize(value);
const literal = (source: string) => DecimalScalar.parseLiteral(parseValueNode(source));

/** The scalar as an argument and as a result, to see its errors as graphql-js reports them. */
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      echo: {
        type: DecimalScalar,
        args: { amount: { type: new GraphQLNonNull(DecimalScalar) } },
        resolve: (_, args: { amount: Prisma.Decimal }) => args.amount,
      },
    },
  }),
});

describe("Decimal scalar: serialize", () => {
  it("writes two decimal places", () => {
    expect(serialize(d("28"))).toBe("28.00");
    expect(serialize(d("28.5"))).toBe("28.50");
    expect(serialize(d("0"))).toBe("0.00");
    expect(serialize(d("-20"))).toBe("-20.00");
    expect(serialize(d("-0.5"))).toBe("-0.50");
  });

  it("rounds half away from zero, and never writes -0.00", () => {
    expect(serialize(d("2.345"))).toBe("2.35");
    expect(serialize(d("2.344"))).toBe("2.34");
    expect(serialize(d("-2.345"))).toBe("-2.35");
    expect(serialize(d("0.005"))).toBe("0.01");
    expect(serialize(d("-0.001"))).toBe("0.00");
    expect(serialize(d(-0))).toBe("0.00");
  });

  it("writes huge amounts in full, never in exponent notation", () => {
    expect(serialize(d("99999999.99"))).toBe("99999999.99");
    expect(serialize(d("1e21"))).toBe("1000000000000000000000.00");
    expect(serialize(d("-1e21"))).toBe("-1000000000000000000000.00");
    expect(serialize(d("9999999999999999999999.995"))).toBe("10000000000000000000000.00");
  });

  it("answers the same string for the same shared Decimal", () => {
    const price = d("12.3");
    expect(serialize(price)).toBe("12.30");
    expect(serialize(price)).toBe("12.30");
  });

  it("accepts a plain string or number amount", () => {
    expect(serialize("28")).toBe("28.00");
    expect(serialize(0.1 + 0.2)).toBe("0.30");
    expect(serialize(1e21)).toBe("1000000000000000000000.00");
  });

  it("refuses what is not an amount with a GraphQLError", () => {
    for (const bad of [NaN, Infinity, -Infinity, "abc", "", "1,00", null, undefined, true, {}, [], d(NaN)]) {
      expect(() => serialize(bad), String(bad)).toThrow(GraphQLError);
    }
  });

  it("matches integer arithmetic for any amount of thousandths, however large", () => {
    const text = (units: bigint, places: number) => {
      const abs = units < 0n ? -units : units;
      const scale = 10n ** BigInt(places);
      const sign = units < 0n && abs !== 0n ? "-" : "";
      return `${sign}${abs / scale}.${String(abs % scale).padStart(places, "0")}`;
    };
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (thousandths) => {
        const abs = thousandths < 0n ? -thousandths : thousandths;
        const cents = (abs + 5n) / 10n; // half away from zero
        expect(serialize(d(text(thousandths, 3)))).toBe(text(thousandths < 0n ? -cents : cents, 2));
      }),
    );
  });
});

describe("Decimal scalar: parse", () => {
  it("reads strings and numbers of at most 8 integer digits and 2 decimals", () => {
    expect(DecimalScalar.parseValue("28.00")).toEqual(d("28"));
    expect(DecimalScalar.parseValue("-20.5")).toEqual(d("-20.5"));
    expect(DecimalScalar.parseValue(12)).toEqual(d("12"));
    expect(DecimalScalar.parseValue("99999999.99")).toEqual(d("99999999.99"));
    expect(literal('"28.00"')).toEqual(d("28"));
    expect(literal("28")).toEqual(d("28"));
    expect(literal("2.5")).toEqual(d("2.5"));
  });

  it("refuses anything else as BAD_USER_INPUT, never rounding it", () => {
    const bad = ["1.234", "100000000.00", "1e3", " 1.00", "1.", ".5", "+1", "abc", "", "NaN", "Infinity"];
    for (const value of [...bad, 1.005, 1e21, NaN, null, true, {}, ["1"]]) {
      expect(() => DecimalScalar.parseValue(value), String(value)).toThrow(
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } }),
      );
    }
    for (const source of ['"1.234"', "1.234", "true", "[1]", '{a: "1"}', "null"]) {
      expect(() => literal(source), source).toThrow(
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } }),
      );
    }
  });

  it("round-trips every amount it accepts", () => {
    fc.assert(
      fc.property(fc.integer({ min: -9_999_999_999, max: 9_999_999_999 }), (cents) => {
        const text = serialize(d(cents).dividedBy(100));
        expect(serialize(DecimalScalar.parseValue(text))).toBe(text);
      }),
    );
  });

  // Through Apollo a bad literal is a GRAPHQL_VALIDATION_FAILED document all the same (Apollo sets that code).
  it("is BAD_USER_INPUT in graphql-js's answer, from a variable or a literal", async () => {
    const fromVariable = await graphql({
      schema,
      source: "query ($a: Decimal!) { echo(amount: $a) }",
      variableValues: { a: "1.234" },
    });
    expect(fromVariable.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    const fromLiteral = await graphql({ schema, source: '{ echo(amount: "abc") }' });
    expect(fromLiteral.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await graphql({ schema, source: '{ echo(amount: "-3.5") }' })).toEqual({
      data: { echo: "-3.50" },
    });
  });
});
