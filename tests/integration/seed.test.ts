import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { PasswordHasher } from "../../src/auth/password.js";
import { describeSeedResult, isCatalogueEmpty, seed, seedAdmin } from "../../src/db/seed.js";
import { scratchDatabaseName, testConfig } from "../helpers/env.js";

const databases: ReturnType<typeof createDatabase>[] = [];
afterAll(() => Promise.all(databases.map((d) => d.close())));

async function emptyDatabase(label: string) {
  const config = { ...testConfig().db, database: scratchDatabaseName(label) };
  await migrate(config);
  const db = createDatabase(config);
  databases.push(db);
  return db;
}

describe("seed", () => {
  it("loads the legacy catalogue into an empty database, then changes nothing", async () => {
    const db = await emptyDatabase("seed");
    const { prisma } = db;
    expect(await isCatalogueEmpty(prisma)).toBe(true);

    const first = await seed(db);
    expect(first.created).toEqual({ categories: 4, products: 22, options: 85, promotions: 4 });
    expect(await isCatalogueEmpty(prisma)).toBe(false);

    const snapshot = async () => ({
      categories: await prisma.category.findMany({ orderBy: { id: "asc" } }),
      products: await prisma.product.findMany({ orderBy: { id: "asc" } }),
      options: await prisma.productOption.findMany({ orderBy: { id: "asc" } }),
      promotions: await prisma.promotion.findMany({ orderBy: { id: "asc" } }),
    });
    const before = await snapshot();
    const second = await seed(db);
    expect(second.created).toEqual({ categories: 0, products: 0, options: 0, promotions: 0 });
    expect(describeSeedResult(second)).toBe("seed: catalogue already complete, nothing changed");
    expect(await snapshot()).toEqual(before);
  });

  it("stores the contract's products, prices and option choices", async () => {
    const db = await emptyDatabase("contract");
    const { prisma } = db;
    await seed(db);
    const latte001 = await prisma.product.findUniqueOrThrow({
      where: { pid: "latte001" },
      include: { category: true, options: { orderBy: [{ kind: "asc" }, { sortOrder: "asc" }] } },
    });
    expect(latte001).toMatchObject({ name: "黑糖拿铁", enName: "Brown Sugar Latte", isHot: false });
    expect(latte001.price.toFixed(2)).toBe("28.00");
    expect(latte001.category.type).toBe("latte");
    const choices = (kind: string) =>
      latte001.options
        .filter((o) => o.kind === kind)
        .map((o) => o.value)
        .join("/");
    expect([choices("TEMPERATURE"), choices("SUGAR"), choices("CREAM"), choices("MILK")]).toEqual([
      "冷/热",
      "全糖/半糖",
      "默认奶油/无奶油",
      "",
    ]);
    expect(latte001.options.filter((o) => o.isDefault).map((o) => o.value)).toEqual([
      "冷",
      "全糖",
      "默认奶油",
    ]);

    const rena = await prisma.product.findUniqueOrThrow({
      where: { pid: "rena_ice002" },
      include: { options: true },
    });
    expect(rena.options.map((o) => o.kind)).toEqual(["CREAM", "CREAM"]);
    const milk = await prisma.productOption.findMany({
      where: { product: { pid: "coffee005" }, kind: "MILK" },
    });
    expect(milk.map((m) => [m.value, m.priceDelta.toFixed(2)])).toEqual([
      ["无奶", "0.00"],
      ["单份奶", "2.00"],
      ["双份奶", "4.00"],
    ]);
    expect(await prisma.product.count({ where: { isHot: true } })).toBe(6);
  });

  it("does not duplicate anything when several seeders run at once", async () => {
    const db = await emptyDatabase("concurrent");
    const { prisma } = db;
    const results = await Promise.all([seed(db), seed(db), seed(db)]);
    expect(results.reduce((n, r) => n + r.created.promotions, 0)).toBe(4);
    expect(await prisma.promotion.count()).toBe(4);
    expect(await prisma.productOption.count()).toBe(85);
  });
});

describe("admin account from ADMIN_USERNAME / ADMIN_PASSWORD", () => {
  it("creates it, leaves it, and promotes an existing account only with the right password", async () => {
    const db = await emptyDatabase("admin");
    const hasher = new PasswordHasher({ ...testConfig().argon2, memoryCost: 4096, timeCost: 1 });
    expect(await seedAdmin(db.prisma, hasher, "boss", "boss-pass-1")).toBe("created");
    expect(await seedAdmin(db.prisma, hasher, "BOSS", "boss-pass-1")).toBe("unchanged");
    expect((await db.prisma.user.findUniqueOrThrow({ where: { username: "boss" } })).role).toBe("ADMIN");

    await db.prisma.user.create({
      data: { username: "squatter", passwordHash: await hasher.hash("their-pass-1") },
    });
    expect(await seedAdmin(db.prisma, hasher, "SQUATTER", "admin-pass-1")).toMatch(/^refused/);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { username: "squatter" } })).role).toBe(
      "CUSTOMER",
    );
    expect(await seedAdmin(db.prisma, hasher, "squatter", "their-pass-1")).toBe("promoted");
    expect((await db.prisma.user.findUniqueOrThrow({ where: { username: "squatter" } })).role).toBe("ADMIN");
  });
});
