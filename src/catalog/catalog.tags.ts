/**
 * Cache tags of the catalogue, and every choice of them: what each cached read, each cached response and each
 * change carries or invalidates. The data cache (catalog.service.ts), the response caches of both adapters,
 * the admin writes (catalog-admin.service.ts) and the CDC worker (src/cdc/change-tags.ts) all take their tags
 * from here, so a change of what is cached how touches this file and the catalogue service, nothing else.
 * Ids, not slugs, so that a binlog row (which carries ids) maps to its tags without a lookup.
 */
export const Tags = {
  /** The list of categories, and lookups of categories by type (a new type must show up). */
  categories: "categories",
  /** One category and everything listing its products. */
  category: (id: number) => `category:${id}`,
  /** Any listing or search of products, and lookups by pid (a new pid must show up). */
  products: "products",
  /** One product with its options. */
  product: (id: number) => `product:${id}`,
  /** The promotions list. */
  promotions: "promotions",
} as const;

/** The tags of what is read or answered, by what it was built from. */
export const ReadTags = {
  /** The category list (lookups of a category by type and id use it). */
  categoryList: (): string[] => [Tags.categories],
  /** The products of one category. */
  categoryProducts: (_products: unknown, categoryId: number): string[] => [
    Tags.products,
    Tags.category(categoryId),
  ],
  /** The option rows of one product. */
  productOptions: (_options: unknown, productId: number): string[] => [Tags.product(productId)],
  /** A product looked up by pid: that product, or while there is none, any product that may appear. */
  productByPid: (product: { id: number } | null): string[] =>
    product ? [Tags.product(product.id)] : [Tags.products],
  /** Any listing or search of products. */
  productList: (): string[] => [Tags.products],
  /** The promotion list. */
  promotionList: (): string[] => [Tags.promotions],
  /** A category looked up by type with its products (the legacy list of one category). */
  categoryListing: (categoryId: number): string[] => [
    Tags.categories,
    Tags.products,
    Tags.category(categoryId),
  ],
  /** A product's page: the product with its options, and its category's names. */
  productPage: (productId: number): string[] => [Tags.product(productId), Tags.categories],
  /** One category as an object of a response. */
  category: (category: { id: number }): string[] => [Tags.category(category.id)],
  /** One product as an object of a response. */
  product: (product: { id: number; categoryId: number }): string[] => [
    Tags.product(product.id),
    Tags.category(product.categoryId),
  ],
};

/** What a change to one row of a catalogue table invalidates. */
export function tagsForCategoryChange(categoryId: number): string[] {
  return [Tags.categories, Tags.category(categoryId), Tags.products];
}

export function tagsForProductChange(productId: number, categoryIds: number[]): string[] {
  return [Tags.product(productId), Tags.products, ...categoryIds.map(Tags.category)];
}

export function tagsForOptionChange(productId: number): string[] {
  return [Tags.product(productId)];
}

export function tagsForPromotionChange(): string[] {
  return [Tags.promotions];
}

/**
 * What a change to every row of a table invalidates (TRUNCATE, DDL, or a row image that cannot be read): the
 * broad tags, plus every id tag of the given families. The ids are not knowable from the database after a
 * TRUNCATE or DROP, so the caller takes them from the tags present in the cache.
 */
export interface EveryRowTags {
  readonly tags: readonly string[];
  /** Id tag families, as the prefix their tags share (e.g. "product:"). */
  readonly idTagPrefixes: readonly string[];
}

// The prefix shared by a family's tags, derived from Tags so the two cannot drift apart.
const prefixOf = (tag: (id: number) => string) => tag(0).slice(0, -1);

export const EveryRowChangeTags: Readonly<
  Record<"categories" | "products" | "options" | "promotions", EveryRowTags>
> = {
  categories: { tags: [Tags.categories, Tags.products], idTagPrefixes: [prefixOf(Tags.category)] },
  products: { tags: [Tags.products], idTagPrefixes: [prefixOf(Tags.product), prefixOf(Tags.category)] },
  options: { tags: [], idTagPrefixes: [prefixOf(Tags.product)] },
  promotions: { tags: tagsForPromotionChange(), idTagPrefixes: [] },
};
