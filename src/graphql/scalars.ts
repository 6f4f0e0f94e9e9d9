import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { Prisma } from "../generated/prisma/client.js";

const DECIMAL = /^-?\d{1,8}(\.\d{1,2})?$/;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}

function parseDecimal(value: unknown): Prisma.Decimal {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !DECIMAL.test(text)) {
    throw badInput('Decimal must be a string like "28.00" (at most 8 integer digits and 2 decimals)');
  }
  return new Prisma.Decimal(text);
}

/** Formatted amounts of the Decimal objects the data cache shares between requests. */
const formatted = new WeakMap<Prisma.Decimal, string>();

/** Two places, rounded half away from zero; an amount that rounds to zero is "0.00", never "-0.00". */
function toWire(value: Prisma.Decimal): string {
  if (!value.isFinite()) throw new GraphQLError("Decimal cannot represent a non-finite amount");
  const text = value.toFixed(2);
  return text === "-0.00" ? "0.00" : text;
}

function format(value: Prisma.Decimal): string {
  let text = formatted.get(value);
  if (text === undefined) formatted.set(value, (text = toWire(value)));
  return text;
}

function fromNumberOrString(value: string | number): Prisma.Decimal {
  try {
    return new Prisma.Decimal(value);
  } catch {
    throw new GraphQLError("Decimal cannot represent this value");
  }
}

/**
 * Money as a decimal string with two places ("28.00"): never a float on the wire. Fields declare it with
 * `Prisma.Decimal` as their TypeScript type, which is what the services answer.
 */
export const DecimalScalar = new GraphQLScalarType<Prisma.Decimal, string>({
  name: "Decimal",
  description: 'A decimal amount as a string with two decimal places, e.g. "28.00".',
  serialize(value) {
    if (value instanceof Prisma.Decimal) return format(value);
    if (typeof value === "string" || typeof value === "number") return toWire(fromNumberOrString(value));
    throw new GraphQLError("Decimal cannot represent this value");
  },
  parseValue: parseDecimal,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT && ast.kind !== Kind.FLOAT) {
      throw badInput("Decimal must be a string");
    }
    return parseDecimal(ast.value);
  },
});
