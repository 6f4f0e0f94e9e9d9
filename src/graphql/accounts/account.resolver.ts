import { URLResolver } from "graphql-scalars";
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Session, SignedIn, UserRow } from "../../accounts/accounts.service.js";
import { profileImages } from "../../accounts/profile.js";
import { CurrentSession, CurrentUser } from "../authorization.js";
import type { GraphQLContext } from "../context.js";
import { ChangePasswordInput, LoginInput, RegisterInput, UpdateMeInput } from "./account.inputs.js";
import { AuthPayload, User } from "./user.type.js";

/** The payload of a new session; the rest of the operation (e.g. `user { cart }`) runs as its user. */
function signIn(ctx: GraphQLContext, session: Session) {
  ctx.signIn(session);
  return { token: session.token, expiresAt: session.expiresAt, user: session.user };
}

@Resolver(() => User)
export class AccountResolver {
  @Query(() => User, { nullable: true, description: "The signed-in user; null when anonymous." })
  me(@Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    return ctx.viewer();
  }

  @Mutation(() => AuthPayload, {
    description:
      "Creates an account and signs it in. Errors: BAD_USER_INPUT (extensions.field), CONFLICT when the username is taken, RATE_LIMITED (retryAfterSeconds) after too many registrations from one address.",
  })
  async register(
    @Arg("input", { description: "The new account." }) input: RegisterInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return signIn(ctx, await ctx.services.accounts.register(input, ctx.ip));
  }

  @Mutation(() => AuthPayload, {
    description:
      "Signs in. Errors: UNAUTHENTICATED, the same for an unknown user and a wrong password; RATE_LIMITED (retryAfterSeconds) after too many attempts.",
  })
  async login(
    @Arg("input", { description: "Username and password." }) input: LoginInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return signIn(ctx, await ctx.services.accounts.login(input.username, input.password, ctx.ip));
  }

  @Authorized()
  @Mutation(() => User, {
    description:
      "Changes the signed-in user's profile and returns it. Errors: UNAUTHENTICATED, BAD_USER_INPUT (extensions.field).",
  })
  async updateMe(
    @Arg("input", { description: "The fields to change." }) input: UpdateMeInput,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserRow> {
    return ctx.services.accounts.updateProfile(viewer.id, input);
  }

  @Authorized()
  @Mutation(() => AuthPayload, {
    description:
      "Changes the password, revokes every earlier token and returns a new session. Errors: UNAUTHENTICATED, BAD_USER_INPUT (wrong currentPassword, weak newPassword), RATE_LIMITED.",
  })
  async changePassword(
    @Arg("input", { description: "Current and new password." }) input: ChangePasswordInput,
    @CurrentUser() viewer: UserRow,
    @Ctx() ctx: GraphQLContext,
  ) {
    return signIn(
      ctx,
      await ctx.services.accounts.changePassword(viewer.id, input.currentPassword, input.newPassword, ctx.ip),
    );
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: "Revokes the token of this request; always true. Errors: UNAUTHENTICATED.",
  })
  async logout(@CurrentSession() { claims }: SignedIn, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.logout(claims);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      "Revokes every token of the signed-in user, on every device; always true. Errors: UNAUTHENTICATED.",
  })
  async logoutAll(@CurrentUser() viewer: UserRow, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.logoutAll(viewer.id);
    return true;
  }

  @FieldResolver(() => URLResolver)
  avatarUrl(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): string {
    return profileImages(user, ctx.config).avatarUrl;
  }

  @FieldResolver(() => URLResolver)
  backgroundUrl(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): string {
    return profileImages(user, ctx.config).backgroundUrl;
  }
}
