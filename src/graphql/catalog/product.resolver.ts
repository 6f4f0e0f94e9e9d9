import { URLResolver } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import {
  type CategoryRow,
  groupOptions,
  type OptionGroup,
  type ProductRow,
} from "../../catalog/catalog.service.js";
import type { GraphQLContext } from "../context.js";
import { decodeCursor, toConnection } from "../cursor.js";
import { Category } from "./category.type.js";
import { ProductConnection } from "./product-connection.type.js";
import { ProductFilterInput } from "./product.inputs.js";
import { ProductOption } from "./product-option.type.js";
import { Product } from "./product.type.js";

@Resolver(() => Product)
export class ProductResolver {
  @Query(() => ProductConnection, {
    description:
      "Products page by page, ordered by id. Errors: BAD_USER_INPUT (extensions.field first, after or filter.search).",
  })
  async products(
    @Ctx() ctx: GraphQLContext,
    @Arg("filter", () => ProductFilterInput, {
      nullable: true,
      description: "Conditions; omitted: every product.",
    })
    filter?: ProductFilterInput,
    @Arg("first", () => Int, { nullable: true, defaultValue: 20, description: "Page size, 1-100." })
    first?: number | null,
    @Arg("after", () => String, {
      nullable: true,
      description: "pageInfo.endCursor of the previous page (opaque); omitted: the first page.",
    })
    after?: string | null,
  ) {
    const afterId = after ? decodeCursor("product", after) : undefined;
    const page = await ctx.services.catalog.productsPage(filter ?? {}, first ?? 20, afterId);
    return {
      ...toConnection("product", page.items, { hasNextPage: page.hasNextPage, after }),
      totalCount: page.totalCount,
    };
  }

  @Query(() => Product, { nullable: true, description: "One product by pid; null when there is none." })
  async product(
    @Arg("pid", { description: 'Product pid, e.g. "latte001".' }) pid: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProductRow | null> {
    return ctx.services.catalog.viewProduct(pid);
  }

  @FieldResolver(() => URLResolver, { description: "Absolute URL of the thumbnail image." })
  smallImage(@Root() product: ProductRow, @Ctx() ctx: GraphQLContext): string {
    return ctx.services.catalog.assetUrl(product.smallImage);
  }

  @FieldResolver(() => URLResolver, { description: "Absolute URL of the full-size image." })
  largeImage(@Root() product: ProductRow, @Ctx() ctx: GraphQLContext): string {
    return ctx.services.catalog.assetUrl(product.largeImage);
  }

  @FieldResolver(() => Category, { description: "The category the product is listed in." })
  async category(@Root() product: ProductRow, @Ctx() ctx: GraphQLContext): Promise<CategoryRow> {
    return (await ctx.loaders.categoryById.load(product.categoryId))!;
  }

  @FieldResolver(() => [ProductOption], { description: "Options by kind: temperature, sugar, milk, cream." })
  async options(@Root() product: ProductRow, @Ctx() ctx: GraphQLContext): Promise<OptionGroup[]> {
    return groupOptions(await ctx.loaders.optionsByProductId.load(product.id));
  }
}
