import { describe, expect, it } from "vitest";
import { Tags } from "../../src/catalog/catalog.tags.js";
import {
  isCatalogueTable,
  isUserTable,
  tagsForRowChange,
  tagsForTableChange,
  usersOfRowChange,
} from "../../src/cdc/change-tags.js";

describe("change tags (what a binlog row change invalidates)", () => {
  it("knows the catalogue and per-user tables, nothing else", () => {
    expect(["categories", "products", "product_options", "promotions"].every(isCatalogueTable)).toBe(true);
    expect(isCatalogueTable("users")).toBe(false);
    expect(["users", "cart_items", "orders"].every(isUserTable)).toBe(true);
    expect(isUserTable("order_items")).toBe(false);
    expect(isUserTable("toString")).toBe(false);
  });

  it("a product moved to another category leaves both categories' listings", () => {
    const tags = tagsForRowChange("products", [
      { id: 7, category_id: 1 },
      { id: 7, category_id: 2 },
    ]);
    expect(new Set(tags)).toEqual(
      new Set([Tags.product(7), Tags.products, Tags.category(1), Tags.category(2)]),
    );
  });

  it("categories, options and promotions map to the API's own tags", () => {
    expect(new Set(tagsForRowChange("categories", [{ id: 3 }]))).toEqual(
      new Set([Tags.categories, Tags.category(3), Tags.products]),
    );
    expect(tagsForRowChange("product_options", [{ product_id: 9 }])).toEqual([Tags.product(9)]);
    expect(tagsForRowChange("promotions", [{}])).toEqual([Tags.promotions]);
  });

  it("an image without a column the tags need gives no tags (the caller invalidates the whole table)", () => {
    expect(tagsForRowChange("products", [{ id: 7 }])).toBeUndefined();
    expect(tagsForRowChange("categories", [{ name: "x" }])).toBeUndefined();
    expect(tagsForRowChange("product_options", [{ product_id: "9" }])).toBeUndefined();
  });

  it("a table-wide change names the broad tags and the id families by their prefix", () => {
    expect(tagsForTableChange("products")).toEqual({
      tags: [Tags.products],
      idTagPrefixes: ["product:", "category:"],
    });
    expect(tagsForTableChange("categories")).toEqual({
      tags: [Tags.categories, Tags.products],
      idTagPrefixes: ["category:"],
    });
    expect(tagsForTableChange("product_options")).toEqual({ tags: [], idTagPrefixes: ["product:"] });
    expect(tagsForTableChange("promotions")).toEqual({ tags: [Tags.promotions], idTagPrefixes: [] });
  });

  it("a per-user row names its user in every image", () => {
    expect(usersOfRowChange("cart_items", [{ user_id: 4 }, { user_id: 5 }])).toEqual([4, 5]);
    expect(usersOfRowChange("users", [{ id: 4 }, { id: null }])).toEqual([4]);
  });
});
