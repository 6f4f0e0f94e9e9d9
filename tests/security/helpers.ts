import { expect } from "vitest";
import type { TestApp } from "../helpers/app.js";

/** Row counts of every table an attack could try to change. */
export async function snapshotCounts(t: TestApp) {
  const { prisma } = t.db;
  const [categories, products, options, promotions, latte001] = await Promise.all([
    prisma.category.count(),
    prisma.product.count(),
    prisma.productOption.count(),
    prisma.promotion.count(),
    prisma.product.findUniqueOrThrow({ where: { pid: "latte001" } }),
  ]);
  return { categories, products, options, promotions, latte001Price: latte001.price.toFixed(2) };
}

/** After an attack: the server still answers /health and the catalogue is as it was. */
export async function expectHealthyAndUnchanged(
  t: TestApp,
  before: Awaited<ReturnType<typeof snapshotCounts>>,
) {
  const health = await t.app.inject({ method: "GET", url: "/health" });
  expect(health.statusCode).toBe(200);
  expect(await snapshotCounts(t)).toEqual(before);
}
