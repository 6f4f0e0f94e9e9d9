import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { groupOptions } from "../../catalog/catalog.service.js";
import { InvalidInputError } from "../../errors.js";
import type { GraphQLContext } from "../context.js";
import { type DecodedId, decodeGlobalId, MAX_NODES, type NodeType } from "./global-id.js";
import { Node, type NodeValue } from "./node.type.js";
import { cartView, orderItems } from "./views.js";

function tagged(type: NodeType, row: object | null | undefined): NodeValue | null {
  return row ? { ...row, __node: type } : null;
}

/**
 * The object a global id names, or null when there is none or the caller may not see it. The visibility
 * rules are the ones of the object's own fields: a cart and its items are their owner's only (as User.cart),
 * an order and its items their owner's or an admin's (as Query.order), a user themselves only (as me);
 * promotions only while active (as Query.promotions); the catalogue is everyone's.
 */
async function load(ctx: GraphQLContext, { type, key }: DecodedId): Promise<NodeValue | null> {
  const [first, second] = key.split(":");
  switch (type) {
    case "Category":
      return tagged(type, await ctx.loaders.categoryById.load(Number(key)));
    case "Product":
      return tagged(type, await ctx.loaders.productById.load(Number(key)));
    case "ProductOption":
    case "OptionChoice": {
      // The product first: options are cached per product, and only existing products may create entries.
      const product = await ctx.loaders.productById.load(Number(first));
      if (!product) return null;
      const rows = await ctx.loaders.optionsByProductId.load(product.id);
      const found =
        type === "OptionChoice"
          ? rows.find((r) => r.id === Number(second))
          : groupOptions(rows).find((g) => g.kind === second);
      return tagged(type, found);
    }
    case "Promotion": {
      const active = await ctx.services.catalog.promotions();
      return tagged(
        type,
        active.find((p) => p.id === Number(key)),
      );
    }
    default:
      return loadOwn(ctx, type, first, second);
  }
}

/** The caller's own data (an admin: any order); null when anonymous. */
async function loadOwn(
  ctx: GraphQLContext,
  type: NodeType,
  first: string,
  second: string | undefined,
): Promise<NodeValue | null> {
  const session = await ctx.session();
  if (!session) return null;
  const { user, snapshot } = session;
  switch (type) {
    case "User":
      return Number(first) === user.id ? tagged(type, user) : null;
    case "Cart":
      return Number(first) === user.id
        ? tagged(type, cartView(user.id, await ctx.services.carts.cart(user.id, snapshot)))
        : null;
    case "CartItem": {
      const { items } = await ctx.services.carts.cart(user.id, snapshot);
      return tagged(
        type,
        items.find((item) => item.id === Number(first)),
      );
    }
    case "Order":
    case "OrderItem": {
      const order = await ctx.services.orders.find(first, user.id, user.role === "ADMIN");
      if (!order) return null;
      return type === "Order" ? tagged(type, order) : tagged(type, orderItems(order)[Number(second) - 1]);
    }
    default:
      return null;
  }
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description:
      "The object with this global id (any type's `id` field), e.g. to refresh one object of a client cache. Null when there is no such object or it is not yours (carts, orders, users; an admin sees every order). Errors: BAD_USER_INPUT (extensions.field id) for a string that is not an id of this API.",
  })
  async node(
    @Arg("id", () => ID, { description: "A global id, as read from an object's id field." }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<NodeValue | null> {
    return load(ctx, decodeGlobalId(id, "id"));
  }

  @Query(() => [Node], {
    nullable: "items",
    description: `The objects with these global ids, in the same order, null in place of each one that does not exist or is not yours (as node). Errors: BAD_USER_INPUT for more than ${MAX_NODES} ids (extensions.field ids) or a string that is not an id (extensions.field ids.<index>).`,
  })
  async nodes(
    @Arg("ids", () => [ID], {
      description: `At most ${MAX_NODES} global ids, as read from objects' id fields.`,
    })
    ids: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<(NodeValue | null)[]> {
    if (ids.length > MAX_NODES) {
      throw new InvalidInputError("ids", `nodes takes at most ${MAX_NODES} ids`);
    }
    const decoded = ids.map((id, i) => decodeGlobalId(id, `ids.${i}`));
    return Promise.all(decoded.map((d) => load(ctx, d)));
  }
}
