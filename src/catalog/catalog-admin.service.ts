/**
 * Catalogue writes for shop admins. Each write validates its input, is one statement (or one transaction) and,
 * once it has committed, invalidates exactly the cache tags it affects (catalog.tags.ts), within the same
 * request.
 */
import type { TaggedCache } from "../cache/cache.js";
import {
  tagsForCategoryChange,
  tagsForOptionChange,
  tagsForProductChange,
  tagsForPromotionChange,
} from "./catalog.tags.js";
import { checkText } from "../shared/text.rules.js";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.js";
import { isPrismaError } from "../db/prisma-errors.js";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import type { OptionKind } from "../generated/prisma/enums.js";
import { checkDelta, checkOfferedCombinations, checkPrice } from "../orders/pricing.js";
import type { CategoryRow, ProductRow, PromotionRow } from "./catalog.service.js";

const SLUG = /^[a-z0-9_]{1,32}$/;
const DEFAULT_IMAGE = {
  small: "static/images/products/default-small.png",
  large: "static/images/products/default-large.png",
};

export interface CategoryInput {
  type?: string | null;
  name?: string | null;
  sortOrder?: number | null;
}

export interface ProductInput {
  pid?: string | null;
  categoryType?: string | null;
  name?: string | null;
  enName?: string | null;
  price?: Prisma.Decimal | null;
  description?: string | null;
  smallImage?: string | null;
  largeImage?: string | null;
  isHot?: boolean | null;
  isAvailable?: boolean | null;
}

export interface OptionChoiceInput {
  value: string;
  priceDelta?: Prisma.Decimal | null;
  isDefault?: boolean | null;
}

export interface PromotionInput {
  imageUrl?: string | null;
  description?: string | null;
  sortOrder?: number | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

function required<T>(value: T | null | undefined, field: string): T {
  if (value == null) throw new InvalidInputError(field, `${field} is required`);
  return value;
}

function slug(value: string, field: string): string {
  if (!SLUG.test(value)) {
    throw new InvalidInputError(field, `${field} must be 1-32 characters of a-z, 0-9 and _`);
  }
  return value;
}

function requiredText(value: string | null | undefined, field: string, max: number): string {
  const text = checkText((value ?? "").trim(), field, max);
  if (!text) throw new InvalidInputError(field, `${field} must not be empty`);
  return text;
}

/** Locks a product's row for a price or option change and reads its price and options under the lock. */
async function lockedProduct(tx: Prisma.TransactionClient, id: number) {
  await tx.$queryRaw`SELECT id FROM products WHERE id = ${id} FOR UPDATE`;
  return tx.product.findUniqueOrThrow({ where: { id }, include: { options: true } });
}

/** A stored image: a path under the service's static images, or an absolute http(s) URL. */
function imagePath(value: string, field: string): string {
  const ok = /^https?:\/\/\S+$/i.test(value) || /^static\/images\/[\w./-]+$/.test(value);
  if (!ok || value.includes("..") || value.length > 512) {
    throw new InvalidInputError(field, `${field} must be an http(s) URL or a path under static/images/`);
  }
  return value;
}

function sortOrder(value: number, field = "sortOrder"): number {
  if (!Number.isInteger(value) || Math.abs(value) > 1_000_000) {
    throw new InvalidInputError(field, `${field} must be an integer between -1000000 and 1000000`);
  }
  return value;
}

export class CatalogAdminService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache: TaggedCache,
  ) {}

  async createCategory(input: CategoryInput): Promise<CategoryRow> {
    const category = await this.write(
      () =>
        this.prisma.category.create({
          data: {
            type: slug(input.type ?? "", "type"),
            name: requiredText(input.name, "name", 64),
            sortOrder: sortOrder(input.sortOrder ?? 0),
          },
        }),
      "a category of this type already exists",
    );
    await this.cache.invalidate(tagsForCategoryChange(category.id));
    return category;
  }

  async updateCategory(id: number, input: CategoryInput): Promise<CategoryRow> {
    const data: Prisma.CategoryUpdateInput = {};
    if (input.type != null) data.type = slug(input.type, "type");
    if (input.name != null) data.name = requiredText(input.name, "name", 64);
    if (input.sortOrder != null) data.sortOrder = sortOrder(input.sortOrder);
    const category = await this.write(
      () => this.prisma.category.update({ where: { id }, data }),
      "a category of this type already exists",
    );
    await this.cache.invalidate(tagsForCategoryChange(id));
    return category;
  }

  async deleteCategory(id: number): Promise<boolean> {
    await this.write(
      () => this.prisma.category.delete({ where: { id } }),
      "the category still has products: move or delete them first",
    );
    await this.cache.invalidate(tagsForCategoryChange(id));
    return true;
  }

  async createProduct(input: ProductInput): Promise<ProductRow> {
    const category = await this.categoryOf(input.categoryType ?? "");
    const pid = slug(input.pid ?? "", "pid");
    const product = await this.write(
      () =>
        this.prisma.product.create({
          data: {
            pid,
            categoryId: category.id,
            name: requiredText(input.name, "name", 64),
            enName: checkText((input.enName ?? "").trim(), "enName", 128),
            price: checkPrice(required(input.price, "price")),
            description: checkText(input.description ?? "", "description", 2_000),
            smallImage: imagePath(input.smallImage ?? DEFAULT_IMAGE.small, "smallImage"),
            largeImage: imagePath(input.largeImage ?? DEFAULT_IMAGE.large, "largeImage"),
            isHot: input.isHot ?? false,
            isAvailable: input.isAvailable ?? true,
          },
        }),
      "a product with this pid already exists",
    );
    await this.cache.invalidate(tagsForProductChange(product.id, [category.id]));
    return product;
  }

  async updateProduct(pid: string, input: ProductInput): Promise<ProductRow> {
    const before = await this.productOf(pid);
    const data: Prisma.ProductUncheckedUpdateInput = {};
    if (input.pid != null) data.pid = slug(input.pid, "pid");
    if (input.categoryType != null) data.categoryId = (await this.categoryOf(input.categoryType)).id;
    if (input.name != null) data.name = requiredText(input.name, "name", 64);
    if (input.enName != null) data.enName = checkText(input.enName.trim(), "enName", 128);
    if (input.price != null) data.price = checkPrice(input.price);
    if (input.description != null) data.description = checkText(input.description, "description", 2_000);
    if (input.smallImage != null) data.smallImage = imagePath(input.smallImage, "smallImage");
    if (input.largeImage != null) data.largeImage = imagePath(input.largeImage, "largeImage");
    if (input.isHot != null) data.isHot = input.isHot;
    if (input.isAvailable != null) data.isAvailable = input.isAvailable;
    // A new price must keep every offered combination within the unit price bounds; the row lock keeps a
    // concurrent option change from slipping past the check.
    const product = await this.write(
      () =>
        this.prisma.$transaction(async (tx) => {
          if (data.price != null) {
            const locked = await lockedProduct(tx, before.id);
            checkOfferedCombinations(data.price as Prisma.Decimal, locked.options, () => "price");
          }
          return tx.product.update({ where: { id: before.id }, data });
        }),
      "a product with this pid already exists",
    );
    await this.cache.invalidate(tagsForProductChange(product.id, [before.categoryId, product.categoryId]));
    return product;
  }

  async deleteProduct(pid: string): Promise<boolean> {
    const product = await this.productOf(pid);
    await this.write(
      () => this.prisma.product.delete({ where: { id: product.id } }),
      "the product is in use",
    );
    await this.cache.invalidate(tagsForProductChange(product.id, [product.categoryId]));
    return true;
  }

  /**
   * Replaces a product's option of one kind with these choices (in display order). Exactly one choice is the
   * default: the one marked, or the first.
   */
  async setProductOption(pid: string, kind: OptionKind, label: string, choices: OptionChoiceInput[]) {
    const product = await this.productOf(pid);
    const cleanLabel = requiredText(label, "label", 32);
    if (choices.length < 1 || choices.length > 10) {
      throw new InvalidInputError("choices", "an option needs 1-10 choices");
    }
    const values = choices.map((c, i) => requiredText(c.value, `choices.${i}.value`, 32));
    if (new Set(values).size !== values.length)
      throw new InvalidInputError("choices", "choice values must differ");
    const defaults = choices.filter((c) => c.isDefault).length;
    if (defaults > 1) throw new InvalidInputError("choices", "at most one choice can be the default");
    const rows = choices.map((c, i) => ({
      productId: product.id,
      kind,
      label: cleanLabel,
      value: values[i],
      priceDelta: checkDelta(c.priceDelta ?? new Prisma.Decimal(0), `choices.${i}.priceDelta`),
      isDefault: defaults === 0 ? i === 0 : Boolean(c.isDefault),
      sortOrder: i,
    }));
    // The field named is the choice giving the cheapest (dearest) combination that breaks the bounds.
    const extreme = (bound: "min" | "max") => {
      let at = 0;
      rows.forEach((r, i) => {
        const d = r.priceDelta.comparedTo(rows[at].priceDelta);
        if ((bound === "min" && d < 0) || (bound === "max" && d > 0)) at = i;
      });
      return `choices.${at}.priceDelta`;
    };
    await this.prisma.$transaction(async (tx) => {
      const locked = await lockedProduct(tx, product.id);
      const others = locked.options.filter((o) => o.kind !== kind);
      checkOfferedCombinations(locked.price, [...others, ...rows], extreme);
      await tx.productOption.deleteMany({ where: { productId: product.id, kind } });
      await tx.productOption.createMany({ data: rows });
    });
    await this.cache.invalidate(tagsForOptionChange(product.id));
    return product;
  }

  async removeProductOption(pid: string, kind: OptionKind): Promise<ProductRow> {
    const product = await this.productOf(pid);
    await this.prisma.$transaction(async (tx) => {
      const locked = await lockedProduct(tx, product.id);
      if (!locked.options.some((o) => o.kind === kind)) {
        throw new NotFoundError(`product ${pid} has no ${kind} option`);
      }
      // Without this kind's deltas the other kinds' combinations may leave the bounds (a discount left alone).
      checkOfferedCombinations(
        locked.price,
        locked.options.filter((o) => o.kind !== kind),
        () => "kind",
      );
      await tx.productOption.deleteMany({ where: { productId: product.id, kind } });
    });
    await this.cache.invalidate(tagsForOptionChange(product.id));
    return product;
  }

  async createPromotion(input: PromotionInput): Promise<PromotionRow> {
    const promotion = await this.prisma.promotion.create({
      data: {
        imageUrl: imagePath(input.imageUrl ?? "", "imageUrl"),
        description: requiredText(input.description, "description", 255),
        sortOrder: sortOrder(input.sortOrder ?? 0),
        ...this.window(input.startsAt ?? null, input.endsAt ?? null),
      },
    });
    await this.cache.invalidate(tagsForPromotionChange());
    return promotion;
  }

  async updatePromotion(id: number, input: PromotionInput): Promise<PromotionRow> {
    const before = await this.prisma.promotion.findUnique({ where: { id } });
    if (!before) throw new NotFoundError(`no promotion ${id}`);
    const data: Prisma.PromotionUpdateInput = this.window(
      input.startsAt === undefined ? before.startsAt : input.startsAt,
      input.endsAt === undefined ? before.endsAt : input.endsAt,
    );
    if (input.imageUrl != null) data.imageUrl = imagePath(input.imageUrl, "imageUrl");
    if (input.description != null) data.description = requiredText(input.description, "description", 255);
    if (input.sortOrder != null) data.sortOrder = sortOrder(input.sortOrder);
    const promotion = await this.prisma.promotion.update({ where: { id }, data });
    await this.cache.invalidate(tagsForPromotionChange());
    return promotion;
  }

  async deletePromotion(id: number): Promise<boolean> {
    await this.write(() => this.prisma.promotion.delete({ where: { id } }));
    await this.cache.invalidate(tagsForPromotionChange());
    return true;
  }

  private window(startsAt: Date | null, endsAt: Date | null) {
    if (startsAt && endsAt && endsAt <= startsAt) {
      throw new InvalidInputError("endsAt", "endsAt must be after startsAt");
    }
    return { startsAt, endsAt };
  }

  private async categoryOf(type: string) {
    const category = await this.prisma.category.findUnique({ where: { type } });
    if (!category) throw new InvalidInputError("categoryType", `no category of type ${JSON.stringify(type)}`);
    return category;
  }

  private async productOf(pid: string) {
    const product = await this.prisma.product.findUnique({ where: { pid } });
    if (!product) throw new NotFoundError(`no product ${pid}`);
    return product;
  }

  /** Runs a write, mapping "not found", unique and foreign-key violations to domain errors. */
  private async write<T>(run: () => Promise<T>, conflictMessage?: string): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isPrismaError(err, "P2025")) throw new NotFoundError("no such record");
      if (conflictMessage && (isPrismaError(err, "P2002") || isPrismaError(err, "P2003"))) {
        throw new ConflictError(conflictMessage);
      }
      throw err;
    }
  }
}
