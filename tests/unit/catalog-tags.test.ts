import { describe, expect, it } from "vitest";
import {
  EveryRowChangeTags,
  ReadTags,
  Tags,
  tagsForCategoryChange,
  tagsForOptionChange,
  tagsForProductChange,
  tagsForPromotionChange,
} from "../../src/catalog/catalog.tags.js";

/** Every tag a change invalidates, listed per change, and whether a read carrying `tags` sees it. */
const seenBy = (read: string[], change: string[]) => read.some((tag) => change.includes(tag));

describe("catalogue tags (chosen once for reads, responses and changes)", () => {
  it("tags each read by the entities it was built from", () => {
    expect(ReadTags.categoryList()).toEqual([Tags.categories]);
    expect(ReadTags.categoryProducts([], 3)).toEqual([Tags.products, Tags.category(3)]);
    expect(ReadTags.productOptions([], 7)).toEqual([Tags.product(7)]);
    expect(ReadTags.productByPid({ id: 7 })).toEqual([Tags.product(7)]);
    expect(ReadTags.productByPid(null)).toEqual([Tags.products]);
    expect(ReadTags.promotionList()).toEqual([Tags.promotions]);
    expect(ReadTags.categoryListing(3)).toEqual([Tags.categories, Tags.products, Tags.category(3)]);
    expect(ReadTags.productPage(7)).toEqual([Tags.product(7), Tags.categories]);
    expect(ReadTags.category({ id: 3 })).toEqual([Tags.category(3)]);
    expect(ReadTags.product({ id: 7, categoryId: 3 })).toEqual([Tags.product(7), Tags.category(3)]);
  });

  it("a change reaches every read built from what it changed, and no other product's", () => {
    const product7 = tagsForProductChange(7, [3]);
    expect(seenBy(ReadTags.productPage(7), product7)).toBe(true);
    expect(seenBy(ReadTags.categoryProducts([], 3), product7)).toBe(true);
    expect(seenBy(ReadTags.productByPid(null), product7)).toBe(true);
    expect(seenBy(ReadTags.productOptions([], 8), product7)).toBe(false);

    expect(seenBy(ReadTags.productOptions([], 7), tagsForOptionChange(7))).toBe(true);
    expect(seenBy(ReadTags.productPage(8), tagsForOptionChange(7))).toBe(false);

    // A renamed category shows in every list and page that names it.
    for (const read of [ReadTags.categoryList(), ReadTags.categoryListing(3), ReadTags.productPage(7)]) {
      expect(seenBy(read, tagsForCategoryChange(3))).toBe(true);
    }
    expect(seenBy(ReadTags.promotionList(), tagsForPromotionChange())).toBe(true);
    expect(seenBy(ReadTags.categoryList(), tagsForPromotionChange())).toBe(false);
  });

  it("a change to every row of a table names its broad tags and its id families by prefix", () => {
    expect(EveryRowChangeTags.categories).toEqual({
      tags: [Tags.categories, Tags.products],
      idTagPrefixes: ["category:"],
    });
    expect(EveryRowChangeTags.products).toEqual({
      tags: [Tags.products],
      idTagPrefixes: ["product:", "category:"],
    });
    expect(EveryRowChangeTags.options).toEqual({ tags: [], idTagPrefixes: ["product:"] });
    expect(EveryRowChangeTags.promotions).toEqual({ tags: [Tags.promotions], idTagPrefixes: [] });
  });
});
