import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { SignedIn, UserRow } from "../../accounts/accounts.service.js";
import type { PlacedOrder } from "../../orders/orders.service.js";
import { NotFoundError } from "../../errors.js";
import { OrderStatus } from "../../generated/prisma/enums.js";
import { User } from "../accounts/user.type.js";
import { CurrentSession, CurrentUser, Role } from "../authorization.js";
import type { GraphQLContext } from "../context.js";
import { decodeCursor, toConnection } from "../cursor.js";
import { databaseIdOf } from "../node/global-id.js";
import { type CartView, cartView } from "../node/views.js";
import { Cart } from "./cart.type.js";
import { OrderConnection } from "./order-connection.type.js";
import { AddToCartInput, PlaceOrderInput, UpdateCartItemInput } from "./order.inputs.js";
import { Order } from "./order.type.js";
import { PlaceOrderPayload } from "./place-order-payload.type.js";

/** placeOrder's answer, with the user whose cart it emptied. */
type PlacedPayload = PlacedOrder & { userId: number };

/** Carts and orders: signed-in users only, each on their own data. Order data never enters a shared cache. */
@Resolver(() => User)
export class OrderResolver {
  @Authorized()
  @FieldResolver(() => Cart, { description: "Your cart (only on your own user)." })
  async cart(
    @Root() user: UserRow,
    @CurrentSession() { user: viewer, snapshot }: SignedIn,
    @Ctx() ctx: GraphQLContext,
  ) {
    if (viewer.id !== user.id) throw new NotFoundError("no cart here");
    return cartView(viewer.id, await ctx.services.carts.cart(viewer.id, snapshot));
  }

  @Authorized()
  @Mutation(() => Cart, {
    description:
      "Adds a product with options; the same choices add up in one item. Errors: UNAUTHENTICATED, BAD_USER_INPUT (extensions.field), e.g. a full cart (30 items).",
  })
  async addToCart(
    @Arg("input", { description: "The product, quantity and options." }) input: AddToCartInput,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    return cartView(viewer.id, await ctx.services.carts.add(viewer.id, input));
  }

  @Authorized()
  @Mutation(() => Cart, {
    description:
      "Changes an item's quantity or options, merging it into an equal item. Errors: UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT.",
  })
  async updateCartItem(
    @Arg("input", { description: "The item and its changes." }) input: UpdateCartItemInput,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    const itemId = databaseIdOf(input.itemId, "CartItem", "itemId");
    return cartView(viewer.id, await ctx.services.carts.update(viewer.id, itemId, input));
  }

  @Authorized()
  @Mutation(() => Cart, {
    description: "Removes one item from your cart. Errors: UNAUTHENTICATED, NOT_FOUND.",
  })
  async removeCartItem(
    @Arg("itemId", () => ID, {
      description:
        "CartItem.id of the item to remove; its plain databaseId is still accepted. Another type's id is BAD_USER_INPUT.",
    })
    itemId: string,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    const item = databaseIdOf(itemId, "CartItem", "itemId");
    return cartView(viewer.id, await ctx.services.carts.remove(viewer.id, item));
  }

  @Authorized()
  @Mutation(() => Cart, { description: "Empties your cart. Errors: UNAUTHENTICATED." })
  async clearCart(@CurrentUser() viewer: UserRow, @Ctx() ctx: GraphQLContext) {
    return cartView(viewer.id, await ctx.services.carts.clear(viewer.id));
  }

  @Authorized()
  @Mutation(() => PlaceOrderPayload, {
    description:
      "Places an order from the whole cart, priced now, and empties the cart; idempotent per key (the same key with the same request replays the order; with a different one: IDEMPOTENCY_KEY_REUSED). Errors: UNAUTHENTICATED, BAD_USER_INPUT (empty cart: field cart; unavailable item or a price out of bounds: cart.items.<i>).",
  })
  async placeOrder(
    @Arg("input", { description: "Idempotency key and note." }) input: PlaceOrderInput,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    const placed: PlacedPayload = {
      ...(await ctx.services.orders.place(viewer.id, input)),
      userId: viewer.id,
    };
    return placed;
  }

  @Authorized()
  @Query(() => OrderConnection, {
    description:
      "Your orders, newest first. Errors: UNAUTHENTICATED, BAD_USER_INPUT (extensions.field first or after).",
  })
  async myOrders(
    @CurrentSession() { user: viewer, snapshot }: SignedIn,
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true, defaultValue: 10, description: "Page size, 1-50." })
    first?: number | null,
    @Arg("after", () => String, {
      nullable: true,
      description: "pageInfo.endCursor of the previous page (opaque); omitted: the first page.",
    })
    after?: string | null,
  ) {
    const afterId = after ? decodeCursor("order", after) : undefined;
    const page = await ctx.services.orders.mine(viewer.id, first ?? 10, afterId, snapshot);
    return {
      ...toConnection("order", page.items, { hasNextPage: page.hasNextPage, after }),
      totalCount: page.totalCount,
    };
  }

  @Authorized()
  @Query(() => Order, {
    nullable: true,
    description:
      "One of your orders (any order for an admin); null when there is no such order of yours. Errors: UNAUTHENTICATED.",
  })
  async order(
    @Arg("orderNo", { description: 'Order number, e.g. "C261126-7KQ3XZ".' }) orderNo: string,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.orders.find(orderNo, viewer.id, viewer.role === "ADMIN");
  }

  @Authorized()
  @Mutation(() => Order, {
    description:
      "Cancels your order while it is still PLACED. Errors: UNAUTHENTICATED, NOT_FOUND, CONFLICT once it is past PLACED.",
  })
  async cancelOrder(
    @Arg("orderNo", { description: "Number of the order to cancel." }) orderNo: string,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.orders.cancel(orderNo, viewer.id);
  }

  @Authorized(Role.Admin)
  @Mutation(() => Order, {
    description:
      "Admin: moves an order along PLACED -> PREPARING -> READY -> COMPLETED, or CANCELLED. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT for any other transition.",
  })
  async advanceOrder(
    @Arg("orderNo", { description: "Number of the order to move." }) orderNo: string,
    @Arg("status", () => OrderStatus, { description: "The status to move it to." }) status: OrderStatus,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.orders.advance(orderNo, status);
  }
}

@Resolver(() => PlaceOrderPayload)
export class PlaceOrderPayloadResolver {
  /** Read after the commit, only when asked for: the cart checkout emptied. */
  @FieldResolver(() => Cart)
  async cart(@Root() placed: PlacedPayload, @Ctx() ctx: GraphQLContext): Promise<CartView> {
    return cartView(placed.userId, await ctx.services.carts.cart(placed.userId));
  }
}
