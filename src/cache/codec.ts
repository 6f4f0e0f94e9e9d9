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

/** Revives the wrappers `encode` wrote. A walk after a plain JSON.parse: a reviver is several times slower. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  if (typeof object.$date === "string") return new Date(object.$date);
  if (typeof object.$decimal === "string") return new Prisma.Decimal(object.$decimal);
  for (const key in object) object[key] = revive(object[key]);
  return object;
}

export function decode<T>(text: string): T {
  return revive(JSON.parse(text)) as T;
}
