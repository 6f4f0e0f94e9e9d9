import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { Prisma } from "../generated/prisma/client.js";

const DECIMAL = /^-?\d{1,8}(\.\d{1,2})?$/;

function parseDecimal(value: unknown): Prisma.Decimal {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !DECIMAL.test(text)) {
    throw new GraphQLError('Decimal must be a string like "28.00" (at most 8 integer digits and 2 decimals)');
  }
  return new Prisma.Decimal(text);
}

/** Formatted amounts of the Decimal objects the data cache shares between requests. */
const formatted = new WeakMap<Prisma.Decimal, string>();

function format(value: Prisma.Decimal): string {
  let text = formatted.get(value);
  if (text === undefined) formatted.set(value, (text = value.toFixed(2)));
  return text;
}

/** Money as a decimal string with two places ("28.00"): never a float on the wire. */
export const DecimalScalar = new GraphQLScalarType({
  name: "Decimal",
  description: 'A decimal amount as a string with two decimal places, e.g. "28.00".',
  serialize(value) {
    if (value instanceof Prisma.Decimal) return format(value);
    if (typeof value === "string" || typeof value === "number") return new Prisma.Decimal(value).toFixed(2);
    throw new GraphQLError("Decimal cannot represent this value");
  },
  parseValue: parseDecimal,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT && ast.kind !== Kind.FLOAT) {
      throw new GraphQLError("Decimal must be a string");
    }
    return parseDecimal(ast.value);
  },
});
