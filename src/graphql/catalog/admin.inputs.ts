import { Field, InputType, Int } from "type-graphql";
import { OptionKind } from "../../generated/prisma/enums.js";
import type { Prisma } from "../../generated/prisma/client.js";
import { DecimalScalar } from "../scalars.js";

@InputType({ description: "A new category." })
export class CreateCategoryInput {
  @Field({ description: "Slug: 1-32 of a-z, 0-9, _; unique (CONFLICT otherwise)." })
  type!: string;

  @Field({ description: "Display name, 1-64 characters." })
  name!: string;

  @Field(() => Int, {
    nullable: true,
    description: "Menu position, lower first; -1000000 to 1000000, default 0.",
  })
  sortOrder?: number;
}

@InputType({ description: "Fields to change; omitted fields stay." })
export class UpdateCategoryInput {
  @Field({ nullable: true, description: "Slug: 1-32 of a-z, 0-9, _; unique (CONFLICT otherwise)." })
  type?: string;

  @Field({ nullable: true, description: "Display name, 1-64 characters." })
  name?: string;

  @Field(() => Int, { nullable: true, description: "Menu position, lower first; -1000000 to 1000000." })
  sortOrder?: number;
}

@InputType({ description: "Fields to change; omitted fields stay." })
export class UpdateProductInput {
  @Field({ nullable: true, description: "New pid. Slug: 1-32 of a-z, 0-9, _; unique (CONFLICT otherwise)." })
  pid?: string;

  @Field({ nullable: true, description: "Type of an existing category (BAD_USER_INPUT otherwise)." })
  categoryType?: string;

  @Field({ nullable: true, description: "Display name, 1-64 characters." })
  name?: string;

  @Field({ nullable: true, description: "English name, up to 128 characters." })
  enName?: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'Base price: non-negative, at most 2 decimals, below 100000000, e.g. "28.00".',
  })
  price?: Prisma.Decimal;

  @Field({ nullable: true, description: "Menu text, up to 2000 characters." })
  description?: string;

  @Field({
    nullable: true,
    description: "Thumbnail: http(s) URL or a path under static/images/, up to 512 characters.",
  })
  smallImage?: string;

  @Field({
    nullable: true,
    description: "Full-size image: http(s) URL or a path under static/images/, up to 512 characters.",
  })
  largeImage?: string;

  @Field({ nullable: true, description: "True for a hot drink; a new product defaults to false." })
  isHot?: boolean;

  @Field({ nullable: true, description: "False takes it off the menu; a new product defaults to true." })
  isAvailable?: boolean;
}

/** A new product: the fields of an update, with pid, category, name and price required. */
@InputType({ description: "A new product; omitted images get the default pictures." })
export class CreateProductInput extends UpdateProductInput {
  @Field({ description: "Slug: 1-32 of a-z, 0-9, _; unique (CONFLICT otherwise)." })
  declare pid: string;

  @Field({ description: "Type of an existing category (BAD_USER_INPUT otherwise)." })
  declare categoryType: string;

  @Field({ description: "Display name, 1-64 characters." })
  declare name: string;

  @Field(() => DecimalScalar, {
    description: 'Base price: non-negative, at most 2 decimals, below 100000000, e.g. "28.00".',
  })
  declare price: Prisma.Decimal;
}

@InputType({ description: "One choice of a product option." })
export class OptionChoiceInput {
  @Field({ description: "The choice as shown, 1-32 characters; unique within the option." })
  value!: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'Added to the price, may be negative, at most 2 decimals; default "0.00".',
  })
  priceDelta?: Prisma.Decimal;

  @Field({ nullable: true, description: "At most one; without one the first choice is the default." })
  isDefault?: boolean;
}

@InputType({ description: "A product's option of one kind, replacing any earlier one of that kind." })
export class SetProductOptionInput {
  @Field({ description: "The product's pid (NOT_FOUND when unknown)." })
  pid!: string;

  @Field(() => OptionKind, { description: "The kind of option to set." })
  kind!: OptionKind;

  @Field({ description: 'Display label, 1-32 characters, e.g. "温度".' })
  label!: string;

  @Field(() => [OptionChoiceInput], { description: "1-10 choices in display order." })
  choices!: OptionChoiceInput[];
}

@InputType({ description: "A new promotion banner." })
export class CreatePromotionInput {
  @Field({ description: "Banner image: http(s) URL or a path under static/images/, up to 512 characters." })
  imageUrl!: string;

  @Field({ description: "Caption, 1-255 characters." })
  description!: string;

  @Field(() => Int, {
    nullable: true,
    description: "Display position, lower first; -1000000 to 1000000, default 0.",
  })
  sortOrder?: number;

  @Field(() => Date, { nullable: true, description: "Shown from this time (UTC); omitted: at once." })
  startsAt?: Date;

  @Field(() => Date, {
    nullable: true,
    description: "Shown until this time (UTC), after startsAt (BAD_USER_INPUT otherwise); omitted: no end.",
  })
  endsAt?: Date;
}

@InputType({ description: "Fields to change; omitted fields stay, null clears startsAt/endsAt." })
export class UpdatePromotionInput {
  @Field({
    nullable: true,
    description: "Banner image: http(s) URL or a path under static/images/, up to 512 characters.",
  })
  imageUrl?: string;

  @Field({ nullable: true, description: "Caption, 1-255 characters." })
  description?: string;

  @Field(() => Int, { nullable: true, description: "Display position, lower first; -1000000 to 1000000." })
  sortOrder?: number;

  @Field(() => Date, { nullable: true, description: "Shown from this time (UTC); null: at once." })
  startsAt?: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "Shown until this time (UTC), after startsAt; null: no end.",
  })
  endsAt?: Date | null;
}
