import { Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "A menu category such as latte or fruit tea." })
export class Category {
  @Field(() => Int, { description: "Numeric category id, as in updateCategory(id)." })
  id!: number;

  @Field({ description: 'URL slug, e.g. "latte"; matched case-insensitively.' })
  type!: string;

  @Field({ description: 'Display name, e.g. "拿铁".' })
  name!: string;
}
