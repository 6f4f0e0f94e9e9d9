import type { DataCache } from "../cache/data-cache.js";
import { ReadTags } from "./catalog.tags.js";
import { InvalidInputError } from "../errors.js";
import { metrics } from "../observability/metrics.js";
import type { Category, Product, ProductOption, Promotion } from "../generated/prisma/client.js";
import type { OptionKind } from "../generated/prisma/enums.js";
import type { PrismaClient } from "../generated/prisma/client.js";

export type {
  Category as CategoryRow,
  Product as ProductRow,
  ProductOption as ProductOptionRow,
  Promotion as PromotionRow,
};

export const OPTION_KINDS: readonly OptionKind[] = ["TEMPERATURE", "SUGAR", "MILK", "CREAM"];

/** The shop's display label of each option kind (the legacy detail shows it even for a product without it). */
export const OPTION_LABELS: Record<OptionKind, string> = {
  TEMPERATURE: "温度",
  SUGAR: "糖",
  MILK: "奶",
  CREAM: "奶油",
};

/** A product's option of one kind with its choices, in display order. */
export interface OptionGroup {
  kind: OptionKind;
  label: string;
  choices: ProductOption[];
}

export interface ProductFilter {
  categoryType?: string | null;
  hot?: boolean | null;
  search?: string | null;
}

export interface ProductPage {
  items: Product[];
  totalCount: number;
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 100;

const PID_SHAPE = /^[A-Za-z0-9_]{1,32}$/;

/** Groups option rows by kind (kinds in TEMPERATURE, SUGAR, MILK, CREAM order; choices by sort order). */
/** Groups of option lists the data cache shares (frozen, reused by every request until they change). */
const grouped = new WeakMap<readonly ProductOption[], OptionGroup[]>();

export function groupOptions(rows: readonly ProductOption[]): OptionGroup[] {
  const known = grouped.get(rows);
  if (known) return known;
  const groups = OPTION_KINDS.flatMap((kind) => {
    const choices = rows
      .filter((r) => r.kind === kind)
      .sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
    return choices.length > 0 ? [{ kind, label: choices[0].label, choices }] : [];
  });
  if (Object.isFrozen(rows)) grouped.set(rows, Object.freeze(groups) as OptionGroup[]);
  return groups;
}

/** Prisma's `contains` passes LIKE wildcards through on MySQL; a search for "%" must match a literal %. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function groupBy<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const map = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) map.get(keyOf(row))?.push(row);
  return keys.map((k) => map.get(k)!);
}

/**
 * Public catalogue reads, always through the data cache (a pass-through when caching is off; catalog.tags.ts
 * says what each entry carries). Batch methods take many ids and answer in the same order with one MGET and
 * at most one SQL statement, so per-request DataLoaders keep a menu query at a constant number of round trips.
 */
export class CatalogService {
  constructor(
    prisma: PrismaClient,
    private readonly publicBaseUrl: string,
    private readonly cache: DataCache,
    /** Where uncached reads run: a MySQL replica that has the catalogue's last writes, or the primary. */
    private readonly read: <T>(run: (db: PrismaClient) => Promise<T>) => Promise<T> = (run) => run(prisma),
  ) {}

  /** An absolute URL for a stored image path (absolute URLs pass through). */
  assetUrl(path: string): string {
    return /^https?:\/\//i.test(path) ? path : new URL(path.replace(/^\/+/, ""), this.publicBaseUrl).href;
  }

  /** Every category in menu order: one small cached list that the lookups below also use. */
  categories(): Promise<Category[]> {
    const load = () =>
      this.read((db) => db.category.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }] }));
    return this.cache.getOrLoad("categories", "all", load, ReadTags.categoryList);
  }

  /** Matches case-insensitively, like the column's collation. */
  async categoryByType(type: string): Promise<Category | null> {
    const wanted = type.toLowerCase();
    return (await this.categories()).find((c) => c.type.toLowerCase() === wanted) ?? null;
  }

  async categoriesByIds(ids: readonly number[]): Promise<(Category | null)[]> {
    const byId = new Map((await this.categories()).map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** The products of each category, by id. */
  productsByCategoryIds(categoryIds: readonly number[]): Promise<Product[][]> {
    const load = async (ids: readonly number[]) => {
      const rows = await this.read((db) =>
        db.product.findMany({ where: { categoryId: { in: [...ids] } }, orderBy: { id: "asc" } }),
      );
      return groupBy(ids, rows, (p) => p.categoryId);
    };
    return this.cache.getOrLoadMany(
      "category-products",
      categoryIds,
      String,
      load,
      ReadTags.categoryProducts,
    );
  }

  /** The option rows of each product. */
  optionsByProductIds(productIds: readonly number[]): Promise<ProductOption[][]> {
    const load = async (ids: readonly number[]) => {
      const rows = await this.read((db) =>
        db.productOption.findMany({
          where: { productId: { in: [...ids] } },
          orderBy: [{ productId: "asc" }, { sortOrder: "asc" }, { id: "asc" }],
        }),
      );
      return groupBy(ids, rows, (o) => o.productId);
    };
    return this.cache.getOrLoadMany("product-options", productIds, String, load, ReadTags.productOptions);
  }

  /**
   * Products by database id, null where there is none. Not cached: global-id lookups may name any id, and a
   * cache entry per id asked for would grow with the requests.
   */
  async productsByIds(ids: readonly number[]): Promise<(Product | null)[]> {
    const rows = await this.read((db) => db.product.findMany({ where: { id: { in: [...ids] } } }));
    const byId = new Map(rows.map((p) => [p.id, p]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * One product by pid (case-insensitively, like the column's collation). Unknown pids are cached briefly;
   * strings that cannot be a pid are answered without touching Redis or MySQL.
   */
  async productByPid(pid: string): Promise<Product | null> {
    if (!PID_SHAPE.test(pid)) return null;
    const load = () => this.read((db) => db.product.findUnique({ where: { pid } }));
    return this.cache.getOrLoad("product", pid.toLowerCase(), load, ReadTags.productByPid);
  }

  /** A page of products by id, after the product with id `afterId`. */
  async productsPage(filter: ProductFilter, first: number, afterId = 0): Promise<ProductPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new InvalidInputError("first", `first must be between 1 and ${MAX_PAGE_SIZE}`);
    }
    const search = filter.search?.trim();
    if (search && search.length > 64) {
      throw new InvalidInputError("filter.search", "search must be at most 64 characters");
    }
    const where = {
      ...(filter.categoryType ? { category: { type: filter.categoryType } } : {}),
      ...(filter.hot != null ? { isHot: filter.hot } : {}),
      ...(search
        ? { OR: [{ name: { contains: likeLiteral(search) } }, { enName: { contains: likeLiteral(search) } }] }
        : {}),
    };
    const [totalCount, rows] = await this.read((db) =>
      Promise.all([
        db.product.count({ where }),
        db.product.findMany({
          where: { ...where, id: { gt: afterId } },
          orderBy: { id: "asc" },
          take: first + 1,
        }),
      ]),
    );
    return { items: rows.slice(0, first), totalCount, hasNextPage: rows.length > first };
  }

  /**
   * A product's detail page by pid: the product, counted as one view (product_views_total by category type)
   * when it exists. Every adapter shows a product page through this, response-cache hits included, so the
   * count never depends on which path answered. Counting never fails the read.
   */
  async viewProduct(pid: string): Promise<Product | null> {
    const page = await this.productPage(pid);
    page?.countView();
    return page?.product ?? null;
  }

  /**
   * A product's page by pid without counting it: the product and the counter of its views, for a caller that
   * counts each showing itself (the hot path repeats a cached page without asking the catalogue again).
   */
  async productPage(pid: string): Promise<{ product: Product; countView: () => void } | null> {
    const product = await this.productByPid(pid);
    if (!product) return null;
    const category = await this.categoriesByIds([product.categoryId]).then(
      ([found]) => found?.type ?? "unknown",
      () => "unknown",
    );
    const views = metrics.productViews.labels({ category });
    return { product, countView: () => views.inc() };
  }

  /** Promotions whose active window contains `now`, by sort order (the cached list holds all of them). */
  async promotions(now = new Date()): Promise<Promotion[]> {
    const load = () =>
      this.read((db) => db.promotion.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }] }));
    const all = await this.cache.getOrLoad("promotions", "all", load, ReadTags.promotionList);
    return all.filter((p) => (!p.startsAt || p.startsAt <= now) && (!p.endsAt || p.endsAt > now));
  }
}
