import { Prisma } from "../generated/prisma/client.js";

/**
 * Prisma's known request error codes this service handles: P2002 unique violation, P2003 foreign-key
 * violation, P2025 record not found, P2034 transaction conflict (deadlock). `target` narrows a P2002 to a
 * constraint whose name contains it.
 */
export function isPrismaError(
  err: unknown,
  code: "P2002" | "P2003" | "P2025" | "P2034",
  target?: string,
): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== code) return false;
  return target === undefined || JSON.stringify(err.meta ?? {}).includes(target);
}
