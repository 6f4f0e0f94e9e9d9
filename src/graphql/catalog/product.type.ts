import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Prisma } from "../../generated/prisma/client.js";
import { Node } from "../node/node.type.js";
import { DecimalScalar } from "../scalars.js";

// simpleResolvers: plain fields are read straight off the row (graphql's default resolver), not through a
// type-graphql wrapper per field: the menu resolves ~400 of them, and the wrappers were half of what an
// uncached menu allocated. Such fields skip @Authorized and middleware, which a unit test keeps off them
// (tests/unit/graphql-schema.test.ts); field resolvers (@FieldResolver) are unaffected.
@ObjectType({ description: "A drink on the menu.", implements: Node, simpleResolvers: true })
export class Product {
  @Field(() => ID, {
    description: "Global id (opaque), stable even when the pid changes; arguments take the pid instead.",
  })
  id!: string;

  @Field(() => Int, { description: "The numeric database id, for clients that stored it before global ids." })
  databaseId!: number;

  @Field({ description: 'Stable product id, e.g. "latte001".' })
  pid!: string;

  @Field({ description: "Display name, up to 64 characters." })
  name!: string;

  @Field({ description: "English name, up to 128 characters; may be empty." })
  enName!: string;

  @Field(() => DecimalScalar, { description: "Base price before option deltas." })
  price!: Prisma.Decimal;

  @Field({ description: "Menu text, up to 2000 characters; may be empty." })
  description!: string;

  @Field({ description: "True for a hot drink." })
  isHot!: boolean;

  @Field({ description: "False while the product is off the menu: addToCart refuses it." })
  isAvailable!: boolean;
}
