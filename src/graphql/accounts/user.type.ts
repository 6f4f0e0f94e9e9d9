import { URLResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Node } from "../node/node.type.js";
import { Role } from "../../generated/prisma/enums.js";

registerEnumType(Role, {
  name: "Role",
  description: "CUSTOMER, or ADMIN: may edit the catalogue and advance orders.",
  valuesConfig: {
    CUSTOMER: { description: "A customer: orders for themselves." },
    ADMIN: { description: "Shop staff: may also edit the catalogue, see every order and advance orders." },
  },
});

@ObjectType({ description: "A customer account.", implements: Node })
export class User {
  @Field(() => ID, { description: "Global id (opaque); node(id:) answers it to the user themselves only." })
  id!: string;

  @Field(() => Int, { description: "The numeric database id, for clients that stored it before global ids." })
  databaseId!: number;

  @Field({
    description: "Sign-in name: 3-32 letters, digits or underscores, unique regardless of letter case.",
  })
  username!: string;

  @Field({ description: "Display name, up to 64 characters; empty string when not set." })
  nickName!: string;

  @Field(() => String, {
    nullable: true,
    description: "Digits, optionally starting with +; null when not set.",
  })
  phone!: string | null;

  @Field(() => URLResolver, { description: "The user's avatar, or the default one." })
  avatarUrl!: string;

  @Field(() => URLResolver, { description: "The user's profile background, or the default one." })
  backgroundUrl!: string;

  @Field({ description: "Profile text, up to 500 characters; empty string when not set." })
  bio!: string;

  @Field(() => Int, { description: "VIP level; 0 for a regular customer." })
  vip!: number;

  @Field(() => Role, { description: "What the user may do: CUSTOMER or ADMIN." })
  role!: Role;

  @Field({ description: "When the account was created (UTC)." })
  createdAt!: Date;
}

@ObjectType({ description: "A session: a bearer token for the Authorization header, and its user." })
export class AuthPayload {
  @Field({ description: "JWT for `Authorization: Bearer <token>`, on GraphQL and the legacy routes." })
  token!: string;

  @Field({ description: "When the token stops working (UTC); sign in again after it." })
  expiresAt!: Date;

  @Field(() => User, { description: "The signed-in user; the rest of this operation runs as them." })
  user!: User;
}
