import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { databaseIdOf } from "../node/global-id.js";
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
  @Mutation(() => Category, {
    description:
      "Creates a category. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; BAD_USER_INPUT (extensions.field), CONFLICT when the type exists.",
  })
  async createCategory(
    @Arg("input", { description: "The new category." }) input: CreateCategoryInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.createCategory(input);
  }

  @Mutation(() => Category, {
    description:
      "Changes a category. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND, BAD_USER_INPUT (extensions.field), CONFLICT when the type exists.",
  })
  async updateCategory(
    @Arg("id", () => ID, {
      description: "The category's id (Category.id); its plain databaseId is still accepted.",
    })
    id: string,
    @Arg("input", { description: "The fields to change." }) input: UpdateCategoryInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.updateCategory(databaseIdOf(id, "Category", "id"), input);
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes a category; true when done. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND; CONFLICT while the category has products.",
  })
  async deleteCategory(
    @Arg("id", () => ID, {
      description: "The category's id (Category.id); its plain databaseId is still accepted.",
    })
    id: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.deleteCategory(databaseIdOf(id, "Category", "id"));
  }

  @Mutation(() => Product, {
    description:
      "Creates a product. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; BAD_USER_INPUT (extensions.field), CONFLICT when the pid exists.",
  })
  async createProduct(
    @Arg("input", { description: "The new product." }) input: CreateProductInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.createProduct(input);
  }

  @Mutation(() => Product, {
    description:
      "Changes a product. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND, BAD_USER_INPUT (extensions.field), CONFLICT when the new pid exists.",
  })
  async updateProduct(
    @Arg("pid", { description: "The product's current pid." }) pid: string,
    @Arg("input", { description: "The fields to change." }) input: UpdateProductInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.updateProduct(pid, input);
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes a product; true when done. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND; CONFLICT while it is in use.",
  })
  async deleteProduct(
    @Arg("pid", { description: "The product's pid." }) pid: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.deleteProduct(pid);
  }

  @Mutation(() => Product, {
    description:
      "Replaces the product's option of this kind with the given choices. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND, BAD_USER_INPUT (extensions.field).",
  })
  async setProductOption(
    @Arg("input", { description: "The product, the kind and its choices." }) input: SetProductOptionInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.setProductOption(input.pid, input.kind, input.label, input.choices);
  }

  @Mutation(() => Product, {
    description:
      "Removes the product's option of this kind. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND when the product or the option does not exist.",
  })
  async removeProductOption(
    @Arg("pid", { description: "The product's pid." }) pid: string,
    @Arg("kind", () => OptionKind, { description: "The kind of option to remove." }) kind: OptionKind,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.removeProductOption(pid, kind);
  }

  @Mutation(() => Promotion, {
    description:
      "Creates a promotion banner. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; BAD_USER_INPUT (extensions.field).",
  })
  async createPromotion(
    @Arg("input", { description: "The new promotion." }) input: CreatePromotionInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.createPromotion(input);
  }

  @Mutation(() => Promotion, {
    description:
      "Changes a promotion. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND, BAD_USER_INPUT (extensions.field).",
  })
  async updatePromotion(
    @Arg("id", () => ID, {
      description: "The promotion's id (Promotion.id); its plain databaseId is still accepted.",
    })
    id: string,
    @Arg("input", { description: "The fields to change." }) input: UpdatePromotionInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.updatePromotion(databaseIdOf(id, "Promotion", "id"), input);
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes a promotion; true when done. Admin only: UNAUTHENTICATED when anonymous, FORBIDDEN for customers; NOT_FOUND.",
  })
  async deletePromotion(
    @Arg("id", () => ID, {
      description: "The promotion's id (Promotion.id); its plain databaseId is still accepted.",
    })
    id: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.catalogAdmin.deletePromotion(databaseIdOf(id, "Promotion", "id"));
  }
}
