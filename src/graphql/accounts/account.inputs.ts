import { Field, InputType } from "type-graphql";

@InputType({ description: "A new account." })
export class RegisterInput {
  @Field({ description: "3-32 letters, digits or underscores; unique regardless of letter case." })
  username!: string;

  @Field({ description: "8-128 characters with at least one letter and one digit." })
  password!: string;

  @Field({ nullable: true, description: "Display name, up to 64 characters; omitted: empty." })
  nickName?: string;

  @Field({ nullable: true, description: "5-20 digits, optionally starting with +; omitted or empty: none." })
  phone?: string;
}

@InputType({ description: "Credentials to sign in with." })
export class LoginInput {
  @Field({ description: "The account's username, in any letter case." })
  username!: string;

  @Field({ description: "The account's password." })
  password!: string;
}

@InputType({ description: "Fields to change; omitted fields stay, null clears phone and images." })
export class UpdateMeInput {
  @Field({ nullable: true, description: "Display name, up to 64 characters." })
  nickName?: string;

  @Field(() => String, {
    nullable: true,
    description: "5-20 digits, optionally starting with +; null or empty removes it.",
  })
  phone?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "http(s) URL of at most 512 characters; null or empty returns to the default avatar.",
  })
  avatarUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "http(s) URL of at most 512 characters; null or empty returns to the default background.",
  })
  backgroundUrl?: string | null;

  @Field({ nullable: true, description: "Profile text, up to 500 characters, no control characters." })
  bio?: string;
}

@InputType({ description: "The current password, as proof, and the new one." })
export class ChangePasswordInput {
  @Field({ description: "The password now in use; a wrong one is BAD_USER_INPUT on this field." })
  currentPassword!: string;

  @Field({ description: "8-128 characters with at least one letter and one digit." })
  newPassword!: string;
}
