import { describe, expect, it } from "vitest";
import { tablesNamedBy, transactionControl } from "../../src/cdc/statement-tables.js";

describe("catalogue tables named by a logged statement", () => {
  it("finds bare, qualified and backticked names of the followed database only", () => {
    expect(tablesNamedBy("TRUNCATE products", "shop", "shop")).toEqual(["products"]);
    expect(tablesNamedBy("TRUNCATE TABLE `shop`.`product_options`", "other", "shop")).toEqual([
      "product_options",
    ]);
    expect(tablesNamedBy("TRUNCATE products", "other", "shop")).toEqual([]);
    expect(tablesNamedBy("TRUNCATE other.products", "shop", "shop")).toEqual([]);
  });

  it("counts every catalogue table a statement mentions", () => {
    expect(new Set(tablesNamedBy("RENAME TABLE categories TO c2, promotions TO p2", "shop", "shop"))).toEqual(
      new Set(["categories", "promotions"]),
    );
  });

  it("dropping the followed database names every catalogue table; another database none", () => {
    expect(tablesNamedBy("DROP DATABASE IF EXISTS `shop`", "x", "shop")).toHaveLength(4);
    expect(tablesNamedBy("DROP SCHEMA other", "shop", "shop")).toEqual([]);
  });

  it("ignores statements that name no catalogue table", () => {
    expect(tablesNamedBy("ALTER TABLE users ADD COLUMN x INT", "shop", "shop")).toEqual([]);
  });
});

describe("transaction control statements", () => {
  it("tells BEGIN from COMMIT/ROLLBACK and from everything else", () => {
    expect(transactionControl(" begin ")).toBe("begin");
    expect(transactionControl("COMMIT")).toBe("end");
    expect(transactionControl("ROLLBACK")).toBe("end");
    expect(transactionControl("ROLLBACK TO sp1")).toBeUndefined();
    expect(transactionControl("TRUNCATE products")).toBeUndefined();
  });
});
