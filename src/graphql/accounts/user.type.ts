import { URLResolver } from "graphql-scalars";
import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { Role } from "../../generated/prisma/enums.js";

registerEnumType(Role, {
  name: "Role",
  description: "CUSTOMER, or ADMIN: may edit the catalogue and advance orders.",
});

@ObjectType({ description: "A customer account." })
export class User {
  @Field(() => Int)
  id!: number;

  @Field()
  username!: string;

  @Field()
  nickName!: string;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => URLResolver, { description: "The user's avatar, or the default one." })
  avatarUrl!: string;

  @Field(() => URLResolver, { description: "The user's profile background, or the default one." })
  backgroundUrl!: string;

  @Field()
  bio!: string;

  @Field(() => Int)
  vip!: number;

  @Field(() => Role)
  role!: Role;

  @Field()
  createdAt!: Date;
}

@ObjectType({ description: "A session: a bearer token for the Authorization header, and its user." })
export class AuthPayload {
  @Field({ description: "JWT for `Authorization: Bearer <token>`, on GraphQL and the legacy routes." })
  token!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}
