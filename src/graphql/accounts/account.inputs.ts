import { Field, InputType } from "type-graphql";

@InputType()
export class RegisterInput {
  @Field({ description: "3-32 letters, digits or underscores; unique regardless of letter case." })
  username!: string;

  @Field({ description: "8-128 characters with at least one letter and one digit." })
  password!: string;

  @Field({ nullable: true })
  nickName?: string;

  @Field({ nullable: true, description: "Digits, optionally starting with +." })
  phone?: string;
}

@InputType()
export class LoginInput {
  @Field()
  username!: string;

  @Field()
  password!: string;
}

@InputType({ description: "Fields to change; omitted fields stay, null clears phone and images." })
export class UpdateMeInput {
  @Field({ nullable: true })
  nickName?: string;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  avatarUrl?: string | null;

  @Field(() => String, { nullable: true })
  backgroundUrl?: string | null;

  @Field({ nullable: true })
  bio?: string;
}

@InputType()
export class ChangePasswordInput {
  @Field()
  currentPassword!: string;

  @Field()
  newPassword!: string;
}
