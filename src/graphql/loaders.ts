import DataLoader from "dataloader";
import type { CategoryRow, ProductRow, ProductOptionRow } from "../catalog/catalog.service.js";
import type { Services } from "../services.js";

/** One set per request: batches the lookups of one GraphQL operation into one statement per kind. */
export interface Loaders {
  categoryById: DataLoader<number, CategoryRow | null>;
  productById: DataLoader<number, ProductRow | null>;
  productsByCategoryId: DataLoader<number, ProductRow[]>;
  optionsByProductId: DataLoader<number, ProductOptionRow[]>;
}

export function createLoaders({ catalog }: Services): Loaders {
  return {
    categoryById: new DataLoader((ids) => catalog.categoriesByIds(ids)),
    productById: new DataLoader((ids) => catalog.productsByIds(ids)),
    productsByCategoryId: new DataLoader((ids) => catalog.productsByCategoryIds(ids)),
    optionsByProductId: new DataLoader((ids) => catalog.optionsByProductIds(ids)),
  };
}
