import { Arg, Ctx, Int, Mutation, Resolver } from "type-graphql";
import { OptionKind } from "../../generated/prisma/enums.js";
import type { GraphQLContext } from "../context.js";
import {
  CreateCategoryInput,
  CreatePromotionInput,
  CreateProductInput,
  SetProductOptionInput,
  UpdateCategoryInput,
  UpdateProductInput,
  UpdatePromotionInput,
} from "./admin.inputs.js";
import { Category } from "./category.type.js";
import { Product } from "./product.type.js";
import { Promotion } from "./promotion.type.js";

/** Catalogue writes: admins only (UNAUTHENTICATED when anonymous, FORBIDDEN for customers). */
@Resolver()
export class AdminCatalogResolver {
  @Mutation(() => Category)
  async createCategory(@Arg("input") input: CreateCategoryInput, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.createCategory(input);
  }

  @Mutation(() => Category)
  async updateCategory(
    @Arg("id", () => Int) id: number,
    @Arg("input") input: UpdateCategoryInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.updateCategory(id, input);
  }

  @Mutation(() => Boolean, { description: "Refused (CONFLICT) while the category has products." })
  async deleteCategory(@Arg("id", () => Int) id: number, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.deleteCategory(id);
  }

  @Mutation(() => Product)
  async createProduct(@Arg("input") input: CreateProductInput, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.createProduct(input);
  }

  @Mutation(() => Product)
  async updateProduct(
    @Arg("pid") pid: string,
    @Arg("input") input: UpdateProductInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.updateProduct(pid, input);
  }

  @Mutation(() => Boolean)
  async deleteProduct(@Arg("pid") pid: string, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.deleteProduct(pid);
  }

  @Mutation(() => Product, {
    description: "Replaces the product's option of this kind with the given choices.",
  })
  async setProductOption(@Arg("input") input: SetProductOptionInput, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.setProductOption(input.pid, input.kind, input.label, input.choices);
  }

  @Mutation(() => Product)
  async removeProductOption(
    @Arg("pid") pid: string,
    @Arg("kind", () => OptionKind) kind: OptionKind,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.removeProductOption(pid, kind);
  }

  @Mutation(() => Promotion)
  async createPromotion(@Arg("input") input: CreatePromotionInput, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.createPromotion(input);
  }

  @Mutation(() => Promotion)
  async updatePromotion(
    @Arg("id", () => Int) id: number,
    @Arg("input") input: UpdatePromotionInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.updatePromotion(id, input);
  }

  @Mutation(() => Boolean)
  async deletePromotion(@Arg("id", () => Int) id: number, @Ctx() ctx: GraphQLContext) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.deletePromotion(id);
  }
}
