/**
 * Seeds the catalogue: creates every seed category, product, option choice and promotion that is missing
 * (matched by natural key: category type, product pid, (pid, kind, value), promotion image) and touches
 * nothing that exists, so a second run changes nothing. A named lock, held on a connection of its own until
 * the seeding transaction has committed, keeps replicas that start together from seeding twice.
 */
import type { Config } from "../config.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Database } from "./database.js";
import { isPrismaError } from "./prisma-errors.js";
import { productImage, seedCategories, seedProducts, seedPromotions } from "./seed-data.js";

export interface SeedResult {
  created: { categories: number; products: number; options: number; promotions: number };
}

export function describeSeedResult({ created }: SeedResult): string {
  const total = created.categories + created.products + created.options + created.promotions;
  if (total === 0) return "seed: catalogue already complete, nothing changed";
  return (
    `seed: created ${created.categories} categories, ${created.products} products, ` +
    `${created.options} option choices, ${created.promotions} promotions`
  );
}

export async function isCatalogueEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.category.count()) === 0;
}

export async function seed({ prisma, pool }: Pick<Database, "prisma" | "pool">): Promise<SeedResult> {
  const lock = await pool.getConnection();
  try {
    await lock.query("SELECT GET_LOCK(CONCAT('coffee_seed:', DATABASE()), 60)");
    return await seedInTransaction(prisma);
  } finally {
    await lock.query("SELECT RELEASE_LOCK(CONCAT('coffee_seed:', DATABASE()))").catch(() => undefined);
    await lock.release();
  }
}

function seedInTransaction(prisma: PrismaClient): Promise<SeedResult> {
  return prisma.$transaction(
    async (tx) => {
      const created = { categories: 0, products: 0, options: 0, promotions: 0 };

      const haveTypes = new Set((await tx.category.findMany({ select: { type: true } })).map((c) => c.type));
      const newCategories = seedCategories.filter((c) => !haveTypes.has(c.type));
      created.categories = (await tx.category.createMany({ data: newCategories })).count;
      const categoryId = new Map(
        (await tx.category.findMany({ select: { id: true, type: true } })).map((c) => [c.type, c.id]),
      );

      const havePids = new Set((await tx.product.findMany({ select: { pid: true } })).map((p) => p.pid));
      const newProducts = seedProducts.filter((p) => !havePids.has(p.pid));
      created.products = (
        await tx.product.createMany({
          data: newProducts.map((p) => ({
            pid: p.pid,
            categoryId: categoryId.get(p.type)!,
            name: p.name,
            enName: p.enName,
            price: p.price,
            description: p.description,
            smallImage: productImage(p.pid, "small"),
            largeImage: productImage(p.pid, "large"),
            isHot: p.isHot,
          })),
        })
      ).count;

      const products = await tx.product.findMany({
        where: { pid: { in: seedProducts.map((p) => p.pid) } },
        select: { id: true, pid: true, options: { select: { kind: true, value: true } } },
      });
      const byPid = new Map(products.map((p) => [p.pid, p]));
      const newOptions = seedProducts.flatMap((p) => {
        const row = byPid.get(p.pid)!;
        const have = new Set(row.options.map((o) => `${o.kind}:${o.value}`));
        return p.options.flatMap((option) =>
          option.choices
            .map((choice, index) => ({
              productId: row.id,
              kind: option.kind,
              label: option.label,
              value: choice.value,
              priceDelta: choice.priceDelta ?? "0",
              isDefault: index === 0,
              sortOrder: index,
            }))
            .filter((o) => !have.has(`${o.kind}:${o.value}`)),
        );
      });
      created.options = (await tx.productOption.createMany({ data: newOptions })).count;

      const haveImages = new Set(
        (await tx.promotion.findMany({ select: { imageUrl: true } })).map((p) => p.imageUrl),
      );
      created.promotions = (
        await tx.promotion.createMany({ data: seedPromotions.filter((p) => !haveImages.has(p.imageUrl)) })
      ).count;
      return { created };
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}

/**
 * Creates the admin account from ADMIN_USERNAME / ADMIN_PASSWORD, or promotes an existing account of that
 * name, but only when ADMIN_PASSWORD is its password: otherwise whoever registered the name first (in any
 * letter case) would become admin.
 */
/** What seeding an admin needs of password hashing (src/auth/password.ts's PasswordHasher). */
export interface PasswordHashing {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export async function seedAdmin(
  prisma: PrismaClient,
  hasher: PasswordHashing,
  username: string,
  password: string,
): Promise<"created" | "promoted" | "unchanged" | "refused: the account exists with another password"> {
  const existing = await prisma.user.findUnique({ where: { username } });
  if (!existing) {
    try {
      await prisma.user.create({
        data: { username, passwordHash: await hasher.hash(password), nickName: "admin", role: "ADMIN" },
      });
      return "created";
    } catch (err) {
      // Another replica created it at the same moment.
      if (isPrismaError(err, "P2002")) return seedAdmin(prisma, hasher, username, password);
      throw err;
    }
  }
  if (existing.role === "ADMIN") return "unchanged";
  if (!(await hasher.verify(existing.passwordHash, password)))
    return "refused: the account exists with another password";
  // Recorded as a session change, so that every replica drops the user's cached role within a second.
  await prisma.$transaction([
    prisma.user.update({ where: { id: existing.id }, data: { role: "ADMIN" } }),
    prisma.sessionRevocation.create({
      data: { userId: existing.id, reason: "ROLE_CHANGE", expiresAt: new Date(Date.now() + 86_400_000) },
    }),
  ]);
  return "promoted";
}

/** seedAdmin with the configured account, when ADMIN_USERNAME/ADMIN_PASSWORD are set; returns a log line. */
export async function seedAdminFromConfig(
  prisma: PrismaClient,
  { username, password }: Config["admin"],
  hasher: PasswordHashing,
): Promise<string | undefined> {
  if (!username || !password) return undefined;
  const outcome = await seedAdmin(prisma, hasher, username, password);
  return `seed: admin account ${username} ${outcome}`;
}
