/**
 * The `id` (global) and `databaseId` of every type that implements Node: one small resolver per type, each
 * computing the id from the row its other resolvers already get, so no type needs a query to know its id.
 */
import { FieldResolver, ID, Int, Resolver, Root } from "type-graphql";
import type { UserRow } from "../../accounts/accounts.service.js";
import type {
  CategoryRow,
  OptionGroup,
  ProductRow,
  ProductOptionRow,
  PromotionRow,
} from "../../catalog/catalog.service.js";
import type { CartLine } from "../../orders/cart.service.js";
import type { OrderView } from "../../orders/orders.service.js";
import { User } from "../accounts/user.type.js";
import { Category } from "../catalog/category.type.js";
import { OptionChoice, ProductOption } from "../catalog/product-option.type.js";
import { Product } from "../catalog/product.type.js";
import { Promotion } from "../catalog/promotion.type.js";
import { CartItem } from "../orders/cart-item.type.js";
import { Cart } from "../orders/cart.type.js";
import { OrderItem } from "../orders/order-item.type.js";
import { Order } from "../orders/order.type.js";
import { type CartView, type OrderItemView, orderItems } from "./views.js";
import { globalId } from "./global-id.js";

@Resolver(() => Category)
export class CategoryIdResolver {
  @FieldResolver(() => ID)
  id(@Root() category: CategoryRow): string {
    return globalId("Category", category.id);
  }

  @FieldResolver(() => Int)
  databaseId(@Root() category: CategoryRow): number {
    return category.id;
  }
}

@Resolver(() => Product)
export class ProductIdResolver {
  @FieldResolver(() => ID)
  id(@Root() product: ProductRow): string {
    return globalId("Product", product.id);
  }

  @FieldResolver(() => Int)
  databaseId(@Root() product: ProductRow): number {
    return product.id;
  }
}

@Resolver(() => ProductOption)
export class ProductOptionIdResolver {
  @FieldResolver(() => ID)
  id(@Root() option: OptionGroup): string {
    return globalId("ProductOption", `${option.choices[0].productId}:${option.kind}`);
  }
}

@Resolver(() => OptionChoice)
export class OptionChoiceIdResolver {
  @FieldResolver(() => ID)
  id(@Root() choice: ProductOptionRow): string {
    return globalId("OptionChoice", `${choice.productId}:${choice.id}`);
  }
}

@Resolver(() => Promotion)
export class PromotionIdResolver {
  @FieldResolver(() => ID)
  id(@Root() promotion: PromotionRow): string {
    return globalId("Promotion", promotion.id);
  }

  @FieldResolver(() => Int)
  databaseId(@Root() promotion: PromotionRow): number {
    return promotion.id;
  }
}

@Resolver(() => User)
export class UserIdResolver {
  @FieldResolver(() => ID)
  id(@Root() user: UserRow): string {
    return globalId("User", user.id);
  }

  @FieldResolver(() => Int)
  databaseId(@Root() user: UserRow): number {
    return user.id;
  }
}

@Resolver(() => Cart)
export class CartIdResolver {
  @FieldResolver(() => ID)
  id(@Root() cart: CartView): string {
    return globalId("Cart", cart.ownerId);
  }
}

@Resolver(() => CartItem)
export class CartItemIdResolver {
  @FieldResolver(() => ID)
  id(@Root() item: CartLine): string {
    return globalId("CartItem", item.id);
  }

  @FieldResolver(() => Int)
  databaseId(@Root() item: CartLine): number {
    return item.id;
  }
}

@Resolver(() => Order)
export class OrderIdResolver {
  @FieldResolver(() => ID)
  id(@Root() order: OrderView): string {
    return globalId("Order", order.orderNo);
  }

  /** Each item learns its order and position, which make its id. */
  @FieldResolver(() => [OrderItem])
  items(@Root() order: OrderView): OrderItemView[] {
    return orderItems(order);
  }
}

@Resolver(() => OrderItem)
export class OrderItemIdResolver {
  @FieldResolver(() => ID)
  id(@Root() item: OrderItemView): string {
    return globalId("OrderItem", `${item.orderNo}:${item.position}`);
  }
}

export const IDENTITY_RESOLVERS = [
  CategoryIdResolver,
  ProductIdResolver,
  ProductOptionIdResolver,
  OptionChoiceIdResolver,
  PromotionIdResolver,
  UserIdResolver,
  CartIdResolver,
  CartItemIdResolver,
  OrderIdResolver,
  OrderItemIdResolver,
] as const;
