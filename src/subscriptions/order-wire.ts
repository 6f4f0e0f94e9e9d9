/**
 * Orders as they travel between replicas (JSON on a Redis channel) and the per-order version that keeps each
 * subscriber's events in order: an event older than the last one a subscriber got for that order is dropped.
 */
import { Prisma } from "../generated/prisma/client.js";
import type { OrderStatus } from "../generated/prisma/enums.js";
import type { OrderView } from "../orders/orders.service.js";

/** Workflow rank: breaks ties between two changes stamped within the same millisecond. */
export const RANK: Record<OrderStatus, number> = {
  PLACED: 0,
  PREPARING: 1,
  READY: 2,
  COMPLETED: 3,
  CANCELLED: 3,
};

/** [updatedAt in ms, workflow rank]: compared in that order. */
export type OrderVersion = readonly [number, number];

export function versionOf(order: Pick<OrderView, "updatedAt" | "status">): OrderVersion {
  return [order.updatedAt.getTime(), RANK[order.status]];
}

/** Negative when a is older than b, 0 when the same, positive when newer. */
export function compareVersions(a: OrderVersion, b: OrderVersion): number {
  return a[0] - b[0] || a[1] - b[1];
}

const DECIMAL = "__d";
const DATE = "__t";

/** JSON with Decimals and Dates tagged, so that `reviveOrder` gives back the same OrderView. */
export function serializeOrder(order: OrderView): string {
  return JSON.stringify(order, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { [DATE]: raw.toISOString() };
    if (Prisma.Decimal.isDecimal(raw)) return { [DECIMAL]: raw.toString() };
    return value;
  });
}

export function reviveOrder(json: string): OrderView {
  return JSON.parse(json, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const tagged = v as Record<string, unknown>;
      if (typeof tagged[DATE] === "string") return new Date(tagged[DATE]);
      if (typeof tagged[DECIMAL] === "string") return new Prisma.Decimal(tagged[DECIMAL]);
    }
    return v;
  }) as OrderView;
}
