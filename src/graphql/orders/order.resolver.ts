import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { User as UserRow } from "../../accounts/accounts.service.js";
import { NotFoundError } from "../../errors.js";
import { OrderStatus } from "../../generated/prisma/enums.js";
import { User } from "../accounts/user.type.js";
import type { GraphQLContext } from "../context.js";
import { decodeCursor, toConnection } from "../cursor.js";
import {
  AddToCartInput,
  Cart,
  Order,
  OrderConnection,
  PlaceOrderInput,
  PlaceOrderPayload,
  UpdateCartItemInput,
} from "./order.types.js";

/** Carts and orders: signed-in users only, each on their own data. Order data never enters a shared cache. */
@Resolver(() => User)
export class OrderResolver {
  @FieldResolver(() => Cart, { description: "Your cart (only on your own user)." })
  async cart(@Root() user: UserRow, @Ctx() ctx: GraphQLContext) {
    const { user: viewer, snapshot } = await ctx.requireSession();
    if (viewer.id !== user.id) throw new NotFoundError("no cart here");
    return ctx.services.carts.cart(viewer.id, snapshot);
  }

  @Mutation(() => Cart, { description: "Adds a product with options; the same choices add up in one item." })
  async addToCart(@Arg("input") input: AddToCartInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.carts.add((await ctx.requireViewer()).id, input);
  }

  @Mutation(() => Cart)
  async updateCartItem(@Arg("input") input: UpdateCartItemInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.carts.update((await ctx.requireViewer()).id, input.itemId, input);
  }

  @Mutation(() => Cart)
  async removeCartItem(@Arg("itemId", () => Int) itemId: number, @Ctx() ctx: GraphQLContext) {
    return ctx.services.carts.remove((await ctx.requireViewer()).id, itemId);
  }

  @Mutation(() => Cart)
  async clearCart(@Ctx() ctx: GraphQLContext) {
    return ctx.services.carts.clear((await ctx.requireViewer()).id);
  }

  @Mutation(() => PlaceOrderPayload, {
    description: "Places an order from the cart, priced now; idempotent per key (see PlaceOrderInput).",
  })
  async placeOrder(@Arg("input") input: PlaceOrderInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.orders.place((await ctx.requireViewer()).id, input);
  }

  @Query(() => OrderConnection, { description: "Your orders, newest first (first: 1-50, default 10)." })
  async myOrders(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true, defaultValue: 10 }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ) {
    const { user: viewer, snapshot } = await ctx.requireSession();
    const afterId = after ? decodeCursor("order", after) : undefined;
    const page = await ctx.services.orders.mine(viewer.id, first ?? 10, afterId, snapshot);
    return {
      ...toConnection("order", page.items, { hasNextPage: page.hasNextPage, after }),
      totalCount: page.totalCount,
    };
  }

  @Query(() => Order, {
    nullable: true,
    description: "One of your orders (any order for an admin); null otherwise.",
  })
  async order(@Arg("orderNo") orderNo: string, @Ctx() ctx: GraphQLContext) {
    const viewer = await ctx.requireViewer();
    return ctx.services.orders.find(orderNo, viewer.id, viewer.role === "ADMIN");
  }

  @Mutation(() => Order, { description: "Cancels your order while it is still PLACED." })
  async cancelOrder(@Arg("orderNo") orderNo: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.orders.cancel(orderNo, (await ctx.requireViewer()).id);
  }

  @Mutation(() => Order, {
    description: "Admin: moves an order along PLACED -> PREPARING -> READY -> COMPLETED, or CANCELLED.",
  })
  async advanceOrder(
    @Arg("orderNo") orderNo: string,
    @Arg("status", () => OrderStatus) status: OrderStatus,
    @Ctx() ctx: GraphQLContext,
  ) {
    await ctx.requireAdmin();
    return ctx.services.orders.advance(orderNo, status);
  }
}
