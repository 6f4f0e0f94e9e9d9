/**
 * The catalogue the legacy service shipped, read from prisma/seed/catalogue.json: plain data with named fields
 * (categories, products with their option choices by kind, promotions, and the shop's label of each option
 * kind). In a product's list of choices of one kind, the first is the default; a choice is its value, or
 * `{ value, priceDelta }` when it costs extra.
 */
import { readFileSync } from "node:fs";
import type { OptionKind } from "../generated/prisma/enums.js";

export interface SeedCategory {
  type: string;
  name: string;
  sortOrder: number;
}

export interface SeedOption {
  kind: OptionKind;
  label: string;
  /** Choices in display order; the first is the default. */
  choices: { value: string; priceDelta?: string }[];
}

export interface SeedProduct {
  pid: string;
  type: string;
  name: string;
  enName: string;
  price: string;
  isHot: boolean;
  description: string;
  options: SeedOption[];
}

export interface SeedPromotion {
  imageUrl: string;
  description: string;
  sortOrder: number;
}

/** prisma/seed/catalogue.json as written. */
interface CatalogueFile {
  optionLabels: Record<OptionKind, string>;
  categories: SeedCategory[];
  products: (Omit<SeedProduct, "type" | "options"> & {
    category: string;
    options: Partial<Record<OptionKind, (string | { value: string; priceDelta: string })[]>>;
  })[];
  promotions: SeedPromotion[];
}

const CATALOGUE_FILE = new URL("../../prisma/seed/catalogue.json", import.meta.url);

function readCatalogue(): {
  categories: SeedCategory[];
  products: SeedProduct[];
  promotions: SeedPromotion[];
} {
  const file = JSON.parse(readFileSync(CATALOGUE_FILE, "utf8")) as CatalogueFile;
  const products = file.products.map(({ category, options, ...product }) => ({
    ...product,
    type: category,
    options: (
      Object.entries(options) as [OptionKind, (string | { value: string; priceDelta: string })[]][]
    ).map(([kind, choices]) => ({
      kind,
      label: file.optionLabels[kind],
      choices: choices.map((choice) => (typeof choice === "string" ? { value: choice } : choice)),
    })),
  }));
  return { categories: file.categories, products, promotions: file.promotions };
}

const catalogue = readCatalogue();
export const seedCategories: readonly SeedCategory[] = catalogue.categories;
export const seedProducts: readonly SeedProduct[] = catalogue.products;
export const seedPromotions: readonly SeedPromotion[] = catalogue.promotions;

export const productImage = (pid: string, size: "small" | "large") =>
  `static/images/products/${pid}-${size}.png`;
