/**
 * What a change seen in the binlog invalidates: binlog tables and columns mapped onto the catalogue's own
 * choices of tags (src/catalog/catalog.tags.ts), the same the API's writes invalidate, so a row changed
 * straight in MySQL ends up exactly where an admin mutation would.
 */
import {
  EveryRowChangeTags,
  type EveryRowTags,
  tagsForCategoryChange,
  tagsForOptionChange,
  tagsForProductChange,
  tagsForPromotionChange,
} from "../catalog/catalog.tags.js";
import type { UserPart } from "../cache/user-cache.js";

/** The tables whose rows are cached. */
export const CATALOGUE_TABLES = ["categories", "products", "product_options", "promotions"] as const;
export type CatalogueTable = (typeof CATALOGUE_TABLES)[number];

export function isCatalogueTable(name: string): name is CatalogueTable {
  return (CATALOGUE_TABLES as readonly string[]).includes(name);
}

/**
 * Tables of per-user data, the column naming the user, and the part of the user's cache (src/cache/user-cache.ts)
 * a changed row makes stale. Order items change only with their order.
 */
export const USER_TABLES = {
  users: { column: "id", part: "session" },
  cart_items: { column: "user_id", part: "cart" },
  orders: { column: "user_id", part: "orders" },
} as const satisfies Record<string, { column: string; part: UserPart }>;
export type UserTable = keyof typeof USER_TABLES;

export function isUserTable(name: string): name is UserTable {
  return Object.hasOwn(USER_TABLES, name);
}

/** The users whose cached data a changed row of a per-user table makes stale (every image: before and after). */
export function usersOfRowChange(table: UserTable, images: RowImage[]): number[] {
  const { column } = USER_TABLES[table];
  return images.map((image) => image[column]).filter((id): id is number => Number.isSafeInteger(id));
}

/** A row image as decoded by zongji: column name to value. */
export type RowImage = Record<string, unknown>;

/**
 * The tags of one changed row, from all of its images (an update has two: a product moved to another
 * category must leave both category listings). Undefined when an image lacks a column the tags need
 * (binlog_row_image=MINIMAL logs only the key and the changed columns): the caller then invalidates the
 * whole table rather than guessing.
 */
export function tagsForRowChange(table: CatalogueTable, images: RowImage[]): string[] | undefined {
  const ids = (column: string) => images.map((image) => image[column]);
  const all = (values: unknown[]): values is number[] => values.every((v) => Number.isSafeInteger(v));
  switch (table) {
    case "categories": {
      const categoryIds = ids("id");
      return all(categoryIds) ? categoryIds.flatMap(tagsForCategoryChange) : undefined;
    }
    case "products": {
      const productIds = ids("id");
      const categoryIds = ids("category_id");
      if (!all(productIds) || !all(categoryIds)) return undefined;
      return productIds.flatMap((id) => tagsForProductChange(id, categoryIds));
    }
    case "product_options": {
      const productIds = ids("product_id");
      return all(productIds) ? productIds.flatMap(tagsForOptionChange) : undefined;
    }
    case "promotions":
      return tagsForPromotionChange();
  }
}

/** What a change to every row of a table invalidates (TRUNCATE, DDL, or a row image we cannot read). */
export function tagsForTableChange(table: CatalogueTable): EveryRowTags {
  switch (table) {
    case "categories":
      return EveryRowChangeTags.categories;
    case "products":
      return EveryRowChangeTags.products;
    case "product_options":
      return EveryRowChangeTags.options;
    case "promotions":
      return EveryRowChangeTags.promotions;
  }
}
