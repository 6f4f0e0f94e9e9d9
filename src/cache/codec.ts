import { Prisma } from "../generated/prisma/client.js";

/**
 * JSON that keeps the types cached rows carry: Date and Prisma.Decimal come back as themselves, so a cached
 * value is indistinguishable from a freshly loaded one.
 */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (raw instanceof Prisma.Decimal) return { $decimal: raw.toString() };
    return v;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      if (typeof v.$date === "string" && Object.keys(v).length === 1) return new Date(v.$date);
      if (typeof v.$decimal === "string" && Object.keys(v).length === 1)
        return new Prisma.Decimal(v.$decimal);
    }
    return v;
  }) as T;
}
