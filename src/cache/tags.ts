/**
 * Cache tags: every cached catalogue value carries the tags of what it was built from, and every change
 * (admin mutation, or a row change seen by the CDC worker) invalidates the tags it affects. Ids, not slugs,
 * so that a binlog row (which carries ids) maps to its tags without a lookup.
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
