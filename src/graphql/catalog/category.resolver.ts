import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { CategoryRow, ProductRow } from "../../catalog/catalog.service.js";
import type { GraphQLContext } from "../context.js";
import { Category } from "./category.type.js";
import { Product } from "./product.type.js";

@Resolver(() => Category)
export class CategoryResolver {
  @Query(() => [Category], { description: "Every category, in menu order." })
  categories(@Ctx() ctx: GraphQLContext): Promise<CategoryRow[]> {
    return ctx.services.catalog.categories();
  }

  @Query(() => Category, {
    nullable: true,
    description: "One category by its type (case-insensitive); null when there is none.",
  })
  category(
    @Arg("type", { description: 'Category slug, e.g. "latte".' }) type: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CategoryRow | null> {
    return ctx.services.catalog.categoryByType(type);
  }

  @FieldResolver(() => [Product], { description: "The category's products, by id." })
  products(@Root() category: CategoryRow, @Ctx() ctx: GraphQLContext): Promise<ProductRow[]> {
    return ctx.loaders.productsByCategoryId.load(category.id);
  }
}
