import { Field, InputType, Int } from "type-graphql";
import { OptionKind } from "../../generated/prisma/enums.js";
import type { Prisma } from "../../generated/prisma/client.js";
import { DecimalScalar } from "../scalars.js";

@InputType()
export class CreateCategoryInput {
  @Field({ description: "Slug: 1-32 of a-z, 0-9, _." })
  type!: string;

  @Field()
  name!: string;

  @Field(() => Int, { nullable: true })
  sortOrder?: number;
}

@InputType({ description: "Fields to change; omitted fields stay." })
export class UpdateCategoryInput {
  @Field({ nullable: true })
  type?: string;

  @Field({ nullable: true })
  name?: string;

  @Field(() => Int, { nullable: true })
  sortOrder?: number;
}

@InputType({ description: "Fields to change; omitted fields stay." })
export class UpdateProductInput {
  @Field({ nullable: true, description: "Slug: 1-32 of a-z, 0-9, _." })
  pid?: string;

  @Field({ nullable: true })
  categoryType?: string;

  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  enName?: string;

  @Field(() => DecimalScalar, { nullable: true })
  price?: Prisma.Decimal;

  @Field({ nullable: true })
  description?: string;

  @Field({ nullable: true, description: "http(s) URL or a path under static/images/." })
  smallImage?: string;

  @Field({ nullable: true })
  largeImage?: string;

  @Field({ nullable: true })
  isHot?: boolean;

  @Field({ nullable: true })
  isAvailable?: boolean;
}

/** A new product: the fields of an update, with pid, category, name and price required. */
@InputType()
export class CreateProductInput extends UpdateProductInput {
  @Field({ description: "Slug: 1-32 of a-z, 0-9, _." })
  declare pid: string;

  @Field()
  declare categoryType: string;

  @Field()
  declare name: string;

  @Field(() => DecimalScalar)
  declare price: Prisma.Decimal;
}

@InputType()
export class OptionChoiceInput {
  @Field()
  value!: string;

  @Field(() => DecimalScalar, { nullable: true, description: "Added to the price; default 0.00." })
  priceDelta?: Prisma.Decimal;

  @Field({ nullable: true, description: "At most one; without one the first choice is the default." })
  isDefault?: boolean;
}

@InputType()
export class SetProductOptionInput {
  @Field()
  pid!: string;

  @Field(() => OptionKind)
  kind!: OptionKind;

  @Field({ description: 'Display label, e.g. "温度".' })
  label!: string;

  @Field(() => [OptionChoiceInput], { description: "1-10 choices in display order." })
  choices!: OptionChoiceInput[];
}

@InputType()
export class CreatePromotionInput {
  @Field({ description: "http(s) URL or a path under static/images/." })
  imageUrl!: string;

  @Field()
  description!: string;

  @Field(() => Int, { nullable: true })
  sortOrder?: number;

  @Field(() => Date, { nullable: true })
  startsAt?: Date;

  @Field(() => Date, { nullable: true })
  endsAt?: Date;
}

@InputType({ description: "Fields to change; omitted fields stay, null clears startsAt/endsAt." })
export class UpdatePromotionInput {
  @Field({ nullable: true })
  imageUrl?: string;

  @Field({ nullable: true })
  description?: string;

  @Field(() => Int, { nullable: true })
  sortOrder?: number;

  @Field(() => Date, { nullable: true })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true })
  endsAt?: Date | null;
}
