import { Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { PromotionRow } from "../../catalog/catalog.service.js";
import type { GraphQLContext } from "../context.js";
import { Promotion } from "./promotion.type.js";
import { URLResolver } from "graphql-scalars";

@Resolver(() => Promotion)
export class PromotionResolver {
  @Query(() => [Promotion], {
    description: "Promotions active now (within their startsAt/endsAt window), in display order.",
  })
  promotions(@Ctx() ctx: GraphQLContext): Promise<PromotionRow[]> {
    return ctx.services.catalog.promotions();
  }

  @FieldResolver(() => URLResolver, { description: "Absolute URL of the banner image." })
  imageUrl(@Root() promotion: PromotionRow, @Ctx() ctx: GraphQLContext): string {
    return ctx.services.catalog.assetUrl(promotion.imageUrl);
  }
}
